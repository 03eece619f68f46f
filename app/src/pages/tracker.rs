//! The submission tracker, for the coordinator (every county) and a county board (its own):
//! who should report for a period and how far each has come. Status, never values. Filters
//! are a plain GET form, so the page works without scripts; the CSV export is a link.

use leptos::prelude::*;

use crate::app::use_lang;
use crate::i18n::{t, t_with};
use crate::model::{Tracker, TrackerStatus};
use crate::pages::{format_time, query_text, NeedsSignIn};
use crate::server_fns::get_tracker;

fn status_key(status: TrackerStatus) -> &'static str {
    match status {
        TrackerStatus::NotStarted => "tracker.status.not_started",
        TrackerStatus::Draft => "tracker.status.draft",
        TrackerStatus::Submitted => "tracker.status.submitted",
        TrackerStatus::Corrected => "tracker.status.corrected",
    }
}

/// `path` is this page's own address (the filter form submits to it).
#[component]
pub fn TrackerPage(path: &'static str, county_filter: bool) -> impl IntoView {
    let lang = use_lang();
    let period = query_text("period");
    let county = query_text("lan");
    let membership = query_text("medlemskap");
    let tracker = Resource::new(move || (period.get(), county.get(), membership.get()), |(p, c, m)| get_tracker(p, c, m));
    view! {
        <Suspense fallback=move || view! { <p>{t(lang, "loading")}</p> }>
            {move || Suspend::new(async move {
                match tracker.await {
                    Ok(tracker) => view! { <TrackerView tracker path county_filter/> }.into_any(),
                    Err(_) => view! { <NeedsSignIn lang/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TrackerView(tracker: Tracker, path: &'static str, county_filter: bool) -> impl IntoView {
    let lang = use_lang();
    let Some(period) = tracker.period.clone() else {
        return view! { <h1>{t(lang, "tracker.heading")}</h1><p>{t(lang, "tracker.no_period")}</p> }.into_any();
    };
    let county_name = tracker.county.as_ref().and_then(|c| tracker.counties.iter().find(|a| &a.code == c)).map(|a| a.name.clone());
    let title = match &county_name {
        Some(name) => t_with(lang, "tracker.title_county", &[("period", period.id.clone()), ("county", name.clone())]),
        None => t_with(lang, "tracker.title", &[("period", period.id.clone())]),
    };
    let count = |s: TrackerStatus| tracker.rows.iter().filter(|r| r.status == s).count().to_string();
    let summary = t_with(
        lang,
        "tracker.summary",
        &[
            ("total", tracker.rows.len().to_string()),
            ("submitted", count(TrackerStatus::Submitted)),
            ("corrected", count(TrackerStatus::Corrected)),
            ("draft", count(TrackerStatus::Draft)),
            ("not_started", count(TrackerStatus::NotStarted)),
        ],
    );
    let mut export = format!("/api/v1/periods/{}/tracker.csv?membership={}", period.id, tracker.membership.code());
    if let Some(c) = &tracker.county {
        export.push_str(&format!("&county={c}"));
    }
    let membership = tracker.membership.code();
    view! {
        <h1>{title}</h1>
        <p>{t(lang, "tracker.intro")}</p>
        <form method="get" action=path class="filters" id="tracker-filters">
            <div class="field">
                <label for="period">{t(lang, "tracker.period")}</label>
                <select id="period" name="period">
                    {tracker.periods.iter().map(|p| view! { <option value=p.id.clone() selected=p.id == period.id>{p.id.clone()}</option> }).collect_view()}
                </select>
            </div>
            {county_filter.then(|| view! {
                <div class="field">
                    <label for="lan">{t(lang, "tracker.county")}</label>
                    <select id="lan" name="lan">
                        <option value="">{t(lang, "tracker.all_counties")}</option>
                        {tracker.counties.iter().map(|c| view! { <option value=c.code.clone() selected=tracker.county.as_deref() == Some(c.code.as_str())>{c.name.clone()}</option> }).collect_view()}
                    </select>
                </div>
            })}
            <div class="field">
                <label for="medlemskap">{t(lang, "tracker.membership")}</label>
                <select id="medlemskap" name="medlemskap">
                    {["all", "network_members", "grant_recipients"].into_iter().map(|m| view! {
                        <option value=m selected=m == membership>{t(lang, &format!("tracker.membership.{m}"))}</option>
                    }).collect_view()}
                </select>
            </div>
            <button type="submit">{t(lang, "tracker.filter")}</button>
        </form>
        <p id="tracker-summary">{summary}</p>
        <p><a href=export id="tracker-export" download="">{t(lang, "tracker.export")}</a></p>
        <table class="status-table" id="tracker">
            <caption>{t(lang, "tracker.caption")}</caption>
            <thead>
                <tr>
                    <th scope="col">{t(lang, "status.municipality")}</th>
                    <th scope="col">{t(lang, "status.county")}</th>
                    <th scope="col">{t(lang, "tracker.reports_as")}</th>
                    <th scope="col">{t(lang, "status.state")}</th>
                    <th scope="col">{t(lang, "tracker.last_change")}</th>
                </tr>
            </thead>
            <tbody>
                {tracker.rows.into_iter().map(|r| {
                    let roles = [(r.network_member, "tracker.member"), (r.grant_recipient, "tracker.recipient")]
                        .into_iter().filter(|(b, _)| *b).map(|(_, k)| t(lang, k)).collect::<Vec<_>>().join(", ");
                    let mut state = t(lang, status_key(r.status));
                    if r.pending_draft {
                        state = format!("{state} ({})", t(lang, "tracker.pending_draft"));
                    }
                    view! {
                        <tr data-status=r.status.code()>
                            <th scope="row">{r.municipality.name} " (" {r.municipality.code} ")"</th>
                            <td>{r.county.name}</td>
                            <td>{roles}</td>
                            <td>{state}</td>
                            <td>{r.last_change_at.as_deref().map(format_time).unwrap_or_default()} " " {r.last_change_by.unwrap_or_default()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }.into_any()
}
