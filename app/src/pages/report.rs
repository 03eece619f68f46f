//! The municipality reporter's page: its own report for a period, grouped as the catalogue
//! groups it, with each field's help text and each error beside its field; drafts, submission,
//! the version history and CSV upload of its own row.

use leptos::prelude::*;

use crate::app::use_lang;
use crate::domain::FieldError;
use crate::i18n::{format_decimal, t, t_with, Lang};
use crate::model::{IndicatorDef, IndicatorGroup, MySubmission, PeriodState, ReportedBy, ValueType, VersionState};
use crate::pages::upload::{CsvUpload, ImportResult, IntentSelect};
use crate::pages::{error_for, format_time, query_text, use_hydrated, NeedsScript, NeedsSignIn, TextField};
use crate::server_fns::{get_report_page, import_submissions_csv, FormError, SaveSubmission};

/// A stored value as the form shows it: kronor with a decimal comma, steps and counts as digits.
fn shown(lang: Lang, def: &IndicatorDef, value: Option<&Option<i64>>) -> String {
    match (def.value_type, value) {
        (_, None) => String::new(),
        (ValueType::Scale1To5, Some(None)) => "no_answer".into(),
        (ValueType::Sek, Some(Some(ore))) if ore % 100 == 0 => (ore / 100).to_string(),
        (ValueType::Sek, Some(Some(ore))) => format_decimal(lang, *ore as f64 / 100.0, 2),
        (_, Some(Some(v))) => v.to_string(),
        (_, Some(None)) => String::new(),
    }
}

#[component]
fn Field(def: IndicatorDef, value: String, errors: Signal<Vec<FieldError>>) -> impl IntoView {
    let lang = use_lang();
    let code = def.code.clone();
    let error = Signal::derive({
        let code = code.clone();
        move || error_for(lang, &errors.get(), &code)
    });
    let name = format!("values[{code}]");
    let help_id = format!("{code}-help");
    let error_id = format!("{code}-error");
    let label = def.label.get(lang).to_owned();
    let help = def.help.get(lang).to_owned();
    let described_by = format!("{help_id} {error_id}");
    match def.value_type {
        ValueType::Count | ValueType::Sek => {
            let inputmode = if def.value_type == ValueType::Sek { "decimal" } else { "numeric" };
            view! { <TextField id=code name=name label help value error inputmode/> }.into_any()
        }
        ValueType::YesNo => view! {
            <fieldset class="field choice" class:invalid=move || error.get().is_some() aria-describedby=described_by.clone()>
                <legend>{label}</legend>
                <p class="help" id=help_id>{help}</p>
                {[("1", "report.yes"), ("0", "report.no")].into_iter().map(|(v, key)| {
                    let id = format!("{code}-{v}");
                    let label_for = id.clone();
                    view! {
                        <label for=label_for>
                            <input type="radio" id=id name=name.clone() value=v checked=value == v/>
                            {t(lang, key)}
                        </label>
                    }
                }).collect_view()}
                <p class="field-error" id=error_id>{move || error.get()}</p>
            </fieldset>
        }
        .into_any(),
        ValueType::Scale1To5 => view! {
            <div class="field" class:invalid=move || error.get().is_some()>
                <label for=code.clone()>{label}</label>
                <p class="help" id=help_id.clone()>{help}</p>
                <select id=code.clone() name=name aria-describedby=described_by.clone() aria-invalid=move || error.get().is_some().to_string()>
                    <option value="" selected=value.is_empty()>{t(lang, "report.choose")}</option>
                    {(1..=5).rev().map(|step| {
                        let v = step.to_string();
                        view! { <option value=v.clone() selected=value == v>{t(lang, &format!("report.scale.{step}"))}</option> }
                    }).collect_view()}
                    <option value="no_answer" selected=value == "no_answer">{t(lang, "report.scale.no_answer")}</option>
                </select>
                <p class="field-error" id=error_id>{move || error.get()}</p>
            </div>
        }
        .into_any(),
    }
}

#[component]
fn Group(group: IndicatorGroup, submission: MySubmission, errors: Signal<Vec<FieldError>>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <fieldset class="group" id=format!("group-{}", group.code)>
            <legend>{group.label.get(lang).to_owned()}</legend>
            <p class="help">{group.help.get(lang).to_owned()}</p>
            {group.indicators.into_iter().map(|def| {
                let value = shown(lang, &def, submission.values.get(&def.code));
                view! { <Field def value errors/> }
            }).collect_view()}
        </fieldset>
    }
}

fn reports(groups: &[String], reported_by: ReportedBy) -> bool {
    let code = match reported_by {
        ReportedBy::NetworkMember => "network_member",
        ReportedBy::GrantRecipient => "grant_recipient",
    };
    groups.iter().any(|g| g == code)
}

