//! The API's refusals: one error type for every handler under `/api`, with `From`
//! conversions from what can fail underneath (storage, a blocking task, a body that is
//! not the JSON expected), so that handlers use `?` and never restate the mapping.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use vigie_core::protocol::{ErrorBody, ErrorCode, MAX_BODY};

use crate::db::DbError;

/// Every refusal of the API: an [`ErrorBody`] with the code's status.
#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    reason: String,
    retry_after: Option<u64>,
}

impl ApiError {
    /// An error with `code` and a reason a field worker (or an integrator) can act on.
    pub fn new(code: ErrorCode, reason: impl Into<String>) -> ApiError {
        ApiError {
            code,
            reason: reason.into(),
            retry_after: None,
        }
    }

    /// Too many records from this token: come back in `seconds`.
    pub fn rate_limited(seconds: u64) -> ApiError {
        ApiError {
            retry_after: Some(seconds),
            ..ApiError::new(
                ErrorCode::RateLimited,
                "too many records from this device this hour; they will be sent later",
            )
        }
    }

    pub fn storage(e: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %e, "storage failed");
        ApiError::new(ErrorCode::Storage, "server storage error")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ErrorBody {
            error: self.code,
            reason: self.reason,
        };
        let mut res = (status, Json(body)).into_response();
        if let Some(s) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(s));
        }
        res
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> ApiError {
        ApiError::storage(e)
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> ApiError {
        ApiError::storage(e)
    }
}

/// A JSON request body of type `T`: a body over [`MAX_BODY`] is `too_large`, anything
/// that is not a `T` is `invalid` with serde's words (Axum's own `Json` answers in plain
/// text, outside the contract).
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let body = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    ErrorCode::TooLarge,
                    format!("the request is larger than {MAX_BODY} bytes"),
                )
            } else {
                ApiError::new(ErrorCode::Invalid, rejection.body_text())
            }
        })?;
        serde_json::from_slice(&body)
            .map(JsonBody)
            .map_err(|e| ApiError::new(ErrorCode::Invalid, format!("body is not valid: {e}")))
    }
}

/// Percent-encodes a query value or path segment (RFC 3986 unreserved characters kept).
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
