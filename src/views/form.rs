//! Filling a form: one section per screen, any valid definition, autosaved drafts.
//!
//! The record id is created at the first change and the address becomes `/fill/<id>` (with
//! `history.replaceState`, so nothing re-renders), so a reload resumes the draft. Inputs are
//! created once per screen and bound to the answers reactively: typing never re-creates a
//! field (no lost focus). Texts from the definition are only ever inserted as text.

use std::collections::HashSet;
use std::time::Duration;

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use serde_json::{json, Map, Value as Json};
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};

use crate::adapters::geolocation;
use crate::forms::{now_ms, today, use_forms, FinaliseError};
use crate::state::{use_app_state, AppState};
use crate::views::icons::{Icon, IconSvg};
use vigie_core::admin;
use vigie_core::drafts::Draft;
use vigie_core::forms::{
    counts, holds, section_relevant, Answers, AnswersEnv, Field, FieldType, FormDef, Located,
    Problem, Text,
};
use vigie_core::i18n::{Lang, Msg};

/// Age groups of the sex × age grid (reporting-model.md §2.6), as stored.
pub const AGE_GROUPS: [&str; 7] = ["0-14", "15-17", "18-24", "25-35", "36-59", "60+", "inconnu"];

/// `/new/<form>`: a blank form; the draft is created at the first change.
#[component]
pub fn NewForm() -> impl IntoView {
    let params = use_params_map();
    let forms = use_forms();
    move || {
        let id = params.with(|p| p.get("form").unwrap_or_default());
        start_form(&id, forms)
    }
}

/// `/report`: a new incident report, straight away.
#[component]
pub fn ReportPage() -> impl IntoView {
    start_form("incident", use_forms())
}

fn start_form(id: &str, forms: crate::forms::Forms) -> AnyView {
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

/// Where an answer lives: at the top level, or in entry `index` of a repeat group.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
struct Path {
    repeat: Option<(String, usize)>,
    name: String,
}

impl Path {
    fn id(&self) -> String {
        match &self.repeat {
            Some((r, i)) => format!("f-{r}-{i}-{}", self.name),
            None => format!("f-{}", self.name),
        }
    }
}

/// Everything a field widget needs, all `Copy`.
#[derive(Clone, Copy)]
struct Ctx {
    def: StoredValue<FormDef>,
    answers: RwSignal<Answers>,
    touched: RwSignal<HashSet<Path>>,
    show_all: RwSignal<bool>,
    problems: Memo<Vec<Located>>,
    state: AppState,
    on_change: StoredValue<Box<dyn Fn() + Send + Sync>>,
}

impl Ctx {
    fn get(&self, path: &Path) -> Option<Json> {
        self.answers.with(|a| lookup(a, path).cloned())
    }

    fn set(&self, path: &Path, value: Json) {
        self.answers.update(|a| {
            let slot = match &path.repeat {
                None => a,
                Some((r, i)) => {
                    let Some(entry) = a
                        .get_mut(r)
                        .and_then(Json::as_array_mut)
                        .and_then(|e| e.get_mut(*i))
                        .and_then(Json::as_object_mut)
                    else {
                        return;
                    };
                    entry
                }
            };
            if value.is_null() {
                slot.remove(&path.name);
            } else {
                slot.insert(path.name.clone(), value);
            }
        });
        self.on_change.with_value(|f| f());
    }

    fn touch(&self, path: &Path) {
        self.touched.update(|t| {
            t.insert(path.clone());
        });
    }

    fn lang(&self) -> Lang {
        self.state.lang.get()
    }

    fn problem(&self, path: &Path) -> Option<Problem> {
        if !self.show_all.get() && !self.touched.with(|t| t.contains(path)) {
            return None;
        }
        self.problems.with(|all| {
            all.iter()
                .find(|l| l.field == path.name && l.entry == path.repeat)
                .map(|l| l.problem.clone())
        })
    }

    fn relevant(&self, field: &Field, path: &Path) -> bool {
        let today = today();
        self.answers.with(|a| {
            let entry = path.repeat.as_ref().and_then(|(r, i)| {
                a.get(r)
                    .and_then(Json::as_array)
                    .and_then(|e| e.get(*i))
                    .and_then(Json::as_object)
            });
            let env = AnswersEnv {
                root: a,
                entry,
                today: &today,
            };
            holds(field.relevant.as_deref(), &env)
        })
    }
}

fn lookup<'a>(a: &'a Answers, path: &Path) -> Option<&'a Json> {
    match &path.repeat {
        None => a.get(&path.name),
        Some((r, i)) => a.get(r)?.as_array()?.get(*i)?.as_object()?.get(&path.name),
    }
}

