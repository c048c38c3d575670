//! Filling a form: one section per screen, any valid definition, autosaved drafts. The
//! page renders a [`FormSession`] (the controller); one file per widget family renders the
//! fields. Texts from the definition are only ever inserted as text. Inputs are created
//! once per screen and bound to the answers reactively: typing never re-creates a field
//! (no lost focus).

mod choice;
mod ctx;
mod field;
mod gps;
mod grid;
mod location;
mod repeat;

use std::collections::HashSet;
use std::time::Duration;

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use uuid::Uuid;
use wasm_bindgen::JsCast;

use crate::controllers::form_session::{Finalised, FormSession};
use crate::controllers::forms::use_forms;
use crate::state::use_app_state;
use ctx::Ctx;
use field::field_view;
use vigie_core::drafts::Draft;
use vigie_core::forms::FormDef;
use vigie_core::i18n::Msg;

/// The question that asks a survivor's consent (the incident form's GBV screen).
const CONSENT_FIELD: &str = "vbg_consent";

/// The commune P-code of a report's first place answer, or empty.
fn report_commune(answers: &vigie_core::forms::Answers) -> String {
    answers
        .values()
        .find_map(|v| v.get("commune").and_then(serde_json::Value::as_str))
        .unwrap_or_default()
        .to_owned()
}

/// `/new/<form>`: a blank form; the draft is created at the first change.
#[component]
pub fn NewForm() -> impl IntoView {
    let params = use_params_map();
    blank_form(move || params.with(|p| p.get("form").unwrap_or_default()))
}

/// `/report`: a new incident report, straight away.
#[component]
pub fn ReportPage() -> impl IntoView {
    blank_form(|| "incident".to_owned())
}

/// The blank form `id`. At start-up the definitions are read in one task and the form is
/// built in the next (see [`crate::views::built_later`]).
fn blank_form(id: impl Fn() -> String + Send + Sync + 'static) -> impl IntoView {
    let forms = use_forms();
    let ready = crate::views::built_later();
    move || {
        if !ready.get() {
            forms.read_all();
            return ().into_any();
        }
        start_form(&id(), forms)
    }
}

fn start_form(id: &str, forms: crate::controllers::forms::Forms) -> AnyView {
    match forms.form(id) {
        Some(def) => view! { <FormFill def=def draft=None /> }.into_any(),
        None => view! { <Gone msg=Msg::FormUnavailable /> }.into_any(),
    }
}

/// `/fill/<draft id>`: resumes a draft with the form version it was started with.
#[component]
pub fn ResumeForm() -> impl IntoView {
    let params = use_params_map();
    let forms = use_forms();
    move || {
        // Drafts are read from storage after start; a reload lands here before that.
        if !forms.loaded().get() {
            return view! { <p class="page">{crate::views::tr(Msg::Loading)}</p> }.into_any();
        }
        let id = params.with(|p| p.get("id").unwrap_or_default());
        let draft = Uuid::parse_str(&id).ok().and_then(|id| forms.draft(&id));
        match draft {
            Some(d) => match forms.version(&d.form_id, &d.form_version) {
                Some(def) => view! { <FormFill def=def draft=Some(d) /> }.into_any(),
                // The version it was started with is gone (an app update replaced a
                // built-in form): carry on with the current one rather than strand the
                // answers; answers are kept by field name, and the user is told to check.
                None => match forms.form(&d.form_id) {
                    Some(def) => view! {
                        <FormFill def=def draft=Some(d) note=Msg::DraftVersionChanged />
                    }
                    .into_any(),
                    None => view! { <Gone msg=Msg::FormUnavailable /> }.into_any(),
                },
            },
            None => view! { <Gone msg=Msg::DraftGone /> }.into_any(),
        }
    }
}

#[component]
fn Gone(msg: Msg) -> impl IntoView {
    let state = use_app_state();
    view! {
        <section class="page">
            <p class="result result-bad">{move || state.t(msg)}</p>
            <crate::views::pages::BackHome />
        </section>
    }
}

/// After the screen shows the problems, scrolls to the first one and puts the focus there
/// (a screen reader reads its message; a sighted user sees it without hunting).
fn reveal_first_problem() {
    // After the render that switches screens and marks the fields.
    set_timeout(
        || {
            let doc = web_sys::window().and_then(|w| w.document());
            let Some(field) = doc.and_then(|d| d.query_selector(".field-bad").ok().flatten())
            else {
                return;
            };
            field.scroll_into_view();
            let focusable = field
                .query_selector("input, select, textarea")
                .ok()
                .flatten()
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
            if let Some(input) = focusable {
                let _ = input.focus();
            }
        },
        Duration::from_millis(50),
    );
}

