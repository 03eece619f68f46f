//! The county board's page: which municipalities in its county have reported (never values).

use leptos::prelude::*;

use crate::app::use_lang;
use crate::i18n::{t, t_with};
use crate::pages::coordinator::StatusTable;
use crate::pages::{query_year, NeedsSignIn};
use crate::server_fns::get_county_overview;

#[component]
pub fn CountyPage() -> impl IntoView {
    let lang = use_lang();
    let year = query_year();
    let overview = Resource::new(move || year.get(), get_county_overview);
    view! {
        <Suspense fallback=move || view! { <p>{t(lang, "loading")}</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => view! {
                        <h1>{t_with(lang, "county.title", &[("county", overview.county.name.clone()), ("year", overview.year.to_string())])}</h1>
                        <p>{t(lang, "county.intro")}</p>
                        <StatusTable statuses=overview.statuses/>
                    }.into_any(),
                    Err(_) => view! { <NeedsSignIn lang/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