/// The words for a problem, in `lang`.
pub fn problem_text(p: &Problem, lang: Lang) -> String {
    let n = |m: Msg, v: String| m.text(lang).replace("{n}", &v);
    let num = |f: f64| {
        if f.fract() == 0.0 {
            (f as i64).to_string()
        } else {
            f.to_string()
        }
    };
    match p {
        Problem::Required => Msg::ProblemRequired.text(lang).into(),
        Problem::NotANumber => Msg::ProblemNotANumber.text(lang).into(),
        Problem::NotWhole => Msg::ProblemNotWhole.text(lang).into(),
        Problem::TooSmall(v) => n(Msg::ProblemTooSmall, num(*v)),
        Problem::TooLarge(v) => n(Msg::ProblemTooLarge, num(*v)),
        Problem::TooShort(v) => n(Msg::ProblemTooShort, v.to_string()),
        Problem::TooLong(v) => n(Msg::ProblemTooLong, v.to_string()),
        Problem::Pattern(p) => Msg::ProblemPattern.text(lang).replace("{p}", p),
        Problem::Constraint(Some(t)) => t.get(lang).into(),
        Problem::Constraint(None) => Msg::ProblemConstraint.text(lang).into(),
        Problem::TooFewEntries(v) => n(Msg::ProblemTooFew, v.to_string()),
        Problem::TooManyEntries(v) => n(Msg::ProblemTooMany, v.to_string()),
        Problem::BadDateOrTime => Msg::ProblemDateTime.text(lang).into(),
    }
}

