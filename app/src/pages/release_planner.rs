//! The coordinator's release planner: choose what to release (periods, layout, mechanism,
//! levels, indicators), plan it for a budget or a target margin, and only then confirm. The
//! confirm button releases exactly the selection that was planned, at the planned ρ; it is
//! withdrawn as soon as the selection changes, so nothing is spent that was not planned.

use leptos::prelude::*;

use crate::domain::FieldError;
use crate::i18n::{field_error_message, format_decimal, format_delta, format_rho, t, t_with, Lang};
use crate::model::{PlanOutcome, PlanView, ReleasableIndicator, ReleaseOutcome};
use crate::pages::{error_for, NeedsScript, TextField};
use crate::server_fns::{CreateRelease, PlanRelease};

/// What a release covers and how, as the server functions take it.
#[derive(Clone, Debug, PartialEq)]
struct Selection {
    period: String,
    last_period: String,
    layout: String,
    mechanism: String,
    /// Comma-separated codes; empty means every indicator.
    indicators: String,
    levels: String,
}

/// The form's state, one signal per field.
#[derive(Clone, Copy)]
struct Choices {
    period: RwSignal<String>,
    last_period: RwSignal<String>,
    layout: RwSignal<String>,
    mechanism: RwSignal<String>,
    county: RwSignal<bool>,
    lanskompott: RwSignal<bool>,
    /// Whether each releasable indicator is chosen, in catalogue order.
    chosen: RwSignal<Vec<bool>>,
}

impl Choices {
    fn selection(&self, all: &[ReleasableIndicator]) -> Selection {
        let chosen = self.chosen.get();
        let indicators = if chosen.iter().all(|c| *c) {
            String::new()
        } else {
            all.iter().zip(&chosen).filter(|(_, c)| **c).map(|(i, _)| i.code.as_str()).collect::<Vec<_>>().join(",")
        };
        let county = self.county.get();
        let levels = [("nation", true), ("county", county), ("lanskompott", county && self.lanskompott.get())]
            .iter()
            .filter(|(_, on)| *on)
            .map(|(code, _)| *code)
            .collect::<Vec<_>>()
            .join(",");
        Selection {
            period: self.period.get(),
            last_period: self.last_period.get(),
            layout: self.layout.get(),
            mechanism: self.mechanism.get(),
            indicators,
            levels,
        }
    }
}

