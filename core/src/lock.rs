//! The optional PIN lock for shared phones: what a PIN may be, when the app locks again,
//! what wrong PINs lead to, and which parts of a stored record are sealed. The sealing
//! itself (PBKDF2 then AES-GCM) is the browser's WebCrypto, in the app's `vault` adapter;
//! this module is the policy, testable on the host.
//!
//! What is sealed: a draft as a whole, and a queued record's answers and author (the
//! envelope's other fields — id, form, dates, delivery state — stay readable so that the
//! outbox can be counted and a locked record is never sent by the service worker).
//! Receipts keep no answers and are not sealed.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

use crate::i18n::Msg;
use crate::record::{Author, Millis};

/// Shortest new PIN: a million PINs to try, not ten thousand.
pub const MIN_NEW_LEN: usize = 6;
/// Shortest PIN that still unlocks (PINs set by earlier builds had 4 digits or more).
pub const MIN_LEN: usize = 4;
/// Longest PIN.
pub const MAX_LEN: usize = 8;
/// Wrong PINs in a row after which erasing the phone's data is offered.
pub const MAX_ATTEMPTS: u32 = 5;
/// Time in the background after which the PIN is asked again.
pub const RELOCK_AFTER_MS: Millis = 3 * 60_000;
/// PBKDF2-SHA-256 rounds for a new PIN: under a second on a cheap phone, once per unlock,
/// and four times the cost per guess of the 150,000 earlier builds used (locks keep the
/// count they were made with). WebCrypto offers no memory-hard derivation.
pub const KDF_ITERATIONS: u32 = 600_000;
/// Salt length in bytes.
pub const SALT_LEN: usize = 16;
/// The text sealed with the key when the PIN is set: opening it proves a PIN right.
pub const CHECK_TEXT: &str = "vigie-pin-v1";

/// The stored lock (localStorage `vigie/lock`): never the PIN nor the key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockConfig {
    /// PBKDF2 salt, base64.
    pub salt: String,
    /// PBKDF2 rounds.
    pub iterations: u32,
    /// [`CHECK_TEXT`] sealed with the key.
    pub check: String,
    /// Wrong PINs in a row so far (kept across restarts).
    #[serde(default)]
    pub failed: u32,
    /// The phone's own secret joined to the PIN, when the browser offered one: the id
    /// (base64) of a WebAuthn credential whose PRF output, for [`device_input`] of the
    /// salt, is mixed into the key ([`combine`]). Without the phone's authenticator (a copy
    /// of the profile's files), the PIN alone opens nothing and cannot be guessed offline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

/// Length of the key material: the PIN's PBKDF2 bits and the device's PRF output alike.
pub const KEY_LEN: usize = 32;

/// What the device's authenticator is asked to compute its PRF on for a lock with `salt`
/// (its raw bytes): a fixed context then the salt, so the output belongs to this lock.
pub fn device_input(salt: &[u8]) -> Vec<u8> {
    let mut input = b"vigie-lock-device-v1".to_vec();
    input.extend_from_slice(salt);
    input
}

/// Why the PIN's bits and the device's secret cannot be joined.
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
#[error("key material of {0} bytes, not 32")]
pub struct KeyMaterialError(pub usize);

/// The AES key of a lock with a device secret: the PIN's PBKDF2 bits XOR the device's PRF
/// output. Each is 32 bytes; the PRF output is uniform and secret to anyone without the
/// authenticator, so the result is too, whatever they know of the PIN.
pub fn combine(pin_bits: &[u8], device: &[u8]) -> Result<Vec<u8>, KeyMaterialError> {
    for part in [pin_bits, device] {
        if part.len() != KEY_LEN {
            return Err(KeyMaterialError(part.len()));
        }
    }
    Ok(pin_bits.iter().zip(device).map(|(a, b)| a ^ b).collect())
}

/// Why a new PIN is refused.
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
pub enum PinError {
    /// Not 6 to 8 digits.
    #[error("a new PIN is 6 to 8 digits")]
    Shape,
    /// The confirmation differs.
    #[error("the two PINs differ")]
    Mismatch,
}

impl PinError {
    /// What to tell the user.
    pub fn user_message(self) -> Msg {
        match self {
            PinError::Shape => Msg::PinShape,
            PinError::Mismatch => Msg::PinMismatch,
        }
    }
}

fn digits(pin: &str, min: usize) -> bool {
    (min..=MAX_LEN).contains(&pin.chars().count()) && pin.chars().all(|c| c.is_ascii_digit())
}

/// Whether `given` may be a PIN at all (4 to 8 digits, as earlier builds allowed): what
/// is not is a slip on the PIN screen, not a wrong PIN.
pub fn may_be_pin(given: &str) -> bool {
    digits(given, MIN_LEN)
}

