//! The public dashboard: the latest release of a year, readable without JavaScript. The table
//! is the primary form; the Plotly chart draws on top of it when scripts run; hydration adds
//! sorting.

use leptos::prelude::*;

use crate::app::use_lang;
use crate::i18n::{format_decimal, format_delta, format_rho, t, t_with, Lang};
use crate::model::{GrantTable, PublicDashboard, PublishedRelease, ReleaseSummary, ReleasedArea, ReleasedValue, YearLoss};
use crate::pages::coordinator::format_sek;
use crate::pages::{format_time, query_year, use_hydrated};
use crate::server_fns::get_public_dashboard;

/// The vendored plotly.js, served by this server (no CDN): the basic partial bundle (scatter,
/// bar, pie), 1.1 MB less per visitor than the full one. Its version matches the plotly crate
/// that builds the figures.
pub const PLOTLY_JS: &str = "/vendor/plotly-basic-3.0.1.min.js";

#[component]
pub fn PublicPage() -> impl IntoView {
    let lang = use_lang();
    let year = query_year();
    let dashboard = Resource::new(move || year.get(), get_public_dashboard);
    view! {
        <h1>{t(lang, "public.title")}</h1>
        <p class="lead">{t(lang, "public.intro")}</p>
        <Suspense fallback=move || view! { <p>{t(lang, "loading")}</p> }>
            {move || Suspend::new(async move {
                match dashboard.await {
                    Ok(d) => view! { <Dashboard dashboard=d/> }.into_any(),
                    Err(_) => view! { <p role="alert">{t(lang, "error.load")}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Dashboard(dashboard: PublicDashboard) -> impl IntoView {
    let lang = use_lang();
    let years = dashboard.years.clone();
    let current = dashboard.release.as_ref().map(|r| r.year);
    let has_chart = dashboard.release.is_some() || dashboard.grants.is_some();
    view! {
        {(!years.is_empty()).then(|| view! {
            <nav aria-label=t(lang, "public.years")>
                <ul class="years">
                    {years.into_iter().map(|y| view! {
                        <li><a href=format!("/?ar={y}") aria-current=(Some(y) == current).then_some("page")>{y}</a></li>
                    }).collect_view()}
                </ul>
            </nav>
        })}
        {match dashboard.release {
            Some(release) => view! { <Release release/> }.into_any(),
            None => view! { <p id="no-release">{t(lang, "public.no_release")}</p> }.into_any(),
        }}
        {(dashboard.releases.len() > 1).then(|| view! { <EarlierReleases releases=dashboard.releases.clone()/> })}
        {dashboard.grants.map(|grants| view! { <Grants grants/> })}
        // One copy of the chart scripts for every figure on the page.
        {has_chart.then(|| view! {
            <script src=PLOTLY_JS defer></script>
            <script src="/assets/charts.js" defer></script>
        })}
    }
}

/// The year's grant table: public record, so exact, per recipient and in total.
#[component]
fn Grants(grants: GrantTable) -> impl IntoView {
    let lang = use_lang();
    let share = move |unused: i64, granted: i64| if granted == 0 { "–".to_owned() } else { format_decimal(lang, 100.0 * unused as f64 / granted as f64, 1) };
    view! {
        <section aria-labelledby="grants-heading" id="grants">
            <h2 id="grants-heading">{t_with(lang, "public.grants.heading", &[("year", grants.year.to_string())])}</h2>
            <p>{t(lang, "public.grants.intro")}</p>
            <figure class="chart">
                <div id="grant-chart" class="plotly-chart" role="img" aria-label=t(lang, "public.grants.chart_label") data-plotly-figure=grants.chart_json.clone()></div>
            </figure>
            <table id="grant-table">
                <caption>{t(lang, "public.grants.caption")}</caption>
                <thead><tr>
                    <th scope="col">{t(lang, "public.grants.recipient")}</th>
                    <th scope="col" class="num">{t(lang, "public.grants.granted")}</th>
                    <th scope="col" class="num">{t(lang, "public.grants.unused")}</th>
                    <th scope="col" class="num">{t(lang, "public.grants.share")}</th>
                </tr></thead>
                <tbody>
                    {grants.rows.iter().map(|r| view! {
                        <tr>
                            <th scope="row">{r.municipality.name.clone()}</th>
                            <td class="num">{format_sek(r.granted_ore)}</td>
                            <td class="num">{format_sek(r.unused_ore)}</td>
                            <td class="num">{share(r.unused_ore, r.granted_ore)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
                <tfoot><tr>
                    <th scope="row">{t(lang, "public.grants.total")}</th>
                    <td class="num" id="grant-total">{format_sek(grants.total_granted_ore)}</td>
                    <td class="num">{format_sek(grants.total_unused_ore)}</td>
                    <td class="num">{share(grants.total_unused_ore, grants.total_granted_ore)}</td>
                </tr></tfoot>
            </table>
        </section>
    }
}

fn value_text(v: ReleasedValue) -> String {
    format!("{} ({}–{})", v.value, v.ci_low, v.ci_high)
}

fn maybe_value_text(v: Option<ReleasedValue>) -> String {
    v.map_or_else(|| "–".to_owned(), value_text)
}

/// Every release of the year, newest first: the one shown and the ones before it.
#[component]
fn EarlierReleases(releases: Vec<ReleaseSummary>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <section aria-labelledby="releases-heading" id="releases">
            <h2 id="releases-heading">{t(lang, "public.releases.heading")}</h2>
            <table id="release-history">
                <caption>{t(lang, "public.releases.caption")}</caption>
                <thead><tr>
                    <th scope="col">{t(lang, "release.list.created")}</th>
                    <th scope="col">{t(lang, "release.list.ci")}</th>
                    <th scope="col">"ρ"</th>
                </tr></thead>
                <tbody>
                    {releases.into_iter().map(|r| view! {
                        <tr data-release-id=r.id.clone()>
                            <td><a href=format!("/api/v1/releases/{}", r.id) rel="external">{format_time(&r.created_at)}</a></td>
                            <td>{r.periods.join(", ")}</td>
                            <td>{format_rho(lang, r.rho)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
fn Release(release: PublishedRelease) -> impl IntoView {
    let lang = use_lang();
    let p = release.privacy.clone();
    let national = release.national.clone();
    let counties = StoredValue::new(release.counties.clone());
    let sort_by_value = RwSignal::new(false);
    // The sort button is enabled once hydration has run.
    let hydrated = use_hydrated();
    let rows = move || {
        let mut rows: Vec<ReleasedArea> = counties.get_value();
        if sort_by_value.get() {
            rows.sort_by(|a, b| b.households_moved_out.value.cmp(&a.households_moved_out.value).then(a.area.code.cmp(&b.area.code)));
        }
        rows
    };

    view! {
        <section aria-labelledby="release-heading" id="release" data-release-id=release.id.clone()>
            <h2 id="release-heading">{t_with(lang, "public.release_heading", &[("year", release.year.to_string())])}</h2>
            <p class="published-at">{t_with(lang, "public.published_at", &[("at", format_time(&release.created_at))])}</p>
            <p>{t_with(lang, "public.national_period", &[("period", release.headline_period.clone())])}</p>
            <dl class="national" id="national">
                <div>
                    <dt>{t(lang, "field.households_moved_out")}</dt>
                    <dd id="national-moved-out">{value_text(national.households_moved_out)}</dd>
                </div>
                <div>
                    <dt>{t(lang, "field.households_received")}</dt>
                    <dd id="national-received">{value_text(national.households_received)}</dd>
                </div>
            </dl>
            {(release.headline_periods.len() > 1).then(|| view! {
                <table id="national-periods">
                    <caption>{t(lang, "public.national_periods_caption")}</caption>
                    <thead><tr>
                        <th scope="col">{t(lang, "periods.period")}</th>
                        <th scope="col">{t(lang, "field.households_moved_out")}</th>
                        <th scope="col">{t(lang, "field.households_received")}</th>
                    </tr></thead>
                    <tbody>
                        {release.headline_periods.iter().map(|h| view! {
                            <tr data-period=h.period.clone()>
                                <th scope="row">{h.period.clone()}</th>
                                <td>{maybe_value_text(h.households_moved_out)}</td>
                                <td>{maybe_value_text(h.households_received)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            <p class="privacy-statement" id="privacy-statement">{privacy_statement(lang, &p, &release.charged_years)}</p>
            <ul id="privacy-ledger">
                {release.ledger.iter().map(|y| view! { <li data-year=y.year.to_string()>{year_loss_text(lang, y)}</li> }).collect_view()}
            </ul>

            <figure class="chart">
                <div
                    id="county-chart"
                    class="plotly-chart"
                    role="img"
                    aria-label=t(lang, "public.chart_label")
                    data-plotly-figure=release.chart_json.clone()
                ></div>
                <figcaption>{t(lang, "public.chart_caption")}</figcaption>
            </figure>

            <div class="table-tools">
                <button
                    type="button"
                    id="sort-toggle"
                    aria-pressed=move || sort_by_value.get().to_string()
                    disabled=move || !hydrated.get()
                    on:click=move |_| sort_by_value.update(|s| *s = !*s)
                >
                    {move || if sort_by_value.get() { t(lang, "public.sort.by_code") } else { t(lang, "public.sort.by_value") }}
                </button>
            </div>
            <table id="county-table">
                <caption>{t_with(lang, "public.table_caption", &[("period", release.county_period.clone())])}</caption>
                <thead>
                    <tr>
                        <th scope="col">{t(lang, "public.county")}</th>
                        <th scope="col">{t(lang, "field.households_moved_out")}</th>
                        <th scope="col">{t(lang, "public.interval")}</th>
                        <th scope="col">{t(lang, "field.households_received")}</th>
                        <th scope="col">{t(lang, "public.interval")}</th>
                    </tr>
                </thead>
                <tbody>
                    {move || rows().into_iter().map(|row| view! {
                        <tr data-county=row.area.code.clone()>
                            <th scope="row">{row.area.name}</th>
                            <td>{row.households_moved_out.value}</td>
                            <td>{row.households_moved_out.ci_low} "–" {row.households_moved_out.ci_high}</td>
                            <td>{row.households_received.value}</td>
                            <td>{row.households_received.ci_low} "–" {row.households_received.ci_high}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <p><a href=format!("/api/v1/releases/{}", release.id) rel="external">{t(lang, "public.download_json")}</a></p>
        </section>
    }
}

/// What the release cost in privacy and what the intervals mean, in words a reader can follow.
fn privacy_statement(lang: Lang, p: &crate::model::PrivacyLoss, years: &[i64]) -> String {
    t_with(
        lang,
        "public.privacy_statement",
        &[
            ("rho", format_rho(lang, p.rho)),
            ("epsilon", format_decimal(lang, p.epsilon, 2)),
            ("delta", format_delta(p.delta)),
            ("years", years.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")),
            ("county_margin", format_decimal(lang, p.margin("county").unwrap_or(f64::NAN), 1)),
            ("nation_margin", format_decimal(lang, p.margin("nation").unwrap_or(f64::NAN), 1)),
        ],
    )
}

/// A year's total privacy loss so far, over every release that has debited it.
fn year_loss_text(lang: Lang, y: &YearLoss) -> String {
    t_with(
        lang,
        "public.year_loss",
        &[
            ("year", y.year.to_string()),
            ("rho", format_rho(lang, y.rho)),
            ("budget", format_rho(lang, y.budget)),
            ("epsilon", format_decimal(lang, y.epsilon, 2)),
            ("delta", format_delta(y.delta)),
            ("releases", y.releases.to_string()),
        ],
    )
}
