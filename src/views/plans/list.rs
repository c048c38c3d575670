//! The plan list (this phone's area first) and the new-plan form.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use vigie_core::i18n::Msg;
use vigie_core::plans::derived::progress;
use vigie_core::plans::place::{self, Level};
use vigie_core::plans::sync::PlanCopy;
use vigie_core::plans::PlanKind;

use crate::controllers::plans::use_plans;
use crate::state::use_app_state;
use crate::views::tr;

use super::{kind_msg, place_words, plan_name, progress_line, sync_line};

/// `/plans`: the plans on this phone.
#[component]
pub fn PlansPage() -> impl IntoView {
    let state = use_app_state();
    let plans = use_plans();
    view! {
        <section class="page">
            <h1>{tr(Msg::ActionPlans)}</h1>
            <Show when=move || plans.syncing().get()>
                <p class="hint" role="status">{tr(Msg::PlanSyncing)}</p>
            </Show>
            <Show when=move || plans.list_problem().get().is_some()>
                <p class="hint" role="status">{tr(Msg::PlanOffline)}</p>
            </Show>
            {move || {
                let lang = state.lang.get();
                let today = plans.today();
                let copies = plans.copies().get();
                if copies.is_empty() && plans.loaded().get() {
                    return view! { <p class="hint">{tr(Msg::NoPlans)}</p> }.into_any();
                }
                let rows = move |list: Vec<PlanCopy>| list.into_iter().map(|c| {
                    let p = progress(&c.mine, &today);
                    let href = format!("/plans/{}", c.mine.id);
                    let sub = format!("{} · {}", kind_msg(c.mine.kind).text(lang), place_words(&c.mine.commune, lang));
                    let name = plan_name(&c.mine, lang);
                    let sync = sync_line(&c);
                    view! {
                        <li class="plan-row" data-testid="plan-row">
                            <A href=href><strong>{name}</strong></A>
                            <small>{sub}</small>
                            {progress_line(&p)}
                            {sync}
                        </li>
                    }
                }).collect_view();
                // The plans of the phone's usual place (and of what holds it) first; the
                // others on request.
                let Some(here) = crate::views::usual_place::usual_code() else {
                    return view! { <ul class="plans">{rows(copies)}</ul> }.into_any();
                };
                let (mine, others): (Vec<PlanCopy>, Vec<PlanCopy>) =
                    copies.into_iter().partition(|c| place::concerns(&c.mine.commune, &here));
                let count = others.len();
                view! {
                    <h2>{tr(Msg::PlansHere)}</h2>
                    <ul class="plans" data-testid="plans-here">{rows(mine)}</ul>
                    {(count > 0).then(|| view! {
                        <details class="plans-elsewhere" data-testid="plans-elsewhere">
                            <summary class="btn btn-secondary">{tr(Msg::PlansElsewhere)}{format!(" ({count})")}</summary>
                            <ul class="plans">{rows(others)}</ul>
                        </details>
                    })}
                }.into_any()
            }}
            <button class="btn btn-secondary" on:click=move |_| plans.sync_soon()>{tr(Msg::Refresh)}</button>
            <NewPlanForm />
            <crate::views::pages::BackHome />
        </section>
    }
}

