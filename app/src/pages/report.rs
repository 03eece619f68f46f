//! The municipality reporter's page: its own raw counts for a year, and the form to change them.

use leptos::prelude::*;

use crate::app::use_lang;
use crate::domain::FieldError;
use crate::i18n::{t, t_with};
use crate::model::{MyReport, SubmitOutcome};
use crate::pages::{error_for, format_time, query_year, use_hydrated, NeedsScript, NeedsSignIn, TextField};
use crate::server_fns::{get_my_report, SubmitReport};

#[component]
pub fn ReportPage() -> impl IntoView {
    let lang = use_lang();
    let year = query_year();
    let submit = ServerAction::<SubmitReport>::new();
    let report = Resource::new(move || (year.get(), submit.version().get()), |(y, _)| get_my_report(y));
    let errors = Signal::derive(move || match submit.value().get() {
        Some(Ok(SubmitOutcome::Invalid(errors))) => errors,
        _ => Vec::<FieldError>::new(),
    });
    let hydrated = use_hydrated();
    let saved = move || matches!(submit.value().get(), Some(Ok(SubmitOutcome::Saved(_))));
    let error_signal = move |field: &'static str| Signal::derive(move || error_for(lang, &errors.get(), field));

    view! {
        <Suspense fallback=move || view! { <p>{t(lang, "loading")}</p> }>
            {move || Suspend::new(async move {
                let report: MyReport = match report.await {
                    Ok(report) => report,
                    Err(_) => return view! { <NeedsSignIn lang/> }.into_any(),
                };
                let value_of = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
                view! {
                    <h1>{t_with(lang, "report.title", &[("municipality", report.municipality.name.clone()), ("year", report.year.to_string())])}</h1>
                    <p>{t(lang, "report.intro")}</p>
                    <p class="status" id="report-status">
                        {match &report.submitted_at {
                            Some(at) => t_with(lang, "report.submitted_at", &[("at", format_time(at)), ("by", report.submitted_by.clone().unwrap_or_default())]),
                            None => t(lang, "report.not_submitted"),
                        }}
                    </p>
                    <ActionForm action=submit attr:id="report-form">
                        <fieldset>
                            <legend>{t(lang, "report.group.exchanges")}</legend>
                            <input type="hidden" name="year" value=report.year.to_string()/>
                            <TextField
                                id="households_moved_out"
                                label=t(lang, "field.households_moved_out")
                                help=t(lang, "help.households_moved_out")
                                value=value_of(report.households_moved_out)
                                error=error_signal("households_moved_out")
                                inputmode="numeric"
                            />
                            <TextField
                                id="households_received"
                                label=t(lang, "field.households_received")
                                help=t(lang, "help.households_received")
                                value=value_of(report.households_received)
                                error=error_signal("households_received")
                                inputmode="numeric"
                            />
                        </fieldset>
                        <p class="field-error" role="alert">{move || error_for(lang, &errors.get(), "year")}</p>
                        <NeedsScript lang/>
                        <button type="submit" id="report-submit" disabled=move || !hydrated.get()>{t(lang, "report.submit")}</button>
                        <p class="form-ok" role="status">{move || saved().then(|| t(lang, "report.saved"))}</p>
                    </ActionForm>
                }.into_any()
            })}
        </Suspense>
    }
}
