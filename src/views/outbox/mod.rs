//! The outbox page: counts, progress, every record with its state, and what to do with
//! records the server refused or that cannot be read.

use leptos::prelude::*;

use crate::controllers::outbox::use_outbox;
use crate::state::use_app_state;
use vigie_core::forms::{readable, FormDef};
use vigie_core::i18n::{format_bytes, Lang, Msg};
use vigie_core::outbox::state::{DeliveryState, RetryReason};

mod paging;
mod row;

pub use paging::{window, MonthCounts, MoreRows, LIST_PAGE};
use row::{RecordActions, RecordRow};

pub fn state_label(state: &DeliveryState) -> Msg {
    match state {
        DeliveryState::Queued => Msg::StateQueued,
        DeliveryState::Sending { .. } => Msg::StateSending,
        DeliveryState::RetryWait { .. } => Msg::StateRetry,
        DeliveryState::NeedsAuth { .. } => Msg::StateNeedsAuth,
        DeliveryState::Delivered(_) => Msg::StateDelivered,
        DeliveryState::Rejected { .. } => Msg::StateRejected,
    }
}

/// The detail line under a record's state: the last error in plain words, or the server's
/// reason with the question it names in the user's words (`def`: the record's form).
fn detail(state: &DeliveryState, lang: Lang, def: Option<&FormDef>) -> Option<String> {
    match state {
        DeliveryState::RetryWait {
            last_error,
            attempts,
            ..
        } => {
            let why = match last_error {
                RetryReason::Network { .. } => Msg::ErrNetwork,
                RetryReason::Timeout => Msg::ErrTimeout,
                RetryReason::Server { .. } => Msg::ErrServer,
                RetryReason::NotAReceipt { .. } => Msg::ErrNotReceipt,
            };
            Some(format!("{} (×{attempts})", why.text(lang)))
        }
        DeliveryState::Rejected { status, reason } => Some(format!(
            "{status} — {}",
            def.map_or_else(
                || reason.clone(),
                |d| readable::refusal_reason(d, reason, lang)
            )
        )),
        _ => None,
    }
}

pub use crate::browser::clock::short_time as time_label;

/// The title of form `id` in the current language ("Note libre" for a note; the id itself
/// if the form is unknown). Tracked.
pub fn form_title(id: &str) -> impl Fn() -> String + Send + Sync + 'static {
    let state = use_app_state();
    let forms = crate::controllers::forms::use_forms();
    let id = id.to_owned();
    move || {
        let lang = state.lang.get();
        if id == "note" {
            return Msg::QuickNote.text(lang).to_owned();
        }
        forms
            .current()
            .with(|c| {
                c.iter()
                    .find(|f| f.id == id)
                    .map(|f| f.title.get(lang).to_owned())
            })
            .unwrap_or_else(|| id.clone())
    }
}

/// The definition a record was filled with, else its form's current one (a record from
/// before an update still reads by its questions).
fn record_def(env: &vigie_core::record::Envelope) -> Option<FormDef> {
    let forms = crate::controllers::forms::use_forms();
    forms.version(&env.form_id, &env.form_version).or_else(|| {
        forms
            .current()
            .with_untracked(|c| c.iter().find(|f| f.id == env.form_id).cloned())
    })
}

/// The alert level (code and the start of its label) and the place of a record, as its
/// form reads them.
fn level_and_place(
    env: &vigie_core::record::Envelope,
    def: &FormDef,
    lang: Lang,
) -> (Option<(String, String)>, Option<String>) {
    let level = env
        .payload
        .get("alert_level")
        .and_then(|v| v.as_str())
        .map(|code| {
            let label = def
                .field("alert_level")
                .and_then(|f| def.choices_of(f).iter().find(|c| c.code == code))
                .map_or(code, |c| c.label.get(lang));
            let short = label.split(" — ").next().unwrap_or(label);
            (code.to_owned(), short.to_owned())
        });
    let place = readable::record_place(def, &env.payload);
    (level, place)
}

