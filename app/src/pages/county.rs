//! The county board's page: the submission tracker for its own county (never values).

use leptos::prelude::*;

use crate::pages::tracker::TrackerPage;

#[component]
pub fn CountyPage() -> impl IntoView {
    view! { <TrackerPage path="/lan" county_filter=false/> }
}
