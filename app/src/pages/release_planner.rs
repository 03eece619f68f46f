//! The coordinator's release planner: choose what to release (periods, mechanism, and the
//! weight of each query of the standard design), plan it for a budget or a target margin, and
//! only then confirm. The plan shows every query's margin and says where a figure would be
//! mostly noise; the confirm button releases exactly the selection that was planned, at the
//! planned ρ, and is withdrawn as soon as the selection changes, so nothing is spent that was
//! not planned.

use leptos::prelude::*;

use crate::domain::FieldError;
use crate::i18n::{field_error_message, format_decimal, format_delta, format_rho, t, t_with, Lang};
use crate::model::{DesignQuery, PlanOutcome, PlanView, PlannedQuery, QueryLevel, QueryTime, ReleaseOutcome};
use crate::pages::{error_for, NeedsScript, TextField};
use crate::server_fns::{CreateRelease, PlanRelease};

/// What a release covers and how, as the server functions take it.
#[derive(Clone, Debug, PartialEq)]
struct Selection {
    period: String,
    last_period: String,
    mechanism: String,
    /// `key=weight` for every query whose weight differs from the design's.
    weights: String,
}

/// The form's state, one signal per field.
#[derive(Clone, Copy)]
struct Choices {
    period: RwSignal<String>,
    last_period: RwSignal<String>,
    mechanism: RwSignal<String>,
    /// Each query's weight as typed, in design order.
    weights: RwSignal<Vec<String>>,
}

impl Choices {
    fn selection(&self, design: &[DesignQuery]) -> Selection {
        let weights = self.weights.get();
        let changed: Vec<String> = design
            .iter()
            .zip(&weights)
            .filter(|(q, typed)| typed.trim().replace(',', ".").parse::<f64>().ok() != Some(q.weight))
            .map(|(q, typed)| format!("{}={}", q.key, typed.trim()))
            .collect();
        Selection { period: self.period.get(), last_period: self.last_period.get(), mechanism: self.mechanism.get(), weights: changed.join(",") }
    }
}

fn level_text(lang: Lang, level: QueryLevel) -> String {
    t(
        lang,
        match level {
            QueryLevel::Nation => "level.nation",
            QueryLevel::County => "level.county",
            QueryLevel::Lanskompott => "level.lanskompott",
        },
    )
}

fn time_text(lang: Lang, time: QueryTime) -> String {
    t(
        lang,
        match time {
            QueryTime::PerPeriod => "time.per_period",
            QueryTime::Window => "time.window",
        },
    )
}

