//! The document shell, the layout every page shares, and the routes.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

use crate::i18n::{t, Lang, LANG_COOKIE};
use crate::model::SessionInfo;
use crate::pages::tracker::TrackerPage;
use crate::pages::{audit::AuditPage, coordinator::CoordinatorPage, county::CountyPage, login::LoginPage, public::PublicPage, report::ReportPage};
use crate::server_fns::{get_session_info, Logout};

/// The reader's language: the cookie on the server; on the client, what the server rendered
/// into `<html lang>`, so that hydration sees the same texts.
pub fn detect_lang() -> Lang {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|parts| crate::server_fns::ssr::cookie_value(&parts.headers, LANG_COOKIE))
            .and_then(|code| Lang::from_code(&code))
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = LANG_COOKIE;
        document().document_element().and_then(|e| e.get_attribute("lang")).and_then(|code| Lang::from_code(&code)).unwrap_or_default()
    }
}

pub fn use_lang() -> Lang {
    use_context::<Lang>().unwrap_or_default()
}

pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = detect_lang();
    view! {
        <!DOCTYPE html>
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Everything pages share about the reader, loaded once per page.
pub type SessionResource = Resource<Result<SessionInfo, ServerFnError>>;

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let lang = detect_lang();
    provide_context(lang);
    let session: SessionResource = Resource::new(|| (), |_| get_session_info());
    provide_context(session);

    view! {
        <Stylesheet id="leptos" href="/pkg/kompotten.css"/>
        <Title text=t(lang, "site.title")/>
        <Router>
            <a class="skip-link" href="#main">{t(lang, "nav.skip")}</a>
            <Header/>
            <main id="main">
                // Async: the whole page is rendered before it is sent, so it reads without
                // JavaScript (out-of-order streaming would need a script to place its parts).
                <Routes fallback=move || view! { <h1>{t(lang, "page.not_found")}</h1> }>
                    <Route path=path!("/") view=PublicPage ssr=SsrMode::Async/>
                    <Route path=path!("/logga-in") view=LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/rapportera") view=ReportPage ssr=SsrMode::Async/>
                    <Route path=path!("/samordnare") view=CoordinatorPage ssr=SsrMode::Async/>
                    <Route path=path!("/samordnare/inrapportering") view=|| view! { <TrackerPage path="/samordnare/inrapportering" county_filter=true/> } ssr=SsrMode::Async/>
                    <Route path=path!("/samordnare/logg") view=AuditPage ssr=SsrMode::Async/>
                    <Route path=path!("/lan") view=CountyPage ssr=SsrMode::Async/>
                </Routes>
            </main>
            <footer>
                <p>{t(lang, "footer.about")}</p>
            </footer>
        </Router>
    }
}

#[component]
fn Header() -> impl IntoView {
    let lang = use_lang();
    let session = expect_context::<SessionResource>();
    let logout = ServerAction::<Logout>::new();
    view! {
        <header class="site-header">
            <a class="brand" href="/">{t(lang, "site.title")}</a>
            <nav aria-label=t(lang, "nav.label")>
                <ul>
                    <li><a href="/">{t(lang, "nav.statistics")}</a></li>
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            let info = session.await.ok();
                            let user = info.as_ref().and_then(|i| i.user.clone());
                            let demo = info.as_ref().is_some_and(|i| i.is_demo);
                            view! {
                                {match user {
                                    Some(user) => view! {
                                        <li><a href=user.role.home_path()>{t(lang, &format!("nav.home.{}", user.role.code()))}</a></li>
                                        <li>
                                            <ActionForm action=logout attr:class="inline">
                                                <button type="submit">{t(lang, "nav.logout")} " (" {user.display_name} ")"</button>
                                            </ActionForm>
                                        </li>
                                    }.into_any(),
                                    None => view! { <li><a href="/logga-in">{t(lang, "nav.login")}</a></li> }.into_any(),
                                }}
                                {demo.then(|| view! { <li class="demo-badge" role="status">{t(lang, "demo.banner")}</li> })}
                            }
                        })}
                    </Suspense>
                    <li>
                        <a href=format!("/sprak/{}", lang.other().code()) rel="external" hreflang=lang.other().code() lang=lang.other().code()>
                            {t(lang, "nav.other_language")}
                        </a>
                    </li>
                </ul>
            </nav>
        </header>
    }
}
