//! Home: the four big actions, nothing else to read.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::controllers::forms::use_forms;
use crate::controllers::outbox::use_outbox;
use crate::state::use_app_state;
use crate::views::icons::{Icon, IconSvg};
use crate::views::outbox::{form_title, state_label, time_label};
use vigie_core::i18n::Msg;

/// The home screen.
#[component]
pub fn Home() -> impl IntoView {
    let after_sensitive = use_forms().after_sensitive();
    // One link shape for the big tiles and the smaller links under them.
    let link = |href: &'static str, icon: Icon, msg: Msg, class: &'static str| {
        view! {
            <A href=href attr:class=class>
                <IconSvg icon=icon />
                <span>{crate::views::tr(msg)}</span>
            </A>
        }
    };
    let gate = crate::controllers::lock::use_gate();
    view! {
        <section class="home">
            <h1 class="tagline">{crate::views::tr(Msg::Tagline)}</h1>
            // Right after an alert or a GBV report: what to do next comes first.
            <SmsOffer />
            <Show when=move || after_sensitive.get()>
                <p class="sms-offer" data-testid="after-sensitive">
                    <A href="/aide" on:click=move |_| after_sensitive.set(false)>
                        {crate::views::tr(Msg::ReferralsAfterReport)}
                    </A>
                </p>
            </Show>
            <nav class="tiles">
                {link("/report", Icon::Alert, Msg::ReportIncident, "tile tile-alert")}
                {link("/activity", Icon::Activity, Msg::LogActivity, "tile")}
                {link("/plans", Icon::Plan, Msg::ActionPlans, "tile")}
                {link("/outbox", Icon::Outbox, Msg::Outbox, "tile")}
            </nav>
            // Below the tiles (a first red alert is never pushed off the screen), built in
            // start-up tasks of their own.
            {crate::views::later(|| view! {
                <crate::views::welcome::Welcome />
                <DraftList />
            })}
            {crate::views::later(move || view! {
                {link("/mine", Icon::Outbox, Msg::MyReports, "settings-link")}
                {link("/note", Icon::Activity, Msg::QuickNote, "settings-link")}
                {link("/aide", Icon::Alert, Msg::Referrals, "settings-link")}
                {link("/settings", Icon::Settings, Msg::Settings, "settings-link")}
                // On a shared phone: lock before handing it over.
                {move || gate.configured.get().then(|| view! {
                    <button type="button" class="btn btn-secondary lock-now" on:click=move |_| gate.lock_now()>
                        {crate::views::tr(Msg::LockNow)}
                    </button>
                })}
            })}
        </section>
    }
}

/// After an alert saved with no network: the SMS to the coordination, one tap away.
#[component]
fn SmsOffer() -> impl IntoView {
    let offer = use_forms().sms_offer();
    move || {
        offer.get().map(|href| {
            view! {
                <div class="sms-offer" role="status" data-testid="sms-offer">
                    <p>{crate::views::tr(Msg::SmsOffer)}</p>
                    <div class="rec-actions">
                        <a class="btn" href=href on:click=move |_| offer.set(None)>{crate::views::tr(Msg::SmsSend)}</a>
                        <button type="button" class="btn btn-secondary" on:click=move |_| offer.set(None)>
                            {crate::views::tr(Msg::Dismiss)}
                        </button>
                    </div>
                </div>
            }
        })
    }
}

