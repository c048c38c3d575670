//! The CSV export of the filtered records, streamed.

use std::collections::HashMap;

use axum::{
    extract::{Query, State},
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};

use super::access::Coordinator;
use super::layout::storage_error;
use crate::records::{self, Filter};
use crate::store::Receiver;

pub(super) async fn export(
    Coordinator(holder): Coordinator,
    State(recv): State<Receiver>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let filter = Filter::from_query(&q, &holder.scope);
    // `?hxl=1`: a second header row of HXL hashtags for humanitarian tools.
    let hxl = q.get("hxl").is_some_and(|v| v == "1");
    let name = if filter.form.is_empty() {
        "vigie".to_owned()
    } else {
        format!(
            "vigie-{}",
            filter
                .form
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect::<String>()
        )
    };
    // Streamed: a first pass over the matching records gathers the columns, a second sends
    // them a line at a time, on a read-only connection so that records keep arriving.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(16);
    let started = tokio::task::spawn_blocking(move || -> Result<(), String> {
        let db = recv.reader().map_err(|e| e.to_string())?;
        let forms = recv.forms().current().forms.clone();
        let shown = |row| records::shown_to(&holder, row, &forms);
        let mut columns = records::Columns::default();
        records::each(&db, &filter, |row| {
            columns.add(&shown(row));
            Ok(())
        })
        .map_err(|e| e.to_string())?;
        let (writer, first) = records::CsvWriter::new(columns, hxl).map_err(|e| e.to_string())?;
        if tx.blocking_send(Ok(first)).is_err() {
            return Ok(()); // the coordinator went away
        }
        let sent = records::each(&db, &filter, |row| {
            let line = writer
                .row(&shown(row))
                .map_err(|e| crate::db::DbError::Encode(e.to_string()))?;
            tx.blocking_send(Ok(line))
                .map_err(|_| crate::db::DbError::Encode("export abandoned".into()))
        });
        if let Err(e) = sent {
            tracing::warn!(error = %e, "export stopped");
            let _ = tx.blocking_send(Err(std::io::Error::other("export stopped")));
        }
        Ok(())
    });
    // The first chunk, or the reason there is none, before any status is sent.
    let mut rx = rx;
    let first = match rx.recv().await {
        Some(Ok(first)) => first,
        _ => {
            let why = match started.await {
                Ok(Err(e)) => e,
                Err(e) => e.to_string(),
                Ok(Ok(())) => "no data".into(),
            };
            return storage_error(why);
        }
    };
    use futures_util::StreamExt;
    let rest = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    let body = axum::body::Body::from_stream(
        futures_util::stream::once(async move { Ok::<_, std::io::Error>(first) }).chain(rest),
    );
    let disposition = format!("attachment; filename=\"{name}.csv\"");
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}
