//! The long list in pages, and the counts by month of what is no longer listed.

use leptos::prelude::*;

use crate::controllers::outbox::use_outbox;
use crate::state::use_app_state;
use vigie_core::i18n::Msg;
use vigie_core::outbox::OutboxEntry;

/// Rows a list shows at first and adds at each "Voir plus": a phone with a year of reports
/// renders a page, not thousands of rows.
pub const LIST_PAGE: usize = 50;

/// The first `shown` records of the phone's list: those still to send (newest first), then
/// the receipts (newest first). Tracked.
pub fn window(outbox: crate::controllers::outbox::Outbox, shown: usize) -> Vec<OutboxEntry> {
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
