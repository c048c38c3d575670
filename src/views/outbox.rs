//! The outbox page: counts, progress, every record with its state, and what to do with
//! records the server refused or that cannot be read.

use leptos::prelude::*;

use crate::adapters::download;
use crate::state::use_app_state;
use crate::sync::use_outbox;
use vigie_core::forms::{readable, FormDef};
use vigie_core::i18n::{format_bytes, Lang, Msg};
use vigie_core::outbox::state::{DeliveryState, RetryReason};
use vigie_core::outbox::OutboxEntry;

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

pub use crate::adapters::clock::short_time as time_label;

/// The title of form `id` in the current language ("Note libre" for a note; the id itself
/// if the form is unknown). Tracked.
pub fn form_title(id: &str) -> impl Fn() -> String + Send + Sync + 'static {
    let state = use_app_state();
    let forms = crate::forms::use_forms();
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
    let forms = crate::forms::use_forms();
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
    let usage = RwSignal::new(None::<(f64, f64)>);
    let persisted = RwSignal::new(None::<bool>);
    Effect::new(move || {
        outbox.entries().track();
        leptos::task::spawn_local(async move {
            let estimate = crate::adapters::storage::estimate().await;
            let kept = crate::adapters::storage::persisted().await;
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

#[component]
fn RecordRow(entry: OutboxEntry) -> impl IntoView {
    let state = use_app_state();
    let id = entry.envelope.id;
    let rejected = matches!(entry.state, DeliveryState::Rejected { .. });
    let delivered = matches!(entry.state, DeliveryState::Delivered(_));
    let label = state_label(&entry.state);
    let st = entry.state.clone();
    // Indented for reading. Through a JSON tree, whose pretty printer is already in the wasm,
    // rather than a second serializer of the envelope types.
    // Only refused rows offer "Voir" and "Exporter": the others keep no copy.
    let json = StoredValue::new(if rejected {
        serde_json::to_value(&entry.envelope)
            .map(|v| format!("{v:#}"))
            .unwrap_or_default()
    } else {
        String::new()
    });
    let excerpt = entry
        .envelope
        .payload
        .get("texte")
        .and_then(|v| v.as_str())
        .map(|t| t.chars().take(60).collect::<String>());
    let title = form_title(&entry.envelope.form_id);
    let meta = StoredValue::new(entry.clone());
    let forms = crate::forms::use_forms();
    let navigate = StoredValue::new(leptos_router::hooks::use_navigate());
    // Looked up once per row, not at every render of its lines.
    let def = StoredValue::new(record_def(&entry.envelope));
    let meta_line = move || {
        let lang = state.lang.get();
        let (level, place) = def.with_value(|d| {
            d.as_ref().map_or((None, None), |d| {
                meta.with_value(|e| level_and_place(&e.envelope, d, lang))
            })
        });
        (level.is_some() || place.is_some()).then(|| {
            view! {
                <p class="rec-meta">
                    {level.map(|(code, label)| view! { <span class="lvl" data-level=code>{label}</span> })}
                    {place.map(|p| view! { <span class="rec-place">{p}</span> })}
                </p>
            }
        })
    };
    let answers = StoredValue::new(if rejected {
        def.with_value(|d| {
            d.as_ref()
                .map(|d| readable::answers(d, &entry.envelope.payload, state.lang.get_untracked()))
        })
    } else {
        None
    });
    // A refusal naming a question is corrected, not sent again as it is (it would be
    // refused again): "Corriger" then stands alone.
    let correctable = move || {
        meta.with_value(|e| match &e.state {
            DeliveryState::Rejected { reason, .. } => def.with_value(|d| {
                d.as_ref()
                    .is_some_and(|d| vigie_core::forms::readable::names_a_question(d, reason))
            }),
            _ => false,
        })
    };
    view! {
        <li class="record" class:rec-ok=delivered class:rec-bad=rejected data-id=id.to_string()>
            <div class="rec-head">
                {if entry.is_discreet_receipt() {
                    view! {
                        <span class="rec-kind">{crate::views::tr(Msg::ReportSent)}</span>
                        <span class="rec-time">{crate::adapters::clock::utc_day(entry.envelope.created_at)}</span>
                    }.into_any()
                } else {
                    view! {
                        <strong class="rec-kind">{title}</strong>
                        <span class="rec-time">{time_label(entry.envelope.created_at)}</span>
                    }.into_any()
                }}
            </div>
            {(!entry.is_discreet_receipt()).then(meta_line)}
            {excerpt.map(|t| view! { <p class="rec-title">{t}</p> })}
            <p class="rec-state" data-testid="record-state">{move || state.t(label)}</p>
            {move || {
                let text = def.with_value(|d| detail(&st, state.lang.get(), d.as_ref()));
                text.map(|d| view! { <small class="rec-detail">{d}</small> })
            }}
            <Show when=move || rejected && meta.with_value(|e| e.envelope.form_id != "note")>
                <button class="btn-small" data-testid="correct" on:click=move |_| {
                    let entry = meta.get_value();
                    let navigate = navigate.get_value();
                    leptos::task::spawn_local(async move {
                        match forms.reopen(&entry).await {
                            Some(id) => navigate(&format!("/fill/{id}"), Default::default()),
                            None => {
                                let _ = state.storage_problem.try_set(Some(Msg::StorageWriteFailed));
                            }
                        }
                    });
                }>
                    {crate::views::tr(Msg::Correct)}
                </button>
            </Show>
            <Show when=move || rejected>
                <RecordActions id=id text=json.get_value() resend=!correctable() readable=answers.get_value() />
            </Show>
        </li>
    }
}

/// What a person can do with a record the server refused or that cannot be read: look at
/// it, save it as a file, send it again (a refused one), or delete it after confirming.
#[component]
fn RecordActions(
    id: uuid::Uuid,
    text: String,
    resend: bool,
    /// The answers with their questions, when the record's form is known.
    #[prop(default = None)]
    readable: Option<Vec<(String, String)>>,
) -> impl IntoView {
    let state = use_app_state();
    let outbox = use_outbox();
    let confirming = RwSignal::new(false);
    let showing = RwSignal::new(false);
    let text = StoredValue::new(text);
    let file = format!("vigie-{id}.json");
    view! {
        <div class="rec-actions">
            {resend.then(|| view! {
                <button class="btn-small" on:click=move |_| outbox.resend(id)>
                    {crate::views::tr(Msg::Resend)}
                </button>
            })}
            <button class="btn-small btn-secondary" on:click=move |_| showing.update(|s| *s = !*s)>
                {crate::views::tr(Msg::View)}
            </button>
            <button class="btn-small btn-secondary" on:click=move |_| download::save_text(&file, &text.get_value())>
                {crate::views::tr(Msg::Export)}
            </button>
            <Show
                when=move || confirming.get()
                fallback=move || view! {
                    <button class="btn-small btn-danger" on:click=move |_| confirming.set(true)>
                        {crate::views::tr(Msg::Delete)}
                    </button>
                }
            >
                <button class="btn-small btn-danger" on:click=move |_| {
                    leptos::task::spawn_local(async move {
                        if let Err(e) = outbox.delete(&id).await {
                            let _ = state.storage_problem.try_set(Some(e.user_message()));
                        }
                    });
                }>
                    {crate::views::tr(Msg::ConfirmDelete)}
                </button>
                <button class="btn-small btn-secondary" on:click=move |_| confirming.set(false)>
                    {crate::views::tr(Msg::Cancel)}
                </button>
            </Show>
        </div>
        <Show when=move || showing.get()>
            {match readable.clone() {
                Some(rows) => view! {
                    <dl class="rec-answers">
                        {rows.into_iter().map(|(q, a)| view! { <dt>{q}</dt><dd>{a}</dd> }).collect_view()}
                    </dl>
                }.into_any(),
                None => view! { <pre class="rec-json">{move || text.get_value()}</pre> }.into_any(),
            }}
        </Show>
    }
}

/// Rows a list shows at first and adds at each "Voir plus": a phone with a year of reports
/// renders a page, not thousands of rows.
pub const LIST_PAGE: usize = 50;

/// The first `shown` records of the phone's list: those still to send (newest first), then
/// the receipts (newest first). Tracked.
pub fn window(outbox: crate::sync::Outbox, shown: usize) -> Vec<OutboxEntry> {
    let pending = outbox
        .entries()
        .with(|e| e.iter().take(shown).cloned().collect::<Vec<_>>());
    let rest = shown - pending.len();
    let mut rows = pending;
    outbox
        .receipts()
        .with(|r| rows.extend(r.iter().take(rest).cloned()));
    rows
}

/// "Voir plus" under a windowed list, with how many of how many are shown; reads the next
/// receipts from storage when the ones read so far run out.
#[component]
pub fn MoreRows(shown: RwSignal<usize>) -> impl IntoView {
    let state = use_app_state();
    let outbox = use_outbox();
    let total = move || outbox.entries().with(Vec::len) + outbox.receipt_total().get();
    let more = move |_| {
        shown.update(|n| *n += LIST_PAGE);
        let loaded =
            outbox.entries().with_untracked(Vec::len) + outbox.receipts().with_untracked(Vec::len);
        if loaded < shown.get_untracked() {
            outbox.load_more_receipts();
        }
    };
    view! {
        <Show when=move || { total() > shown.get() }>
            <div class="more-rows">
                <span class="hint">
                    {move || {
                        state
                            .t(Msg::ShownOf)
                            .replace("{shown}", &shown.get().to_string())
                            .replace("{total}", &total().to_string())
                    }}
                </span>
                <button class="btn btn-secondary" data-testid="show-more" on:click=more>
                    {crate::views::tr(Msg::ShowMore)}
                </button>
            </div>
        </Show>
    }
}

/// The receipts compacted into counts, one line per month, newest first.
#[component]
pub fn MonthCounts() -> impl IntoView {
    let state = use_app_state();
    let outbox = use_outbox();
    view! {
        <Show when=move || !outbox.months().with(|m| m.is_empty())>
            <h2 class="older">{crate::views::tr(Msg::OlderReceipts)}</h2>
            <ul class="month-counts" data-testid="month-counts">
                {move || {
                    let lang = state.lang.get();
                    outbox.months().with(|m| {
                        m.iter()
                            .rev()
                            .map(|(month, n)| {
                                let shown = month
                                    .split_once('-')
                                    .map_or_else(|| month.clone(), |(y, m)| format!("{m}/{y}"));
                                let msg = if *n == 1 { Msg::MonthSentOne } else { Msg::MonthSent };
                                let line = msg
                                    .text(lang)
                                    .replace("{month}", &shown)
                                    .replace("{n}", &n.to_string());
                                view! { <li>{line}</li> }
                            })
                            .collect_view()
                    })
                }}
            </ul>
        </Show>
    }
}
