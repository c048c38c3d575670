//! Action plans: the list, one plan by sections, an item's editor, the review of true
//! conflicts and a printable summary. Plan text is shown as text (Leptos escapes it).

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use serde_json::Value;
use uuid::Uuid;
use vigie_core::i18n::{Lang, Msg};
use vigie_core::keys;
use vigie_core::plans::derived::{progress, Progress};
use vigie_core::plans::place::{self, Level};
use vigie_core::plans::schema::{self, FieldKind, FieldSpec, ListSpec};
use vigie_core::plans::sync::{PlanCopy, PlanState, OUTSIDE_SCOPE};
use vigie_core::plans::{Item, Keep, Plan, PlanKind, Stamped, DELETED, HEADER};

use crate::adapters::clock::short_time;
use crate::adapters::plan_store;
use crate::plans::use_plans;
use crate::state::use_app_state;
use crate::views::tr;

use vigie_core::plans::display::{amount as fcfa, label};

fn plan_name(plan: &Plan, lang: Lang) -> String {
    let name = plan.header("name").as_str().unwrap_or("").trim();
    if name.is_empty() {
        Msg::Untitled.text(lang).to_owned()
    } else {
        name.to_owned()
    }
}

/// The commune as people can read it: its cercle's name beside the code (commune names are
/// not in the bundled data yet).
fn place(commune: &str, lang: Lang) -> String {
    if commune.is_empty() {
        return Msg::WholeCountry.text(lang).to_owned();
    }
    let cercle = commune
        .get(..6)
        .and_then(vigie_core::admin::name_of)
        .unwrap_or("");
    match vigie_core::admin::name_of(commune) {
        Some(name) if commune.len() > 6 => format!(
            "{name} ({} {cercle})",
            Msg::Cercle.text(lang).to_lowercase()
        ),
        Some(name) => name.to_owned(),
        None if cercle.is_empty() => commune.to_owned(),
        None => format!(
            "{} {commune} ({} {cercle})",
            Msg::Commune.text(lang),
            Msg::Cercle.text(lang).to_lowercase()
        ),
    }
}

fn kind_msg(kind: PlanKind) -> Msg {
    match kind {
        PlanKind::PlanCommunal => Msg::PlanKindCommunal,
        PlanKind::FeuilleDeRoute => Msg::PlanKindRoadmap,
    }
}

/// How a value reads on screen (a deletion to review reads as words).
fn shown(plan: &Plan, kind: FieldKind, v: &Value, lang: Lang) -> String {
    match v {
        Value::Bool(true) => Msg::ItemDeleted.text(lang).to_owned(),
        Value::Bool(false) => Msg::ItemKept.text(lang).to_owned(),
        v => vigie_core::plans::display::value_text(plan, kind, v, lang),
    }
}

fn item_title(plan: &Plan, spec: &ListSpec, item: &Item, lang: Lang) -> String {
    let kind = spec
        .field(spec.title_field)
        .map_or(FieldKind::Text, |f| f.kind);
    let t = shown(plan, kind, item.get(spec.title_field), lang);
    if t.trim().is_empty() {
        Msg::Untitled.text(lang).to_owned()
    } else {
        t
    }
}

/// The progress line of a plan: bar, done / planned, overdue, to review.
fn progress_line(p: &Progress) -> impl IntoView + use<> {
    let (done, planned, overdue, review) = (p.done, p.planned, p.overdue, p.to_review);
    view! {
        <div class="plan-progress">
            <progress max=planned.max(1) value=done></progress>
            <span>{format!("{done} / {planned} ")}{tr(Msg::ActivitiesDone)}</span>
            {(overdue > 0).then(|| view! { <span class="plan-overdue">{format!("{overdue} ")}{tr(Msg::Overdue)}</span> })}
            {(review > 0).then(|| view! { <span class="plan-review">{format!("{review} ")}{tr(Msg::ToReview)}</span> })}
        </div>
    }
}

fn sync_line(copy: &PlanCopy) -> impl IntoView + use<> {
    let state = use_app_state();
    let text = match &copy.state {
        PlanState::Rejected { reason } if reason == OUTSIDE_SCOPE => {
            Some((Msg::PlanOutsideScope, String::new()))
        }
        PlanState::Rejected { reason } => Some((Msg::PlanRefused, reason.clone())),
        PlanState::NeedsAuth => Some((Msg::PlanRefused, String::new())),
        _ if copy.has_changes() => Some((Msg::PlanUnsent, String::new())),
        _ => None,
    };
    text.map(|(msg, extra)| {
        view! { <p class="plan-sync" data-testid="plan-sync">{move || state.t(msg)}" "{extra}</p> }
    })
}

