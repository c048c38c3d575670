//! The phones' API under `/api`: the generic-JSON contract of docs/PROTOCOL.md, answered
//! with the core's protocol types. A record is committed before its receipt is sent.

use axum::extract::{Path, Query};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::{
    extract::{DefaultBodyLimit, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde_json::Value;
use tower_http::cors::{AllowOrigin, CorsLayer};
use vigie_core::plans::wire::{PlanList, PlanPut, PlanSaved, PlanStale};
use vigie_core::protocol::{
    Batch, BatchResults, ErrorCode, FormsList, Health, ItemResult, SubmissionList, MAX_BODY,
};
use vigie_core::record::Envelope;

use crate::auth::{DeviceToken, SmsGateway};
use crate::error::{ApiError, JsonBody};
use crate::plans::Put;
use crate::store::{Receiver, Stored};
use crate::tokens::Holder;

/// Takes `n` records from the token's hourly allowance.
fn allowance(recv: &Receiver, token: &str, n: usize) -> Result<(), ApiError> {
    let n = u32::try_from(n).unwrap_or(u32::MAX);
    recv.quota()
        .take(token, n, crate::db::now_ms())
        .map_err(ApiError::rate_limited)
}

/// An SMS gateway's webhook: one received message, `{"from": "+223…", "text": "VIGIE …"}`,
/// with a token of the `sms-gateway` role (a phone's device token cannot invent a sender).
/// Every text is kept; an alert completes, or is completed by, the record it names
/// (docs/PROTOCOL.md, "Alerts by SMS").
async fn receive_sms(
    State(recv): State<Receiver>,
    SmsGateway(label): SmsGateway,
    JsonBody(msg): JsonBody<Value>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let text = msg.get("text").and_then(Value::as_str).ok_or_else(|| {
        ApiError::new(
            ErrorCode::Invalid,
            "field 'text' is missing or not a string",
        )
    })?;
    let sender = msg
        .get("from")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let text = text.to_owned();
    allowance(&recv, &label, 1)?;
    let got = tokio::task::spawn_blocking(move || {
        let now = crate::db::now_ms();
        let got = recv.with_db(|db| crate::sms::receive(db, &sender, &text, &label, now))?;
        // An alert by SMS opens a case as a record would, until its record completes it.
        if let Some(row) = got.waiting_row {
            recv.sms_case(row, now);
        }
        Ok::<_, crate::db::DbError>(got)
    })
    .await??;
    let status = if got.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(serde_json::json!({
            "ok": true, "parsed": got.parsed, "completed": got.completed,
            "duplicate": got.duplicate, "conflict": got.conflict,
        })),
    ))
}

/// Decodes and stores `records` in one transaction; for each, the status it would have
/// alone and its result, in order.
fn store_all(
    recv: &Receiver,
    records: &[Value],
    token_label: &str,
) -> Vec<(StatusCode, ItemResult)> {
    // Records that do not decode are answered alone; the others are stored together.
    let decoded: Vec<Result<Envelope, String>> = records
        .iter()
        .map(|record| Envelope::from_wire(record).map_err(|e| e.to_string()))
        .collect();
    let good: Vec<Envelope> = decoded
        .iter()
        .filter_map(|d| d.as_ref().ok())
        .cloned()
        .collect();
    let mut stored = match recv.store_all(&good, token_label) {
        Ok(results) => results.into_iter(),
        Err(e) => {
            tracing::error!(error = %e, "storing a batch failed");
            Vec::new().into_iter()
        }
    };
    records
        .iter()
        .zip(decoded)
        .map(|(record, decoded)| {
            let envelope = match decoded {
                Ok(envelope) => envelope,
                Err(why) => {
                    let sent_id = record.get("id").and_then(Value::as_str);
                    return (
                        StatusCode::BAD_REQUEST,
                        ItemResult::error(sent_id, ErrorCode::Invalid, why),
                    );
                }
            };
            let id = envelope.id.to_string();
            match stored.next() {
                // A replay gets the very receipt the first delivery got.
                Some(Ok(Stored::New(at) | Stored::Duplicate(at))) => {
                    (StatusCode::CREATED, ItemResult::receipt(&id, at))
                }
                Some(Ok(Stored::Conflict)) => (
                    StatusCode::CONFLICT,
                    ItemResult::error(
                        Some(&id),
                        ErrorCode::DifferentContent,
                        "a different record with this id is already stored",
                    ),
                ),
                Some(Err(e)) => {
                    tracing::error!(error = %e, "storing a submission failed");
                    storage_error(&id)
                }
                // The batch's transaction failed: nothing of it was stored.
                None => storage_error(&id),
            }
        })
        .collect()
}

fn storage_error(id: &str) -> (StatusCode, ItemResult) {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        ItemResult::error(Some(id), ErrorCode::Storage, "server storage error"),
    )
}