/// Which screen shows `field` (for jumping to the first problem).
fn section_of(def: &FormDef, located: &Located) -> Option<usize> {
    let name = located
        .entry
        .as_ref()
        .map_or(located.field.as_str(), |(r, _)| r.as_str());
    def.sections
        .iter()
        .position(|s| s.fields.iter().any(|f| f.name == name))
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
    let forms = use_forms();
    let navigate = use_navigate();
    let navigate_away = navigate.clone();
    let draft_id: StoredValue<Option<Uuid>> = StoredValue::new(draft.as_ref().map(|d| d.id));
    let created: StoredValue<i64> = StoredValue::new(draft.as_ref().map_or(0, |d| d.created_at));
    let answers = RwSignal::new(
        draft
            .as_ref()
            .map(|d| d.answers.clone())
            .unwrap_or_default(),
    );
    let section = RwSignal::new(draft.as_ref().map_or(0, |d| d.section));
    let status: RwSignal<Option<(bool, String)>> = RwSignal::new(None);
    let def_s = StoredValue::new(def.clone());
    let problems = Memo::new(move |_| {
        let today = today();
        answers.with(|a| def_s.with_value(|d| vigie_core::forms::problems(d, a, &today)))
    });
    let generation = StoredValue::new(0u32);

    // The draft's id, created at the first change (the address becomes /fill/{id}).
    let ensure_id = move || -> Uuid {
        if let Some(id) = draft_id.get_value() {
            return id;
        }
        let id = Uuid::new_v4();
        draft_id.set_value(Some(id));
        created.set_value(now_ms());
        if let Some(w) = web_sys::window() {
            if let Ok(h) = w.history() {
                let _ = h.replace_state_with_url(&JsValue::NULL, "", Some(&format!("/fill/{id}")));
            }
        }
        id
    };
    // The draft as it is on screen (copies the answers: only when saving).
    let current_draft = move || -> Draft {
        let id = ensure_id();
        def_s.with_value(|d| Draft {
            id,
            form_id: d.id.clone(),
            form_version: d.version.clone(),
            created_at: created.get_value(),
            updated_at: now_ms(),
            answers: answers.get_untracked(),
            section: section.get_untracked(),
        })
    };
    // Set once the user deleted the draft: nothing may save it again.
    let discarded = StoredValue::new(false);
    let save_now = move || {
        if discarded.get_value()
            || (draft_id.get_value().is_none() && answers.with_untracked(Map::is_empty))
        {
            return;
        }
        let d = current_draft();
        match forms.save_draft(&d) {
            Ok(()) => status.set(Some((true, state.t(Msg::DraftSaved).to_owned()))),
            Err(e) => status.set(Some((false, state.t(e.user_message()).to_owned()))),
        }
    };
    // Debounced autosave: at most ~0.4 s of typing is ever unsaved.
    let schedule_save = move || {
        ensure_id();
        generation.update_value(|g| *g = g.wrapping_add(1));
        let mine = generation.get_value();
        set_timeout(
            move || {
                if generation.try_get_value() == Some(mine) {
                    save_now();
                }
            },
            Duration::from_millis(400),
        );
    };
    // Leaving or hiding the page saves at once.
    let hide = window_event_listener(leptos::ev::pagehide, move |_| save_now());
    let vis = window_event_listener(leptos::ev::visibilitychange, move |_| save_now());
    on_cleanup(move || {
        hide.remove();
        vis.remove();
    });

    let ctx = Ctx {
        def: def_s,
        answers,
        touched: RwSignal::new(HashSet::new()),
        show_all: RwSignal::new(false),
        problems,
        state,
        on_change: StoredValue::new(Box::new(schedule_save)),
    };

    let visible = Memo::new(move |_| {
        let today = today();
        answers.with(|a| {
            def_s.with_value(|d| {
                d.sections
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| section_relevant(s, a, &today))
                    .map(|(i, _)| i)
                    .collect::<Vec<usize>>()
            })
        })
    });
    let step = move || {
        let v = visible.get();
        let cur = section.get();
        (v.iter().position(|i| *i >= cur).unwrap_or(0) + 1, v.len())
    };
    let go = move |forward: bool| {
        let v = visible.get_untracked();
        let cur = section.get_untracked();
        let next = if forward {
            v.iter().copied().find(|i| *i > cur)
        } else {
            v.iter().rev().copied().find(|i| *i < cur)
        };
        if let Some(n) = next {
            section.set(n);
            save_now();
            if let Some(w) = web_sys::window() {
                w.scroll_to_with_x_and_y(0.0, 0.0);
            }
        }
    };
    let is_last = move || visible.with(|v| v.last().is_none_or(|l| section.get() >= *l));
    let is_first = move || visible.with(|v| v.first().is_none_or(|f| section.get() <= *f));
    let finish = move |_| {
        ctx.show_all.set(true);
        let d = current_draft();
        save_now();
        match forms.finalise(&d) {
            Ok(()) => {
                state.notice.set(Some(Msg::Finalised));
                navigate("/", Default::default());
            }
            Err(FinaliseError::Problems(found)) => {
                status.set(Some((false, state.t(Msg::FixProblems).to_owned())));
                if let Some(s) = found
                    .first()
                    .and_then(|l| def_s.with_value(|d| section_of(d, l)))
                {
                    section.set(s);
                }
                reveal_first_problem();
            }
            Err(FinaliseError::UnknownForm) => {
                status.set(Some((false, state.t(Msg::FormUnavailable).to_owned())))
            }
            Err(FinaliseError::Storage(e)) => {
                status.set(Some((false, state.t(e.user_message()).to_owned())))
            }
        }
    };
    let confirming = RwSignal::new(false);
    let discard = move |_| {
        discarded.set_value(true);
        if let Some(id) = draft_id.get_value() {
            forms.delete_draft(&id);
        }
        navigate_away("/", Default::default());
    };
    let title = def.title.clone();
    view! {
        <section class="page form-page">
            <h1>{move || title.get(state.lang.get()).to_owned()}</h1>
            <div class="progress" aria-live="polite">
                <span>{move || {
                    let (n, total) = step();
                    state.t(Msg::StepOf).replace("{n}", &n.to_string()).replace("{total}", &total.to_string())
                }}</span>
                <progress max=move || step().1 value=move || step().0></progress>
            </div>
            {note.map(|m| view! { <p class="notice" role="status" data-testid="form-note">{move || state.t(m)}</p> })}
            {move || {
                let idx = section.get();
                def_s.with_value(|d| d.sections.get(idx).cloned()).map(|s| {
                    let heading = s.title.clone();
                    view! {
                        <h2 class="section-title">{move || heading.get(state.lang.get()).to_owned()}</h2>
                        <div class="fields">
                            {s.fields.into_iter().map(|f| field_view(ctx, f, None)).collect_view()}
                        </div>
                    }
                })
            }}
            {move || status.get().map(|(ok, text)| view! {
                <p class="result" class:result-ok=ok class:result-bad=!ok role="status">{text}</p>
            })}
            <div class="form-nav">
                <button type="button" class="btn btn-secondary" on:click=move |_| go(false) disabled=is_first>
                    {crate::views::tr(Msg::Previous)}
                </button>
                {move || if is_last() {
                    let finish = finish.clone();
                    view! { <button type="button" class="btn btn-finish" on:click=finish>{crate::views::tr(Msg::Finish)}</button> }.into_any()
                } else {
                    view! { <button type="button" class="btn" on:click=move |_| go(true)>{crate::views::tr(Msg::Next)}</button> }.into_any()
                }}
            </div>
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

fn text_of(t: &Text, lang: Lang) -> String {
    t.get(lang).to_owned()
}

/// One field (any type), shown while relevant.
fn field_view(ctx: Ctx, field: Field, repeat: Option<(String, usize)>) -> impl IntoView {
    let path = Path {
        repeat,
        name: field.name.clone(),
    };
    let f = StoredValue::new(field);
    let p = StoredValue::new(path);
    let when = move || f.with_value(|f| p.with_value(|p| ctx.relevant(f, p)));
    view! {
        <Show when=when>
            {move || field_body(ctx, f.get_value(), p.get_value())}
        </Show>
    }
}

fn field_body(ctx: Ctx, field: Field, path: Path) -> AnyView {
    let id = path.id();
    let label = field.label.clone();
    let hint = field.hint.clone();
    let required = field.required;
    let p2 = StoredValue::new(path.clone());
    let error = move || {
        p2.with_value(|p| ctx.problem(p))
            .map(|pr| problem_text(&pr, ctx.lang()))
    };
    let err_id = format!("{id}-err");
    let hint_id = format!("{id}-hint");
    let input = input_view(ctx, &field, &path, &id, &hint_id, &err_id);
    let is_note = field.kind == FieldType::Note;
    let is_group = matches!(
        field.kind,
        FieldType::SelectOne
            | FieldType::SelectMultiple
            | FieldType::YesNo
            | FieldType::Location
            | FieldType::Counts
            | FieldType::Repeat
            | FieldType::Gps
    );
    let has_error = {
        let e = error;
        move || e().is_some()
    };
    let label_view = move || {
        view! {
            {move || text_of(&label, ctx.lang())}
            {required.then(|| view! { <span class="req">" (" {crate::views::tr(Msg::RequiredMark)} ")"</span> })}
        }
    };
    if is_note {
        return view! { <p class="form-note" id=id>{label_view()}</p> }.into_any();
    }
    let hint_view = hint.map(
        |h| view! { <p class="hint" id=hint_id.clone()>{move || text_of(&h, ctx.lang())}</p> },
    );
    let error_view = move || {
        error().map(|e| view! { <p class="field-error" id=err_id.clone() role="alert">{e}</p> })
    };
    if is_group {
        view! {
            <fieldset class="field" class:field-bad=has_error id=format!("{id}-group")>
                <legend class="field-label">{label_view()}</legend>
                {hint_view}
                {input}
                {error_view}
            </fieldset>
        }
        .into_any()
    } else {
        view! {
            <div class="field" class:field-bad=has_error>
                <label class="field-label" for=id.clone()>{label_view()}</label>
                {hint_view}
                {input}
                {error_view}
            </div>
        }
        .into_any()
    }
}

fn as_text(v: Option<Json>) -> String {
    match v {
        Some(Json::String(s)) => s,
        Some(Json::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn input_view(
    ctx: Ctx,
    field: &Field,
    path: &Path,
    id: &str,
    hint_id: &str,
    err_id: &str,
) -> AnyView {
    let described = format!("{hint_id} {err_id}");
    let p = StoredValue::new(path.clone());
    let value = move || as_text(p.with_value(|p| ctx.get(p)));
    let on_text = move |ev| {
        let v = event_target_value(&ev);
        p.with_value(|p| {
            ctx.set(
                p,
                if v.is_empty() {
                    Json::Null
                } else {
                    Json::String(v)
                },
            )
        });
    };
    let blur = move |_| p.with_value(|p| ctx.touch(p));
    let id = id.to_owned();
    match field.kind {
        FieldType::Text => view! {
            <input type="text" id=id aria-describedby=described prop:value=value on:input=on_text on:blur=blur />
        }
        .into_any(),
        FieldType::LongText => view! {
            <textarea id=id rows="4" aria-describedby=described prop:value=value on:input=on_text on:blur=blur></textarea>
        }
        .into_any(),
        FieldType::Integer | FieldType::Decimal => {
            let mode = if field.kind == FieldType::Integer { "numeric" } else { "decimal" };
            view! {
                <input type="text" id=id inputmode=mode autocomplete="off" class="num" aria-describedby=described prop:value=value on:input=on_text on:blur=blur />
            }
            .into_any()
        }
        FieldType::Date => view! {
            <input type="date" id=id aria-describedby=described prop:value=value on:input=on_text on:change=on_text on:blur=blur />
        }
        .into_any(),
        FieldType::Time => view! {
            <input type="time" id=id aria-describedby=described prop:value=value on:input=on_text on:blur=blur />
        }
        .into_any(),
        FieldType::SelectOne | FieldType::SelectMultiple => {
            let multiple = field.kind == FieldType::SelectMultiple;
            let choices = ctx.def.with_value(|d| d.choices_of(field).to_vec());
            let name = id.clone();
            choices
                .into_iter()
                .map(|c| {
                    let code = StoredValue::new(c.code.clone());
                    let checked = move || {
                        let v = p.with_value(|p| ctx.get(p));
                        code.with_value(|code| match v {
                            Some(Json::Array(a)) => a.iter().any(|x| x.as_str() == Some(code)),
                            Some(Json::String(s)) => s == *code,
                            _ => false,
                        })
                    };
                    let change = move |ev| {
                        let on = event_target_checked(&ev);
                        let code = code.get_value();
                        p.with_value(|p| {
                            if multiple {
                                let mut list: Vec<Json> = match ctx.get(p) {
                                    Some(Json::Array(a)) => a,
                                    _ => Vec::new(),
                                };
                                list.retain(|x| x.as_str() != Some(&code));
                                if on {
                                    list.push(Json::String(code));
                                }
                                ctx.set(p, if list.is_empty() { Json::Null } else { Json::Array(list) });
                            } else {
                                ctx.set(p, Json::String(code));
                            }
                            ctx.touch(p);
                        });
                    };
                    let label = c.label.clone();
                    let icon = c.icon.as_deref().and_then(Icon::named);
                    let kind = if multiple { "checkbox" } else { "radio" };
                    view! {
                        <label class="choice" data-choice=c.code.clone()>
                            <input type=kind name=name.clone() value=c.code.clone() prop:checked=checked on:change=change />
                            {icon.map(|icon| view! { <IconSvg icon=icon /> })}
                            <span>{move || text_of(&label, ctx.lang())}</span>
                        </label>
                    }
                })
                .collect_view()
                .into_any()
        }
        FieldType::YesNo => {
            let name = id.clone();
            [(true, Msg::Yes), (false, Msg::No)]
                .into_iter()
                .map(|(b, msg)| {
                    let checked = move || p.with_value(|p| ctx.get(p)) == Some(Json::Bool(b));
                    let change = move |_| p.with_value(|p| {
                        ctx.set(p, Json::Bool(b));
                        ctx.touch(p);
                    });
                    view! {
                        <label class="choice choice-inline">
                            <input type="radio" name=name.clone() prop:checked=checked on:change=change />
                            <span>{move || ctx.state.t(msg)}</span>
                        </label>
                    }
                })
                .collect_view()
                .into_any()
        }
        FieldType::Location => location_view(ctx, p, &id).into_any(),
        FieldType::Counts => counts_view(ctx, p, &id).into_any(),
        FieldType::Gps => gps_view(ctx, p).into_any(),
        FieldType::Repeat => repeat_view(ctx, field.clone()).into_any(),
        FieldType::Note => ().into_any(),
    }
}

/// Reads one key of an object answer.
fn part(ctx: Ctx, p: StoredValue<Path>, key: &str) -> String {
    p.with_value(|p| ctx.get(p))
        .and_then(|v| v.get(key).and_then(Json::as_str).map(str::to_owned))
        .unwrap_or_default()
}

/// Sets keys of an object answer (empty strings remove a key).
fn set_parts(ctx: Ctx, p: StoredValue<Path>, parts: &[(&str, String)]) {
    p.with_value(|p| {
        let mut obj = match ctx.get(p) {
            Some(Json::Object(o)) => o,
            _ => Map::new(),
        };
        for (k, v) in parts {
            if v.is_empty() {
                obj.remove(*k);
            } else {
                obj.insert((*k).to_owned(), Json::String(v.clone()));
            }
        }
        ctx.set(
            p,
            if obj.is_empty() {
                Json::Null
            } else {
                Json::Object(obj)
            },
        );
        ctx.touch(p);
    });
}

fn location_view(ctx: Ctx, p: StoredValue<Path>, id: &str) -> impl IntoView {
    let t = move |m: Msg| ctx.state.t(m);
    let select = move |key: &'static str,
                       msg: Msg,
                       options: Box<dyn Fn() -> Vec<(String, String)> + Send + Sync>,
                       clear: &'static [&'static str]| {
        let sid = format!("{id}-{key}");
        view! {
            <label class="sub-label" for=sid.clone()>{move || t(msg)}</label>
            <select id=sid prop:value=move || part(ctx, p, key) on:change=move |ev| {
                let mut parts = vec![(key, event_target_value(&ev))];
                parts.extend(clear.iter().map(|k| (*k, String::new())));
                set_parts(ctx, p, &parts);
            }>
                <option value="">{crate::views::tr(Msg::Choose)}</option>
                {move || {
                    let current = part(ctx, p, key);
                    options().into_iter().map(|(code, label)| {
                        let selected = code == current;
                        view! { <option value=code selected=selected>{label}</option> }
                    }).collect_view()
                }}
            </select>
        }
    };
    let regions = Box::new(|| {
        admin::regions()
            .into_iter()
            .map(|u| (u.code.to_owned(), u.name.to_owned()))
            .collect()
    });
    let cercles = Box::new(move || {
        admin::cercles(&part(ctx, p, "region"))
            .into_iter()
            .map(|u| (u.code.to_owned(), u.name.to_owned()))
            .collect()
    });
    let communes = Box::new(move || {
        let lang = ctx.lang();
        admin::communes(&part(ctx, p, "cercle"))
            .into_iter()
            .map(|u| {
                (
                    u.code.to_owned(),
                    format!("{} {}", Msg::Commune.text(lang), u.code),
                )
            })
            .collect()
    });
    let text = move |key: &'static str, msg: Msg| {
        let tid = format!("{id}-{key}");
        view! {
            <label class="sub-label" for=tid.clone()>{move || t(msg)}</label>
            <input type="text" id=tid prop:value=move || part(ctx, p, key)
                on:input=move |ev| set_parts(ctx, p, &[(key, event_target_value(&ev))]) />
        }
    };
    view! {
        <div class="location">
            {select("region", Msg::Region, regions, &["cercle", "commune"])}
            {select("cercle", Msg::Cercle, cercles, &["commune"])}
            {select("commune", Msg::Commune, communes, &[])}
            {text("commune_other", Msg::OtherCommune)}
            {text("village", Msg::Village)}
        </div>
    }
}

fn counts_view(ctx: Ctx, p: StoredValue<Path>, id: &str) -> impl IntoView {
    let read = move |f: &dyn Fn(Option<&Json>) -> String| {
        p.with_value(|p| ctx.answers.with(|a| f(lookup(a, p))))
    };
    let cell = move |sex: &str, age: &str| read(&|a| counts::cell(a, sex, age));
    let sum = move |sex: Option<&str>| read(&|a| counts::total(a, sex).to_string());
    let set = move |sex: &'static str, age: &'static str, text: String| {
        p.with_value(|p| {
            let next = ctx
                .answers
                .with_untracked(|a| counts::with_cell(lookup(a, p), sex, age, &text));
            ctx.set(p, next.unwrap_or(Json::Null));
        });
    };
    let t = move |m: Msg| ctx.state.t(m);
    let id = id.to_owned();
    view! {
        <table class="grid-counts">
            <thead>
                <tr>
                    <th scope="col">{crate::views::tr(Msg::AgeGroup)}</th>
                    <th scope="col">{crate::views::tr(Msg::Women)}</th>
                    <th scope="col">{crate::views::tr(Msg::Men)}</th>
                </tr>
            </thead>
            <tbody>
                {AGE_GROUPS.iter().map(|age| {
                    let age: &'static str = age;
                    let label = move || if age == "inconnu" { t(Msg::AgeUnknown).to_owned() } else { age.to_owned() };
                    let input = |sex: &'static str| {
                        let iid = format!("{id}-{sex}-{age}");
                        view! {
                            <td>
                                <input type="text" inputmode="numeric" class="num" id=iid.clone()
                                    aria-label=move || format!("{} {}", t(if sex == "F" { Msg::Women } else { Msg::Men }), label())
                                    prop:value=move || cell(sex, age)
                                    on:input=move |ev| set(sex, age, event_target_value(&ev)) />
                            </td>
                        }
                    };
                    view! {
                        <tr>
                            <th scope="row">{label}</th>
                            {input("F")}
                            {input("M")}
                        </tr>
                    }
                }).collect_view()}
            </tbody>
            <tfoot>
                <tr>
                    <th scope="row">{crate::views::tr(Msg::Total)}</th>
                    <td data-testid="total-f">{move || sum(Some("F"))}</td>
                    <td data-testid="total-m">{move || sum(Some("M"))}</td>
                </tr>
                <tr>
                    <th scope="row">{crate::views::tr(Msg::Total)}</th>
                    <td colspan="2" data-testid="total-all">{move || sum(None)}</td>
                </tr>
            </tfoot>
        </table>
    }
}

fn gps_view(ctx: Ctx, p: StoredValue<Path>) -> impl IntoView {
    let failed = RwSignal::new(false);
    let shown = move || {
        p.with_value(|p| ctx.get(p)).and_then(|v| {
            let lat = v.get("lat")?.as_f64()?;
            let lon = v.get("lon")?.as_f64()?;
            Some(format!("{lat:.5}, {lon:.5}"))
        })
    };
    let take = move |_| {
        failed.set(false);
        geolocation::current_position(move |outcome| match outcome {
            Ok(pos) => p.with_value(|p| {
                ctx.set(
                    p,
                    json!({"lat": pos.lat, "lon": pos.lon, "accuracy_m": pos.accuracy_m}),
                )
            }),
            Err(_) => failed.set(true),
        });
    };
    view! {
        <div class="gps">
            <button type="button" class="btn btn-secondary" on:click=take>{crate::views::tr(Msg::TakePosition)}</button>
            {move || shown().map(|s| view! {
                <span class="gps-value">{s}</span>
                <button type="button" class="btn-small btn-secondary" on:click=move |_| p.with_value(|p| ctx.set(p, Json::Null))>{crate::views::tr(Msg::Clear)}</button>
            })}
            {move || failed.get().then(|| view! { <p class="hint">{crate::views::tr(Msg::PositionUnavailable)}</p> })}
        </div>
    }
}

fn repeat_view(ctx: Ctx, field: Field) -> impl IntoView {
    let name = StoredValue::new(field.name.clone());
    let inner = StoredValue::new(field.fields.clone());
    let max = field.max_count;
    let count = Memo::new(move |_| {
        ctx.answers
            .with(|a| name.with_value(|n| a.get(n).and_then(Json::as_array).map_or(0, Vec::len)))
    });
    let path = Path {
        repeat: None,
        name: field.name.clone(),
    };
    let p = StoredValue::new(path);
    let add = move |_| {
        p.with_value(|p| {
            let mut list = match ctx.get(p) {
                Some(Json::Array(a)) => a,
                _ => Vec::new(),
            };
            list.push(Json::Object(Map::new()));
            ctx.set(p, Json::Array(list));
            ctx.touch(p);
        });
    };
    let remove = move |i: usize| {
        p.with_value(|p| {
            let mut list = match ctx.get(p) {
                Some(Json::Array(a)) => a,
                _ => Vec::new(),
            };
            if i < list.len() {
                list.remove(i);
            }
            ctx.set(
                p,
                if list.is_empty() {
                    Json::Null
                } else {
                    Json::Array(list)
                },
            );
        });
    };
    let t = move |m: Msg| ctx.state.t(m);
    view! {
        <ol class="repeat">
            {move || (0..count.get()).map(|i| {
                let fields = inner.get_value();
                let rname = name.get_value();
                view! {
                    <li class="repeat-entry">
                        <p class="repeat-title">{move || t(Msg::EntryN).replace("{n}", &(i + 1).to_string())}</p>
                        {fields.into_iter().map(|f| field_view(ctx, f, Some((rname.clone(), i)))).collect_view()}
                        <button type="button" class="btn-small btn-secondary" on:click=move |_| remove(i)>{crate::views::tr(Msg::RemoveEntry)}</button>
                    </li>
                }
            }).collect_view()}
        </ol>
        <button type="button" class="btn btn-secondary" on:click=add
            disabled=move || max.is_some_and(|m| count.get() >= m as usize)>
            "+ " {crate::views::tr(Msg::AddEntry)}
        </button>
    }
}
