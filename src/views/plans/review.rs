//! The review of true conflicts: one card per field, each version with who wrote it.

use leptos::prelude::*;
use leptos_router::components::A;
use serde_json::Value;
use vigie_core::i18n::Msg;
use vigie_core::plans::schema::{self, FieldKind};
use vigie_core::plans::{Keep, Stamped, DELETED};

use crate::browser::clock::short_time;
use crate::controllers::plans::use_plans;
use crate::state::use_app_state;
use crate::views::tr;

use super::{item_title, plan_id, shown, with_copy};

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
                            s.field(&c.field).map_or("", |f| f.label.text(lang))
                        };
                        format!("{} — {} — {}", s.title.text(lang), item_title(&plan, s, &item, lang), what)
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