/// `/plans`: the plans on this phone.
#[component]
pub fn PlansPage() -> impl IntoView {
    let state = use_app_state();
    let plans = use_plans();
    view! {
        <section class="page">
            <h1>{tr(Msg::ActionPlans)}</h1>
            <Show when=move || plans.syncing().get()>
                <p class="hint" role="status">{tr(Msg::PlanSyncing)}</p>
            </Show>
            <Show when=move || plans.list_problem().get().is_some()>
                <p class="hint" role="status">{tr(Msg::PlanOffline)}</p>
            </Show>
            {move || {
                let lang = state.lang.get();
                let today = plans.today();
                let copies = plans.copies().get();
                if copies.is_empty() && plans.loaded().get() {
                    return view! { <p class="hint">{tr(Msg::NoPlans)}</p> }.into_any();
                }
                let rows = move |list: Vec<PlanCopy>| list.into_iter().map(|c| {
                    let p = progress(&c.mine, &today);
                    let href = format!("/plans/{}", c.mine.id);
                    let sub = format!("{} · {}", kind_msg(c.mine.kind).text(lang), place(&c.mine.commune, lang));
                    let name = plan_name(&c.mine, lang);
                    let sync = sync_line(&c);
                    view! {
                        <li class="plan-row" data-testid="plan-row">
                            <A href=href><strong>{name}</strong></A>
                            <small>{sub}</small>
                            {progress_line(&p)}
                            {sync}
                        </li>
                    }
                }).collect_view();
                // The plans of the phone's usual place (and of what holds it) first; the
                // others on request.
                let Some(here) = crate::views::usual_place::usual_code() else {
                    return view! { <ul class="plans">{rows(copies)}</ul> }.into_any();
                };
                let (mine, others): (Vec<PlanCopy>, Vec<PlanCopy>) =
                    copies.into_iter().partition(|c| place::concerns(&c.mine.commune, &here));
                let count = others.len();
                view! {
                    <h2>{tr(Msg::PlansHere)}</h2>
                    <ul class="plans" data-testid="plans-here">{rows(mine)}</ul>
                    {(count > 0).then(|| view! {
                        <details class="plans-elsewhere" data-testid="plans-elsewhere">
                            <summary class="btn btn-secondary">{tr(Msg::PlansElsewhere)}{format!(" ({count})")}</summary>
                            <ul class="plans">{rows(others)}</ul>
                        </details>
                    })}
                }.into_any()
            }}
            <button class="btn btn-secondary" on:click=move |_| plans.sync_soon()>{tr(Msg::Refresh)}</button>
            <NewPlanForm />
            <crate::views::pages::BackHome />
        </section>
    }
}

#[component]
fn NewPlanForm() -> impl IntoView {
    let plans = use_plans();
    let navigate = use_navigate();
    let kind = RwSignal::new(PlanKind::PlanCommunal);
    // A communal plan is a commune's; a roadmap says how wide it is.
    let level = RwSignal::new(Level::Commune);
    let name = RwSignal::new(String::new());
    let region = RwSignal::new(String::new());
    let cercle = RwSignal::new(String::new());
    let commune = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<Msg>);
    let wide = move |at_least: Level| {
        let chosen = if kind.get() == PlanKind::PlanCommunal {
            Level::Commune
        } else {
            level.get()
        };
        rank(chosen) >= rank(at_least)
    };
    let create = move |_| {
        let k = kind.get_untracked();
        let chosen = if k == PlanKind::PlanCommunal {
            Level::Commune
        } else {
            level.get_untracked()
        };
        let place = match chosen {
            Level::National => String::new(),
            Level::Region => region.get_untracked(),
            Level::Cercle => cercle.get_untracked(),
            Level::Commune => commune.get_untracked(),
        };
        let n = name.get_untracked();
        if n.trim().is_empty() || place::level_of(&place) != Some(chosen) {
            problem.set(Some(if k == PlanKind::PlanCommunal {
                Msg::PlanNeedsName
            } else {
                Msg::PlanNeedsPlace
            }));
            return;
        }
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match plans.create(k, &place, &n).await {
                Ok(id) => navigate(&format!("/plans/{id}"), Default::default()),
                Err(e) => {
                    let _ = problem.try_set(Some(e.user_message()));
                }
            }
        });
    };
    let units = |list: Vec<vigie_core::admin::Unit>| {
        list.into_iter()
            .map(|u| {
                let text = if u.name.is_empty() {
                    u.code.to_owned()
                } else {
                    u.name.to_owned()
                };
                view! { <option value=u.code>{text}</option> }
            })
            .collect_view()
    };
    let level_choice = move |l: Level, msg: Msg| {
        view! {
            <label class="choice">
                <input autocomplete="off" type="radio" name="plan-level" prop:checked=move || level.get() == l on:change=move |_| level.set(l) />
                {tr(msg)}
            </label>
        }
    };
    view! {
        <details class="new-plan">
            <summary class="btn">{tr(Msg::NewPlan)}</summary>
            <fieldset class="field">
                <legend>{tr(Msg::PlanKindLegend)}</legend>
                <label class="choice">
                    <input autocomplete="off" type="radio" name="plan-kind" checked=true on:change=move |_| kind.set(PlanKind::PlanCommunal) />
                    {tr(Msg::PlanKindCommunal)}
                </label>
                <label class="choice">
                    <input autocomplete="off" type="radio" name="plan-kind" on:change=move |_| kind.set(PlanKind::FeuilleDeRoute) />
                    {tr(Msg::PlanKindRoadmap)}
                </label>
            </fieldset>
            <Show when=move || kind.get() == PlanKind::FeuilleDeRoute>
                <fieldset class="field" data-testid="plan-level">
                    <legend>{tr(Msg::PlanLevelLegend)}</legend>
                    {level_choice(Level::National, Msg::PlanLevelNational)}
                    {level_choice(Level::Region, Msg::PlanLevelRegion)}
                    {level_choice(Level::Cercle, Msg::PlanLevelCercle)}
                    {level_choice(Level::Commune, Msg::PlanLevelCommune)}
                </fieldset>
            </Show>
            <label class="field-label" for="plan-name">{tr(Msg::PlanNameLabel)}</label>
            <input autocomplete="off" id="plan-name" type="text" maxlength="200" prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
            <Show when=move || wide(Level::Region)>
                <label class="field-label" for="plan-region">{tr(Msg::Region)}</label>
                <select autocomplete="off" id="plan-region" on:change=move |ev| { region.set(event_target_value(&ev)); cercle.set(String::new()); commune.set(String::new()); }>
                    <option value="" selected=move || region.get().is_empty()>{tr(Msg::Choose)}</option>
                    {move || units(vigie_core::admin::regions())}
                </select>
            </Show>
            <Show when=move || wide(Level::Cercle)>
                <label class="field-label" for="plan-cercle">{tr(Msg::Cercle)}</label>
                <select autocomplete="off" id="plan-cercle" on:change=move |ev| { cercle.set(event_target_value(&ev)); commune.set(String::new()); }>
                    <option value="">{tr(Msg::Choose)}</option>
                    {move || units(vigie_core::admin::cercles(&region.get()))}
                </select>
            </Show>
            <Show when=move || wide(Level::Commune)>
                <label class="field-label" for="plan-commune">{tr(Msg::Commune)}</label>
                <select autocomplete="off" id="plan-commune" on:change=move |ev| commune.set(event_target_value(&ev))>
                    <option value="">{tr(Msg::Choose)}</option>
                    {move || units(vigie_core::admin::communes(&cercle.get()))}
                </select>
            </Show>
            {move || problem.get().map(|m| view! { <p class="problem" role="alert">{tr(m)}</p> })}
            <button class="btn" on:click=create>{tr(Msg::CreatePlan)}</button>
        </details>
    }
}