/// Drafts on Home: resumable after a reload or a crash; damaged ones listed apart, with
/// their text to export.
#[component]
fn DraftList() -> impl IntoView {
    let forms = use_forms();
    let state = use_app_state();
    move || {
        let drafts = forms.drafts().get();
        let damaged = forms.unreadable_drafts().get();
        (!drafts.is_empty() || !damaged.is_empty()).then(|| {
            view! {
                <section class="drafts" data-testid="drafts">
                    <h2>{crate::views::tr(Msg::Drafts)}</h2>
                    <ul>
                        {drafts.into_iter().map(|d| {
                            let note = d.is_note();
                            let href = if note { "/note".to_owned() } else { format!("/fill/{}", d.id) };
                            let form = form_title(&d.form_id);
                            let title = move || if note { state.t(Msg::QuickNote).to_owned() } else { form() };
                            let when = time_label(d.updated_at);
                            view! {
                                <li class="draft">
                                    <A href=href attr:class="draft-link">
                                        <strong>{title}</strong>
                                        <span class="when">{when}</span>
                                        <span class="resume">{crate::views::tr(Msg::Resume)}" →"</span>
                                    </A>
                                </li>
                            }
                        }).collect_view()}
                        {damaged.into_iter().map(|u| {
                            let file = format!("vigie-brouillon-{}.json", u.id);
                            let raw = StoredValue::new(u.raw);
                            view! {
                                <li class="draft draft-damaged" data-testid="draft-damaged">
                                    <p>{crate::views::tr(Msg::DamagedDraft)}</p>
                                    <button class="btn-small btn-secondary" on:click=move |_| crate::browser::download::save_text(&file, &raw.get_value())>
                                        {crate::views::tr(Msg::Export)}
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
            }
        })
    }
}

/// "Noter une activité": every form but the incident report (which has its own tile).
#[component]
pub fn FormChooser() -> impl IntoView {
    let state = use_app_state();
    let forms = use_forms();
    view! {
        <section class="page">
            <h1>{crate::views::tr(Msg::ChooseForm)}</h1>
            <nav class="form-list">
                {move || {
                    let lang = state.lang.get();
                    forms.current().get().into_iter().filter(|f| f.id != "incident").map(|f| {
                        let desc = f.description.as_ref().map(|d| d.get(lang).to_owned());
                        view! {
                            <A href=format!("/new/{}", f.id) attr:class="form-choice">
                                <strong>{f.title.get(lang).to_owned()}</strong>
                                {desc.map(|d| view! { <span class="hint">{d}</span> })}
                            </A>
                        }
                    }).collect_view()
                }}
            </nav>
            <crate::views::pages::BackHome />
        </section>
    }
}

/// "Mes rapports": the records finalised on this phone, with where they stand.
#[component]
pub fn MyReports() -> impl IntoView {
    let state = use_app_state();
    let outbox = use_outbox();
    let shown = RwSignal::new(crate::views::outbox::LIST_PAGE);
    view! {
        <section class="page">
            <h1>{crate::views::tr(Msg::MyReports)}</h1>
            {move || {
                let entries = crate::views::outbox::window(outbox, shown.get());
                if entries.is_empty() {
                    return view! { <p class="hint">{crate::views::tr(Msg::NoReports)}</p> }.into_any();
                }
                view! {
                    <ul class="records">
                        {entries.into_iter().map(|e| {
                            let label = state_label(&e.state);
                            let delivered = matches!(e.state, vigie_core::outbox::state::DeliveryState::Delivered(_));
                            if e.is_discreet_receipt() {
                                // Only that a report went, and which day.
                                return view! {
                                    <li class="record" data-testid="my-report">
                                        <strong class="rec-ok">{crate::views::tr(Msg::ReportSent)}</strong>
                                        <span class="when">{crate::browser::clock::utc_day(e.envelope.created_at)}</span>
                                    </li>
                                }.into_any();
                            }
                            let title = form_title(&e.envelope.form_id);
                            view! {
                                <li class="record my-report" data-testid="my-report">
                                    <strong>{title}</strong>
                                    <span class="when">{time_label(e.envelope.created_at)}</span>
                                    <span class:rec-ok=delivered class="rec-state">{move || state.t(label)}</span>
                                </li>
                            }.into_any()
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <crate::views::outbox::MoreRows shown=shown />
            <crate::views::outbox::MonthCounts />
            <crate::views::pages::BackHome />
        </section>
    }
}
