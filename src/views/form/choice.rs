//! Choice questions: one choice, several choices (with optional pictures), yes / no.

use leptos::prelude::*;
use serde_json::Value as Json;

use super::ctx::{text_of, Ctx};
use crate::views::icons::{Icon, IconSvg};
use vigie_core::forms::answers::{self, AnswerPath};
use vigie_core::forms::{Field, FieldType};
use vigie_core::i18n::Msg;

/// Radio buttons or check boxes for `field` at `p`; `id` names the group.
pub(super) fn choices_view(
    ctx: Ctx,
    field: &Field,
    p: StoredValue<AnswerPath>,
    id: &str,
) -> AnyView {
    if field.kind == FieldType::YesNo {
        return yes_no_view(ctx, p, id);
    }
    let multiple = field.kind == FieldType::SelectMultiple;
    let choices = ctx
        .session
        .def()
        .with_value(|d| d.choices_of(field).to_vec());
    let name = id.to_owned();
    // A cascading select (`choice_filter`) offers only the choices its rule keeps for the
    // answers so far; the others stay in the page, hidden (no list rebuilt per keystroke).
    let offered = field.choice_filter.is_some().then(|| {
        let session = ctx.session;
        let field = field.clone();
        Memo::new(move |_| {
            session.relevance().with(|r| {
                session
                    .def()
                    .with_value(|d| p.with_value(|p| r.offered(d, &field, p)))
            })
        })
    });
    choices
        .into_iter()
        .map(|c| {
            let code = StoredValue::new(c.code.clone());
            let hidden = move || {
                offered.is_some_and(|o| code.with_value(|code| o.with(|o| !o.contains(code))))
            };
            let checked = move || {
                p.with_value(|p| {
                    code.with_value(|code| ctx.session.with_answers(|a| answers::is_chosen(a, p, code)))
                })
            };
            let change = move |ev| {
                let on = event_target_checked(&ev);
                let code = code.get_value();
                p.with_value(|p| {
                    if multiple {
                        ctx.session.edit(|a| answers::toggle_choice(a, p, &code, on));
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
                <label class="choice" data-choice=c.code.clone() hidden=hidden>
                    <input autocomplete="off" type=kind name=name.clone() value=c.code.clone() prop:checked=checked on:change=change />
                    {icon.map(|icon| view! { <IconSvg icon=icon /> })}
                    <span>{move || text_of(&label, ctx.lang())}</span>
                </label>
            }
        })
        .collect_view()
        .into_any()
}

fn yes_no_view(ctx: Ctx, p: StoredValue<AnswerPath>, id: &str) -> AnyView {
    let name = id.to_owned();
    [(true, Msg::Yes), (false, Msg::No)]
        .into_iter()
        .map(|(b, msg)| {
            let checked = move || p.with_value(|p| ctx.get(p)) == Some(Json::Bool(b));
            let change = move |_| {
                p.with_value(|p| {
                    ctx.set(p, Json::Bool(b));
                    ctx.touch(p);
                })
            };
            view! {
                <label class="choice choice-inline">
                    <input autocomplete="off" type="radio" name=name.clone() prop:checked=checked on:change=change />
                    <span>{move || ctx.state.t(msg)}</span>
                </label>
            }
        })
        .collect_view()
        .into_any()
}
