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
pub mod usual_place;
pub mod welcome;

use leptos::prelude::*;
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};
use wasm_bindgen::JsCast;

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
    let gate = crate::controllers::lock::Gate::start();
    // At start, what lies behind the gate is built a task after the gate itself.
    let behind = built_later();
    move || {
        if gate.open.get() {
            behind.get().then(|| view! { <Unlocked /> }).into_any()
        } else {
            view! { <lock::LockScreen gate=gate lang=crate::controllers::lock::saved_lang() /> }
                .into_any()
        }
    }
}

thread_local! {
    /// Where the app is built, out of the document, until [`reveal`] moves it in.
    static STAGE: std::cell::RefCell<Option<web_sys::Element>> = const { std::cell::RefCell::new(None) };
    /// Parts of the first screen still waiting for their task (see [`built_later`]).
    static PENDING: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Starts the app in short tasks rather than one long one, so that a tap on index.html's
/// static first screen is not kept waiting. Each long part of the start (wasm functions
/// run for the first time are compiled then, on this thread) gets a task of its own: this
/// task builds the PIN gate out of the document, the next the state, the next the router,
/// then the header, the banners and the first page (see [`Unlocked`]); pages may build what
/// is under their first lines in one more ([`later`]), and the last puts the app in the
/// document in the static screen's place. The two are never in the document together.
pub fn start() {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(stage) = doc.create_element("div") else {
        return;
    };
    STAGE.with(|s| *s.borrow_mut() = Some(stage.clone()));
    leptos::mount::mount_to(stage.unchecked_into(), App).forget();
    set_timeout(reveal, std::time::Duration::ZERO);
}

/// A switch for a part of a view that can wait: on at once when the app is already on
/// screen, and one task later while the app is being built out of the document, which is
/// then shown only once the switch is on. A long first start-up task is split so, without
/// a half-built page ever being on screen.
pub fn built_later() -> ReadSignal<bool> {
    let staging = STAGE.with(|s| s.borrow().is_some());
    let (on, set) = signal(!staging);
    if staging {
        PENDING.with(|p| p.set(p.get() + 1));
        set_timeout(
            move || {
                set.try_set(true);
                PENDING.with(|p| p.set(p.get().saturating_sub(1)));
            },
            std::time::Duration::ZERO,
        );
    }
    on
}

/// The view `build` makes, built when [`built_later`]'s switch comes on: in a task of its
/// own at start-up, at once afterwards.
pub fn later<V: IntoView + 'static>(
    build: impl Fn() -> V + Send + Sync + 'static,
) -> impl IntoView {
    let on = built_later();
    // Type-erased: one rendering of the switch for every use keeps the wasm small.
    move || on.get().then(|| build().into_any())
}

/// Takes index.html's static first screen away and moves the app's nodes, in their order,
/// into the document's body, once every part of the first screen is built.
fn reveal() {
    if PENDING.with(|p| p.get()) > 0 {
        set_timeout(reveal, std::time::Duration::ZERO);
        return;
    }
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Some(boot) = doc.get_element_by_id("boot") {
        boot.remove();
    }
    let (Some(stage), Some(body)) = (STAGE.with(|s| s.borrow_mut().take()), doc.body()) else {
        return;
    };
    while let Some(node) = stage.first_child() {
        if body.append_child(&node).is_err() {
            return;
        }
    }
}

/// The app behind the PIN (or with none): state, shell, routes. Nothing stored is read
/// before this is built. At start, the router, the header, the banners and the page each
/// come in a task of their own.
#[component]
fn Unlocked() -> impl IntoView {
    AppState::provide();
    // Keys of drafts and records that are gone, once the start is over.
    set_timeout(
        || leptos::task::spawn_local(crate::controllers::lock::sweep_keys()),
        std::time::Duration::from_secs(5),
    );
    later(|| {
        view! {
            <Router>
                {later(|| view! { <Header /> })}
                {later(|| view! {
                    <UpdateBanner />
                    <SetupConfirm />
                    <StorageBanner />
                    <NoticeBanner />
                    <UnsentBanner />
                })}
                <main>{later(routes)}</main>
            </Router>
        }
    })
}

/// Every page, by its address.
fn routes() -> impl IntoView {
    view! {
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
    }
}