/// The form itself.
#[component]
fn FormFill(
    def: FormDef,
    draft: Option<Draft>,
    /// Something to tell the user when the form opens.
    #[prop(optional)]
    note: Option<Msg>,
) -> impl IntoView {
    let state = use_app_state();
    let navigate = use_navigate();
    let navigate_away = navigate.clone();
    let title = def.title.clone();
    let session = FormSession::new(def, draft, use_forms());
    // The last form's "Enregistré" does not follow the user into this one.
    state.notice.set(None);
    let ctx = Ctx {
        session,
        touched: RwSignal::new(HashSet::new()),
        show_all: RwSignal::new(false),
        state,
    };
    let finishing = RwSignal::new(false);
    let finish = move |_| {
        ctx.show_all.set(true);
        finishing.set(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let outcome = session.finalise().await;
            let _ = finishing.try_set(false);
            match outcome {
                // "Enregistré" only now: the record is on disk.
                Finalised::Queued => {
                    state.notice.set(Some(Msg::Finalised));
                    navigate("/", Default::default());
                }
                Finalised::Refused => reveal_first_problem(),
            }
        });
    };
    let finish_early = finish.clone();
    let confirming = RwSignal::new(false);
    let discard = move |_| {
        session.discard();
        navigate_away("/", Default::default());
    };
    let step = move || session.step();
    let fields_ready = crate::views::built_later();
    // On a report the form marks as sensitive (its discreet-receipt rule: GBV), one tap
    // leaves for a neutral Home, replacing this page in the history so that "back" does
    // not bring it up again. The draft is kept, as on any other exit.
    let sensitive = move || {
        session.with_answers(|a| {
            session.def().with_value(|d| {
                vigie_core::forms::discreet_receipt(d, a, &crate::browser::clock::today())
            })
        })
    };
    let navigate_exit = use_navigate();
    let quick_exit = move |_| {
        session.save_now();
        navigate_exit(
            "/",
            leptos_router::NavigateOptions {
                replace: true,
                ..Default::default()
            },
        );
    };
    view! {
        <section class="page form-page">
            <Show when=sensitive>
                <div class="quick-exit-bar">
                    <button type="button" class="quick-exit" data-testid="quick-exit" on:click=quick_exit.clone()>
                        {crate::views::tr(Msg::QuickExit)}
                    </button>
                </div>
            </Show>
            <h1>{move || title.get(state.lang.get()).to_owned()}</h1>
            <div class="progress" aria-live="polite">
                <span>{move || {
                    let (n, total) = step();
                    state.t(Msg::StepOf).replace("{n}", &n.to_string()).replace("{total}", &total.to_string())
                }}</span>
                <progress max=move || step().1 value=move || step().0></progress>
            </div>
            {note.map(|m| view! { <p class="notice" role="status" data-testid="form-note">{move || state.t(m)}</p> })}
            // Reopened by "Corriger": what the server refused, in words, above the question.
            {session.refused().map(|reason| view! {
                <div class="notice notice-refused" role="alert" data-testid="refused-reason">
                    <p>{crate::views::tr(Msg::RefusedFixThis)}</p>
                    <p><strong>{move || {
                        let lang = state.lang.get();
                        session.def().with_value(|d| vigie_core::forms::readable::refusal_reason(d, &reason, lang))
                    }}</strong></p>
                </div>
            })}
            {move || {
                // At start, the fields come a task after the rest of the page.
                if !fields_ready.get() {
                    return None;
                }
                let idx = session.section().get();
                session.def().with_value(|d| d.sections.get(idx).cloned()).map(|s| {
                    let heading = s.title.clone();
                    // The consent screen of a GBV report offers the services of the
                    // report's commune right there.
                    let consent = s.fields.iter().any(|f| f.name == CONSENT_FIELD);
                    let commune = Signal::derive(move || session.with_answers(report_commune));
                    view! {
                        <h2 class="section-title">{move || heading.get(state.lang.get()).to_owned()}</h2>
                        <div class="fields">
                            {s.fields.into_iter().map(|f| field_view(ctx, f, None)).collect_view()}
                        </div>
                        {consent.then(|| view! { <crate::views::pages::ReferralsHere commune=commune /> })}
                    }
                })
            }}
            {move || session.status().get().map(|(ok, msg)| view! {
                <p class="result" class:result-ok=ok class:result-bad=!ok role="status">{move || state.t(msg)}</p>
            })}
            <div class="form-nav">
                <button type="button" class="btn btn-secondary" on:click=move |_| session.go(false) disabled=move || session.at_edge(false)>
                    {crate::views::tr(Msg::Previous)}
                </button>
                {move || if session.at_edge(true) {
                    let finish = finish.clone();
                    view! { <button type="button" class="btn btn-finish" on:click=finish disabled=move || finishing.get()>{crate::views::tr(Msg::Finish)}</button> }.into_any()
                } else {
                    view! { <button type="button" class="btn" on:click=move |_| session.go(true)>{crate::views::tr(Msg::Next)}</button> }.into_any()
                }}
            </div>
            // Every required answer given: send now, the optional screens stay reachable.
            {move || {
                let early = !session.at_edge(true) && session.problems().with(Vec::is_empty);
                let finish = finish_early.clone();
                early.then(|| view! {
                    <button type="button" class="btn btn-finish btn-early" data-testid="finish-early" on:click=finish disabled=move || finishing.get()>
                        {crate::views::tr(Msg::Finish)}
                    </button>
                    <p class="hint">{crate::views::tr(Msg::OptionalLeft)}</p>
                })
            }}
            <div class="form-discard">
                <Show
                    when=move || confirming.get()
                    fallback=move || view! {
                        <button type="button" class="btn-small btn-secondary" on:click=move |_| confirming.set(true)>
                            {crate::views::tr(Msg::DeleteDraft)}
                        </button>
                    }
                >
                    <button type="button" class="btn-small btn-danger" on:click=discard.clone()>
                        {crate::views::tr(Msg::ConfirmDelete)}
                    </button>
                    <button type="button" class="btn-small btn-secondary" on:click=move |_| confirming.set(false)>
                        {crate::views::tr(Msg::Cancel)}
                    </button>
                </Show>
            </div>
        </section>
    }
}