async fn submit(
    State(recv): State<Receiver>,
    DeviceToken(Holder { label, .. }): DeviceToken,
    headers: HeaderMap,
    JsonBody(record): JsonBody<Value>,
) -> Result<Response, ApiError> {
    allowance(&recv, &label, 1)?;
    if let Some(key) = headers.get("idempotency-key") {
        let key = key.to_str().unwrap_or("");
        if record.get("id").and_then(Value::as_str) != Some(key) {
            return Err(ApiError::new(
                ErrorCode::Invalid,
                "Idempotency-Key differs from field 'id'",
            ));
        }
    }
    let (status, answer) = tokio::task::spawn_blocking(move || {
        store_all(&recv, std::slice::from_ref(&record), &label)
            .pop()
            .unwrap_or_else(|| storage_error(""))
    })
    .await?;
    Ok((status, Json(answer)).into_response())
}

async fn submit_batch(
    State(recv): State<Receiver>,
    DeviceToken(Holder { label, .. }): DeviceToken,
    JsonBody(batch): JsonBody<Value>,
) -> Result<Json<BatchResults>, ApiError> {
    let batch: Batch<Value> = serde_json::from_value(batch).map_err(|_| {
        ApiError::new(
            ErrorCode::Invalid,
            "field 'records' is missing or not an array",
        )
    })?;
    allowance(&recv, &label, batch.records.len())?;
    let results = tokio::task::spawn_blocking(move || {
        store_all(&recv, &batch.records, &label)
            .into_iter()
            .map(|(_, result)| result)
            .collect()
    })
    .await?;
    Ok(Json(BatchResults { results }))
}

async fn list(
    State(recv): State<Receiver>,
    _device: DeviceToken,
) -> Result<Json<SubmissionList>, ApiError> {
    let ids = tokio::task::spawn_blocking(move || recv.ids()).await??;
    Ok(Json(SubmissionList {
        count: ids.len(),
        ids,
    }))
}

async fn forms(State(recv): State<Receiver>, _device: DeviceToken) -> Response {
    let published = tokio::task::spawn_blocking(move || recv.forms().current())
        .await
        .unwrap_or_default();
    Json(FormsList {
        forms: published.forms.iter().collect::<Vec<_>>(),
    })
    .into_response()
}

/// The published interface translation: `{"translation": {…}}`, or `null` when there is
/// none (an answer, not an error: phones ask at every start).
async fn translation(State(recv): State<Receiver>, _device: DeviceToken) -> Response {
    let t = tokio::task::spawn_blocking(move || recv.translation())
        .await
        .ok()
        .flatten();
    Json(serde_json::json!({ "translation": t })).into_response()
}

/// The referral directory for phones (cached there for offline use).
async fn referrals(State(recv): State<Receiver>, _device: DeviceToken) -> Response {
    let list = tokio::task::spawn_blocking(move || recv.referrals())
        .await
        .unwrap_or_default();
    Json(serde_json::json!({ "referrals": list })).into_response()
}

#[derive(serde::Deserialize)]
struct PlansQuery {
    commune: Option<String>,
    /// A place: the plans at it and under it (`ML03`: the region's, its cercles' and
    /// communes').
    place: Option<String>,
}

/// The current plans the token's scope holds (of one commune, or at and under one place,
/// when asked).
async fn list_plans(
    State(recv): State<Receiver>,
    DeviceToken(holder): DeviceToken,
    Query(q): Query<PlansQuery>,
) -> Result<Json<PlanList>, ApiError> {
    let commune = q.commune.filter(|c| !c.is_empty());
    let under = q.place.filter(|c| !c.is_empty());
    let mut plans =
        tokio::task::spawn_blocking(move || recv.plans(commune.as_deref(), under.as_deref()))
            .await??;
    plans.retain(|p| holder.scope.contains(&p.plan.commune));
    Ok(Json(PlanList { plans }))
}

