//! The national coordinator's page: who has reported (status, never values), the year's
//! privacy budget, and releases.

use leptos::prelude::*;

use crate::app::use_lang;
use crate::domain::FieldError;
use crate::i18n::{format_decimal, format_delta, format_rho, t, t_with};
use crate::model::{BudgetOutcome, ReleaseOutcome, SubmissionStatus};
use crate::pages::{error_for, format_time, query_year, use_hydrated, NeedsScript, NeedsSignIn, TextField};
use crate::server_fns::{get_coordinator_overview, CreateRelease, SetBudget};

#[component]
pub fn CoordinatorPage() -> impl IntoView {
    let lang = use_lang();
    let year = query_year();
    let release = ServerAction::<CreateRelease>::new();
    let budget = ServerAction::<SetBudget>::new();
    let overview = Resource::new(
        move || (year.get(), release.version().get(), budget.version().get()),
        |(y, _, _)| get_coordinator_overview(y),
    );
    let release_errors = Signal::derive(move || match release.value().get() {
        Some(Ok(ReleaseOutcome::Invalid(errors))) => errors,
        _ => Vec::<FieldError>::new(),
    });
    let budget_errors = Signal::derive(move || match budget.value().get() {
        Some(Ok(BudgetOutcome::Invalid(errors))) => errors,
        _ => Vec::<FieldError>::new(),
    });
    let hydrated = use_hydrated();
    let created = move || match release.value().get() {
        Some(Ok(ReleaseOutcome::Created(summary))) => Some(t_with(lang, "release.created", &[("id", summary.id)])),
        _ => None,
    };

    view! {
        <Suspense fallback=move || view! { <p>{t(lang, "loading")}</p> }>
            {move || Suspend::new(async move {
                let overview = match overview.await {
                    Ok(overview) => overview,
                    Err(_) => return view! { <NeedsSignIn lang/> }.into_any(),
                };
                let year = overview.year;
                let b = overview.budget.clone();
                let submitted = overview.statuses.iter().filter(|s| s.submitted_at.is_some()).count();
                view! {
                    <h1>{t_with(lang, "coordinator.title", &[("year", year.to_string())])}</h1>

                    <section aria-labelledby="budget-heading">
                        <h2 id="budget-heading">{t(lang, "budget.title")}</h2>
                        <p id="budget-status">{t_with(lang, "budget.status", &[
                            ("total", format_rho(lang, b.total_rho)),
                            ("spent", format_rho(lang, b.spent_rho)),
                            ("remaining", format_rho(lang, b.remaining_rho)),
                        ])}</p>
                        <ActionForm action=budget attr:id="budget-form">
                            <input type="hidden" name="year" value=year.to_string()/>
                            <TextField
                                id="total_rho"
                                label=t(lang, "field.total_rho")
                                help=t(lang, "help.total_rho")
                                value=format_rho(lang, b.total_rho)
                                error=Signal::derive(move || error_for(lang, &budget_errors.get(), "total_rho"))
                                inputmode="decimal"
                            />
                            <button type="submit" id="budget-submit" disabled=move || !hydrated.get()>{t(lang, "budget.submit")}</button>
                        </ActionForm>
                    </section>

                    <section aria-labelledby="release-heading">
                        <h2 id="release-heading">{t(lang, "release.title")}</h2>
                        <p>{t(lang, "release.intro")}</p>
                        <ActionForm action=release attr:id="release-form">
                            <input type="hidden" name="year" value=year.to_string()/>
                            <TextField
                                id="rho"
                                label=t(lang, "field.rho")
                                help=t(lang, "help.rho")
                                value=""
                                error=Signal::derive(move || error_for(lang, &release_errors.get(), "rho"))
                                inputmode="decimal"
                            />
                            <p class="field-error" role="alert">{move || error_for(lang, &release_errors.get(), "year")}</p>
                            <NeedsScript lang/>
                            <button type="submit" id="release-submit" disabled=move || !hydrated.get()>{t(lang, "release.submit")}</button>
                            <p class="form-ok" role="status" id="release-created">{created}</p>
                        </ActionForm>
                        <table id="release-list">
                            <caption>{t(lang, "release.list.caption")}</caption>
                            <thead>
                                <tr>
                                    <th scope="col">{t(lang, "release.list.created")}</th>
                                    <th scope="col">{t(lang, "release.list.by")}</th>
                                    <th scope="col">"ρ"</th>
                                    <th scope="col">{t(lang, "release.list.epsilon")}</th>
                                    <th scope="col">{t(lang, "release.list.ci")}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {overview.releases.into_iter().map(|r| view! {
                                    <tr>
                                        <td>{format_time(&r.created_at)}</td>
                                        <td>{r.created_by}</td>
                                        <td>{format_rho(lang, r.rho)}</td>
                                        <td>{format_decimal(lang, r.epsilon, 2)} " (δ = " {format_delta(r.delta)} ")"</td>
                                        <td>"± " {r.ci_half_width}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </section>

                    <section aria-labelledby="status-heading">
                        <h2 id="status-heading">{t(lang, "status.title")}</h2>
                        <p>{t_with(lang, "status.summary", &[("submitted", submitted.to_string()), ("total", overview.statuses.len().to_string())])}</p>
                        <StatusTable statuses=overview.statuses/>
                    </section>
                }.into_any()
            })}
        </Suspense>
    }
}

/// Which municipalities have reported, and when. Deliberately has no column for values.
#[component]
pub fn StatusTable(statuses: Vec<SubmissionStatus>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <table class="status-table">
            <caption>{t(lang, "status.caption")}</caption>
            <thead>
                <tr>
                    <th scope="col">{t(lang, "status.municipality")}</th>
                    <th scope="col">{t(lang, "status.county")}</th>
                    <th scope="col">{t(lang, "status.state")}</th>
                    <th scope="col">{t(lang, "status.when")}</th>
                </tr>
            </thead>
            <tbody>
                {statuses.into_iter().map(|s| {
                    let state = if s.submitted_at.is_some() { t(lang, "status.submitted") } else { t(lang, "status.missing") };
                    view! {
                        <tr>
                            <th scope="row">{s.municipality.name} " (" {s.municipality.code} ")"</th>
                            <td>{s.county.name}</td>
                            <td>{state}</td>
                            <td>{s.submitted_at.as_deref().map(format_time).unwrap_or_default()} " " {s.submitted_by.unwrap_or_default()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
