//! Every storage key Vigie writes, in one table. A key either names one value or is the
//! prefix of a family (one value per record or draft); no key lies inside another's family,
//! so listing a family never picks up an unrelated value (a lock lease read as a record,
//! a lease change taken for an outbox change by other tabs).

use uuid::Uuid;

/// Every key starts with this, so Vigie never collides with another app on the origin.
pub const KEY_PREFIX: &str = "vigie";

/// The user's preferences (language). Also read, before the wasm, by `boot/first-screen.js`.
pub const PREFS: &str = "vigie/prefs";
/// Connection settings (backend, identity).
pub const SETTINGS: &str = "vigie/settings";
/// Written and removed at start to check that storage is writable.
pub const PROBE: &str = "vigie/probe";
/// Form definitions fetched from the backend.
pub const FORMS_CACHE: &str = "vigie/forms/cache";
/// The place of the user's last record (region, cercle, commune), offered in new forms.
pub const USUAL_PLACE: &str = "vigie/usual-place";
/// Set once the first-run welcome was completed or put off. Also read, before the wasm, by
/// `boot/first-screen.js`.
pub const WELCOMED: &str = "vigie/welcomed";
/// The referral directory last received from the backend.
pub const REFERRALS: &str = "vigie/referrals";
/// Where the cases of the phone's sent alerts stand, as the receiver last said.
pub const CASE_NEWS: &str = "vigie/case-news";
/// The interface translation last received from the backend (its JSON text).
pub const TRANSLATION: &str = "vigie/translation";
/// The PIN lock, if one is set (see [`crate::lock::LockConfig`]).
pub const LOCK: &str = "vigie/lock";
/// The flush lease of browsers without Web Locks.
pub const FLUSH_LEASE: &str = "vigie/lease/outbox-flush";
/// The list of outbox record ids (local-storage outbox).
pub const OUTBOX_INDEX: &str = "vigie/outbox-index";
/// One outbox record per key (local-storage outbox).
pub const OUTBOX_RECORD_PREFIX: &str = "vigie/outbox/";
/// One draft per key.
pub const DRAFT_PREFIX: &str = "vigie/drafts/";
/// What is typed in a plan item's editor and not saved yet, one per item (in IndexedDB's
/// `meta` store).
pub const PLAN_EDIT_PREFIX: &str = "vigie/plan-edit/";

/// How many times each durable key (see [`DURABLE`]) was written in `localStorage`.
pub const DURABLE_SEQ: &str = "vigie/durable-seq";
/// The durable copy of a `localStorage` key, one per key (in IndexedDB's `meta` store).
pub const DURABLE_COPY_PREFIX: &str = "vigie/durable/";

/// The `localStorage` keys that must survive a browser kill. Chromium writes
/// `localStorage` to disk a few seconds after the page does: a kill in between loses the
/// write, and a phone that forgot its backend, its PIN lock or its welcome stops sending
/// without a word. Each write of these is also copied to IndexedDB, which is on disk when
/// its transaction completes; the copy with the higher write count wins at start.
pub const DURABLE: [&str; 5] = [SETTINGS, LOCK, WELCOMED, USUAL_PLACE, PREFS];

/// Single keys, then family prefixes: the table the overlap test checks.
pub const SINGLE: [&str; 9] = [
    PREFS,
    SETTINGS,
    PROBE,
    FORMS_CACHE,
    USUAL_PLACE,
    FLUSH_LEASE,
    OUTBOX_INDEX,
    DURABLE_SEQ,
    CASE_NEWS,
];
/// Family prefixes.
pub const FAMILIES: [&str; 4] = [
    OUTBOX_RECORD_PREFIX,
    DRAFT_PREFIX,
    PLAN_EDIT_PREFIX,
    DURABLE_COPY_PREFIX,
];

/// The key of the durable copy of `key`.
pub fn durable_copy(key: &str) -> String {
    format!("{DURABLE_COPY_PREFIX}{key}")
}

/// What to do at start with a durable key, from the write count `local` that
/// `localStorage` remembers and the durable copy's, if there is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reconcile {
    /// Both agree.
    Nothing,
    /// `localStorage` lost writes (a browser kill): the copy goes back into it.
    TakeCopy,
    /// The copy is missing or older (a page left before its copy was written, or an older
    /// build): `localStorage` is copied again.
    WriteCopy,
}

