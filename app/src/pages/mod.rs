//! One module per page; shared helpers below.

pub mod audit;
pub mod coordinator;
pub mod county;
pub mod login;
pub mod public;
pub mod release_planner;
pub mod report;
pub mod tracker;
pub mod upload;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::domain::FieldError;
use crate::i18n::{field_error_message, t, Lang};

/// True once the WebAssembly has hydrated the page (effects run only in the browser).
/// Write forms keep their submit button disabled until then: a form sent before hydration
/// would lose the server's answer, since server functions report field errors as data.
pub fn use_hydrated() -> RwSignal<bool> {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    hydrated
}

/// A stored UTC timestamp ("2026-11-22T05:32:38.544870Z") as "2026-11-22 05:32 UTC".
pub fn format_time(timestamp: &str) -> String {
    match timestamp.get(..16) {
        Some(minutes) => format!("{} UTC", minutes.replace('T', " ")),
        None => timestamp.to_owned(),
    }
}

/// Said where scripts do not run: reading works without them, writing needs them.
#[component]
pub fn NeedsScript(lang: Lang) -> impl IntoView {
    view! { <noscript><p class="form-error">{t(lang, "form.needs_script")}</p></noscript> }
}

/// A text parameter of the address (`?period=2025`), if present and not empty.
pub fn query_text(name: &'static str) -> Memo<Option<String>> {
    let query = use_query_map();
    Memo::new(move |_| query.read().get(name).filter(|v| !v.is_empty()))
}

/// `?ar=YYYY` from the address, if it is a number.
pub fn query_year() -> Memo<Option<i64>> {
    let query = use_query_map();
    Memo::new(move |_| query.read().get("ar").and_then(|y| y.parse().ok()))
}

/// The message for `field` among `errors`, in the reader's language.
pub fn error_for(lang: Lang, errors: &[FieldError], field: &str) -> Option<String> {
    errors.iter().find(|e| e.field == field).map(|e| field_error_message(lang, e))
}

/// A labelled text input with its help text and, when refused, its error beside it.
/// The error is tied to the input with aria-describedby and aria-invalid for screen readers.
#[component]
pub fn TextField(
    #[prop(into)] id: String,
    /// The form field name; defaults to `id`.
    #[prop(optional, into)]
    name: Option<String>,
    label: String,
    help: String,
    #[prop(into)] value: String,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional)] inputmode: Option<&'static str>,
    /// Kept up to date with what is typed, for forms that send from signals.
    #[prop(optional)]
    bound: Option<RwSignal<String>>,
) -> impl IntoView {
    let help_id = format!("{id}-help");
    let error_id = format!("{id}-error");
    let described_by = {
        let (help_id, error_id) = (help_id.clone(), error_id.clone());
        move || match error.get() {
            Some(_) => format!("{help_id} {error_id}"),
            None => help_id.clone(),
        }
    };
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            <label for=id.clone()>{label}</label>
            <p class="help" id=help_id>{help}</p>
            <input
                name=name.unwrap_or_else(|| id.clone())
                id=id
                type="text"
                inputmode=inputmode.unwrap_or("text")
                autocomplete="off"
                value=value
                on:input=move |ev| {
                    if let Some(bound) = bound {
                        bound.set(event_target_value(&ev));
                    }
                }
                aria-describedby=described_by
                aria-invalid=move || error.get().is_some().to_string()
            />
            <p class="field-error" id=error_id>{move || error.get()}</p>
        </div>
    }
}

/// Shown where a page needs a role the reader does not have.
#[component]
pub fn NeedsSignIn(lang: Lang) -> impl IntoView {
    view! {
        <section>
            <h1>{t(lang, "auth.needed.title")}</h1>
            <p>{t(lang, "auth.needed.body")} " " <a href="/logga-in">{t(lang, "nav.login")}</a></p>
        </section>
    }
}