#[component]
pub fn ReleasePlanner(lang: Lang, year: i64, design: Vec<DesignQuery>, release: ServerAction<CreateRelease>, hydrated: RwSignal<bool>) -> impl IntoView {
    let plan = ServerAction::<PlanRelease>::new();
    let choices = Choices {
        period: RwSignal::new(year.to_string()),
        last_period: RwSignal::new(String::new()),
        mechanism: RwSignal::new("discrete_gaussian".to_owned()),
        weights: RwSignal::new(design.iter().map(|q| q.weight.to_string()).collect()),
    };
    let target_level = RwSignal::new("county".to_owned());
    let target_margin = RwSignal::new(String::new());
    let rho = RwSignal::new(String::new());
    let design = StoredValue::new(design);
    let current = Memo::new(move |_| design.with_value(|d| choices.selection(d)));
    // The selection the shown plan was computed for; None once it has been released.
    let planned_for = RwSignal::new(None::<Selection>);

    let plan_errors = Signal::derive(move || match plan.value().get() {
        Some(Ok(PlanOutcome::Invalid(errors))) => errors,
        _ => Vec::<FieldError>::new(),
    });
    let planned = Memo::new(move |_| match plan.value().get() {
        Some(Ok(PlanOutcome::Planned(p))) => Some(p),
        _ => None,
    });
    let release_errors = Signal::derive(move || match release.value().get() {
        Some(Ok(ReleaseOutcome::Invalid(errors))) => errors,
        _ => Vec::<FieldError>::new(),
    });
    let created = move || match release.value().get() {
        Some(Ok(ReleaseOutcome::Created(summary))) => Some(t_with(lang, "release.created", &[("id", summary.id)])),
        _ => None,
    };
    // A created release spends budget, and a refused one (another release spent first) shows the
    // plan was out of date: either way the plan shown no longer describes what is left.
    Effect::new(move |_| {
        if let Some(Ok(_)) = release.value().get() {
            planned_for.set(None);
        }
    });
    let stale = move || planned.get().is_some() && planned_for.get().is_some_and(|p| p != current.get());
    let confirmable = move || planned.get().filter(|p| p.fits_budget && planned_for.get().as_ref() == Some(&current.get()));

    let submit_plan = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let s = current.get_untracked();
        planned_for.set(Some(s.clone()));
        plan.dispatch(PlanRelease {
            period: s.period,
            last_period: s.last_period,
            mechanism: s.mechanism,
            weights: s.weights,
            rho: rho.get_untracked(),
            target_level: target_level.get_untracked(),
            target_margin: target_margin.get_untracked(),
        });
    };
    let confirm = move |_| {
        let (Some(p), Some(s)) = (planned.get_untracked(), planned_for.get_untracked()) else { return };
        // `{}` writes the shortest text that parses back to the same f64: the release is
        // calibrated for exactly the planned budget.
        release.dispatch(CreateRelease { period: s.period, last_period: s.last_period, mechanism: s.mechanism, weights: s.weights, rho: p.budget.to_string() });
    };
    let field_error = move |field: &'static str| Signal::derive(move || error_for(lang, &plan_errors.get(), field));

    view! {
        <form id="plan-form" on:submit=submit_plan>
            <TextField id="plan-period" name="period" label=t(lang, "field.period") help=t(lang, "help.period") value=year.to_string()
                bound=choices.period error=field_error("period")/>
            <TextField id="plan-last-period" name="last_period" label=t(lang, "field.last_period") help=t(lang, "help.last_period") value=""
                bound=choices.last_period error=field_error("last_period")/>
            <ChoiceField id="plan-mechanism" label=t(lang, "field.mechanism") value=choices.mechanism error=field_error("mechanism")
                options=vec![("discrete_gaussian", t(lang, "mechanism.discrete_gaussian")), ("discrete_laplace", t(lang, "mechanism.discrete_laplace"))]/>
            <DesignWeights lang design choices/>
            <p class="field-error" id="plan-weights-error">{move || error_for(lang, &plan_errors.get(), "weights")}</p>
            <ChoiceField id="plan-target-level" label=t(lang, "field.target_level") value=target_level error=field_error("target_level")
                options=["county", "nation", "lanskompott"].map(|l| (l, t(lang, &format!("level.{l}")))).to_vec()/>
            <TextField id="plan-target" name="target_margin" label=t(lang, "field.target_margin") help=t(lang, "help.target_margin") value=""
                bound=target_margin error=field_error("target_margin") inputmode="decimal"/>
            <TextField id="plan-rho" name="rho" label=t(lang, "field.rho") help=t(lang, "help.plan_rho") value=""
                bound=rho error=field_error("rho") inputmode="decimal"/>
            <NeedsScript lang/>
            <button type="submit" id="plan-submit" disabled=move || !hydrated.get() || plan.pending().get()>{t(lang, "plan.submit")}</button>
            {move || plan.pending().get().then(|| view! { <p role="status" id="plan-pending">{t(lang, "plan.pending")}</p> })}
        </form>
        {move || planned.get().map(|p| view! { <PlanResult lang p/> })}
        {move || stale().then(|| view! { <p class="form-error" id="plan-stale">{t(lang, "plan.stale")}</p> })}
        {move || confirmable().map(|p| view! {
            <p class="help">{t(lang, "plan.confirm_help")}</p>
            <button type="button" id="release-confirm" on:click=confirm disabled=move || release.pending().get()>
                {t_with(lang, "plan.confirm", &[("rho", format_rho(lang, p.budget))])}
            </button>
        })}
        <ul class="form-error" id="release-errors">
            {move || release_errors.get().iter().map(|e| view! { <li>{field_error_message(lang, e)}</li> }).collect_view()}
        </ul>
        <p class="form-ok" role="status" id="release-created">{created}</p>
    }
    // Erased: the coordinator page's view type is otherwise deeper than the compiler's limit.
    .into_any()
}

/// A labelled drop-down bound to `value`.
#[component]
fn ChoiceField(id: &'static str, label: String, value: RwSignal<String>, options: Vec<(&'static str, String)>, error: Signal<Option<String>>) -> impl IntoView {
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            <label for=id>{label}</label>
            <select id=id on:change=move |ev| value.set(event_target_value(&ev))>
                {options.into_iter().map(|(code, text)| view! {
                    <option value=code selected=move || value.get() == code>{text}</option>
                }).collect_view()}
            </select>
            <p class="field-error">{move || error.get()}</p>
        </div>
    }
}

