use leptos::prelude::*;

use crate::app::use_lang;
use crate::i18n::t;
use crate::pages::{use_hydrated, NeedsScript};
use crate::server_fns::Login;

#[component]
pub fn LoginPage() -> impl IntoView {
    let lang = use_lang();
    let login = ServerAction::<Login>::new();
    let hydrated = use_hydrated();
    let failed = move || matches!(login.value().get(), Some(Ok(false)));
    view! {
        <section class="narrow">
            <h1>{t(lang, "login.title")}</h1>
            <ActionForm action=login attr:id="login-form">
                <div class="field">
                    <label for="username">{t(lang, "login.username")}</label>
                    <input id="username" name="username" type="text" autocomplete="username" required/>
                </div>
                <div class="field">
                    <label for="password">{t(lang, "login.password")}</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required/>
                </div>
                <NeedsScript lang/>
                <button type="submit" id="login-submit" disabled=move || !hydrated.get()>{t(lang, "login.submit")}</button>
                <p class="form-error" role="alert">{move || failed().then(|| t(lang, "login.failed"))}</p>
            </ActionForm>
        </section>
    }
}
