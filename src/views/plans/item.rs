//! An item's editor: its fields, saved at once or kept as an unsaved edit.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use serde_json::Value;
use uuid::Uuid;
use vigie_core::i18n::Msg;
use vigie_core::keys;
use vigie_core::plans::schema::{self, FieldKind, ListSpec};
use vigie_core::plans::sync::PlanCopy;
use vigie_core::plans::HEADER;

use crate::controllers::plans::use_plans;
use crate::state::use_app_state;
use crate::views::tr;

use super::item_fields::field_input;
use super::unsaved::Unsaved;
use super::{copy_once, plan_id, shown};

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
            v.insert("done_on", crate::browser::clock::today());
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
            <h2>{Msg::PlanListMediation.text(lang)}</h2>
            <ul class="plan-items">{rows}</ul>
            <A href=format!("/plans/{plan_id}/mediation/new?conflict={item_id}") attr:class="btn-small">{tr(Msg::AddMediationStep)}</A>
        }
    });
    view! {
        <h1>{spec.title.text(lang)}</h1>
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
