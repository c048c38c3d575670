//! The action plans on this phone: kept in IndexedDB (every edit on disk before the screen
//! says so), synced with the backend when there is a network, merged by the core.
//!
//! Every read-modify-write of a stored plan runs under one Web Lock
//! ([`crate::stores::plans::update`]), so an edit and a sync answer arriving together
//! (or two tabs) never overwrite each other; the network part of a sync runs outside it,
//! under a second lock that lets one sync run at a time.

use leptos::prelude::*;
use uuid::Uuid;

use crate::browser::clock::{now_ms, today};
use crate::browser::{connectivity, locks};
use crate::controllers::outbox::Outbox;
pub use crate::stores::plans::PlanEditError;
use crate::stores::plans::{read_all, update};
use vigie_core::plans::sync::{
    after_put, current_request, interpret_put, list_request, put_request, read_current, read_list,
    PlanCopy, PlanState, PutOutcome,
};
use vigie_core::plans::{Plan, PlanError, PlanKind, HEADER};

/// Held for a whole sync.
const SYNC_LOCK: &str = "vigie-plans-sync";
/// Sends of one plan in one sync (each `409` merges and sends again).
const MAX_ROUNDS: usize = 4;
/// Wait before trying again after a failed send.
const RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(30);

/// The plans and their sync, for the views.
#[derive(Clone, Copy)]
pub struct Plans {
    copies: RwSignal<Vec<PlanCopy>>,
    loaded: RwSignal<bool>,
    syncing: RwSignal<bool>,
    list_problem: RwSignal<Option<String>>,
    /// Asked to sync while a sync ran.
    again: StoredValue<bool>,
    outbox: Outbox,
}

impl Plans {
    /// Loads the plans, installs the sync triggers, provides the context.
    pub fn provide(outbox: Outbox) -> Plans {
        let plans = Plans {
            copies: RwSignal::new(Vec::new()),
            loaded: RwSignal::new(false),
            syncing: RwSignal::new(false),
            list_problem: RwSignal::new(None),
            again: StoredValue::new(false),
            outbox,
        };
        leptos::task::spawn_local(async move {
            plans.reload().await;
            plans.loaded.set(true);
            plans.sync_soon();
        });
        // New settings (a coordinator's link, another backend): sync with them at once.
        let backend = Memo::new(move |_| outbox.settings().with(|s| s.backend.clone()));
        Effect::new(move |_| {
            backend.track();
            plans.sync_soon();
        });
        let _ = window_event_listener(leptos::ev::online, move |_| plans.sync_soon());
        let _ = window_event_listener(leptos::ev::visibilitychange, move |_| {
            if connectivity::is_visible() {
                plans.sync_soon();
            }
        });
        provide_context(plans);
        plans
    }

    /// Every plan on this phone, by name.
    pub fn copies(&self) -> ReadSignal<Vec<PlanCopy>> {
        self.copies.read_only()
    }

    /// Whether the stored plans have been read.
    pub fn loaded(&self) -> ReadSignal<bool> {
        self.loaded.read_only()
    }

    /// Whether a sync runs.
    pub fn syncing(&self) -> ReadSignal<bool> {
        self.syncing.read_only()
    }

    /// Why the last listing from the backend failed, if it did.
    pub fn list_problem(&self) -> ReadSignal<Option<String>> {
        self.list_problem.read_only()
    }

    async fn reload(&self) {
        match read_all().await {
            Ok(mut all) => {
                // Unstable sorts with a full key: smaller in the wasm than stable ones.
                all.sort_unstable_by_key(|c| {
                    let name = c.mine.header("name").as_str().unwrap_or("").to_lowercase();
                    (name, c.mine.id)
                });
                let _ = self.copies.try_set(all);
            }
            Err(e) => leptos::logging::warn!("plans: {e}"),
        }
    }

    fn show(&self, copy: PlanCopy) {
        let _ = self.copies.try_update(|list| {
            match list.iter_mut().find(|c| c.mine.id == copy.mine.id) {
                Some(c) => *c = copy,
                None => list.push(copy),
            }
        });
    }

    /// Creates a plan on this phone (saved before it returns).
    pub async fn create(
        &self,
        kind: PlanKind,
        commune: &str,
        name: &str,
    ) -> Result<Uuid, PlanEditError> {
        let id = Uuid::new_v4();
        let settings = self.outbox.settings().get_untracked();
        let device = settings.device_id;
        let mut plan = Plan::new(id, kind, commune.trim());
        plan.note_editor(&device, &settings.author.name);
        plan.set(
            HEADER.0,
            HEADER.1,
            "name",
            serde_json::Value::String(name.trim().to_owned()),
            now_ms(),
            &device,
        )?;
        let copy = PlanCopy::new(plan, now_ms());
        let stored = update(id, Some(copy), |_| Ok(())).await?;
        self.show(stored);
        self.sync_soon();
        Ok(id)
    }

    /// Applies `edit` to plan `id` (with this phone's id and the time) and saves it; `Ok`
    /// only once it is on disk.
    pub async fn edit(
        &self,
        id: Uuid,
        edit: impl FnOnce(&mut Plan, i64, &str) -> Result<(), PlanError> + 'static,
    ) -> Result<(), PlanEditError> {
        self.edit_forgetting(id, None, edit).await
    }