/// See [`Reconcile`].
pub fn reconcile(local: u64, copy: Option<u64>) -> Reconcile {
    match copy {
        Some(c) if c > local => Reconcile::TakeCopy,
        Some(c) if c == local => Reconcile::Nothing,
        _ => Reconcile::WriteCopy,
    }
}

/// Key of outbox record `id`.
pub fn outbox_record(id: &Uuid) -> String {
    format!("{OUTBOX_RECORD_PREFIX}{id}")
}

/// Key of draft `id`.
pub fn draft(id: &Uuid) -> String {
    format!("{DRAFT_PREFIX}{id}")
}

/// Key of the unsaved editing of item `item` (`new`: an item being added) of list `list` of
/// plan `plan`.
pub fn plan_edit(plan: &Uuid, list: &str, item: &str) -> String {
    format!("{PLAN_EDIT_PREFIX}{plan}/{list}/{item}")
}

/// The id of an outbox record key, if it is one.
pub fn outbox_record_id(key: &str) -> Option<Uuid> {
    key.strip_prefix(OUTBOX_RECORD_PREFIX)
        .and_then(|s| Uuid::parse_str(s).ok())
}

/// The IndexedDB database the page and the service worker share (one per origin).
pub const IDB_NAME: &str = "vigie";
/// Its schema version; the page's upgrade brings older ones up to it.
pub const IDB_VERSION: u32 = 3;
/// Outbox records, by id.
pub const IDB_OUTBOX: &str = "outbox";
/// Drafts, by id.
pub const IDB_DRAFTS: &str = "drafts";
/// Small values by name: the settings mirror, migration marks, durable copies.
pub const IDB_META: &str = "meta";
/// Action plans on this phone, by plan id (since version 2).
pub const IDB_PLANS: &str = "plans";
/// Delivered records' receipts, newest first (since version 3).
pub const IDB_RECEIPTS: &str = "receipts";
/// Every store of the database.
pub const IDB_STORES: [&str; 5] = [IDB_OUTBOX, IDB_DRAFTS, IDB_META, IDB_PLANS, IDB_RECEIPTS];
/// The Web Lock the page and the service worker both take to flush or change states.
pub const FLUSH_LOCK: &str = "vigie-outbox-flush";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_do_not_overlap() {
        for key in SINGLE.iter().chain(&FAMILIES) {
            assert!(key.starts_with(&format!("{KEY_PREFIX}/")), "{key}");
        }
        for family in FAMILIES {
            for key in SINGLE {
                assert!(!key.starts_with(family), "{key} lies inside {family}");
            }
            for other in FAMILIES.iter().filter(|o| **o != family) {
                assert!(!other.starts_with(family), "{other} lies inside {family}");
            }
        }
        let mut all: Vec<&str> = SINGLE.iter().chain(&FAMILIES).copied().collect();
        all.sort();
        all.dedup();
        assert_eq!(
            all.len(),
            SINGLE.len() + FAMILIES.len(),
            "a key is listed twice"
        );
    }

    #[test]
    fn the_copy_with_more_writes_wins() {
        // Killed before localStorage reached the disk: it remembers fewer writes.
        assert_eq!(reconcile(3, Some(4)), Reconcile::TakeCopy);
        assert_eq!(reconcile(0, Some(1)), Reconcile::TakeCopy);
        assert_eq!(reconcile(4, Some(4)), Reconcile::Nothing);
        // Left before the copy was written, or a build that kept no copy.
        assert_eq!(reconcile(5, Some(4)), Reconcile::WriteCopy);
        assert_eq!(reconcile(0, None), Reconcile::WriteCopy);
        assert!(DURABLE
            .iter()
            .all(|k| SINGLE.contains(k) || *k == LOCK || *k == WELCOMED));
        assert!(durable_copy(SETTINGS).starts_with(DURABLE_COPY_PREFIX));
    }

    #[test]
    fn record_keys_round_trip() {
        let id = Uuid::from_u128(42);
        assert_eq!(outbox_record_id(&outbox_record(&id)), Some(id));
        assert_eq!(outbox_record_id(OUTBOX_INDEX), None);
        assert_eq!(outbox_record_id(FLUSH_LEASE), None);
        assert!(draft(&id).starts_with(DRAFT_PREFIX));
    }
}