/// Wider places first: the country, a region, a cercle, a commune.
fn rank(level: Level) -> u8 {
    match level {
        Level::National => 0,
        Level::Region => 1,
        Level::Cercle => 2,
        Level::Commune => 3,
    }
}

fn plan_id() -> Memo<Option<Uuid>> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("id").and_then(|s| Uuid::parse_str(&s).ok())))
}

fn with_copy<V: IntoView + 'static>(
    id: Memo<Option<Uuid>>,
    render: impl Fn(PlanCopy) -> V + Send + Sync + 'static,
) -> impl IntoView {
    copy_view(id, true, render)
}

/// Like [`with_copy`], but built once per plan, not again at each change of the stored
/// copies: an editor must not be rebuilt under the person typing in it (a sync ending, the
/// other tab's save), which would empty the fields they are filling.
fn copy_once<V: IntoView + 'static>(
    id: Memo<Option<Uuid>>,
    render: impl Fn(PlanCopy) -> V + Send + Sync + 'static,
) -> impl IntoView {
    let plans = use_plans();
    let present = Memo::new(move |_| {
        let id = id.get()?;
        plans
            .copies()
            .with(|list| list.iter().any(|c| c.mine.id == id))
            .then_some(id)
    });
    copy_view(present, false, render)
}

/// The plan `id` rendered by `render`, again at each change of its copy when `live`; nothing
/// while the stored plans are being read, then "not found" with the way back.
fn copy_view<V: IntoView + 'static>(
    id: Memo<Option<Uuid>>,
    live: bool,
    render: impl Fn(PlanCopy) -> V + Send + Sync + 'static,
) -> impl IntoView {
    let plans = use_plans();
    move || {
        let find = |list: &Vec<PlanCopy>, id: Uuid| list.iter().find(|c| c.mine.id == id).cloned();
        let found = id.get().and_then(|id| {
            if live {
                plans.copies().with(|l| find(l, id))
            } else {
                plans.copies().with_untracked(|l| find(l, id))
            }
        });
        match found {
            Some(c) => render(c).into_any(),
            None if !plans.loaded().get() => ().into_any(),
            None => view! {
                <p class="hint">{tr(Msg::PlanNotFound)}</p>
                <A href="/plans" attr:class="btn btn-secondary">{tr(Msg::BackToPlans)}</A>
            }
            .into_any(),
        }
    }
}

/// `/plans/:id`: one plan by sections.
#[component]
pub fn PlanPage() -> impl IntoView {
    let state = use_app_state();
    let plans = use_plans();
    let id = plan_id();
    view! {
        <section class="page plan-page">
            {with_copy(id, move |copy| {
                let lang = state.lang.get();
                let plan = copy.mine.clone();
                let p = progress(&plan, &plans.today());
                let base = format!("/plans/{}", plan.id);
                let reviews = plan.reviews.len();
                let execution = p.execution.map_or("—".to_owned(), |e| format!("{e} %"));
                let next = p.next_review.clone().unwrap_or_else(|| "—".into());
                let funding = schema::list(plan.kind, "activities").and_then(|l| l.field("funding"));
                let budget: Vec<String> = p.budget.iter().map(|(src, (planned, spent))| {
                    let source = funding.map(|f| shown(&plan, f.kind, &Value::String(src.clone()), lang)).unwrap_or_default();
                    let amounts = format!("{} / {} FCFA", fcfa(*spent), fcfa(*planned));
                    if source.is_empty() { amounts } else { format!("{source} : {amounts}") }
                }).collect();
                let sections = schema::lists(plan.kind).iter().map(|spec| {
                    section(&plan, spec, &p, lang)
                }).collect_view();
                view! {
                    <h1>{plan_name(&plan, lang)}</h1>
                    <p class="hint">{format!("{} · {}", kind_msg(plan.kind).text(lang), place(&plan.commune, lang))}</p>
                    {progress_line(&p)}
                    {sync_line(&copy)}
                    <dl class="plan-figures">
                        <dt>{tr(Msg::ExecutionRate)}</dt><dd>{execution}</dd>
                        <dt>{tr(Msg::NextReview)}</dt><dd>{next}</dd>
                        <dt>{tr(Msg::BudgetLine)}</dt><dd>{budget.join(" · ")}</dd>
                    </dl>
                    {(reviews > 0).then(|| view! {
                        <A href=format!("{base}/review") attr:class="notice plan-review-link">
                            {format!("{reviews} ")}{tr(Msg::ToReview)}" →"
                        </A>
                    })}
                    {sections}
                    <p><A href=format!("{base}/print") attr:class="btn btn-secondary">{tr(Msg::PrintSummary)}</A></p>
                    <A href="/plans" attr:class="btn btn-secondary">{tr(Msg::BackToPlans)}</A>
                }
            })}
        </section>
    }
}

