//! The coordinator's view of the audit log: every write and every read of raw counts, newest
//! first, with a CSV export. Entries name fields, never values.

use leptos::prelude::*;

use crate::app::use_lang;
use crate::i18n::t;
use crate::pages::{format_time, NeedsSignIn};
use crate::server_fns::get_audit_log;

#[component]
pub fn AuditPage() -> impl IntoView {
    let lang = use_lang();
    let log = Resource::new(|| (), |_| get_audit_log(Some(500)));
    view! {
        <Suspense fallback=move || view! { <p>{t(lang, "loading")}</p> }>
            {move || Suspend::new(async move {
                let entries = match log.await {
                    Ok(entries) => entries,
                    Err(_) => return view! { <NeedsSignIn lang/> }.into_any(),
                };
                view! {
                    <h1>{t(lang, "audit.title")}</h1>
                    <p>{t(lang, "audit.intro")} " " <a href="/api/v1/audit-log.csv" id="audit-export" download="">{t(lang, "audit.export")}</a></p>
                    <table id="audit-log">
                        <caption>{t(lang, "audit.caption")}</caption>
                        <thead><tr>
                            <th scope="col">{t(lang, "audit.at")}</th>
                            <th scope="col">{t(lang, "audit.actor")}</th>
                            <th scope="col">{t(lang, "audit.action")}</th>
                            <th scope="col">{t(lang, "audit.period")}</th>
                            <th scope="col">{t(lang, "audit.municipality")}</th>
                            <th scope="col">{t(lang, "audit.detail")}</th>
                        </tr></thead>
                        <tbody>
                            {entries.into_iter().map(|e| view! {
                                <tr>
                                    <td>{format_time(&e.at)}</td>
                                    <td>{e.actor}</td>
                                    <td>{e.action}</td>
                                    <td>{e.period_id.unwrap_or_default()}</td>
                                    <td>{e.municipality_code.unwrap_or_default()}</td>
                                    <td>{e.detail}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            })}
        </Suspense>
    }
}