/// The outbox page.
#[component]
pub fn OutboxPage() -> impl IntoView {
    let state = use_app_state();
    let outbox = use_outbox();
    let counts = move || outbox.counts();
    let count = move |msg: Msg, n: usize, class: &'static str| {
        view! {
            <div class=format!("count {class}")>
                <strong>{n}</strong>
                <span>{move || state.t(msg)}</span>
            </div>
        }
    };
    // The browser's storage estimate, read again whenever the outbox changes. A plain signal
    // and a task rather than a LocalResource: the resource machinery cost 7.5 KB of wasm
    // (brotli) for this one line of text.
    let shown = RwSignal::new(LIST_PAGE);
    // Where the cases of the alerts sent stand: asked when the page opens and after each
    // flush that ends (it may have delivered the alert).
    if let Some(board) = crate::controllers::case_news::use_case_news() {
        Effect::new(move || {
            outbox.last_report().track();
            outbox.loaded().track();
            board.ask();
        });
    }
    let usage = RwSignal::new(None::<(f64, f64)>);
    let persisted = RwSignal::new(None::<bool>);
    Effect::new(move || {
        outbox.entries().track();
        leptos::task::spawn_local(async move {
            let estimate = crate::stores::local::estimate().await;
            let kept = crate::stores::local::persisted().await;
            // The page may be gone by the time the answers arrive.
            let _ = usage.try_set(estimate);
            let _ = persisted.try_set(kept);
        });
    });
    let usage_line = move || {
        let lang = state.lang.get();
        let own = outbox.stored_bytes() as f64;
        let (used, quota) = usage.get()?;
        Some(
            Msg::StorageUsage
                .text(lang)
                .replace("{outbox}", &format_bytes(lang, own))
                .replace("{used}", &format_bytes(lang, used))
                .replace("{quota}", &format_bytes(lang, quota)),
        )
    };
    view! {
        <section class="page">
            <h1>{crate::views::tr(Msg::Outbox)}</h1>
            <Show when=move || !outbox.settings().with(|s| s.backend.is_configured())>
                <p class="notice">{crate::views::tr(Msg::NoBackend)}</p>
            </Show>
            // Counts of an outbox that could not be read would all say 0: not shown.
            <div class="counts" data-testid="counts" hidden=move || outbox.problem().get().is_some()>
                {move || {
                    let c = counts();
                    view! {
                        {count(Msg::CountWaiting, c.waiting, "")}
                        {count(Msg::CountDelivered, c.delivered, "ok")}
                        {count(Msg::CountRejected, c.rejected, "bad")}
                        {count(Msg::CountNeedsAuth, c.needs_auth, "bad")}
                    }
                }}
            </div>
            {move || {
                outbox
                    .progress()
                    .get()
                    .filter(|(_, total)| *total > 0)
                    .map(|(done, total)| {
                        let label = state
                            .t(Msg::Sending)
                            .replace("{done}", &done.to_string())
                            .replace("{total}", &total.to_string());
                        view! {
                            <div class="progress" role="status">
                                <progress max=total value=done></progress>
                                <span>{label}</span>
                            </div>
                        }
                    })
            }}
            <button class="btn" on:click=move |_| outbox.send_now() disabled=move || outbox.progress().get().is_some()>
                {crate::views::tr(Msg::SendNow)}
            </button>
            <Show when=move || { !state.online.get() && outbox.counts().unsent() > 0 }>
                <p class="notice" role="status" data-testid="send-offline">{crate::views::tr(Msg::SendNowOffline)}</p>
            </Show>
            <ul class="records">
                <For
                    each=move || window(outbox, shown.get())
                    key=|e| (e.envelope.id, e.state.clone())
                    children=move |entry| view! { <RecordRow entry=entry /> }
                />
                <For
                    each=move || outbox.unreadable().get()
                    key=|u| u.id
                    children=move |u| {
                        view! {
                            <li class="record rec-bad" data-testid="record-damaged">
                                <p class="rec-state">{crate::views::tr(Msg::StateUnreadable)}</p>
                                <small class="rec-detail">{crate::views::tr(Msg::DamagedRecordHelp)}</small>
                                <RecordActions id=u.id text=u.raw.clone() resend=false />
                            </li>
                        }
                    }
                />
            </ul>
            <MoreRows shown=shown />
            <Show when=move || {
                outbox.entries().with(Vec::is_empty) && outbox.unreadable().with(Vec::is_empty)
                    && outbox.receipt_total().get() == 0 && outbox.problem().get().is_none()
            }>
                <p>{crate::views::tr(Msg::OutboxEmpty)}</p>
            </Show>
            <MonthCounts />
            <p class="hint" data-testid="storage-usage">{usage_line}</p>
            {move || persisted.get().map(|kept| view! {
                <p class="hint" data-testid="storage-persisted">
                    {move || state.t(if kept { Msg::StoragePersisted } else { Msg::StorageNotPersisted })}
                </p>
            })}
        </section>
    }
}
