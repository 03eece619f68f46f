//! Kompotten statistics: pages, server functions and shared domain types. Built twice by
//! cargo-leptos: with `ssr` into the server, with `hydrate` into the browser's WebAssembly.
#![recursion_limit = "256"]

pub mod app;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod domain;
pub mod i18n;
pub mod model;
pub mod pages;
pub mod server_fns;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
