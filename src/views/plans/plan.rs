//! One plan, by sections, with its figures.

use leptos::prelude::*;
use leptos_router::components::A;
use serde_json::Value;
use vigie_core::i18n::{Lang, Msg};
use vigie_core::plans::derived::{progress, Progress};
use vigie_core::plans::schema::{self, ListSpec};
use vigie_core::plans::{Item, Plan, HEADER};

use crate::controllers::plans::use_plans;
use crate::state::use_app_state;
use crate::views::tr;

use vigie_core::plans::display::amount as fcfa;

use super::{
    item_title, kind_msg, place_words, plan_id, plan_name, progress_line, shown, sync_line,
    with_copy,
};

/// `/plans/:id`: one plan by sections.
#[component]
pub fn PlanPage() -> impl IntoView {
    let state = use_app_state();
    let plans = use_plans();
    let id = plan_id();
    view! {
        <section class="page plan-page">
            {with_copy(id, move |copy| {
                let lang = state.lang.get();
                let plan = copy.mine.clone();
                let p = progress(&plan, &plans.today());
                let base = format!("/plans/{}", plan.id);
                let reviews = plan.reviews.len();
                let execution = p.execution.map_or("—".to_owned(), |e| format!("{e} %"));
                let next = p.next_review.clone().unwrap_or_else(|| "—".into());
                let funding = schema::list(plan.kind, "activities").and_then(|l| l.field("funding"));
                let budget: Vec<String> = p.budget.iter().map(|(src, (planned, spent))| {
                    let source = funding.map(|f| shown(&plan, f.kind, &Value::String(src.clone()), lang)).unwrap_or_default();
                    let amounts = format!("{} / {} FCFA", fcfa(*spent), fcfa(*planned));
                    if source.is_empty() { amounts } else { format!("{source} : {amounts}") }
                }).collect();
                let sections = schema::lists(plan.kind).iter().map(|spec| {
                    section(&plan, spec, &p, lang)
                }).collect_view();
                view! {
                    <h1>{plan_name(&plan, lang)}</h1>
                    <p class="hint">{format!("{} · {}", kind_msg(plan.kind).text(lang), place_words(&plan.commune, lang))}</p>
                    {progress_line(&p)}
                    {sync_line(&copy)}
                    <dl class="plan-figures">
                        <dt>{tr(Msg::ExecutionRate)}</dt><dd>{execution}</dd>
                        <dt>{tr(Msg::NextReview)}</dt><dd>{next}</dd>
                        <dt>{tr(Msg::BudgetLine)}</dt><dd>{budget.join(" · ")}</dd>
                    </dl>
                    {(reviews > 0).then(|| view! {
                        <A href=format!("{base}/review") attr:class="notice plan-review-link">
                            {format!("{reviews} ")}{tr(Msg::ToReview)}" →"
                        </A>
                    })}
                    {sections}
                    <p><A href=format!("{base}/print") attr:class="btn btn-secondary">{tr(Msg::PrintSummary)}</A></p>
                    <A href="/plans" attr:class="btn btn-secondary">{tr(Msg::BackToPlans)}</A>
                }
            })}
        </section>
    }
}

fn section(
    plan: &Plan,
    spec: &'static ListSpec,
    p: &Progress,
    lang: Lang,
) -> impl IntoView + use<> {
    let base = format!("/plans/{}", plan.id);
    if spec.name == HEADER.0 {
        let item = plan.item(HEADER.0, HEADER.1).cloned().unwrap_or_default();
        let rows = spec
            .fields
            .iter()
            .filter(|f| !item.get(f.name).is_null())
            .map(|f| {
                let v = shown(plan, f.kind, item.get(f.name), lang);
                view! { <dt>{f.label.text(lang)}</dt><dd>{v}</dd> }
            })
            .collect_view();
        return view! {
            <section class="plan-section" data-list=spec.name>
                <h2>{spec.title.text(lang)}</h2>
                <dl>{rows}</dl>
                <A href=format!("{base}/{}/{}", HEADER.0, HEADER.1) attr:class="btn-small">{tr(Msg::Edit)}</A>
            </section>
        }
        .into_any();
    }
    let items: Vec<(String, Item)> = plan
        .live(spec.name)
        .map(|(id, i)| (id.clone(), i.clone()))
        .collect();
    let count = items.len();
    let rows = items
        .into_iter()
        .map(|(id, item)| {
            let title = item_title(plan, spec, &item, lang);
            let detail = summary(plan, spec, &item, p, &id, lang);
            view! {
                <li data-item=id.clone()>
                    <A href=format!("{base}/{}/{id}", spec.name)>{title}</A>
                    {(!detail.is_empty()).then(|| view! { <small>{detail}</small> })}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="plan-section" data-list=spec.name>
            <h2>{format!("{} ({count})", spec.title.text(lang))}</h2>
            <ul class="plan-items">{rows}</ul>
            <A href=format!("{base}/{}/new", spec.name) attr:class="btn-small">{tr(Msg::Add)}</A>
        </section>
    }
    .into_any()
}

/// The second line of an item in a list: what matters most for its kind.
fn summary(
    plan: &Plan,
    spec: &ListSpec,
    item: &Item,
    p: &Progress,
    id: &str,
    lang: Lang,
) -> String {
    let field = |name: &str| {
        spec.field(name)
            .map(|f| shown(plan, f.kind, item.get(name), lang))
            .unwrap_or_default()
    };
    let mut parts: Vec<String> = match spec.name {
        "activities" => vec![field("status"), field("end"), field("execution")],
        "swot" => vec![field("quadrant"), field("priority")],
        "mediation" => vec![field("date"), field("conflict")],
        "conflicts" => vec![
            field("intensity"),
            p.stages
                .get(id)
                .and_then(|s| schema::STEPS.iter().find(|x| x.0 == s))
                .map(|s| format!("{} {}", Msg::StageLabel.text(lang), s.1.text(lang)))
                .unwrap_or_default(),
        ],
        "members" => vec![field("role")],
        _ => Vec::new(),
    };
    if spec.name == "activities" && !parts[2].is_empty() {
        parts[2].push_str(" %");
    }
    parts.retain(|s| !s.is_empty());
    parts.join(" · ")
}