/// The design's queries with a weight field each: the share of the budget each one gets.
#[component]
fn DesignWeights(lang: Lang, design: StoredValue<Vec<DesignQuery>>, choices: Choices) -> impl IntoView {
    view! {
        <details id="plan-design" class="field">
            <summary>{t(lang, "plan.design")}</summary>
            <p class="help">{t(lang, "help.weights")}</p>
            <table id="plan-design-table">
                <caption>{t(lang, "plan.design_caption")}</caption>
                <thead><tr>
                    <th scope="col">{t(lang, "plan.query")}</th>
                    <th scope="col">{t(lang, "plan.level")}</th>
                    <th scope="col">{t(lang, "plan.time")}</th>
                    <th scope="col">{t(lang, "plan.weight")}</th>
                </tr></thead>
                <tbody>
                    {design.get_value().into_iter().enumerate().map(|(k, q)| {
                        let id = format!("weight-{k}");
                        view! {
                            <tr data-query=q.key.clone()>
                                <th scope="row"><label for=id.clone()>{q.label.get(lang).to_owned()}</label></th>
                                <td>{level_text(lang, q.level)}</td>
                                <td>{time_text(lang, q.time)}</td>
                                <td><input type="text" inputmode="decimal" size="5" id=id data-query=q.key.clone()
                                    prop:value=move || choices.weights.with(|w| w[k].clone())
                                    on:input=move |ev| choices.weights.update(|w| w[k] = event_target_value(&ev))/></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </details>
    }
}

/// The plan: its cost per year, what the budget left buys where it does not fit, ± per level,
/// and every query's share and margin with a warning where it would be mostly noise.
#[component]
fn PlanResult(lang: Lang, p: PlanView) -> impl IntoView {
    let fits = if p.beyond_allowed {
        "plan.beyond_allowed"
    } else if p.fits_budget {
        "plan.fits"
    } else {
        "plan.does_not_fit"
    };
    let noisy = p.queries.iter().filter(|q| q.mostly_noise).count();
    view! {
        <p id="plan-cost" role="status">{t_with(lang, "plan.cost", &[
            ("rho", format_rho(lang, p.rho)),
            ("epsilon", format_decimal(lang, p.epsilon, 2)),
            ("delta", format_delta(p.delta)),
            ("fits", t(lang, fits)),
        ])}</p>
        {p.with_remaining.map(|r| {
            let margin = |level: &str| r.margins.iter().find(|m| m.level == level).map_or("–".to_owned(), |m| format_decimal(lang, m.margin, 1));
            view! {
                <p id="plan-remaining">{t_with(lang, "plan.with_remaining", &[
                    ("rho", format_rho(lang, r.rho)),
                    ("nation", margin("nation")),
                    ("county", margin("county")),
                ])}</p>
            }
        })}
        {p.cheaper_rho_missing_target.map(|cheaper| view! {
            <p id="plan-cheaper">{t_with(lang, "plan.cheaper", &[("rho", format_rho(lang, cheaper))])}</p>
        })}
        <table id="plan-levels">
            <caption>{t(lang, "plan.caption")}</caption>
            <thead><tr><th scope="col">{t(lang, "plan.level")}</th><th scope="col">{t(lang, "plan.margin")}</th></tr></thead>
            <tbody>
                {p.margins.into_iter().map(|m| view! {
                    <tr data-level=m.level.clone()>
                        <th scope="row">{t(lang, &format!("level.{}", m.level))}</th>
                        <td>"± " {format_decimal(lang, m.margin, 1)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        {(noisy > 0).then(|| view! { <p class="form-error" id="plan-noise-warning">{t_with(lang, "plan.noise_warning", &[("count", noisy.to_string())])}</p> })}
        <table id="plan-queries">
            <caption>{t(lang, "plan.queries_caption")}</caption>
            <thead><tr>
                <th scope="col">{t(lang, "plan.query")}</th>
                <th scope="col">{t(lang, "plan.level")}</th>
                <th scope="col">{t(lang, "plan.time")}</th>
                <th scope="col">{t(lang, "plan.share")}</th>
                <th scope="col">{t(lang, "plan.margin")}</th>
                <th scope="col">{t(lang, "plan.assessment")}</th>
            </tr></thead>
            <tbody>
                {p.queries.into_iter().map(|q| view! { <PlannedRow lang q/> }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn PlannedRow(lang: Lang, q: PlannedQuery) -> impl IntoView {
    let assessment = match (q.mostly_noise, q.plausible) {
        (true, Some(size)) => t_with(lang, "plan.mostly_noise", &[("size", format_decimal(lang, size, 0))]),
        (false, Some(size)) => t_with(lang, "plan.readable", &[("size", format_decimal(lang, size, 0))]),
        (_, None) => String::new(),
    };
    view! {
        <tr data-query=q.query.key.clone() class:mostly-noise=q.mostly_noise>
            <th scope="row">{q.query.label.get(lang).to_owned()}</th>
            <td>{level_text(lang, q.query.level)}</td>
            <td>{time_text(lang, q.query.time)}</td>
            <td>"ρ = " {format_rho(lang, q.rho)}</td>
            <td>"± " {format_decimal(lang, q.margin, 1)}</td>
            <td>{assessment}</td>
        </tr>
    }
}