/// Checks a new PIN and its confirmation.
pub fn check_new_pin(pin: &str, again: &str) -> Result<(), PinError> {
    if !digits(pin, MIN_NEW_LEN) {
        return Err(PinError::Shape);
    }
    if pin != again {
        return Err(PinError::Mismatch);
    }
    Ok(())
}

/// What a wrong PIN leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterWrong {
    /// Try again; this many tries are left before erasing is offered.
    TryAgain(u32),
    /// Too many: offer to erase this phone's data (after saying what is unsent).
    OfferErase,
}

impl LockConfig {
    /// Counts one more wrong PIN.
    pub fn wrong(&mut self) -> AfterWrong {
        self.failed = self.failed.saturating_add(1);
        self.after_wrong()
    }

    /// Where the count of wrong PINs stands.
    pub fn after_wrong(&self) -> AfterWrong {
        if self.failed >= MAX_ATTEMPTS {
            AfterWrong::OfferErase
        } else {
            AfterWrong::TryAgain(MAX_ATTEMPTS - self.failed)
        }
    }
}

/// Whether coming back after being hidden since `hidden_at` asks for the PIN again. A
/// clock that went backwards locks too: the time away is unknown.
pub fn relock_due(hidden_at: Option<Millis>, now: Millis) -> bool {
    match hidden_at {
        Some(at) => now < at || now - at >= RELOCK_AFTER_MS,
        None => false,
    }
}

/// A queued record's secret parts, sealed together as one JSON text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Secret {
    /// The answers.
    pub payload: Value,
    /// Who filled it in, as stored (an earlier schema's plain name included: it is
    /// upgraded when the record is read, not here).
    #[serde(default)]
    pub author: Value,
}

/// The JSON member of a stored entry that holds its sealed parts.
pub const SEALED: &str = "sealed";

/// The JSON member that says which key sealed a stored entry: [`ROW_SEAL`] for the
/// entry's own key (absent: the PIN's key).
pub const SEAL_KIND: &str = "seal";
/// [`SEAL_KIND`]'s value for an entry sealed with its own key.
pub const ROW_SEAL: &str = "row";

/// Whether a stored entry is sealed with its own key.
pub fn is_row_sealed(stored: &Value) -> bool {
    stored.get(SEAL_KIND).and_then(Value::as_str) == Some(ROW_SEAL)
}

/// Whether stored text may hold sealed parts: the [`SEALED`] member's name, quoted, appears
/// in it. Cheap, and never false for a sealed value; most stored values are not sealed, and
/// this spares parsing them.
pub fn may_be_sealed(text: &str) -> bool {
    text.contains(&format!("\"{SEALED}\""))
}

/// Takes the secret parts out of a stored record's JSON (`{"envelope": …}`): returns
/// them, leaving a null payload and an empty author in their place.
pub fn take_secret(stored: &mut Value) -> Option<Secret> {
    let envelope = stored.get_mut("envelope")?.as_object_mut()?;
    let payload = envelope.insert("payload".into(), Value::Null)?;
    let author = envelope
        .insert(
            "author".into(),
            serde_json::to_value(Author::default()).ok()?,
        )
        .unwrap_or(Value::Null);
    Some(Secret { payload, author })
}

/// Puts opened secret parts back into a stored record's JSON.
pub fn put_secret(stored: &mut Value, secret: Secret) {
    if let Some(obj) = stored.as_object_mut() {
        obj.remove(SEALED);
        obj.remove(SEAL_KIND);
    }
    if let Some(envelope) = stored.get_mut("envelope").and_then(Value::as_object_mut) {
        envelope.insert("payload".into(), secret.payload);
        if secret.author.is_null() {
            envelope.remove("author");
        } else {
            envelope.insert("author".into(), secret.author);
        }
    }
}

