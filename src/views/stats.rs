//! The statistics table (being written).

use leptos::prelude::*;

#[component]
pub fn StatsTable() -> impl IntoView {
    view! { <div class="stats">"Statistics"</div> }
}
