//! Delivered records' receipts over time: the phone keeps each one (what "Mes rapports"
//! shows) for a while, then only a count per month, so that a year of reports does not
//! make every start and every list pay for thousands of entries.

use std::collections::BTreeMap;

use super::OutboxEntry;
use crate::record::Millis;

/// How long a receipt is kept whole when the deployment does not say (days).
pub const DEFAULT_KEEP_DAYS: u32 = 90;

/// Receipts counted per month, `"YYYY-MM"` (UTC, Mali's time) → number of records.
pub type MonthCounts = BTreeMap<String, u32>;

const DAY_MS: Millis = 86_400_000;

/// The instant before which receipts are compacted, `keep_days` before `now`.
pub fn cutoff(now: Millis, keep_days: u32) -> Millis {
    now.saturating_sub(Millis::from(keep_days).saturating_mul(DAY_MS))
}

/// `(year, month)` of the UTC day holding `ms` (the proleptic Gregorian calendar).
pub fn year_month(ms: Millis) -> (i64, u32) {
    // Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
    let z = ms.div_euclid(DAY_MS) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month as u32)
}

/// The month key of `ms` (`"2026-08"`).
pub fn month_key(ms: Millis) -> String {
    let (y, m) = year_month(ms);
    format!("{y:04}-{m:02}")
}

/// Adds `entries` (receipts about to be removed) to `counts`. Only delivered records
/// count: anything else is refused, so a caller's mistake can never turn a record that
/// is not at the backend into a number.
pub fn tally<'a>(counts: &mut MonthCounts, entries: impl IntoIterator<Item = &'a OutboxEntry>) {
    for e in entries {
        if matches!(e.state, super::state::DeliveryState::Delivered(_)) {
            *counts.entry(month_key(e.envelope.created_at)).or_default() += 1;
        }
    }
}

/// Reads stored counts; damaged text gives none (they are only figures, the records
/// themselves are at the backend).
pub fn parse_counts(text: Option<&str>) -> MonthCounts {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::state::{Event, Receipt};
    use crate::record::{Author, Envelope};
    use serde_json::json;
    use uuid::Uuid;

    fn entry(n: u128, at: Millis, delivered: bool) -> OutboxEntry {
        let mut e = OutboxEntry::queued(Envelope::new(
            Uuid::from_u128(n),
            "note",
            ("note", "1"),
            at,
            "d",
            Author::default(),
            json!({"texte": "x"}),
        ));
        if delivered {
            let p = crate::outbox::policy::RetryPolicy::default();
            e.apply(&Event::SendStarted, &p);
            e.apply(
                &Event::Acknowledged(Receipt {
                    at,
                    status: 201,
                    server: String::new(),
                }),
                &p,
            );
        }
        e
    }

    #[test]
    fn months_are_utc_calendar_months() {
        assert_eq!(month_key(0), "1970-01");
        // 2026-11-23 16:37:05 UTC.
        assert_eq!(month_key(1_795_451_825_000), "2026-11");
        // 2024-02-29 23:59:59.999 and the next millisecond.
        assert_eq!(month_key(1_709_251_199_999), "2024-02");
        assert_eq!(month_key(1_709_251_200_000), "2024-03");
        // 2025-12-31 23:59:59.999 and 2026-01-01.
        assert_eq!(month_key(1_767_225_599_999), "2025-12");
        assert_eq!(month_key(1_767_225_600_000), "2026-01");
        assert_eq!(month_key(-1), "1969-12");
    }

    #[test]
    fn only_delivered_records_are_counted() {
        let aug = 1_785_500_000_000; // 2026-07-31
        let mut counts = MonthCounts::new();
        counts.insert("2026-07".into(), 2);
        let list = [
            entry(1, aug, true),
            entry(2, aug, false),
            entry(3, aug + 5 * DAY_MS, true),
        ];
        tally(&mut counts, &list);
        assert_eq!(counts.get("2026-07"), Some(&3), "added to what was there");
        assert_eq!(counts.get("2026-08"), Some(&1));
        assert_eq!(
            counts.values().sum::<u32>(),
            4,
            "the queued one is not a number"
        );
    }

    #[test]
    fn the_cutoff_is_the_kept_days_before_now() {
        assert_eq!(cutoff(100 * DAY_MS, 90), 10 * DAY_MS);
        assert_eq!(cutoff(5, u32::MAX), 5 - Millis::from(u32::MAX) * DAY_MS);
        assert!(parse_counts(Some("{not json")).is_empty());
        let stored = serde_json::to_string(&MonthCounts::from([("2026-01".into(), 4)])).unwrap();
        assert_eq!(parse_counts(Some(&stored))["2026-01"], 4);
    }
}
