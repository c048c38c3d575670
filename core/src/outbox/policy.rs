//! Retry timing: exponential backoff with full jitter, capped, never expiring.

use crate::record::Millis;

/// How long to wait before the next attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Delay ceiling of the first retry, in ms.
    pub base_ms: u64,
    /// Largest delay, in ms (~5 min: a phone that regains signal should not wait long).
    pub cap_ms: u64,
    /// Largest Retry-After we honour, in ms; a server asking for a day is not obeyed blindly.
    pub max_retry_after_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base_ms: 2_000,
            cap_ms: 300_000,
            max_retry_after_ms: 3_600_000,
        }
    }
}

impl RetryPolicy {
    /// The longest any record may wait: the backoff cap or the largest Retry-After honoured.
    pub fn longest_wait_ms(&self) -> Millis {
        self.cap_ms.max(self.max_retry_after_ms) as Millis
    }

    /// Delay before attempt number `attempts + 1`, given a uniform draw `jitter` in [0, 1)
    /// and the server's Retry-After if any. Full jitter: uniform in [0, ceiling].
    pub fn delay_ms(&self, attempts: u32, jitter: f64, retry_after_ms: Option<u64>) -> u64 {
        let exp = attempts.saturating_sub(1).min(32);
        let ceiling = self.base_ms.saturating_mul(1u64 << exp).min(self.cap_ms);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            1.0
        };
        let drawn = (ceiling as f64 * jitter) as u64;
        match retry_after_ms {
            Some(server) => drawn.max(server.min(self.max_retry_after_ms)),
            None => drawn,
        }
    }
}

/// Parses a Retry-After value: delay-seconds only (HTTP-dates are rare from APIs and need
/// a trustworthy clock, which phones do not have).
pub fn parse_retry_after(value: &str) -> Option<u64> {
    // delay-seconds is 1*DIGIT (RFC 9110): no sign, no fraction.
    let t = value.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse::<u64>().ok().map(|s| s.saturating_mul(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_doubles_then_caps() {
        let p = RetryPolicy::default();
        let ceilings: Vec<u64> = (1..=10).map(|n| p.delay_ms(n, 1.0, None)).collect();
        assert_eq!(ceilings[..4], [2_000, 4_000, 8_000, 16_000]);
        assert_eq!(ceilings[9], 300_000);
        assert_eq!(p.delay_ms(1_000_000, 1.0, None), 300_000);
    }

    #[test]
    fn full_jitter_spans_zero_to_ceiling() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay_ms(3, 0.0, None), 0);
        assert_eq!(p.delay_ms(3, 0.5, None), 4_000);
        assert_eq!(p.delay_ms(3, f64::NAN, None), 8_000);
    }

    #[test]
    fn retry_after_is_honoured_within_reason() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay_ms(1, 0.0, Some(30_000)), 30_000);
        assert_eq!(p.delay_ms(1, 0.0, Some(86_400_000)), 3_600_000);
        assert_eq!(parse_retry_after(" 120 "), Some(120_000));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("+30"), None);
        assert_eq!(parse_retry_after("1.5"), None);
    }
}