#[component]
pub fn ReleasePlanner(
    lang: Lang,
    year: i64,
    releasable: Vec<ReleasableIndicator>,
    release: ServerAction<CreateRelease>,
    hydrated: RwSignal<bool>,
) -> impl IntoView {
    let plan = ServerAction::<PlanRelease>::new();
    let choices = Choices {
        period: RwSignal::new(year.to_string()),
        last_period: RwSignal::new(String::new()),
        layout: RwSignal::new("per_period".to_owned()),
        mechanism: RwSignal::new("discrete_gaussian".to_owned()),
        county: RwSignal::new(true),
        lanskompott: RwSignal::new(true),
        chosen: RwSignal::new(vec![true; releasable.len()]),
    };
    let target_level = RwSignal::new("county".to_owned());
    let target_margin = RwSignal::new(String::new());
    let rho = RwSignal::new(String::new());
    let all = StoredValue::new(releasable);
    let current = Memo::new(move |_| all.with_value(|all| choices.selection(all)));
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
    let none_chosen = move || choices.chosen.with(|c| !c.iter().any(|x| *x));
    let stale = move || planned.get().is_some() && planned_for.get().is_some_and(|p| p != current.get());
    let confirmable = move || planned.get().filter(|p| p.fits_budget && planned_for.get().as_ref() == Some(&current.get()));

    let submit_plan = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let s = current.get_untracked();
        planned_for.set(Some(s.clone()));
        plan.dispatch(PlanRelease {
            period: s.period,
            last_period: s.last_period,
            layout: s.layout,
            mechanism: s.mechanism,
            indicators: s.indicators,
            levels: s.levels,
            rho: rho.get_untracked(),
            target_level: target_level.get_untracked(),
            target_margin: target_margin.get_untracked(),
        });
    };
    let confirm = move |_| {
        let (Some(p), Some(s)) = (planned.get_untracked(), planned_for.get_untracked()) else { return };
        // `{}` writes the shortest text that parses back to the same f64: the release is
        // calibrated for exactly the planned ρ.
        release.dispatch(CreateRelease {
            period: s.period,
            last_period: s.last_period,
            layout: s.layout,
            mechanism: s.mechanism,
            indicators: s.indicators,
            levels: s.levels,
            rho: p.rho.to_string(),
        });
    };
    let field_error = move |field: &'static str| Signal::derive(move || error_for(lang, &plan_errors.get(), field));

    view! {
        <form id="plan-form" on:submit=submit_plan>
            <TextField id="plan-period" name="period" label=t(lang, "field.period") help=t(lang, "help.period") value=year.to_string()
                bound=choices.period error=field_error("period")/>
            <TextField id="plan-last-period" name="last_period" label=t(lang, "field.last_period") help=t(lang, "help.last_period") value=""
                bound=choices.last_period error=field_error("last_period")/>
            <ChoiceField id="plan-layout" label=t(lang, "field.layout") value=choices.layout error=field_error("layout")
                options=vec![("per_period", t(lang, "layout.per_period")), ("summed", t(lang, "layout.summed"))]/>
            <ChoiceField id="plan-mechanism" label=t(lang, "field.mechanism") value=choices.mechanism error=field_error("mechanism")
                options=vec![("discrete_gaussian", t(lang, "mechanism.discrete_gaussian")), ("discrete_laplace", t(lang, "mechanism.discrete_laplace"))]/>
            <fieldset id="plan-levels-choice" class="field">
                <legend>{t(lang, "field.levels")}</legend>
                <p class="help">{t(lang, "help.levels")}</p>
                <label><input type="checkbox" id="plan-level-nation" checked disabled/> {t(lang, "level.nation")}</label>
                <label><input type="checkbox" id="plan-level-county" checked=true prop:checked=move || choices.county.get()
                    on:change=move |ev| choices.county.set(event_target_checked(&ev))/> {t(lang, "level.county")}</label>
                <label><input type="checkbox" id="plan-level-lanskompott" checked=true prop:checked=move || choices.county.get() && choices.lanskompott.get()
                    prop:disabled=move || !choices.county.get()
                    on:change=move |ev| choices.lanskompott.set(event_target_checked(&ev))/> {t(lang, "level.lanskompott")}</label>
                <p class="field-error">{move || error_for(lang, &plan_errors.get(), "levels")}</p>
            </fieldset>
            <IndicatorChoice lang all choices/>
            <p class="field-error" id="plan-indicators-error">{move || error_for(lang, &plan_errors.get(), "indicators")}</p>
            <ChoiceField id="plan-target-level" label=t(lang, "field.target_level") value=target_level error=field_error("target_level")
                options=["county", "nation", "lanskompott"].map(|l| (l, t(lang, &format!("level.{l}")))).to_vec()/>
            <TextField id="plan-target" name="target_margin" label=t(lang, "field.target_margin") help=t(lang, "help.target_margin") value=""
                bound=target_margin error=field_error("target_margin") inputmode="decimal"/>
            <TextField id="plan-rho" name="rho" label=t(lang, "field.rho") help=t(lang, "help.plan_rho") value=""
                bound=rho error=field_error("rho") inputmode="decimal"/>
            <NeedsScript lang/>
            <button type="submit" id="plan-submit" disabled=move || !hydrated.get() || none_chosen() || plan.pending().get()>{t(lang, "plan.submit")}</button>
            {move || plan.pending().get().then(|| view! { <p role="status" id="plan-pending">{t(lang, "plan.pending")}</p> })}
        </form>
        {move || planned.get().map(|p| view! { <PlanResult lang p/> })}
        {move || stale().then(|| view! { <p class="form-error" id="plan-stale">{t(lang, "plan.stale")}</p> })}
        {move || confirmable().map(|p| view! {
            <p class="help">{t(lang, "plan.confirm_help")}</p>
            <button type="button" id="release-confirm" on:click=confirm disabled=move || release.pending().get()>
                {t_with(lang, "plan.confirm", &[("rho", format_rho(lang, p.rho))])}
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
fn ChoiceField(
    id: &'static str,
    label: String,
    value: RwSignal<String>,
    options: Vec<(&'static str, String)>,
    error: Signal<Option<String>>,
) -> impl IntoView {
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

/// One checkbox per releasable indicator, folded away: most releases take them all.
#[component]
fn IndicatorChoice(lang: Lang, all: StoredValue<Vec<ReleasableIndicator>>, choices: Choices) -> impl IntoView {
    let count = move || {
        let chosen = choices.chosen.with(|c| c.iter().filter(|x| **x).count());
        t_with(lang, "indicators.chosen", &[("chosen", chosen.to_string()), ("all", all.with_value(Vec::len).to_string())])
    };
    let set_all = move |on: bool| choices.chosen.update(|c| c.iter_mut().for_each(|x| *x = on));
    view! {
        <details id="plan-indicators" class="field">
            <summary>{t(lang, "field.indicators")} ": " <span id="plan-indicators-count">{count}</span></summary>
            <p>
                <button type="button" id="plan-indicators-all" on:click=move |_| set_all(true)>{t(lang, "indicators.all")}</button>
                " "
                <button type="button" id="plan-indicators-none" on:click=move |_| set_all(false)>{t(lang, "indicators.none")}</button>
            </p>
            <ul class="choices">
                {all.get_value().into_iter().enumerate().map(|(k, indicator)| view! {
                    <li><label>
                        <input type="checkbox" data-indicator=indicator.code.clone() checked=true
                            prop:checked=move || choices.chosen.with(|c| c[k])
                            on:change=move |ev| choices.chosen.update(|c| c[k] = event_target_checked(&ev))/>
                        " " {indicator.label.get(lang).to_owned()}
                    </label></li>
                }).collect_view()}
            </ul>
            {move || choices.chosen.with(|c| !c.iter().any(|x| *x)).then(|| view! { <p class="form-error" id="plan-none-chosen">{t(lang, "indicators.none_chosen")}</p> })}
        </details>
    }
}

/// The plan: its cost per period and ± households per level.
#[component]
fn PlanResult(lang: Lang, p: PlanView) -> impl IntoView {
    view! {
        <p id="plan-cost" role="status">{t_with(lang, "plan.cost", &[
            ("rho", format_rho(lang, p.rho)),
            ("epsilon", format_decimal(lang, p.epsilon, 2)),
            ("delta", format_delta(p.delta)),
            ("fits", t(lang, if p.fits_budget { "plan.fits" } else { "plan.does_not_fit" })),
        ])}</p>
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
    }
}