    /// [`Plans::edit`], also dropping the editor's unsaved text under `forget` in the same
    /// write.
    pub async fn edit_forgetting(
        &self,
        id: Uuid,
        forget: Option<String>,
        edit: impl FnOnce(&mut Plan, i64, &str) -> Result<(), PlanError> + 'static,
    ) -> Result<(), PlanEditError> {
        let settings = self.outbox.settings().get_untracked();
        let (device, name) = (settings.device_id, settings.author.name);
        let change = move |copy: &mut vigie_core::plans::sync::PlanCopy| {
            edit(&mut copy.mine, now_ms(), &device)?;
            // Named, so that a version to review says whose it is.
            copy.mine.note_editor(&device, &name);
            copy.edited_at = now_ms();
            Ok(())
        };
        let stored = crate::stores::plans::update_forgetting(id, None, change, forget).await?;
        self.show(stored);
        self.sync_soon();
        Ok(())
    }

    /// Starts a sync unless one runs or there is nowhere to sync to.
    pub fn sync_soon(&self) {
        if self.syncing.get_untracked() {
            // An edit or a reconnection during a sync: one more sync right after it, or
            // the change would wait for the next trigger.
            self.again.set_value(true);
            return;
        }
        if !self.loaded.get_untracked() {
            return;
        }
        let settings = self.outbox.settings().get_untracked();
        if list_request(&settings.backend, None).is_none() || !connectivity::is_online() {
            return;
        }
        self.syncing.set(true);
        let this = *self;
        leptos::task::spawn_local(async move {
            let ran =
                locks::run_exclusive(SYNC_LOCK, move || async move { this.sync().await }).await;
            if let Err(e) = ran {
                leptos::logging::warn!("plans sync lock: {e}");
            }
            this.reload().await;
            let _ = this.syncing.try_set(false);
            if this.again.try_get_value() == Some(true) {
                this.again.set_value(false);
                this.sync_soon();
                return;
            }
            // A server error or a dropped link: try again in a while, as the outbox does.
            let waiting = this.copies.try_with_untracked(|l| {
                l.iter().any(|c| matches!(c.state, PlanState::Retry { .. }))
            });
            if waiting == Some(true) {
                set_timeout(move || this.sync_soon(), RETRY_AFTER);
            }
        });
    }

    async fn sync(&self) {
        let settings = self.outbox.settings().get_untracked();
        let timeout = 30_000;
        // 1. What the server has: merged into the copies here (new plans are added).
        if let Some(req) = list_request(&settings.backend, None) {
            match read_list(&crate::browser::http::fetch(req, timeout).await) {
                Ok((revisions, refused)) => {
                    for r in refused {
                        leptos::logging::warn!("plan refused: {r}");
                    }
                    for rev in revisions {
                        let id = rev.plan.id;
                        let fresh = PlanCopy::from_server(rev.clone());
                        let result = update(id, Some(fresh), move |c| {
                            c.take_in_listed(rev);
                            Ok(())
                        })
                        .await;
                        if let Err(e) = result {
                            leptos::logging::warn!("plan {id}: {e}");
                        }
                    }
                    let _ = self.list_problem.try_set(None);
                }
                Err(e) => {
                    let _ = self.list_problem.try_set(Some(e));
                }
            }
        }
        // 2. Edits made here: sent, merged on 409 and sent again.
        let Ok(all) = read_all().await else { return };
        for copy in all.into_iter().filter(PlanCopy::has_changes) {
            if matches!(
                copy.state,
                PlanState::NeedsAuth | PlanState::Rejected { .. }
            ) {
                continue;
            }
            let id = copy.mine.id;
            let mut current = copy;
            for _ in 0..MAX_ROUNDS {
                let sent = current.mine.clone();
                let Some(req) = put_request(
                    &settings.backend,
                    &current,
                    &settings.device_id,
                    &settings.author,
                ) else {
                    break;
                };
                let fetch = crate::browser::http::fetch;
                let mut outcome = interpret_put(&settings.backend, id, &fetch(req, timeout).await);
                if outcome == PutOutcome::FetchCurrent {
                    // CouchDB said "conflict" without the current document: fetch it.
                    outcome = match current_request(&settings.backend, id) {
                        Some(req) => read_current(id, &fetch(req, timeout).await),
                        None => PutOutcome::Retry("no way to read the current plan".into()),
                    };
                }
                let stored = update(id, None, move |c| {
                    after_put(c, &sent, outcome);
                    Ok(())
                })
                .await;
                let again = match stored {
                    // Merged with a newer revision, or edited meanwhile: send again.
                    Ok(c) => {
                        let again = c.has_changes() && c.state == PlanState::Idle;
                        current = c;
                        again
                    }
                    Err(e) => {
                        leptos::logging::warn!("plan {id}: {e}");
                        false
                    }
                };
                if !again {
                    break;
                }
            }
        }
    }

    /// This installation's id (who made an edit).
    pub fn device_id(&self) -> String {
        self.outbox.settings().get_untracked().device_id
    }

    /// Today, for the derived figures.
    pub fn today(&self) -> String {
        today()
    }
}

/// The plans from context.
pub fn use_plans() -> Plans {
    expect_context::<Plans>()
}
