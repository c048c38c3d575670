//! Repeat groups: a numbered entry per person or party, added and removed.

use leptos::prelude::*;

use super::ctx::Ctx;
use vigie_core::forms::answers;
use vigie_core::forms::Field;
use vigie_core::i18n::Msg;

/// Draws one field of an entry: the field dispatcher, passed in so that widgets do not
/// depend on it.
pub(super) type Nested = fn(Ctx, Field, Option<(String, usize)>) -> AnyView;

/// The entries of repeat group `field`; `nested` draws each of their fields.
pub(super) fn repeat_view(ctx: Ctx, field: Field, nested: Nested) -> impl IntoView {
    let name = StoredValue::new(field.name.clone());
    let inner = StoredValue::new(field.fields.clone());
    let max = field.max_count;
    let count = Memo::new(move |_| {
        name.with_value(|n| ctx.session.with_answers(|a| answers::entry_count(a, n)))
    });
    let add = move |_| {
        name.with_value(|n| {
            ctx.session.edit(|a| answers::add_entry(a, n));
            ctx.touch(&answers::AnswerPath::top(n));
        })
    };
    let remove =
        move |i: usize| name.with_value(|n| ctx.session.edit(|a| answers::remove_entry(a, n, i)));
    let t = move |m: Msg| ctx.state.t(m);
    view! {
        <ol class="repeat">
            {move || (0..count.get()).map(|i| {
                let fields = inner.get_value();
                let rname = name.get_value();
                view! {
                    <li class="repeat-entry">
                        <p class="repeat-title">{move || t(Msg::EntryN).replace("{n}", &(i + 1).to_string())}</p>
                        {fields.into_iter().map(|f| nested(ctx, f, Some((rname.clone(), i)))).collect_view()}
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
