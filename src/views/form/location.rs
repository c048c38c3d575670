//! The place question: region, cercle and commune pickers (P-codes from the bundled
//! table), another commune in words, the village or quarter.

use leptos::prelude::*;

use super::ctx::Ctx;
use vigie_core::admin;
use vigie_core::forms::answers::{self, AnswerPath};
use vigie_core::i18n::Msg;

/// Option values of communes known by name only (no P-code): `nom:` then the name.
const NAMED_ONLY: &str = "nom:";

/// Reads one key of the object answer at `p`.
fn part(ctx: Ctx, p: StoredValue<AnswerPath>, key: &str) -> String {
    p.with_value(|p| ctx.session.with_answers(|a| answers::part(a, p, key)))
}

/// Sets keys of the object answer at `p` (empty strings remove a key).
fn set_parts(ctx: Ctx, p: StoredValue<AnswerPath>, parts: &[(&str, String)]) {
    p.with_value(|p| {
        ctx.session.edit(|a| answers::set_parts(a, p, parts));
        ctx.touch(p);
    });
}

/// What a picker shows as chosen: the stored code, or for a commune known by name only, that
/// name when it is the "another commune" text.
fn shown_value(ctx: Ctx, p: StoredValue<AnswerPath>, key: &str) -> String {
    let code = part(ctx, p, key);
    if key != "commune" || !code.is_empty() {
        return code;
    }
    let other = part(ctx, p, "commune_other");
    if admin::unmatched_communes(&part(ctx, p, "cercle")).contains(&other.as_str()) {
        format!("{NAMED_ONLY}{other}")
    } else {
        code
    }
}

pub(super) fn location_view(ctx: Ctx, p: StoredValue<AnswerPath>, id: &str) -> impl IntoView {
    let t = move |m: Msg| ctx.state.t(m);
    let select = move |key: &'static str,
                       msg: Msg,
                       options: Box<dyn Fn() -> Vec<(String, String)> + Send + Sync>,
                       clear: &'static [&'static str]| {
        let sid = format!("{id}-{key}");
        view! {
            <label class="sub-label" for=sid.clone()>{move || t(msg)}</label>
            <select autocomplete="off" id=sid prop:value=move || shown_value(ctx, p, key) on:change=move |ev| {
                let value = event_target_value(&ev);
                // A commune known by name only: stored as "another commune" in words,
                // with the cercle's code.
                let mut parts = match value.strip_prefix(NAMED_ONLY) {
                    Some(name) => vec![(key, String::new()), ("commune_other", name.to_owned())],
                    None => vec![(key, value)],
                };
                parts.extend(clear.iter().map(|k| (*k, String::new())));
                set_parts(ctx, p, &parts);
            }>
                <option value="">{crate::views::tr(Msg::Choose)}</option>
                {move || {
                    let current = shown_value(ctx, p, key);
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
        let cercle = part(ctx, p, "cercle");
        let by_name = admin::unmatched_communes(&cercle);
        if !by_name.is_empty() {
            return by_name
                .into_iter()
                .map(|n| (format!("{NAMED_ONLY}{n}"), n.to_owned()))
                .collect();
        }
        admin::communes(&cercle)
            .into_iter()
            .map(|u| {
                let label = if u.name.is_empty() {
                    format!("{} {}", Msg::Commune.text(lang), u.code)
                } else {
                    u.name.to_owned()
                };
                (u.code.to_owned(), label)
            })
            .collect()
    });
    let text = move |key: &'static str, msg: Msg| {
        let tid = format!("{id}-{key}");
        view! {
            <label class="sub-label" for=tid.clone()>{move || t(msg)}</label>
            <input autocomplete="off" type="text" id=tid prop:value=move || part(ctx, p, key)
                on:input=move |ev| set_parts(ctx, p, &[(key, event_target_value(&ev))]) />
        }
    };
    // The usual place filled in at start is easy to miss on a report made elsewhere.
    let usual = move || {
        let (key, value) = match part(ctx, p, "commune") {
            c if c.is_empty() => ("cercle", part(ctx, p, "cercle")),
            c => ("commune", c),
        };
        ctx.session.is_usual(key, &value)
    };
    view! {
        <div class="location">
            <Show when=usual>
                <p class="hint hint-usual" data-testid="usual-place-hint">{move || t(Msg::UsualPlaceFilled)}</p>
            </Show>
            {select("region", Msg::Region, regions, &["cercle", "commune"])}
            {select("cercle", Msg::Cercle, cercles, &["commune"])}
            {select("commune", Msg::Commune, communes, &[])}
            {text("commune_other", Msg::OtherCommune)}
            {text("village", Msg::Village)}
        </div>
    }
}