fn section(
    plan: &Plan,
    spec: &'static ListSpec,
    p: &Progress,
    lang: Lang,
) -> impl IntoView + use<> {
    let base = format!("/plans/{}", plan.id);
    if spec.name == HEADER.0 {
        let item = plan.item(HEADER.0, HEADER.1).cloned().unwrap_or_default();
        let rows = spec
            .fields
            .iter()
            .filter(|f| !item.get(f.name).is_null())
            .map(|f| {
                let v = shown(plan, f.kind, item.get(f.name), lang);
                view! { <dt>{label(lang, f.fr, f.en)}</dt><dd>{v}</dd> }
            })
            .collect_view();
        return view! {
            <section class="plan-section" data-list=spec.name>
                <h2>{label(lang, spec.fr, spec.en)}</h2>
                <dl>{rows}</dl>
                <A href=format!("{base}/{}/{}", HEADER.0, HEADER.1) attr:class="btn-small">{tr(Msg::Edit)}</A>
            </section>
        }
        .into_any();
    }
    let items: Vec<(String, Item)> = plan
        .live(spec.name)
        .map(|(id, i)| (id.clone(), i.clone()))
        .collect();
    let count = items.len();
    let rows = items
        .into_iter()
        .map(|(id, item)| {
            let title = item_title(plan, spec, &item, lang);
            let detail = summary(plan, spec, &item, p, &id, lang);
            view! {
                <li data-item=id.clone()>
                    <A href=format!("{base}/{}/{id}", spec.name)>{title}</A>
                    {(!detail.is_empty()).then(|| view! { <small>{detail}</small> })}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="plan-section" data-list=spec.name>
            <h2>{format!("{} ({count})", label(lang, spec.fr, spec.en))}</h2>
            <ul class="plan-items">{rows}</ul>
            <A href=format!("{base}/{}/new", spec.name) attr:class="btn-small">{tr(Msg::Add)}</A>
        </section>
    }
    .into_any()
}

/// The second line of an item in a list: what matters most for its kind.
fn summary(
    plan: &Plan,
    spec: &ListSpec,
    item: &Item,
    p: &Progress,
    id: &str,
    lang: Lang,
) -> String {
    let field = |name: &str| {
        spec.field(name)
            .map(|f| shown(plan, f.kind, item.get(name), lang))
            .unwrap_or_default()
    };
    let mut parts: Vec<String> = match spec.name {
        "activities" => vec![field("status"), field("end"), field("execution")],
        "swot" => vec![field("quadrant"), field("priority")],
        "mediation" => vec![field("date"), field("conflict")],
        "conflicts" => vec![
            field("intensity"),
            p.stages
                .get(id)
                .and_then(|s| schema::STEPS.iter().find(|x| x.0 == s))
                .map(|s| format!("{} {}", Msg::StageLabel.text(lang), label(lang, s.1, s.2)))
                .unwrap_or_default(),
        ],
        "members" => vec![field("role")],
        _ => Vec::new(),
    };
    if spec.name == "activities" && !parts[2].is_empty() {
        parts[2].push_str(" %");
    }
    parts.retain(|s| !s.is_empty());
    parts.join(" · ")
}

/// `/plans/:id/:list/:item`: one item's editor (`new` for a new one).
#[component]
pub fn PlanItemPage() -> impl IntoView {
    let params = use_params_map();
    let id = plan_id();
    let list = Memo::new(move |_| params.with(|p| p.get("list").unwrap_or_default()));
    let item = Memo::new(move |_| params.with(|p| p.get("item").unwrap_or_default()));
    view! {
        <section class="page plan-item">
            {copy_once(id, move |copy| {
                let name = list.get();
                match schema::list(copy.mine.kind, &name) {
                    Some(spec) => view! { <ItemEditorLoader copy=copy spec=spec item=item.get() /> }.into_any(),
                    None => view! { <p class="hint">{tr(Msg::PlanNotFound)}</p> }.into_any(),
                }
            })}
        </section>
    }
}

/// Reads what was typed and not saved in this editor last time, then shows the editor.
#[component]
fn ItemEditorLoader(copy: PlanCopy, spec: &'static ListSpec, item: String) -> impl IntoView {
    let key = keys::plan_edit(&copy.mine.id, spec.name, &item);
    let found = RwSignal::new(None::<Option<Unsaved>>);
    leptos::task::spawn_local(async move {
        let _ = found.try_set(Some(Unsaved::load(key).await));
    });
    move || {
        found.get().map(|unsaved| {
            view! { <ItemEditor copy=copy.clone() spec=spec item=item.clone() unsaved=unsaved /> }
        })
    }
}

#[component]
fn ItemEditor(
    copy: PlanCopy,
    spec: &'static ListSpec,
    item: String,
    unsaved: Option<Unsaved>,
) -> impl IntoView {
    let state = use_app_state();
    let plans = use_plans();
    let navigate = use_navigate();
    let query = use_query_map();
    let plan_id = copy.mine.id;
    let is_new = item == "new";
    // What was typed here and not saved (a killed browser, "Retour" without saving).
    let item_id = match (&unsaved, is_new) {
        (Some(u), true) => u.item_id.clone(),
        (None, true) => Uuid::new_v4().to_string(),
        (_, false) => item.clone(),
    };
    let current = copy
        .mine
        .item(spec.name, &item_id)
        .cloned()
        .unwrap_or_default();
    // What the editor shows: the stored values, and for a new item the presets in the
    // address (a mediation step's conflict).
    let mut start: BTreeMap<&'static str, String> = BTreeMap::new();
    for f in spec.fields {
        let v = match current.get(f.name) {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        start.insert(f.name, v);
    }
    if is_new {
        query.with_untracked(|q| {
            for f in spec.fields {
                if let Some(v) = q.get(f.name) {
                    start.insert(f.name, v);
                }
            }
        });
    }
    let values = RwSignal::new(start.clone());
    let original = StoredValue::new(start.clone());
    let restored = RwSignal::new(false);
    if let Some(u) = &unsaved {
        values.update(|v| {
            for f in spec.fields {
                if let Some(x) = u.values.get(f.name) {
                    v.insert(f.name, x.clone());
                }
            }
        });
        restored.set(values.with_untracked(|v| *v != start));
    }
    let pending = StoredValue::new(Unsaved {
        key: keys::plan_edit(&plan_id, spec.name, &item),
        item_id: item_id.clone(),
        ..Unsaved::default()
    });
    let kept = RwSignal::new(false);
    let problem = RwSignal::new(None::<Msg>);
    let saved = RwSignal::new(false);
    let lang = state.lang.get_untracked();
    let back = format!("/plans/{plan_id}");
    let plan = StoredValue::new(copy.mine.clone());

    let save = {
        let navigate = navigate.clone();
        let back = back.clone();
        let item_id = item_id.clone();
        move |_| {
            let now = values.get_untracked();
            let mut changes: Vec<(&'static str, Value)> = Vec::new();
            for f in spec.fields {
                let text = now.get(f.name).cloned().unwrap_or_default();
                if !is_new && start.get(f.name) == Some(&text) {
                    continue;
                }
                if is_new && text.is_empty() {
                    continue;
                }
                let value = match f.kind {
                    FieldKind::Number if text.trim().is_empty() => Value::Null,
                    FieldKind::Number => {
                        match text.trim().replace([' ', '\u{a0}'], "").parse::<i64>() {
                            Ok(n) => Value::from(n),
                            Err(_) => {
                                problem.set(Some(Msg::ProblemNotANumber));
                                return;
                            }
                        }
                    }
                    _ => Value::String(text),
                };
                changes.push((f.name, value));
            }
            if changes.is_empty() {
                navigate(&back, Default::default());
                return;
            }
            let (list, item_id, navigate, back) =
                (spec.name, item_id.clone(), navigate.clone(), back.clone());
            leptos::task::spawn_local(async move {
                let forget = pending.with_value(|u| u.key.clone());
                let result = plans
                    .edit_forgetting(plan_id, Some(forget), move |p, at, by| {
                        for (field, value) in changes {
                            p.set(list, &item_id, field, value, at, by)?;
                        }
                        Ok(())
                    })
                    .await;
                match result {
                    Ok(()) => {
                        let _ = saved.try_set(true);
                        pending.with_value(Unsaved::forget);
                        navigate(&back, Default::default());
                    }
                    Err(e) => {
                        let _ = problem.try_set(Some(e.user_message()));
                    }
                }
            });
        }
    };
    let confirming = RwSignal::new(false);
    let delete = {
        let navigate = navigate.clone();
        let back = back.clone();
        let item_id = item_id.clone();
        move |_| {
            let (item_id, navigate, back) = (item_id.clone(), navigate.clone(), back.clone());
            leptos::task::spawn_local(async move {
                let forget = pending.with_value(|u| u.key.clone());
                let result = plans
                    .edit_forgetting(plan_id, Some(forget), move |p, at, by| {
                        p.delete(spec.name, &item_id, at, by)
                    })
                    .await;
                match result {
                    Ok(()) => {
                        pending.with_value(Unsaved::forget);
                        navigate(&back, Default::default())
                    }
                    Err(e) => {
                        let _ = problem.try_set(Some(e.user_message()));
                    }
                }
            });
        }
    };
    // One tap does it: the three fields are set and saved at once (with anything else
    // typed), and the plan page says so.
    let save_done = save.clone();
    let mark_done = move |ev| {
        values.update(|v| {
            v.insert("status", "realisee".into());
            v.insert("done_on", crate::adapters::clock::today());
            v.insert("execution", "100".into());
        });
        state.notice.set(Some(Msg::MarkedDone));
        save_done(ev);
    };
    let discard = move |_| {
        pending.with_value(Unsaved::forget);
        values.set(original.get_value());
        restored.set(false);
    };
    let fields = spec
        .fields
        .iter()
        .map(|f| field_input(f, values, pending, kept, plan, lang))
        .collect_view();
    let steps = (spec.name == "conflicts" && !is_new).then(|| {
        let p = plan.get_value();
        let steps_spec = schema::list(p.kind, "mediation");
        let rows = p
            .live("mediation")
            .filter(|(_, s)| s.text("conflict") == item_id)
            .map(|(sid, s)| {
                let when = s.text("date").to_owned();
                let step = steps_spec
                    .and_then(|l| l.field("step"))
                    .map(|f| shown(&p, f.kind, s.get("step"), lang))
                    .unwrap_or_default();
                view! { <li><A href=format!("/plans/{plan_id}/mediation/{sid}")>{format!("{when} — {step}")}</A></li> }
            })
            .collect_view();
        view! {
            <h2>{label(lang, "Étapes de médiation", "Mediation steps")}</h2>
            <ul class="plan-items">{rows}</ul>
            <A href=format!("/plans/{plan_id}/mediation/new?conflict={item_id}") attr:class="btn-small">{tr(Msg::AddMediationStep)}</A>
        }
    });
    view! {
        <h1>{label(lang, spec.fr, spec.en)}</h1>
        {(spec.name == "activities" && !is_new).then(|| view! {
            <button class="btn btn-secondary" data-testid="mark-done" on:click=mark_done>{tr(Msg::MarkDone)}</button>
        })}
        <Show when=move || restored.get()>
            <div class="notice" role="status" data-testid="plan-edit-restored">
                <p>{tr(Msg::UnsavedRestored)}</p>
                <button class="btn btn-secondary" on:click=discard>{tr(Msg::DiscardChanges)}</button>
            </div>
        </Show>
        <div class="plan-fields">{fields}</div>
        {move || problem.get().map(|m| view! { <p class="problem" role="alert">{tr(m)}</p> })}
        <Show when=move || saved.get()>
            <p class="notice" role="status">{tr(Msg::PlanSaved)}</p>
        </Show>
        <Show when=move || kept.get() && !saved.get()>
            <p class="hint" role="status" data-testid="plan-edit-kept">{tr(Msg::DraftSaved)}</p>
        </Show>
        // Always in reach: an activity's form is several screens long.
        <div class="save-bar"><button class="btn" on:click=save>{tr(Msg::Save)}</button></div>
        {steps}
        {(!is_new && spec.name != HEADER.0).then(|| view! {
            <Show when=move || confirming.get() fallback=move || view! {
                <button class="btn btn-secondary" on:click=move |_| confirming.set(true)>{tr(Msg::Delete)}</button>
            }>
                <button class="btn btn-danger" on:click=delete.clone()>{tr(Msg::ConfirmDelete)}</button>
                <button class="btn btn-secondary" on:click=move |_| confirming.set(false)>{tr(Msg::Cancel)}</button>
            </Show>
        })}
        <A href=back attr:class="btn btn-secondary">{tr(Msg::BackToPlan)}</A>
    }
}

fn field_input(
    f: &'static FieldSpec,
    values: RwSignal<BTreeMap<&'static str, String>>,
    pending: StoredValue<Unsaved>,
    kept: RwSignal<bool>,
    plan: StoredValue<Plan>,
    lang: Lang,
) -> impl IntoView + use<> {
    let dom_id = format!("pf-{}", f.name);
    let get = move || values.with(|v| v.get(f.name).cloned().unwrap_or_default());
    let set = move |ev| {
        let text = event_target_value(&ev);
        values.update(|v| {
            v.insert(f.name, text);
        });
        Unsaved::keep(pending, values, kept);
    };
    let caption = label(lang, f.fr, f.en);
    let input = match f.kind {
        FieldKind::LongText => view! {
            <textarea autocomplete="off" id=dom_id.clone() rows="3" maxlength="5000" prop:value=get on:input=set></textarea>
        }
        .into_any(),
        FieldKind::Date => view! {
            <input autocomplete="off" id=dom_id.clone() type="date" prop:value=get on:input=set />
        }
        .into_any(),
        FieldKind::Number => view! {
            <input autocomplete="off" id=dom_id.clone() type="text" inputmode="numeric" prop:value=get on:input=set />
        }
        .into_any(),
        FieldKind::Text => view! {
            <input autocomplete="off" id=dom_id.clone() type="text" maxlength="5000" prop:value=get on:input=set />
        }
        .into_any(),
        FieldKind::Choice(codes) => {
            let options: Vec<(String, String)> = codes
                .iter()
                .map(|c| (c.0.to_owned(), label(lang, c.1, c.2).to_owned()))
                .collect();
            choose_one(dom_id.clone(), move || options.clone(), get, set).into_any()
        }
        FieldKind::Record(form) => {
            // The reports of that form on this phone, sent or waiting, newest first: at
            // once those in memory, then every receipt kept (not only the newest page).
            let outbox = crate::sync::use_outbox();
            let pending = outbox.entries().get_untracked();
            // Read now: the list is completed after an await, when this editor may be gone
            // (reading its value then would touch a disposed signal).
            let linked = untrack(get);
            let of_form = move |receipts: &[vigie_core::outbox::OutboxEntry]| {
                let mut options: Vec<(String, String)> = pending
                    .iter()
                    .chain(receipts)
                    .filter(|e| e.envelope.form_id == form)
                    .map(|e| {
                        let when = crate::adapters::clock::short_time(e.envelope.created_at);
                        (e.envelope.id.to_string(), when)
                    })
                    .collect();
                // A report linked earlier and no longer on this phone stays shown.
                if !linked.is_empty() && !options.iter().any(|(id, _)| *id == linked) {
                    let short: String = linked.chars().take(8).collect();
                    options.push((linked.clone(), format!("#{short}")));
                }
                options
            };
            let options = RwSignal::new(of_form(&outbox.receipts().get_untracked()));
            leptos::task::spawn_local(async move {
                match crate::adapters::outbox_store::IdbOutbox
                    .receipts(None, u32::MAX)
                    .await
                {
                    Ok(all) if !options.is_disposed() => {
                        options.try_set(of_form(&all));
                    }
                    Ok(_) => {}
                    Err(e) => leptos::logging::warn!("reports to link: {e}"),
                }
            });
            choose_one(dom_id.clone(), move || options.get(), get, set).into_any()
        }
        FieldKind::Ref(list) => {
            let p = plan.get_value();
            let title = schema::list(p.kind, list).map_or("title", |l| l.title_field);
            let options: Vec<(String, String)> = p
                .live(list)
                .map(|(id, i)| (id.clone(), i.text(title).to_owned()))
                .collect();
            choose_one(dom_id.clone(), move || options.clone(), get, set).into_any()
        }
    };
    view! {
        <div class="field">
            <label for=dom_id>{caption}</label>
            {input}
        </div>
    }
}

/// What is typed in an item editor and not saved yet: written to IndexedDB (strict
/// durability) 400 ms after the last change, which the editor then says ("Brouillon
/// enregistré"), and kept until the item is saved, deleted or the changes abandoned.
#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
struct Unsaved {
    #[serde(skip)]
    key: String,
    #[serde(skip)]
    generation: u32,
    /// The id of an item being added, kept so that coming back continues the same item.
    item_id: String,
    values: BTreeMap<String, String>,
}

impl Unsaved {
    async fn load(key: String) -> Option<Unsaved> {
        let text = plan_store::read_unsaved(&key).await?;
        let found: Unsaved = serde_json::from_str(&text).ok()?;
        Some(Unsaved { key, ..found })
    }

    fn keep(
        pending: StoredValue<Unsaved>,
        values: RwSignal<BTreeMap<&'static str, String>>,
        kept: RwSignal<bool>,
    ) {
        pending.update_value(|u| {
            u.values = values.with_untracked(|v| {
                v.iter()
                    .map(|(k, x)| ((*k).to_owned(), x.clone()))
                    .collect()
            });
            u.generation = u.generation.wrapping_add(1);
        });
        kept.set(false);
        let mine = pending.with_value(|u| u.generation);
        set_timeout(
            move || {
                let Some(u) = pending.try_get_value().filter(|u| u.generation == mine) else {
                    return;
                };
                leptos::task::spawn_local(async move {
                    let Ok(value) = serde_json::to_string(&u) else {
                        return;
                    };
                    match plan_store::keep_unsaved(&u.key, value).await {
                        Ok(()) => {
                            let _ = kept.try_set(true);
                        }
                        Err(e) => leptos::logging::warn!("unsaved plan edit: {e}"),
                    }
                });
            },
            std::time::Duration::from_millis(400),
        );
    }

    fn forget(&self) {
        let key = self.key.clone();
        leptos::task::spawn_local(async move {
            if let Err(e) = plan_store::forget_unsaved(&key).await {
                leptos::logging::warn!("unsaved plan edit: {e}");
            }
        });
    }
}

/// A select of `(value, text)` options, "— Choisir —" first.
fn choose_one(
    dom_id: String,
    options: impl Fn() -> Vec<(String, String)> + Send + Sync + 'static,
    get: impl Fn() -> String + Copy + Send + Sync + 'static,
    set: impl Fn(leptos::ev::Event) + 'static,
) -> impl IntoView {
    let options = move || {
        options()
            .into_iter()
            .map(|(value, text)| {
                let selected = {
                    let value = value.clone();
                    move || get() == value
                };
                view! { <option value=value selected=selected>{text}</option> }
            })
            .collect_view()
    };
    view! {
        <select autocomplete="off" id=dom_id on:change=set>
            <option value="">{tr(Msg::Choose)}</option>
            {options}
        </select>
    }
}

/// `/plans/:id/review`: one card per field changed differently on several phones, with
/// every version: whose (name, phone) and when, the one kept for now marked as such, one
/// choice for all of them.
#[component]
pub fn PlanReviewPage() -> impl IntoView {
    let state = use_app_state();
    let plans = use_plans();
    let id = plan_id();
    let problem = RwSignal::new(None::<Msg>);
    view! {
        <section class="page plan-review-page">
            <h1>{tr(Msg::ReviewTitle)}</h1>
            <p class="hint">{tr(Msg::ReviewIntro)}</p>
            {move || problem.get().map(|m| view! { <p class="problem" role="alert">{tr(m)}</p> })}
            {with_copy(id, move |copy| {
                let lang = state.lang.get();
                let me = plans.device_id();
                let plan = copy.mine.clone();
                let conflicts = plan.conflicts();
                if conflicts.is_empty() {
                    return view! { <p class="hint">{tr(Msg::NothingToReview)}</p> }.into_any();
                }
                conflicts.into_iter().map(|c| {
                    let spec = schema::list(plan.kind, &c.list);
                    let item = plan.item(&c.list, &c.item).cloned().unwrap_or_default();
                    let deletion = c.field == DELETED;
                    let title = spec.map(|s| {
                        let what = if deletion {
                            Msg::ReviewDeleteOrKeep.text(lang)
                        } else {
                            s.field(&c.field).map_or("", |f| label(lang, f.fr, f.en))
                        };
                        format!("{} — {} — {}", label(lang, s.fr, s.en), item_title(&plan, s, &item, lang), what)
                    }).unwrap_or_default();
                    let fkind = spec.and_then(|s| s.field(&c.field)).map_or(FieldKind::Text, |f| f.kind);
                    let value_text = |v: &Value| if deletion {
                        (if v == &Value::Bool(true) { Msg::ReviewDeleted } else { Msg::ReviewKept }).text(lang).to_owned()
                    } else {
                        shown(&plan, fkind, v, lang)
                    };
                    // A kept item has no "_deleted" stamp: its version is its last edit.
                    let current = c.current.clone().or_else(|| {
                        deletion.then(|| item.fields.values().max_by_key(|s| s.at).cloned()).flatten()
                            .map(|s| Stamped { value: Value::Bool(false), ..s })
                    });
                    let (list, item_id, field, plan_id) = (c.list.clone(), c.item.clone(), c.field.clone(), plan.id);
                    let version = |keep: Keep, stamp: Option<Stamped>, kept_now: bool| {
                        let (list, item_id, field) = (list.clone(), item_id.clone(), field.clone());
                        let who = stamp.as_ref().map(|s| {
                            let name = plan.editors.get(&s.by).cloned().unwrap_or_else(|| Msg::ReviewUnnamed.text(lang).to_owned());
                            let phone = if s.by == me {
                                Msg::ReviewThisPhone.text(lang).to_owned()
                            } else {
                                Msg::ReviewPhone.text(lang).replace("{id}", &s.by.chars().take(4).collect::<String>())
                            };
                            format!("{name} · {phone} · {}", short_time(s.at))
                        }).unwrap_or_default();
                        let value = stamp.as_ref().map_or_else(|| value_text(&Value::Null), |s| value_text(&s.value));
                        let choose = move |_| {
                            let (list, item_id, field, keep) = (list.clone(), item_id.clone(), field.clone(), keep.clone());
                            leptos::task::spawn_local(async move {
                                let done = plans
                                    .edit(plan_id, move |p, at, by| p.settle(&list, &item_id, &field, &keep, at, by))
                                    .await;
                                let _ = problem.try_set(done.err().map(|e| e.user_message()));
                            });
                        };
                        view! {
                            <div class="review-side" class:review-current=kept_now data-testid="review-version">
                                <h3>{tr(if kept_now { Msg::ReviewCurrent } else { Msg::ReviewOther })}</h3>
                                <p class="review-who">{who}</p>
                                <p class="review-value">{value}</p>
                                <button class="btn" on:click=choose>{tr(Msg::KeepThis)}</button>
                            </div>
                        }
                    };
                    let others = c.others.iter().map(|(key, s)| version(Keep::Other(key.clone()), Some(s.clone()), false)).collect_view();
                    view! {
                        <article class="review" data-testid="review">
                            <h2>{title}</h2>
                            <div class="review-sides">
                                {version(Keep::Current, current, true)}
                                {others}
                            </div>
                        </article>
                    }
                }).collect_view().into_any()
            })}
            {move || id.get().map(|id| view! { <A href=format!("/plans/{id}") attr:class="btn btn-secondary">{tr(Msg::BackToPlan)}</A> })}
        </section>
    }
}

/// `/plans/:id/print`: what the mechanism presents to the authorities, clean on A4.
#[component]
pub fn PlanPrintPage() -> impl IntoView {
    let state = use_app_state();
    let plans = use_plans();
    let id = plan_id();
    view! {
        <section class="page plan-print">
            {with_copy(id, move |copy| {
                let lang = state.lang.get();
                let plan = copy.mine;
                let p = progress(&plan, &plans.today());
                // Everything the appraisal is made on: every list of the plan, activities as
                // a table, the others item by item; budget by source with what was spent.
                let columns = ["title", "responsible", "end", "budget", "spent", "funding", "status", "execution"];
                let lists = schema::lists(plan.kind).iter().filter(|spec| spec.name != HEADER.0).map(|spec| {
                    let items: Vec<(&String, &Item)> = plan.live(spec.name).collect();
                    let body = if spec.name == "activities" {
                        let fields: Vec<&'static FieldSpec> = columns.iter().filter_map(|c| spec.field(c)).collect();
                        let head = fields.iter().map(|f| view! { <th>{label(lang, f.fr, f.en)}</th> }).collect_view();
                        let rows = items.iter().map(|(_, a)| {
                            let cells = fields.iter().map(|f| {
                                let mut text = shown(&plan, f.kind, a.get(f.name), lang);
                                if f.name == "status" && text.is_empty() {
                                    // Not set yet: planned, as the progress counts it.
                                    text = shown(&plan, f.kind, &Value::String("planifiee".into()), lang);
                                }
                                view! { <td>{text}</td> }
                            }).collect_view();
                            view! { <tr>{cells}</tr> }
                        }).collect_view();
                        view! { <table class="print-table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table> }.into_any()
                    } else {
                        items.iter().map(|(_, item)| {
                            let rows = spec.fields.iter().filter_map(|f| {
                                let v = shown(&plan, f.kind, item.get(f.name), lang);
                                (!v.trim().is_empty()).then(|| view! { <dt>{label(lang, f.fr, f.en)}</dt><dd>{v}</dd> })
                            }).collect_view();
                            view! { <dl class="print-item">{rows}</dl> }
                        }).collect_view().into_any()
                    };
                    (!items.is_empty()).then(|| view! {
                        <section class="print-list" data-list=spec.name>
                            <h2>{label(lang, spec.fr, spec.en)}</h2>
                            {body}
                        </section>
                    })
                }).collect_view();
                let header = schema::list(plan.kind, HEADER.0).map(|spec| {
                    let item = plan.item(HEADER.0, HEADER.1).cloned().unwrap_or_default();
                    spec.fields.iter().filter(|f| f.name != "name").filter_map(|f| {
                        let v = shown(&plan, f.kind, item.get(f.name), lang);
                        (!v.trim().is_empty()).then(|| view! { <dt>{label(lang, f.fr, f.en)}</dt><dd>{v}</dd> })
                    }).collect_view()
                });
                let funding = schema::list(plan.kind, "activities").and_then(|l| l.field("funding"));
                let budget = p.budget.iter().filter(|(_, (planned, spent))| *planned != 0 || *spent != 0).map(|(src, (planned, spent))| {
                    let source = funding.map(|f| shown(&plan, f.kind, &Value::String(src.clone()), lang)).filter(|s| !s.is_empty())
                        .unwrap_or_else(|| Msg::FundingUnknown.text(lang).to_owned());
                    view! { <tr><td>{source}</td><td>{fcfa(*planned)}</td><td>{fcfa(*spent)}</td></tr> }
                }).collect_view();
                let conflicts = plan.live("conflicts").map(|(cid, c)| {
                    let stage = p.stages.get(cid).and_then(|s| schema::STEPS.iter().find(|x| x.0 == s)).map(|s| label(lang, s.1, s.2)).unwrap_or("—");
                    view! { <li>{c.text("title").to_owned()}" — "{tr(Msg::StageLabel)}" "{stage}</li> }
                }).collect_view();
                let execution = p.execution.map_or("—".to_owned(), |e| format!("{e} %"));
                let next = p.next_review.as_deref().map_or_else(|| "—".to_owned(), vigie_core::plans::display::date);
                view! {
                    <h1>{plan_name(&plan, lang)}</h1>
                    <p>{format!("{} · {}", kind_msg(plan.kind).text(lang), place(&plan.commune, lang))}</p>
                    <dl class="plan-figures">
                        {header}
                        <dt>{tr(Msg::ActivitiesDone)}</dt><dd>{format!("{} / {}", p.done, p.planned)}</dd>
                        <dt>{tr(Msg::ExecutionRate)}</dt><dd>{execution}</dd>
                        <dt>{tr(Msg::Overdue)}</dt><dd>{p.overdue}</dd>
                        <dt>{tr(Msg::NextReview)}</dt><dd>{next}</dd>
                    </dl>
                    <h2>{tr(Msg::BudgetLine)}</h2>
                    <table class="print-table" data-testid="print-budget">
                        <thead><tr><th>{tr(Msg::FundingSource)}</th><th>{tr(Msg::BudgetPlanned)}</th><th>{tr(Msg::BudgetSpent)}</th></tr></thead>
                        <tbody>{budget}</tbody>
                    </table>
                    <ul>{conflicts}</ul>
                    {lists}
                    <button class="btn no-print" on:click=move |_| { if let Some(w) = web_sys::window() { let _ = w.print(); } }>{tr(Msg::Print)}</button>
                    <A href=format!("/plans/{}", plan.id) attr:class="btn btn-secondary no-print">{tr(Msg::BackToPlan)}</A>
                }
            })}
        </section>
    }
}