#[component]
fn NewPlanForm() -> impl IntoView {
    let plans = use_plans();
    let navigate = use_navigate();
    let kind = RwSignal::new(PlanKind::PlanCommunal);
    // A communal plan is a commune's; a roadmap says how wide it is.
    let level = RwSignal::new(Level::Commune);
    let name = RwSignal::new(String::new());
    let region = RwSignal::new(String::new());
    let cercle = RwSignal::new(String::new());
    let commune = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<Msg>);
    let wide = move |at_least: Level| {
        let chosen = if kind.get() == PlanKind::PlanCommunal {
            Level::Commune
        } else {
            level.get()
        };
        rank(chosen) >= rank(at_least)
    };
    let create = move |_| {
        let k = kind.get_untracked();
        let chosen = if k == PlanKind::PlanCommunal {
            Level::Commune
        } else {
            level.get_untracked()
        };
        let place = match chosen {
            Level::National => String::new(),
            Level::Region => region.get_untracked(),
            Level::Cercle => cercle.get_untracked(),
            Level::Commune => commune.get_untracked(),
        };
        let n = name.get_untracked();
        if n.trim().is_empty() || place::level_of(&place) != Some(chosen) {
            problem.set(Some(if k == PlanKind::PlanCommunal {
                Msg::PlanNeedsName
            } else {
                Msg::PlanNeedsPlace
            }));
            return;
        }
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match plans.create(k, &place, &n).await {
                Ok(id) => navigate(&format!("/plans/{id}"), Default::default()),
                Err(e) => {
                    let _ = problem.try_set(Some(e.user_message()));
                }
            }
        });
    };
    let units = |list: Vec<vigie_core::admin::Unit>| {
        list.into_iter()
            .map(|u| {
                let text = if u.name.is_empty() {
                    u.code.to_owned()
                } else {
                    u.name.to_owned()
                };
                view! { <option value=u.code>{text}</option> }
            })
            .collect_view()
    };
    let level_choice = move |l: Level, msg: Msg| {
        view! {
            <label class="choice">
                <input autocomplete="off" type="radio" name="plan-level" prop:checked=move || level.get() == l on:change=move |_| level.set(l) />
                {tr(msg)}
            </label>
        }
    };
    view! {
        <details class="new-plan">
            <summary class="btn">{tr(Msg::NewPlan)}</summary>
            <fieldset class="field">
                <legend>{tr(Msg::PlanKindLegend)}</legend>
                <label class="choice">
                    <input autocomplete="off" type="radio" name="plan-kind" checked=true on:change=move |_| kind.set(PlanKind::PlanCommunal) />
                    {tr(Msg::PlanKindCommunal)}
                </label>
                <label class="choice">
                    <input autocomplete="off" type="radio" name="plan-kind" on:change=move |_| kind.set(PlanKind::FeuilleDeRoute) />
                    {tr(Msg::PlanKindRoadmap)}
                </label>
            </fieldset>
            <Show when=move || kind.get() == PlanKind::FeuilleDeRoute>
                <fieldset class="field" data-testid="plan-level">
                    <legend>{tr(Msg::PlanLevelLegend)}</legend>
                    {level_choice(Level::National, Msg::PlanLevelNational)}
                    {level_choice(Level::Region, Msg::PlanLevelRegion)}
                    {level_choice(Level::Cercle, Msg::PlanLevelCercle)}
                    {level_choice(Level::Commune, Msg::PlanLevelCommune)}
                </fieldset>
            </Show>
            <label class="field-label" for="plan-name">{tr(Msg::PlanNameLabel)}</label>
            <input autocomplete="off" id="plan-name" type="text" maxlength="200" prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
            <Show when=move || wide(Level::Region)>
                <label class="field-label" for="plan-region">{tr(Msg::Region)}</label>
                <select autocomplete="off" id="plan-region" on:change=move |ev| { region.set(event_target_value(&ev)); cercle.set(String::new()); commune.set(String::new()); }>
                    <option value="" selected=move || region.get().is_empty()>{tr(Msg::Choose)}</option>
                    {move || units(vigie_core::admin::regions())}
                </select>
            </Show>
            <Show when=move || wide(Level::Cercle)>
                <label class="field-label" for="plan-cercle">{tr(Msg::Cercle)}</label>
                <select autocomplete="off" id="plan-cercle" on:change=move |ev| { cercle.set(event_target_value(&ev)); commune.set(String::new()); }>
                    <option value="">{tr(Msg::Choose)}</option>
                    {move || units(vigie_core::admin::cercles(&region.get()))}
                </select>
            </Show>
            <Show when=move || wide(Level::Commune)>
                <label class="field-label" for="plan-commune">{tr(Msg::Commune)}</label>
                <select autocomplete="off" id="plan-commune" on:change=move |ev| commune.set(event_target_value(&ev))>
                    <option value="">{tr(Msg::Choose)}</option>
                    {move || units(vigie_core::admin::communes(&cercle.get()))}
                </select>
            </Show>
            {move || problem.get().map(|m| view! { <p class="problem" role="alert">{tr(m)}</p> })}
            <button class="btn" on:click=create>{tr(Msg::CreatePlan)}</button>
        </details>
    }
}

/// Wider places first: the country, a region, a cercle, a commune.
fn rank(level: Level) -> u8 {
    match level {
        Level::National => 0,
        Level::Region => 1,
        Level::Cercle => 2,
        Level::Commune => 3,
    }
}
