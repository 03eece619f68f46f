//! File upload for CSV imports, and the answer to one. The browser reads the file's bytes and
//! sends them hex-encoded, so the server sees exactly what is on disk and judges its encoding.

use leptos::prelude::*;

use crate::app::use_lang;
use crate::i18n::{field_error_message, t, t_with};
use crate::model::{ImportOutcome, VersionState};

/// The chosen file's bytes as hex, or `None` when no file is chosen.
#[cfg(feature = "hydrate")]
async fn file_hex(input: web_sys::HtmlInputElement) -> Option<String> {
    let file = input.files()?.get(0)?;
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await.ok()?;
    Some(hex::encode(js_sys::Uint8Array::new(&buffer).to_vec()))
}

/// A form with one file input; `on_file` gets the file's bytes as hex. Extra fields (period,
/// draft or submit) come in as children.
#[component]
pub fn CsvUpload(
    id: &'static str,
    label: String,
    help: String,
    button: String,
    on_file: Callback<String>,
    hydrated: RwSignal<bool>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let input_ref = NodeRef::<leptos::html::Input>::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        if let Some(input) = input_ref.get() {
            leptos::task::spawn_local(async move {
                if let Some(hex) = file_hex(input).await {
                    on_file.run(hex);
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&input_ref, &on_file);
    };
    let help_id = format!("{id}-help");
    view! {
        <form class="upload" on:submit=on_submit id=format!("{id}-form")>
            {children.map(|c| c())}
            <div class="field">
                <label for=id>{label}</label>
                <p class="help" id=help_id.clone()>{help}</p>
                <input id=id type="file" accept=".csv,text/csv" node_ref=input_ref aria-describedby=help_id required=true/>
            </div>
            <button type="submit" id=format!("{id}-submit") disabled=move || !hydrated.get()>{button}</button>
        </form>
    }
}

/// Whether an uploaded file is submitted or saved as drafts: a field for [`CsvUpload`].
#[component]
pub fn IntentSelect(id: &'static str, intent: RwSignal<String>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <div class="field">
            <label for=id>{t(lang, "report.upload.intent")}</label>
            <select id=id on:change=move |ev| intent.set(event_target_value(&ev))>
                <option value="submit">{t(lang, "report.submit")}</option>
                <option value="draft">{t(lang, "report.save_draft")}</option>
            </select>
        </div>
    }
}

/// What an import did: how many rows were stored, or every refused row and field.
#[component]
pub fn ImportResult(id: &'static str, #[prop(into)] outcome: Signal<Option<Result<ImportOutcome, ServerFnError>>>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <div id=id role="status" aria-live="polite">
            {move || match outcome.get() {
                None => ().into_any(),
                Some(Err(e)) => view! { <p class="form-error">{t(lang, "error.load")} " (" {e.to_string()} ")"</p> }.into_any(),
                Some(Ok(ImportOutcome::Stored { rows, state })) => {
                    let key = if state == VersionState::Draft { "import.stored_draft" } else { "import.stored" };
                    view! { <p class="form-ok">{t_with(lang, key, &[("rows", rows.to_string())])}</p> }.into_any()
                }
                Some(Ok(ImportOutcome::Invalid(rows))) => view! {
                    <div class="form-error">
                        <p>{t(lang, "import.refused")}</p>
                        <ul>
                            {rows.into_iter().map(|r| {
                                let place = match (r.line, r.municipality) {
                                    (0, _) => t(lang, "import.whole_file"),
                                    (line, Some(m)) => t_with(lang, "import.line_municipality", &[("line", line.to_string()), ("municipality", m)]),
                                    (line, None) => t_with(lang, "import.line", &[("line", line.to_string())]),
                                };
                                view! {
                                    <li>{place} ": "
                                        {r.errors.iter().map(|e| field_error_message(lang, e)).collect::<Vec<_>>().join(" ")}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </div>
                }.into_any(),
            }}
        </div>
    }
}
