//! The inputs of an item's fields.

use std::collections::BTreeMap;

use leptos::prelude::*;
use vigie_core::i18n::{Lang, Msg};
use vigie_core::plans::schema::{self, FieldKind, FieldSpec};
use vigie_core::plans::Plan;

use crate::views::tr;

use super::unsaved::Unsaved;

pub(super) fn field_input(
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
    let caption = f.label.text(lang);
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
                .map(|c| (c.0.to_owned(), c.1.text(lang).to_owned()))
                .collect();
            choose_one(dom_id.clone(), move || options.clone(), get, set).into_any()
        }
        FieldKind::Record(form) => {
            // The reports of that form on this phone, sent or waiting, newest first: at
            // once those in memory, then every receipt kept (not only the newest page).
            let outbox = crate::controllers::outbox::use_outbox();
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
                        let when = crate::browser::clock::short_time(e.envelope.created_at);
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
                match crate::stores::outbox::IdbOutbox
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

/// A select of `(value, text)` options, "— Choisir —" first.
pub(super) fn choose_one(
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