#[component]
pub fn ReportPage() -> impl IntoView {
    let lang = use_lang();
    let period = query_text("period");
    let save = ServerAction::<SaveSubmission>::new();
    let upload = Action::new(|(period, intent, hex): &(String, String, String)| import_submissions_csv(period.clone(), intent.clone(), hex.clone()));
    let page = Resource::new(move || (period.get(), save.version().get(), upload.version().get()), |(p, _, _)| get_report_page(p));
    let errors = Signal::derive(move || match save.value().get() {
        Some(Err(FormError::Invalid(errors))) => errors,
        _ => Vec::<FieldError>::new(),
    });
    let hydrated = use_hydrated();
    let saved = move || match save.value().get() {
        Some(Ok(v)) => {
            Some(t_with(lang, if v.state == VersionState::Draft { "report.saved_draft" } else { "report.saved" }, &[("version", v.version.to_string())]))
        }
        _ => None,
    };
    let upload_intent = RwSignal::new("submit".to_owned());

    view! {
        <Suspense fallback=move || view! { <p>{t(lang, "loading")}</p> }>
            {move || Suspend::new(async move {
                let data = match page.await {
                    Ok(data) => data,
                    Err(_) => return view! { <NeedsSignIn lang/> }.into_any(),
                };
                let Some(submission) = data.submission.clone() else {
                    return view! { <h1>{t(lang, "report.heading")}</h1><p id="report-status">{t(lang, "report.no_period")}</p> }.into_any();
                };
                let period_id = submission.period.id.clone();
                let current_period = period_id.clone();
                let open = submission.period.state == PeriodState::Open;
                let status = match (&submission.latest, submission.counting_version) {
                    (None, _) => t(lang, "report.not_started"),
                    (Some(v), Some(c)) if v.version == c => t_with(lang, "report.status.submitted", &[("version", c.to_string()), ("at", format_time(&v.created_at)), ("by", v.created_by.clone())]),
                    (Some(v), Some(c)) => t_with(lang, "report.status.draft_after", &[("version", v.version.to_string()), ("counting", c.to_string()), ("at", format_time(&v.created_at))]),
                    (Some(v), None) => t_with(lang, "report.status.draft", &[("version", v.version.to_string()), ("at", format_time(&v.created_at))]),
                };
                let groups: Vec<IndicatorGroup> = data.catalogue.groups.iter().filter(|g| reports(&submission.groups, g.reported_by)).cloned().collect();
                let upload_period = period_id.clone();
                let hidden_period = period_id.clone();
                let template_href = format!("/api/v1/periods/{period_id}/template.csv");
                let title = t_with(lang, "report.title", &[("municipality", submission.municipality.name.clone()), ("period", period_id.clone())]);
                let history = submission.history.clone();
                view! {
                    <h1>{title}</h1>
                    <nav aria-label=t(lang, "report.periods")>
                        <ul class="periods">
                            {data.periods.iter().map(|p| view! {
                                <li><a href=format!("/rapportera?period={}", p.id) aria-current=(p.id == current_period).then_some("page")>{p.id.clone()} " (" {t(lang, if p.state == PeriodState::Open { "period.open" } else { "period.closed" })} ")"</a></li>
                            }).collect_view()}
                        </ul>
                    </nav>
                    <p>{t(lang, "report.intro")}</p>
                    <p class="status" id="report-status">{status}</p>
                    {(!open).then(|| view! { <p class="form-error" id="period-closed">{t(lang, "report.period_closed")}</p> })}
                    <div class="form-error" role="alert" id="report-errors">
                        {move || {
                            let errors = errors.get();
                            (!errors.is_empty()).then(|| view! {
                                <p>{t_with(lang, "report.error_summary", &[("count", errors.len().to_string())])}</p>
                                <ul>{errors.iter().map(|e| view! { <li><a href=format!("#{}", e.field)>{crate::i18n::field_error_message(lang, e)}</a></li> }).collect_view()}</ul>
                            })
                        }}
                    </div>
                    <ActionForm action=save attr:id="report-form">
                        <input type="hidden" name="period" value=hidden_period/>
                        {groups.into_iter().map(|group| { let submission = submission.clone(); view! { <Group group submission errors/> } }).collect_view()}
                        <NeedsScript lang/>
                        <div class="buttons">
                            <button type="submit" name="intent" value="draft" id="report-draft" disabled=move || !hydrated.get() || !open>{t(lang, "report.save_draft")}</button>
                            <button type="submit" name="intent" value="submit" id="report-submit" disabled=move || !hydrated.get() || !open>{t(lang, "report.submit")}</button>
                        </div>
                        <p class="form-ok" role="status" id="report-saved">{saved}</p>
                    </ActionForm>

                    <section aria-labelledby="upload-heading">
                        <h2 id="upload-heading">{t(lang, "report.upload.title")}</h2>
                        <p>{t(lang, "report.upload.intro")} " " <a href=template_href>{t(lang, "report.upload.template")}</a></p>
                        <CsvUpload id="own-csv" label=t(lang, "report.upload.file") help=t(lang, "report.upload.help") button=t(lang, "report.upload.button")
                            hydrated on_file=Callback::new(move |hex: String| { upload.dispatch((upload_period.clone(), upload_intent.get_untracked(), hex)); })>
                            <IntentSelect id="own-csv-intent" intent=upload_intent/>
                        </CsvUpload>
                        <ImportResult id="own-csv-result" outcome=upload.value()/>
                    </section>

                    <section aria-labelledby="history-heading">
                        <h2 id="history-heading">{t(lang, "report.history.title")}</h2>
                        <table id="history">
                            <caption>{t(lang, "report.history.caption")}</caption>
                            <thead><tr>
                                <th scope="col">{t(lang, "report.history.version")}</th>
                                <th scope="col">{t(lang, "report.history.state")}</th>
                                <th scope="col">{t(lang, "report.history.when")}</th>
                                <th scope="col">{t(lang, "report.history.by")}</th>
                                <th scope="col">{t(lang, "report.history.channel")}</th>
                                <th scope="col">{t(lang, "report.history.changed")}</th>
                            </tr></thead>
                            <tbody>
                                {history.iter().map(|v| view! {
                                    <tr>
                                        <th scope="row">{v.version}</th>
                                        <td>{t(lang, if v.state == VersionState::Draft { "report.state.draft" } else { "report.state.submitted" })}</td>
                                        <td>{format_time(&v.created_at)}</td>
                                        <td>{v.created_by.clone()}</td>
                                        <td>{v.channel.clone()}</td>
                                        <td>{v.changed_fields.len()}</td>
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
