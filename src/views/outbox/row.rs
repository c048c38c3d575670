//! One record of "Mes rapports": its state in words and what can be done with it.

use leptos::prelude::*;

use super::{detail, form_title, level_and_place, record_def, state_label, time_label};
use crate::browser::download;
use crate::controllers::outbox::use_outbox;
use crate::state::use_app_state;
use vigie_core::forms::readable;
use vigie_core::i18n::Msg;
use vigie_core::outbox::state::DeliveryState;
use vigie_core::outbox::OutboxEntry;

#[component]
pub(super) fn RecordRow(entry: OutboxEntry) -> impl IntoView {
    let state = use_app_state();
    let case_news = crate::controllers::case_news::use_case_news();
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
    let forms = crate::controllers::forms::use_forms();
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
                        <span class="rec-time">{crate::browser::clock::utc_day(entry.envelope.created_at)}</span>
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
            {move || delivered.then(|| case_news.and_then(|b| b.of(&id.to_string()))).flatten().map(|n| {
                let when = time_label(n.at);
                view! { <p class="rec-news" data-testid="case-news">{move || n.line(state.lang.get(), &when)}</p> }
            })}
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
pub(super) fn RecordActions(
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
