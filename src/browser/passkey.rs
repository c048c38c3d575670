//! The phone's own secret for the PIN lock: a WebAuthn credential on the phone's platform
//! authenticator (its screen lock, fingerprint or face) and its PRF extension, which gives
//! 32 secret bytes for a given input and only after the person confirms on the phone. The
//! vault mixes them into the PIN's key (`vigie_core::lock::combine`), so the profile's
//! files alone, even with the PIN, open nothing.
//!
//! Nothing is sent anywhere: the credential is never checked by a server, its challenge is
//! random and thrown away. Called through `Reflect` (the few calls do not pay for web-sys's
//! WebAuthn bindings).

use base64::{engine::general_purpose::STANDARD, Engine as _};
use js_sys::{Array, Function, Promise, Reflect, Uint8Array};
use thiserror::Error;
use vigie_core::lock::KEY_LEN;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Why the phone's secret was not had.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum DeviceError {
    /// No WebAuthn here (an old browser, an address that is not a domain name).
    #[error("no device secret here: {0}")]
    Unavailable(String),
    /// The person did not confirm on the phone (cancelled, timed out, no screen lock).
    #[error("not confirmed on the phone: {0}")]
    NotConfirmed(String),
    /// The authenticator made a credential but gives no PRF output.
    #[error("the phone's authenticator gives no secret (PRF)")]
    NoPrf,
}

fn failed(e: JsValue) -> DeviceError {
    let text = super::js_text(&e);
    if text.starts_with("NotAllowedError") || text.starts_with("AbortError") {
        DeviceError::NotConfirmed(text)
    } else {
        DeviceError::Unavailable(text)
    }
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// Calls `target.method(args…)` and waits for the promise it returns.
async fn call(target: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, DeviceError> {
    let f: Function = get(target, method)
        .dyn_into()
        .map_err(|_| DeviceError::Unavailable(format!("no {method}")))?;
    let promise: Promise = f
        .apply(target, &args.iter().collect::<Array>())
        .map_err(failed)?
        .dyn_into()
        .map_err(|_| DeviceError::Unavailable(format!("{method} gave no promise")))?;
    JsFuture::from(promise).await.map_err(failed)
}

/// A request's options from `json`, with each binary field at its path set to its bytes
/// (one parse rather than an object built a property at a time: smaller code).
fn options(json: &str, binaries: &[(&[&str], &[u8])]) -> Result<JsValue, DeviceError> {
    let root = js_sys::JSON::parse(json).map_err(failed)?;
    for (path, value) in binaries {
        let Some((last, parents)) = path.split_last() else {
            continue;
        };
        let mut at = root.clone();
        for key in parents {
            at = get(&at, key);
        }
        Reflect::set(&at, &(*last).into(), &Uint8Array::from(*value)).map_err(failed)?;
    }
    Ok(root)
}

fn random(len: usize) -> Result<Vec<u8>, DeviceError> {
    super::vault::random(len).map_err(|e| DeviceError::Unavailable(e.to_string()))
}

/// Where the PRF input goes in a request.
const PRF_FIRST: &[&str] = &["publicKey", "extensions", "prf", "eval", "first"];

/// The PRF output in a credential's extension results, if it has one of the right length.
fn prf_output(credential: &JsValue) -> Result<Option<Vec<u8>>, DeviceError> {
    let results = {
        let f: Function = get(credential, "getClientExtensionResults")
            .dyn_into()
            .map_err(|_| DeviceError::NoPrf)?;
        f.call0(credential).map_err(failed)?
    };
    let prf = get(&results, "prf");
    let first = get(&get(&prf, "results"), "first");
    if first.is_undefined() || first.is_null() {
        // Made, with PRF enabled but no output yet (some authenticators give it only on
        // use): the caller asks again; not enabled at all is a refusal.
        return if get(&prf, "enabled").as_bool() == Some(false) {
            Err(DeviceError::NoPrf)
        } else {
            Ok(None)
        };
    }
    let out = Uint8Array::new(&first).to_vec();
    if out.len() == KEY_LEN {
        Ok(Some(out))
    } else {
        Err(DeviceError::NoPrf)
    }
}

fn credentials() -> Result<JsValue, DeviceError> {
    let c = get(&get(&js_sys::global(), "navigator"), "credentials");
    if c.is_undefined() || c.is_null() {
        return Err(DeviceError::Unavailable("no navigator.credentials".into()));
    }
    Ok(c)
}

/// Whether this phone can join its own secret to the PIN: WebAuthn with a platform
/// authenticator that verifies the person and, where the browser says, the PRF extension;
/// on a domain name (WebAuthn refuses IP addresses such as 127.0.0.1).
pub async fn offered() -> bool {
    let host = get(&get(&js_sys::global(), "location"), "hostname")
        .as_string()
        .unwrap_or_default();
    if host.is_empty()
        || host.starts_with('[')
        || host.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    {
        return false;
    }
    let pkc = get(&js_sys::global(), "PublicKeyCredential");
    if pkc.is_undefined() {
        return false;
    }
    if get(&pkc, "getClientCapabilities").is_function() {
        return match call(&pkc, "getClientCapabilities", &[]).await {
            Ok(caps) => {
                get(&caps, "extension:prf").as_bool() == Some(true)
                    && get(&caps, "userVerifyingPlatformAuthenticator").as_bool() == Some(true)
            }
            Err(_) => false,
        };
    }
    call(&pkc, "isUserVerifyingPlatformAuthenticatorAvailable", &[])
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// Makes the phone's credential for a new lock and its secret for `input`: the credential's
/// id (base64) and the 32 bytes. The person confirms on the phone (once or twice).
pub async fn enrol(input: &[u8]) -> Result<(String, Vec<u8>), DeviceError> {
    let request = options(
        r#"{"publicKey":{"rp":{"name":"Vigie"},"user":{"name":"vigie","displayName":"Vigie"},
        "pubKeyCredParams":[{"type":"public-key","alg":-7},{"type":"public-key","alg":-257}],
        "authenticatorSelection":{"authenticatorAttachment":"platform",
        "userVerification":"required","residentKey":"discouraged"},
        "timeout":120000,"extensions":{"prf":{"eval":{}}}}}"#,
        &[
            (&["publicKey", "user", "id"], &random(16)?),
            (&["publicKey", "challenge"], &random(32)?),
            (PRF_FIRST, input),
        ],
    )?;
    let made = call(&credentials()?, "create", &[request]).await?;
    let id = STANDARD.encode(Uint8Array::new(&get(&made, "rawId")).to_vec());
    let secret = match prf_output(&made)? {
        Some(s) => s,
        None => secret(&id, input).await?,
    };
    Ok((id, secret))
}

/// The phone's secret for `input` from the credential `id` (base64), after the person
/// confirms on the phone.
pub async fn secret(id: &str, input: &[u8]) -> Result<Vec<u8>, DeviceError> {
    let raw = STANDARD
        .decode(id)
        .map_err(|e| DeviceError::Unavailable(e.to_string()))?;
    let request = options(
        r#"{"publicKey":{"allowCredentials":[{"type":"public-key"}],
        "userVerification":"required","timeout":120000,"extensions":{"prf":{"eval":{}}}}}"#,
        &[
            (&["publicKey", "allowCredentials", "0", "id"], &raw),
            (&["publicKey", "challenge"], &random(32)?),
            (PRF_FIRST, input),
        ],
    )?;
    let assertion = call(&credentials()?, "get", &[request]).await?;
    prf_output(&assertion)?.ok_or(DeviceError::NoPrf)
}