/// The sealed text of a stored value, if it is sealed.
pub fn sealed_text(stored: &Value) -> Option<&str> {
    stored.get(SEALED).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_lock_without_a_device_reads_as_before_and_one_with_keeps_it() {
        let old = r#"{"salt":"c2FsdA==","iterations":150000,"check":"x","failed":2}"#;
        let config: LockConfig = serde_json::from_str(old).unwrap();
        assert_eq!(config.device, None);
        // Written back, a lock without a device has no `device` key: an earlier build
        // reading it sees what it wrote.
        assert!(!serde_json::to_string(&config).unwrap().contains("device"));
        let with = LockConfig {
            device: Some("Y3JlZA".into()),
            ..config
        };
        let again: LockConfig =
            serde_json::from_str(&serde_json::to_string(&with).unwrap()).unwrap();
        assert_eq!(again, with);
    }

    #[test]
    fn the_device_secret_changes_every_bit_it_is_not_zero_at() {
        let pin = [0x5a_u8; KEY_LEN];
        let zero = [0_u8; KEY_LEN];
        assert_eq!(combine(&pin, &zero).unwrap(), pin.to_vec());
        let mut device = [0_u8; KEY_LEN];
        device[0] = 0xff;
        device[31] = 0x01;
        let key = combine(&pin, &device).unwrap();
        assert_eq!(key[0], 0xa5);
        assert_eq!(key[31], 0x5b);
        assert_eq!(&key[1..31], &pin[1..31]);
        // Another device (or none) gives another key from the same PIN.
        assert_ne!(combine(&pin, &[1_u8; KEY_LEN]).unwrap(), key);
        assert_eq!(combine(&pin, &[0_u8; 16]), Err(KeyMaterialError(16)));
        assert_eq!(combine(&[], &device), Err(KeyMaterialError(0)));
    }

    #[test]
    fn the_device_is_asked_for_this_lock_only() {
        let a = device_input(b"salt-one-16bytes");
        let b = device_input(b"salt-two-16bytes");
        assert_ne!(a, b);
        assert!(a.starts_with(b"vigie-lock-device-v1") && a.ends_with(b"salt-one-16bytes"));
    }

    #[test]
    fn a_sealed_value_is_told_from_its_text() {
        let sealed = json!({"envelope": {"id": "x"}, SEALED: "…"}).to_string();
        assert!(may_be_sealed(&sealed));
        assert!(!may_be_sealed(
            r#"{"envelope":{"payload":{"texte":"unsealed note"}}}"#
        ));
        assert!(!may_be_sealed("sealed"));
    }

    #[test]
    fn a_new_pin_is_six_to_eight_digits_typed_twice_the_same() {
        assert_eq!(check_new_pin("258013", "258013"), Ok(()));
        assert_eq!(check_new_pin("12345678", "12345678"), Ok(()));
        assert_eq!(check_new_pin("1234", "1234"), Err(PinError::Shape));
        assert_eq!(check_new_pin("12345", "12345"), Err(PinError::Shape));
        // An earlier build's 4-digit PIN still unlocks.
        assert!(may_be_pin("0042") && !may_be_pin("004") && !may_be_pin("00a2"));
        assert_eq!(check_new_pin("123", "123"), Err(PinError::Shape));
        assert_eq!(
            check_new_pin("123456789", "123456789"),
            Err(PinError::Shape)
        );
        assert_eq!(check_new_pin("12a4", "12a4"), Err(PinError::Shape));
        assert_eq!(
            check_new_pin("١٢٣٤", "١٢٣٤"),
            Err(PinError::Shape),
            "ASCII digits only"
        );
        assert_eq!(check_new_pin("123456", "123465"), Err(PinError::Mismatch));
        assert_eq!(PinError::Mismatch.user_message(), Msg::PinMismatch);
    }

    #[test]
    fn five_wrong_pins_offer_erasing_and_the_count_survives_a_restart() {
        let mut config = LockConfig {
            salt: "c2Fs".into(),
            iterations: KDF_ITERATIONS,
            check: "x".into(),
            failed: 0,
            device: None,
        };
        for left in (1..MAX_ATTEMPTS).rev() {
            assert_eq!(config.wrong(), AfterWrong::TryAgain(left));
        }
        assert_eq!(config.wrong(), AfterWrong::OfferErase);
        let text = serde_json::to_string(&config).unwrap();
        let back: LockConfig = serde_json::from_str(&text).unwrap();
        assert_eq!(back.after_wrong(), AfterWrong::OfferErase);
        assert_eq!(config.wrong(), AfterWrong::OfferErase, "and stays so");
    }

    #[test]
    fn the_pin_is_asked_again_after_three_minutes_away_or_a_clock_jump_back() {
        let t = 1_000_000;
        assert!(!relock_due(None, t));
        assert!(!relock_due(Some(t), t + RELOCK_AFTER_MS - 1));
        assert!(relock_due(Some(t), t + RELOCK_AFTER_MS));
        assert!(relock_due(Some(t), t - 1));
    }

    #[test]
    fn the_secret_parts_leave_and_come_back_whole() {
        let original = json!({
            "envelope": {
                "id": "0b9c", "form_id": "incident", "created_at": 5,
                "author": {"name": "Awa Traoré", "role": "observatrice"},
                "payload": {"narrative": "Une femme agressée près du marché"}
            },
            "state": {"state": "queued"}
        });
        let mut stored = original.clone();
        let secret = take_secret(&mut stored).expect("secret");
        let plain = stored.to_string();
        assert!(
            !plain.contains("Awa") && !plain.contains("agressée"),
            "{plain}"
        );
        assert_eq!(stored["envelope"]["form_id"], "incident");
        assert_eq!(secret.author["name"], "Awa Traoré");
        stored[SEALED] = json!("…");
        assert_eq!(sealed_text(&stored), Some("…"));
        put_secret(&mut stored, secret);
        assert_eq!(stored, original);
        assert_eq!(take_secret(&mut json!({"state": 1})), None, "not a record");
    }
}
