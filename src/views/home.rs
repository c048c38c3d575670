//! Home: the four big actions, nothing else to read.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::core::i18n::Msg;
use crate::state::use_app_state;
use crate::views::icons::{Icon, IconSvg};

/// The home screen.
#[component]
pub fn Home() -> impl IntoView {
    let state = use_app_state();
    let tile = move |href: &'static str, icon: Icon, msg: Msg, class: &'static str| {
        view! {
            <A href=href attr:class=format!("tile {class}")>
                <IconSvg icon=icon />
                <span>{move || state.t(msg)}</span>
            </A>
        }
    };
    view! {
        <section class="home">
            <p class="tagline">{move || state.t(Msg::Tagline)}</p>
            <nav class="tiles">
                {tile("/report", Icon::Alert, Msg::ReportIncident, "tile-alert")}
                {tile("/activity", Icon::Activity, Msg::LogActivity, "")}
                {tile("/plans", Icon::Plan, Msg::ActionPlans, "")}
                {tile("/outbox", Icon::Outbox, Msg::Outbox, "")}
            </nav>
            <A href="/note" attr:class="settings-link">
                <IconSvg icon=Icon::Activity />
                <span>{move || state.t(Msg::QuickNote)}</span>
            </A>
            <A href="/settings" attr:class="settings-link">
                <IconSvg icon=Icon::Settings />
                <span>{move || state.t(Msg::Settings)}</span>
            </A>
        </section>
    }
}
