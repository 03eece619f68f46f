//! The national coordinator's page: who has reported (status, never values), the year's
//! privacy budget, planning and confirming releases (`release_planner`), and the releases made.

use leptos::prelude::*;

use crate::app::use_lang;
use crate::domain::FieldError;
use crate::i18n::{format_decimal, format_delta, format_rho, t, t_with};
use crate::model::{BudgetOutcome, PeriodOutcome, PeriodState, TokenOutcome};
use crate::pages::release_planner::ReleasePlanner;
use crate::pages::upload::{CsvUpload, ImportResult, IntentSelect};
use crate::pages::{error_for, format_time, query_year, use_hydrated, NeedsSignIn, TextField};
use crate::server_fns::{get_coordinator_overview, import_grants, import_submissions_csv, CreateRelease, IssueToken, RevokeToken, SetBudget, SetPeriodState};

/// Money in öre as Swedish kronor with spaces between thousands ("1 836 000 kr").
pub fn format_sek(ore: i64) -> String {
    let kronor = (ore / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in kronor.chars().enumerate() {
        if i > 0 && (kronor.len() - i) % 3 == 0 {
            grouped.push('\u{a0}');
        }
        grouped.push(c);
    }
    match ore % 100 {
        0 => format!("{grouped}\u{a0}kr"),
        rest => format!("{grouped},{rest:02}\u{a0}kr"),
    }
}

#[component]
pub fn CoordinatorPage() -> impl IntoView {
    let lang = use_lang();
    let year = query_year();
    let release = ServerAction::<CreateRelease>::new();
    let budget = ServerAction::<SetBudget>::new();
    let period_action = ServerAction::<SetPeriodState>::new();
    let issue = ServerAction::<IssueToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let csv_upload = Action::new(|(period, intent, hex): &(String, String, String)| import_submissions_csv(period.clone(), intent.clone(), hex.clone()));
    let grant_upload = Action::new(|(year, hex): &(String, String)| import_grants(year.clone(), hex.clone()));
    let overview = Resource::new(
        move || {
            (
                year.get(),
                release.version().get(),
                budget.version().get(),
                period_action.version().get(),
                issue.version().get(),
                revoke.version().get(),
                grant_upload.version().get(),
            )
        },
        |(y, ..)| get_coordinator_overview(y),
    );
    let period_errors = Signal::derive(move || match period_action.value().get() {
        Some(Ok(PeriodOutcome::Invalid(errors))) => errors,
        _ => Vec::<FieldError>::new(),
    });
    let token_errors = Signal::derive(move || match issue.value().get() {
        Some(Ok(TokenOutcome::Invalid(errors))) => errors,
        _ => Vec::<FieldError>::new(),
    });
    let issued = move || match issue.value().get() {
        Some(Ok(TokenOutcome::Issued { token, view })) => Some(t_with(lang, "tokens.issued", &[("municipality", view.municipality.name), ("token", token)])),
        _ => None,
    };
    let csv_period = RwSignal::new(String::new());
    let csv_intent = RwSignal::new("submit".to_owned());
    let budget_errors = Signal::derive(move || match budget.value().get() {
        Some(Ok(BudgetOutcome::Invalid(errors))) => errors,
        _ => Vec::<FieldError>::new(),
    });
    let hydrated = use_hydrated();

    view! {
        <Suspense fallback=move || view! { <p>{t(lang, "loading")}</p> }>
            {move || Suspend::new(async move {
                let overview = match overview.await {
                    Ok(overview) => overview,
                    Err(_) => return view! { <NeedsSignIn lang/> }.into_any(),
                };
                let year = overview.year;
                let budgets = overview.budgets.clone();
                let no_budgets = budgets.is_empty();
                view! {
                    <h1>{t_with(lang, "coordinator.title", &[("year", year.to_string())])}</h1>

                    <section aria-labelledby="budget-heading">
                        <h2 id="budget-heading">{t(lang, "budget.title")}</h2>
                        <ul id="budget-status">
                            {budgets.into_iter().map(|b| view! {
                                <li data-year=b.year.to_string()>{t_with(lang, "budget.status", &[
                                    ("year", b.year.to_string()),
                                    ("total", format_rho(lang, b.total_rho)),
                                    ("spent", format_rho(lang, b.spent_rho)),
                                    ("remaining", format_rho(lang, b.remaining_rho)),
                                ])}</li>
                            }).collect_view()}
                        </ul>
                        {no_budgets.then(|| view! { <p>{t(lang, "budget.none")}</p> })}
                        <ActionForm action=budget attr:id="budget-form">
                            <TextField
                                id="budget-year"
                                name="year"
                                label=t(lang, "field.budget_year")
                                help=t(lang, "help.budget_year")
                                value=year.to_string()
                                error=Signal::derive(move || error_for(lang, &budget_errors.get(), "year"))
                            />
                            <TextField
                                id="total_rho"
                                label=t(lang, "field.total_rho")
                                help=t(lang, "help.total_rho")
                                value=""
                                error=Signal::derive(move || error_for(lang, &budget_errors.get(), "total_rho"))
                                inputmode="decimal"
                            />
                            <button type="submit" id="budget-submit" disabled=move || !hydrated.get()>{t(lang, "budget.submit")}</button>
                        </ActionForm>
                    </section>

                    <section aria-labelledby="plan-heading">
                        <h2 id="plan-heading">{t(lang, "plan.title")}</h2>
                        <p>{t(lang, "plan.intro")}</p>
                        <p>{t(lang, "release.intro")}</p>
                        <ReleasePlanner lang year design=overview.design.clone() release hydrated/>
                    </section>

                    <section aria-labelledby="release-heading">
                        <h2 id="release-heading">{t(lang, "release.title")}</h2>
                        <table id="release-list">
                            <caption>{t(lang, "release.list.caption")}</caption>
                            <thead>
                                <tr>
                                    <th scope="col">{t(lang, "release.list.created")}</th>
                                    <th scope="col">{t(lang, "release.list.by")}</th>
                                    <th scope="col">"ρ"</th>
                                    <th scope="col">{t(lang, "release.list.epsilon")}</th>
                                    <th scope="col">{t(lang, "release.list.ci")}</th>
                                    <th scope="col">{t(lang, "release.list.design")}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {overview.releases.into_iter().map(|r| view! {
                                    <tr>
                                        <td>{format_time(&r.created_at)}</td>
                                        <td>{r.created_by}</td>
                                        <td>{format_rho(lang, r.rho)}</td>
                                        <td>{format_decimal(lang, r.epsilon, 2)} " (δ = " {format_delta(r.delta)} ")"</td>
                                        <td>{r.periods.join(", ")}</td>
                                        <td>{r.design.clone().map_or_else(|| t(lang, "release.design.none"), |d| t(lang, &format!("design.{d}")))}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </section>

                    <section aria-labelledby="periods-heading">
                        <h2 id="periods-heading">{t(lang, "periods.title")}</h2>
                        <p>
                            <a href="/samordnare/inrapportering" id="tracker-link">{t(lang, "periods.tracker_link")}</a>
                            " · "
                            <a href="/samordnare/logg" id="audit-link">{t(lang, "periods.audit_link")}</a>
                        </p>
                        <table id="period-list">
                            <caption>{t(lang, "periods.caption")}</caption>
                            <thead><tr>
                                <th scope="col">{t(lang, "periods.period")}</th>
                                <th scope="col">{t(lang, "periods.state")}</th>
                                <th scope="col">{t(lang, "periods.changed")}</th>
                                <th scope="col">{t(lang, "periods.action")}</th>
                            </tr></thead>
                            <tbody>
                                {overview.periods.clone().into_iter().map(|p| {
                                    let open = p.state == PeriodState::Open;
                                    view! {
                                        <tr>
                                            <th scope="row">{p.id.clone()}</th>
                                            <td>{t(lang, if open { "period.open" } else { "period.closed" })}</td>
                                            <td>{format_time(&p.changed_at)} " " {p.changed_by.clone()}</td>
                                            <td>
                                                <ActionForm action=period_action>
                                                    <input type="hidden" name="period" value=p.id.clone()/>
                                                    <input type="hidden" name="state" value=if open { "closed" } else { "open" }/>
                                                    <button type="submit" disabled=move || !hydrated.get()>{t(lang, if open { "periods.close" } else { "periods.reopen" })}</button>
                                                </ActionForm>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        <ActionForm action=period_action attr:id="period-form">
                            <input type="hidden" name="state" value="open"/>
                            <TextField id="period" label=t(lang, "field.period") help=t(lang, "help.period") value=year.to_string()
                                error=Signal::derive(move || error_for(lang, &period_errors.get(), "period"))/>
                            <button type="submit" id="period-submit" disabled=move || !hydrated.get()>{t(lang, "periods.open")}</button>
                        </ActionForm>
                    </section>

                    <section aria-labelledby="import-heading">
                        <h2 id="import-heading">{t(lang, "import.title")}</h2>
                        <p>{t(lang, "import.intro")}</p>
                        <CsvUpload id="coordinator-csv" label=t(lang, "import.file") help=t(lang, "import.help") button=t(lang, "import.button") hydrated
                            on_file=Callback::new(move |hex: String| { csv_upload.dispatch((csv_period.get_untracked(), csv_intent.get_untracked(), hex)); })>
                            <div class="field">
                                <label for="coordinator-csv-period">{t(lang, "field.period")}</label>
                                <input id="coordinator-csv-period" type="text" value=year.to_string() prop:value=move || { let p = csv_period.get(); if p.is_empty() { year.to_string() } else { p } }
                                    on:input=move |ev| csv_period.set(event_target_value(&ev))/>
                            </div>
                            <IntentSelect id="coordinator-csv-intent" intent=csv_intent/>
                        </CsvUpload>
                        <ImportResult id="coordinator-csv-result" outcome=csv_upload.value()/>
                    </section>

                    <section aria-labelledby="grants-heading">
                        <h2 id="grants-heading">{t_with(lang, "grants.title", &[("year", year.to_string())])}</h2>
                        <p>{t(lang, "grants.intro")}</p>
                        {overview.grants.as_ref().map(|g| view! {
                            <p id="grants-current">{t_with(lang, "grants.current", &[("rows", g.rows.len().to_string()), ("granted", format_sek(g.total_granted_ore)), ("at", format_time(&g.imported_at))])}</p>
                        })}
                        <CsvUpload id="grants-csv" label=t(lang, "grants.file") help=t(lang, "grants.help") button=t(lang, "grants.button") hydrated
                            on_file=Callback::new(move |hex: String| { grant_upload.dispatch((year.to_string(), hex)); })/>
                        <ImportResult id="grants-csv-result" outcome=grant_upload.value()/>
                    </section>

                    <section aria-labelledby="tokens-heading">
                        <h2 id="tokens-heading">{t(lang, "tokens.title")}</h2>
                        <p>{t(lang, "tokens.intro")} " " <a href="/api/openapi.json">"OpenAPI"</a></p>
                        <ActionForm action=issue attr:id="token-form">
                            <TextField id="municipality" label=t(lang, "field.municipality") help=t(lang, "help.municipality") value=""
                                error=Signal::derive(move || error_for(lang, &token_errors.get(), "municipality")) inputmode="numeric"/>
                            <TextField id="label" label=t(lang, "field.label") help=t(lang, "help.label") value=""
                                error=Signal::derive(move || error_for(lang, &token_errors.get(), "label"))/>
                            <button type="submit" id="token-submit" disabled=move || !hydrated.get()>{t(lang, "tokens.issue")}</button>
                            <p class="form-ok" role="status" id="token-issued"><code>{issued}</code></p>
                        </ActionForm>
                        <table id="token-list">
                            <caption>{t(lang, "tokens.caption")}</caption>
                            <thead><tr>
                                <th scope="col">{t(lang, "status.municipality")}</th>
                                <th scope="col">{t(lang, "field.label")}</th>
                                <th scope="col">{t(lang, "tokens.created")}</th>
                                <th scope="col">{t(lang, "periods.action")}</th>
                            </tr></thead>
                            <tbody>
                                {overview.tokens.clone().into_iter().map(|tok| view! {
                                    <tr>
                                        <th scope="row">{tok.municipality.name.clone()} " (" {tok.municipality.code.clone()} ")"</th>
                                        <td>{tok.label.clone()}</td>
                                        <td>{format_time(&tok.created_at)} " " {tok.created_by.clone()}</td>
                                        <td>{match &tok.revoked_at {
                                            Some(at) => view! { <span>{t(lang, "tokens.revoked")} " " {format_time(at)}</span> }.into_any(),
                                            None => view! {
                                                <ActionForm action=revoke>
                                                    <input type="hidden" name="id" value=tok.id.clone()/>
                                                    <button type="submit" disabled=move || !hydrated.get()>{t(lang, "tokens.revoke")}</button>
                                                </ActionForm>
                                            }.into_any(),
                                        }}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </section>
                }.into_any()
            })}
        </Suspense>
    }
}
