//! One field: its label, hint and problem around the input its type calls for; the widget
//! is chosen by the field's type.

use leptos::prelude::*;
use serde_json::Value as Json;

use super::ctx::{text_of, Ctx};
use super::{choice, gps, grid, location, repeat};
use vigie_core::forms::answers::AnswerPath;
use vigie_core::forms::{Field, FieldType, Problem};
use vigie_core::i18n::{Lang, Msg};

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
        Problem::NotOffered => Msg::ProblemNotOffered.text(lang).into(),
    }
}

/// One field (any type), shown while relevant.
pub(super) fn field_view(ctx: Ctx, field: Field, repeat: Option<(String, usize)>) -> impl IntoView {
    let path = AnswerPath {
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

fn field_body(ctx: Ctx, field: Field, path: AnswerPath) -> AnyView {
    let id = path.dom_id();
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
    path: &AnswerPath,
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
            <input autocomplete="off" type="text" id=id aria-describedby=described prop:value=value on:input=on_text on:blur=blur />
        }
        .into_any(),
        FieldType::LongText => view! {
            <textarea autocomplete="off" id=id rows="4" aria-describedby=described prop:value=value on:input=on_text on:blur=blur></textarea>
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
            <input autocomplete="off" type="date" id=id aria-describedby=described prop:value=value on:input=on_text on:change=on_text on:blur=blur />
        }
        .into_any(),
        FieldType::Time => view! {
            <input autocomplete="off" type="time" id=id aria-describedby=described prop:value=value on:input=on_text on:blur=blur />
        }
        .into_any(),
        FieldType::SelectOne | FieldType::SelectMultiple | FieldType::YesNo => {
            choice::choices_view(ctx, field, p, &id)
        }
        FieldType::Location => location::location_view(ctx, p, &id).into_any(),
        FieldType::Counts => grid::counts_view(ctx, p, &id).into_any(),
        FieldType::Gps => gps::gps_view(ctx, p).into_any(),
        FieldType::Repeat => repeat::repeat_view(ctx, field.clone(), |c, f, at| field_view(c, f, at).into_any())
                .into_any(),
        FieldType::Note => ().into_any(),
    }
}
