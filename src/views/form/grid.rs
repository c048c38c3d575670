//! The sex × age grid of people counted (reporting-model.md §2.6), with its totals.

use leptos::prelude::*;
use serde_json::Value as Json;

use super::ctx::Ctx;
use vigie_core::forms::answers::{self, AnswerPath};
use vigie_core::forms::counts;
use vigie_core::i18n::Msg;

/// Age groups of the sex × age grid, as stored.
pub const AGE_GROUPS: [&str; 7] = ["0-14", "15-17", "18-24", "25-35", "36-59", "60+", "inconnu"];

pub(super) fn counts_view(ctx: Ctx, p: StoredValue<AnswerPath>, id: &str) -> impl IntoView {
    let read = move |f: &dyn Fn(Option<&Json>) -> String| {
        p.with_value(|p| ctx.session.with_answers(|a| f(answers::get(a, p))))
    };
    let cell = move |sex: &str, age: &str| read(&|a| counts::cell(a, sex, age));
    let sum = move |sex: Option<&str>| read(&|a| counts::total(a, sex).to_string());
    let set = move |sex: &'static str, age: &'static str, text: String| {
        p.with_value(|p| {
            let next = ctx
                .session
                .with_answers(|a| counts::with_cell(answers::get(a, p), sex, age, &text));
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
                                <input autocomplete="off" type="text" inputmode="numeric" class="num" id=iid.clone()
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
