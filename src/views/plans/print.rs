//! The printable plan: every list and the budget.

use leptos::prelude::*;
use leptos_router::components::A;
use serde_json::Value;
use vigie_core::i18n::Msg;
use vigie_core::plans::derived::progress;
use vigie_core::plans::schema::{self, FieldSpec};
use vigie_core::plans::{Item, HEADER};

use crate::controllers::plans::use_plans;
use crate::state::use_app_state;
use crate::views::tr;

use vigie_core::plans::display::amount as fcfa;

use super::{kind_msg, place_words, plan_id, plan_name, shown, with_copy};

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
                        let head = fields.iter().map(|f| view! { <th>{f.label.text(lang)}</th> }).collect_view();
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
                                (!v.trim().is_empty()).then(|| view! { <dt>{f.label.text(lang)}</dt><dd>{v}</dd> })
                            }).collect_view();
                            view! { <dl class="print-item">{rows}</dl> }
                        }).collect_view().into_any()
                    };
                    (!items.is_empty()).then(|| view! {
                        <section class="print-list" data-list=spec.name>
                            <h2>{spec.title.text(lang)}</h2>
                            {body}
                        </section>
                    })
                }).collect_view();
                let header = schema::list(plan.kind, HEADER.0).map(|spec| {
                    let item = plan.item(HEADER.0, HEADER.1).cloned().unwrap_or_default();
                    spec.fields.iter().filter(|f| f.name != "name").filter_map(|f| {
                        let v = shown(&plan, f.kind, item.get(f.name), lang);
                        (!v.trim().is_empty()).then(|| view! { <dt>{f.label.text(lang)}</dt><dd>{v}</dd> })
                    }).collect_view()
                });
                let funding = schema::list(plan.kind, "activities").and_then(|l| l.field("funding"));
                let budget = p.budget.iter().filter(|(_, (planned, spent))| *planned != 0 || *spent != 0).map(|(src, (planned, spent))| {
                    let source = funding.map(|f| shown(&plan, f.kind, &Value::String(src.clone()), lang)).filter(|s| !s.is_empty())
                        .unwrap_or_else(|| Msg::FundingUnknown.text(lang).to_owned());
                    view! { <tr><td>{source}</td><td>{fcfa(*planned)}</td><td>{fcfa(*spent)}</td></tr> }
                }).collect_view();
                let conflicts = plan.live("conflicts").map(|(cid, c)| {
                    let stage = p.stages.get(cid).and_then(|s| schema::STEPS.iter().find(|x| x.0 == s)).map(|s| s.1.text(lang)).unwrap_or("—");
                    view! { <li>{c.text("title").to_owned()}" — "{tr(Msg::StageLabel)}" "{stage}</li> }
                }).collect_view();
                let execution = p.execution.map_or("—".to_owned(), |e| format!("{e} %"));
                let next = p.next_review.as_deref().map_or_else(|| "—".to_owned(), vigie_core::plans::display::date);
                view! {
                    <h1>{plan_name(&plan, lang)}</h1>
                    <p>{format!("{} · {}", kind_msg(plan.kind).text(lang), place_words(&plan.commune, lang))}</p>
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
