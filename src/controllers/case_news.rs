//! Where the cases of this phone's sent alerts stand (docs/PROTOCOL.md, "Case status"):
//! asked of the receiver when the list of reports is opened or a flush ends, and kept
//! for offline viewing. Only the generic-JSON receiver keeps cases.

use leptos::prelude::*;
use vigie_core::cases::news::{self, CaseNews};
use vigie_core::keys::CASE_NEWS;

use crate::controllers::outbox::Outbox;
use crate::stores::local::LocalStore;

/// The news known so far, provided as context.
#[derive(Clone, Copy)]
pub struct CaseNewsBoard {
    news: RwSignal<Vec<CaseNews>>,
    store: StoredValue<Option<LocalStore>>,
    outbox: Outbox,
}

/// The news in a kept answer (none if it is missing or unreadable).
fn kept(store: Option<LocalStore>) -> Vec<CaseNews> {
    store
        .and_then(|s| s.get::<serde_json::Value>(CASE_NEWS).ok().flatten())
        .and_then(|v| {
            v.as_array()
                .map(|a| a.iter().filter_map(CaseNews::from_json).collect())
        })
        .unwrap_or_default()
}

impl CaseNewsBoard {
    /// Reads the kept answer and provides the board.
    pub fn provide(store: Option<LocalStore>, outbox: Outbox) {
        provide_context(CaseNewsBoard {
            news: RwSignal::new(kept(store)),
            store: StoredValue::new(store),
            outbox,
        });
    }

    /// The news of record `id`, if its alert is in a case (tracked).
    pub fn of(&self, id: &str) -> Option<CaseNews> {
        self.news
            .with(|all| all.iter().find(|n| n.id == id).cloned())
    }

    /// Asks the receiver about the delivered records loaded (the newest first) and keeps
    /// what it says with what was known; a failed or garbled answer changes nothing.
    pub fn ask(&self) {
        let this = *self;
        let settings = self.outbox.settings().get_untracked();
        let ids: Vec<String> = self
            .outbox
            .receipts()
            .with_untracked(|r| r.iter().rev().map(|e| e.envelope.id.to_string()).collect());
        let Some(request) = news::request(&settings.backend, &settings.device_id, &ids) else {
            return;
        };
        if !crate::browser::connectivity::is_online() {
            return;
        }
        leptos::task::spawn_local(async move {
            let result = crate::browser::http::fetch(request, 30_000).await;
            match news::read(&result) {
                Ok(fresh) => {
                    let mut all = this.news.get_untracked();
                    all.retain(|n| !fresh.iter().any(|f| f.id == n.id));
                    all.extend(fresh);
                    // The most recent answers, bounded like a question.
                    let excess = all.len().saturating_sub(news::MAX_IDS);
                    all.drain(..excess);
                    if let Some(store) = this.store.get_value() {
                        let kept =
                            serde_json::Value::Array(all.iter().map(CaseNews::to_json).collect());
                        if let Err(e) = store.set_raw(CASE_NEWS, &kept.to_string()) {
                            leptos::logging::warn!("case news: {e}");
                        }
                    }
                    let _ = this.news.try_set(all);
                }
                Err(e) => leptos::logging::warn!("case news: {e}"),
            }
        });
    }
}

/// The board, from context.
pub fn use_case_news() -> Option<CaseNewsBoard> {
    use_context::<CaseNewsBoard>()
}
