//! The frame around every page: header with connectivity and outbox count, and banners.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::browser::service_worker;
use crate::state::use_app_state;
use crate::views::icons::{Icon, IconSvg};
use vigie_core::i18n::{unsent_banner, unsent_label, Msg, Unsent};

/// Header: app name (link home), connectivity, records waiting.
#[component]
pub fn Header() -> impl IntoView {
    let state = use_app_state();
    let outbox = crate::controllers::outbox::use_outbox();
    let unsent_plans = unsent_plan_count();
    let online = state.online;
    view! {
        <header class="app-header">
            <A href="/" attr:class="brand">{crate::views::tr(Msg::AppName)}</A>
            <div class="status" role="status" aria-live="polite">
                <span
                    class="net"
                    class:net-on=move || online.get()
                    class:net-off=move || !online.get()
                    data-testid="connectivity"
                >
                    {move || {
                        if online.get() {
                            view! { <IconSvg icon=Icon::Online /> }.into_any()
                        } else {
                            view! { <IconSvg icon=Icon::Offline /> }.into_any()
                        }
                    }}
                    {move || state.t(if online.get() { Msg::Online } else { Msg::Offline })}
                </span>
                <A href="/outbox" attr:class="pending" attr:data-testid="pending">
                    {move || if state.outbox_loaded.get() {
                        let refused = state.refused.get();
                        let unsent = Unsent {
                            readable: outbox.problem().get().is_none(),
                            waiting: state.pending.get() - refused,
                            refused,
                            plans: unsent_plans.get(),
                        };
                        unsent_label(state.lang.get(), unsent)
                    } else {
                        // Not read yet: saying "all sent" here could be a lie.
                        "…".to_owned()
                    }}
                </A>
            </div>
        </header>
    }
}

/// How many plans have changes not sent yet.
fn unsent_plan_count() -> Memo<usize> {
    let plans = crate::controllers::plans::use_plans();
    Memo::new(move |_| {
        plans
            .copies()
            .with(|l| l.iter().filter(|c| c.has_changes()).count())
    })
}

/// "Nouvelle version disponible" with the button that applies it.
#[component]
pub fn UpdateBanner() -> impl IntoView {
    let state = use_app_state();
    let applying = RwSignal::new(false);
    let apply = move |_| {
        applying.set(true);
        leptos::task::spawn_local(async move {
            if let Err(e) = service_worker::apply_update().await {
                leptos::logging::warn!("update: {e}");
                applying.set(false);
            }
        });
    };
    view! {
        <Show when=move || state.worker.update_available.get()>
            <div class="banner banner-update" role="alert">
                <span>{crate::views::tr(Msg::UpdateAvailable)}</span>
                <button class="btn-small" on:click=apply disabled=move || applying.get()>
                    {crate::views::tr(Msg::UpdateNow)}
                </button>
            </div>
        </Show>
    }
}

/// A storage problem the user must know about (full, unavailable, unreadable).
#[component]
pub fn StorageBanner() -> impl IntoView {
    let state = use_app_state();
    view! {
        {move || {
            state
                .storage_problem
                .get()
                .map(|msg| {
                    view! {
                        <div class="banner banner-error" role="alert" data-testid="storage-problem">
                            {move || state.t(msg)}
                        </div>
                    }
                })
        }}
    }
}

/// Info for the user (e.g. a setup link was imported), dismissible.
#[component]
pub fn NoticeBanner() -> impl IntoView {
    let state = use_app_state();
    view! {
        {move || {
            state.notice.get().map(|msg| {
                view! {
                    <div class="banner banner-info" role="status">
                        <span>{move || state.t(msg)}</span>
                        <button class="btn-small btn-secondary" on:click=move |_| state.notice.set(None)>"×"</button>
                    </div>
                }
            })
        }}
    }
}

/// "N rapports non envoyés — ne videz pas les données du navigateur" while anything is unsent.
#[component]
pub fn UnsentBanner() -> impl IntoView {
    let state = use_app_state();
    let unsent_plans = unsent_plan_count();
    view! {
        <Show when=move || { state.pending.get() > 0 }>
            <div class="banner banner-unsent" data-testid="unsent-banner">
                {move || unsent_banner(state.lang.get(), state.pending.get())}
            </div>
        </Show>
        <Show when=move || { unsent_plans.get() > 0 }>
            <div class="banner banner-unsent" data-testid="unsent-plans-banner">
                {move || state.t(Msg::PlansUnsentBanner).replace("{n}", &unsent_plans.get().to_string())}
            </div>
        </Show>
    }
}

/// A setup link that would send this phone's records to another server (or stop sending
/// them): the new host in large print, how many unsent records would go there, and the
/// choice, with "Annuler" first. Nothing changes until the user confirms.
#[component]
pub fn SetupConfirm() -> impl IntoView {
    let state = use_app_state();
    let outbox = crate::controllers::outbox::use_outbox();
    let decide = move |accept: bool| {
        let Some(link) = state.pending_setup.get_untracked() else {
            return;
        };
        state.pending_setup.set(None);
        let msg = if accept {
            crate::state::apply_setup(outbox, link)
        } else {
            Msg::SetupCancelled
        };
        state.notice.set(Some(msg));
    };
    move || {
        state.pending_setup.get().map(|link| {
            let host = link.backend.host();
            let unsent = outbox.counts().unsent();
            view! {
                <section class="banner banner-error setup-confirm" role="alertdialog" aria-labelledby="setup-confirm-title" data-testid="setup-confirm">
                    <h2 id="setup-confirm-title">{crate::views::tr(Msg::SetupConfirmTitle)}</h2>
                    {match host {
                        Some(host) => view! {
                            <p>{crate::views::tr(Msg::SetupConfirmHost)}</p>
                            <p class="setup-host" data-testid="setup-host">{host}</p>
                        }.into_any(),
                        None => view! { <p class="setup-host">{crate::views::tr(Msg::SetupConfirmNone)}</p> }.into_any(),
                    }}
                    <p data-testid="setup-unsent">{move || state.t(Msg::SetupConfirmUnsent).replace("{n}", &unsent.to_string())}</p>
                    <p>{crate::views::tr(Msg::SetupConfirmWarn)}</p>
                    <div class="form-nav">
                        <button type="button" class="btn" autofocus on:click=move |_| decide(false)>{crate::views::tr(Msg::Cancel)}</button>
                        <button type="button" class="btn btn-secondary" on:click=move |_| decide(true)>{crate::views::tr(Msg::SetupConfirmYes)}</button>
                    </div>
                </section>
            }
        })
    }
}
