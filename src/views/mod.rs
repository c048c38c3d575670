//! Views: Leptos components that render state and dispatch actions. No storage or fetch
//! call lives here; they go through `state` and the adapters.

pub mod connection;
pub mod form;
pub mod home;
pub mod icons;
pub mod lock;
pub mod note;
pub mod outbox;
pub mod pages;
pub mod plans;
pub mod shell;
pub mod welcome;

use leptos::prelude::*;
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

use crate::state::AppState;
use form::{NewForm, ReportPage, ResumeForm};
use home::{FormChooser, Home, MyReports};
use note::NotePage;
use outbox::OutboxPage;
use pages::{NotFound, Settings};
use shell::{Header, NoticeBanner, SetupConfirm, StorageBanner, UnsentBanner, UpdateBanner};
use vigie_core::i18n::Msg;

/// A catalogue text in the current language, following language changes. One closure type
/// for every static label keeps the wasm small (each distinct closure is its own copy of
/// the rendering code).
pub fn tr(msg: Msg) -> impl IntoView + use<> {
    let state = crate::state::use_app_state();
    move || state.t(msg)
}

/// The whole app: the PIN screen if a PIN is set, then state, shell and routes.
#[component]
pub fn App() -> impl IntoView {
    let gate = crate::pin::Gate::start();
    move || {
        if gate.open.get() {
            view! { <Unlocked /> }.into_any()
        } else {
            view! { <lock::LockScreen gate=gate lang=crate::pin::saved_lang() /> }.into_any()
        }
    }
}

/// The app behind the PIN (or with none): state, shell, routes. Nothing stored is read
/// before this is built.
#[component]
fn Unlocked() -> impl IntoView {
    AppState::provide();
    view! {
        <Router>
            <Header />
            <UpdateBanner />
            <SetupConfirm />
            <StorageBanner />
            <NoticeBanner />
            <UnsentBanner />
            <main>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Home />
                    <Route path=path!("/settings") view=Settings />
                    <Route path=path!("/report") view=ReportPage />
                    <Route path=path!("/activity") view=FormChooser />
                    <Route path=path!("/new/:form") view=NewForm />
                    <Route path=path!("/fill/:id") view=ResumeForm />
                    <Route path=path!("/mine") view=MyReports />
                    <Route path=path!("/plans") view=plans::PlansPage />
                    <Route path=path!("/plans/:id") view=plans::PlanPage />
                    <Route path=path!("/plans/:id/review") view=plans::PlanReviewPage />
                    <Route path=path!("/plans/:id/print") view=plans::PlanPrintPage />
                    <Route path=path!("/plans/:id/:list/:item") view=plans::PlanItemPage />
                    <Route path=path!("/outbox") view=OutboxPage />
                    <Route path=path!("/aide") view=pages::ReferralsPage />
                    <Route path=path!("/note") view=NotePage />
                </Routes>
            </main>
        </Router>
    }
}
