//! Action plans: the list, one plan by sections, an item's editor, the review of true
//! conflicts and a printable summary. Plan text is shown as text (Leptos escapes it).

mod item;
mod item_fields;
mod list;
mod plan;
mod print;
mod review;
mod unsaved;

pub use item::PlanItemPage;
pub use list::PlansPage;
pub use plan::PlanPage;
pub use print::PlanPrintPage;
pub use review::PlanReviewPage;

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use serde_json::Value;
use uuid::Uuid;
use vigie_core::i18n::{Lang, Msg};
use vigie_core::plans::derived::Progress;
use vigie_core::plans::schema::{FieldKind, ListSpec};
use vigie_core::plans::sync::{PlanCopy, PlanState, OUTSIDE_SCOPE};
use vigie_core::plans::{Item, Plan, PlanKind};

use crate::controllers::plans::use_plans;
use crate::state::use_app_state;
use crate::views::tr;

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
fn place_words(commune: &str, lang: Lang) -> String {
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