/// Stores a plan's next revision. The token's scope must hold the plan's commune, and a
/// plan never changes commune (that would move it out of the scope that wrote it, or
/// into another commune's list on every phone).
async fn put_plan(
    State(recv): State<Receiver>,
    DeviceToken(Holder { label, scope, .. }): DeviceToken,
    Path(id): Path<String>,
    JsonBody(put): JsonBody<PlanPut>,
) -> Result<Response, ApiError> {
    if put.plan.id.to_string() != id {
        return Err(ApiError::new(
            ErrorCode::Invalid,
            "the plan's id differs from the address",
        ));
    }
    if !vigie_core::plans::place::allowed(put.plan.kind, &put.plan.commune) {
        return Err(ApiError::new(
            ErrorCode::Invalid,
            "field 'commune' must be a P-code (ML and 2, 4 or 6 digits), or empty for a \
             national roadmap; a communal plan's is a commune",
        ));
    }
    if !scope.contains(&put.plan.commune) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            format!(
                "this token's scope ({scope}) does not hold commune '{}'",
                put.plan.commune
            ),
        ));
    }
    put.plan
        .check()
        .map_err(|e| ApiError::new(ErrorCode::Invalid, e.to_string()))?;
    allowance(&recv, &label, 1)?;
    let result = tokio::task::spawn_blocking(move || recv.put_plan(&put, &label)).await??;
    Ok(match result {
        Put::Saved(rev, first) => {
            let status = if first {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            (status, Json(PlanSaved { rev: rev.rev })).into_response()
        }
        Put::Same(rev) => Json(PlanSaved { rev: rev.rev }).into_response(),
        Put::Moved(from) if scope.contains(&from) => ApiError::new(
            ErrorCode::Invalid,
            format!("field 'commune': a plan stays in its commune ('{from}')"),
        )
        .into_response(),
        Put::Moved(_) => ApiError::new(
            ErrorCode::Forbidden,
            format!("this token's scope ({scope}) does not hold this plan"),
        )
        .into_response(),
        Put::Stale(current) => (
            StatusCode::CONFLICT,
            Json(PlanStale {
                error: ErrorCode::Other("stale".into()),
                reason: "the plan changed on the server since this copy; merge and send again"
                    .into(),
                current,
            }),
        )
            .into_response(),
    })
}

/// `POST /api/status` `{"device_id", "ids"}`: where the cases of the caller's own alerts
/// stand (docs/PROTOCOL.md). A record is answered only if it came from that device
/// through a token with the caller's label; others are left out as if unknown.
async fn case_news(
    State(recv): State<Receiver>,
    DeviceToken(Holder { label, .. }): DeviceToken,
    JsonBody(query): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    use vigie_core::cases::news::{CaseNews, MAX_IDS};
    let device = query.get("device_id").and_then(Value::as_str).unwrap_or("");
    let ids: Option<Vec<String>> = query.get("ids").and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    });
    let (Some(ids), false) = (ids, device.is_empty()) else {
        return Err(ApiError::new(
            ErrorCode::Invalid,
            "give 'device_id' and 'ids' (a list of record ids)",
        ));
    };
    if ids.len() > MAX_IDS {
        return Err(ApiError::new(
            ErrorCode::Invalid,
            format!("at most {MAX_IDS} ids at once"),
        ));
    }
    let device = device.to_owned();
    let statuses = tokio::task::spawn_blocking(move || {
        let published = recv.forms().current();
        recv.with_db(|db| {
            let mut out = Vec::new();
            for id in &ids {
                let Some(row) = crate::records::one(db, id)? else {
                    continue;
                };
                if row.field("device_id") != device || row.token_label != label {
                    continue;
                }
                if let Some(case) = crate::cases::of_report(db, id)? {
                    let reserved = case.category == "VBG" || row.is_gbv(&published.forms);
                    out.push(CaseNews::of(id, &case, reserved).to_json());
                }
            }
            Ok(out)
        })
    })
    .await??;
    Ok(Json(serde_json::json!({ "statuses": statuses })))
}

async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such receiver address")
}

async fn health() -> Json<Health> {
    Json(Health {
        vigie: "receiver".into(),
        ok: true,
    })
}

/// CORS for the app served from other origins (`allowed`: exact origins such as
/// `https://vigie.example.org`); none: same-origin only.
pub fn cors(allowed: &[HeaderValue]) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(allowed.iter().cloned()))
        .allow_methods([Method::GET, Method::POST, Method::PUT])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
        ])
        .max_age(std::time::Duration::from_secs(600))
}

/// A request announcing a body over the limit is answered 413 before anything is read
/// (`Content-Length: 100 MB` with two bytes sent was waited on).
async fn refuse_announced_oversize(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_BODY as u64) {
        return ApiError::new(
            ErrorCode::TooLarge,
            format!("the request is larger than {MAX_BODY} bytes"),
        )
        .into_response();
    }
    next.run(req).await
}

/// Routes under `/api`.
pub fn routes(recv: Receiver, allowed_origins: &[HeaderValue]) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/submissions", post(submit).get(list))
        .route("/api/submissions/batch", post(submit_batch))
        .route("/api/forms", get(forms))
        .route("/api/plans", get(list_plans))
        .route("/api/plans/{id}", axum::routing::put(put_plan))
        .route("/api/sms", post(receive_sms))
        .route("/api/referrals", get(referrals))
        .route("/api/status", post(case_news))
        .route("/api/translation", get(translation))
        // Unknown API addresses are a wrong base URL, never the app's HTML shell.
        .route("/api", axum::routing::any(not_found))
        .route("/api/{*rest}", axum::routing::any(not_found))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        // An announced body over the limit is refused before it is read; a body that
        // trickles in is given up on.
        .layer(axum::middleware::from_fn(refuse_announced_oversize))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            std::time::Duration::from_secs(60),
        ))
        .layer(cors(allowed_origins))
        .with_state(recv)
}
