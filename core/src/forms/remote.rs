//! Form updates from the backend: where to ask (docs/FORMS.md) and how to read the answer.
//! A definition that fails validation is reported and ignored; it never replaces a good one.

use serde_json::Value as Json;

use super::model::FormDef;
use super::validate::load;
use crate::backend::{Backend, HttpRequest, HttpResult};

/// The request listing the backend's forms: generic JSON `GET {base}/forms`, CouchDB
/// `GET {base}/{db}-forms/_all_docs?include_docs=true`. None without a backend.
pub fn forms_request(backend: &Backend) -> Option<HttpRequest> {
    published_request(backend, "forms")
}

/// The request for something a backend publishes under `name`: generic JSON
/// `GET {base}/{name}`, CouchDB every document of `{db}-{name}`.
pub(crate) fn published_request(backend: &Backend, name: &str) -> Option<HttpRequest> {
    let mut req = backend.probe_request()?;
    req.url = match backend {
        Backend::None => return None,
        Backend::GenericJson { base, .. } => format!("{base}/{name}"),
        Backend::CouchDb { base, db, .. } => {
            format!("{base}/{db}-{name}/_all_docs?include_docs=true")
        }
    };
    Some(req)
}

/// The JSON of a successful answer, or why there is none.
pub(crate) fn answer_json(result: &HttpResult) -> Result<Json, String> {
    let body = match result {
        HttpResult::Response { status, body, .. } if (200..300).contains(status) => body,
        HttpResult::Response { status, .. } => return Err(format!("HTTP {status}")),
        HttpResult::Network(e) => return Err(e.clone()),
        HttpResult::Timeout => return Err("timeout".into()),
    };
    serde_json::from_str(body).map_err(|e| format!("not JSON: {e}"))
}

/// The items of a published list: `value[key]`, or the documents of CouchDB's `rows`
/// (design documents left out).
pub(crate) fn items<'a>(value: &'a Json, key: &str) -> Result<Vec<&'a Json>, String> {
    if let Some(list) = value.get(key).and_then(Json::as_array) {
        Ok(list.iter().collect())
    } else if let Some(rows) = value.get("rows").and_then(Json::as_array) {
        Ok(rows
            .iter()
            .filter_map(|r| r.get("doc"))
            .filter(|d| {
                !d.get("_id")
                    .and_then(Json::as_str)
                    .is_some_and(|id| id.starts_with("_design/"))
            })
            .collect())
    } else {
        Err(format!("the answer has neither '{key}' nor 'rows'"))
    }
}

/// What a form update brought.
#[derive(Debug, Default, PartialEq)]
pub struct Update {
    /// Valid definitions.
    pub forms: Vec<FormDef>,
    /// One line per refused definition: `id: reason` (or the whole answer's problem).
    pub refused: Vec<String>,
}

/// Reads the backend's answer. `Err` when the answer as a whole is unusable (offline, not
/// JSON, an error status): the cached forms stay as they are.
pub fn read_update(result: &HttpResult) -> Result<Update, String> {
    let value = answer_json(result)?;
    let items: Vec<Json> = items(&value, "forms")?.into_iter().cloned().collect();
    let mut update = Update::default();
    for mut item in items {
        // CouchDB's own fields are not part of the definition.
        if let Some(obj) = item.as_object_mut() {
            obj.retain(|k, _| !k.starts_with('_'));
        }
        let id = item
            .get("id")
            .and_then(Json::as_str)
            .unwrap_or("?")
            .to_owned();
        match load(&item.to_string()) {
            Ok(def) => update.forms.push(def),
            Err(e) => update.refused.push(format!("{id}: {e}")),
        }
    }
    Ok(update)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::builtin::SOURCES;

    fn ok(body: String) -> HttpResult {
        HttpResult::Response {
            status: 200,
            body,
            retry_after: None,
        }
    }

    #[test]
    fn requests_go_where_the_docs_say() {
        let g = Backend::GenericJson {
            base: "https://r.example.org/api".into(),
            token: Some("t".into()),
        };
        let r = forms_request(&g).unwrap();
        assert_eq!(
            (r.method, r.url.as_str()),
            ("GET", "https://r.example.org/api/forms")
        );
        assert!(r
            .headers
            .iter()
            .any(|(k, v)| k == "Authorization" && v == "Bearer t"));
        let c = Backend::CouchDb {
            base: "https://c.example.org".into(),
            db: "vigie".into(),
            user: None,
            password: None,
        };
        assert_eq!(
            forms_request(&c).unwrap().url,
            "https://c.example.org/vigie-forms/_all_docs?include_docs=true"
        );
        assert!(forms_request(&Backend::None).is_none());
    }

    #[test]
    fn good_definitions_are_kept_and_bad_ones_reported() {
        let good = SOURCES[3]
            .1
            .replace("\"version\": \"1\"", "\"version\": \"2\"");
        let body = format!(
            r#"{{"forms": [{good}, {{"format": 1, "id": "broken", "version": "9", "kind": "x", "title": {{"fr": "X"}}, "sections": []}}]}}"#
        );
        let u = read_update(&ok(body)).unwrap();
        assert_eq!(u.forms.len(), 1);
        assert_eq!(u.forms[0].version, "2");
        assert_eq!(u.refused.len(), 1);
        assert!(u.refused[0].starts_with("broken: "), "{:?}", u.refused);
    }

    #[test]
    fn couchdb_documents_are_read_without_their_own_fields() {
        let doc = SOURCES[3]
            .1
            .replacen('{', r#"{"_id": "questionnaire", "_rev": "1-a","#, 1);
        let body = format!(
            r#"{{"rows": [{{"id": "q", "doc": {doc}}}, {{"id": "_design/x", "doc": {{"_id": "_design/x"}}}}]}}"#
        );
        let u = read_update(&ok(body)).unwrap();
        assert_eq!(u.forms.len(), 1);
        assert!(u.refused.is_empty());
    }

    #[test]
    fn unusable_answers_change_nothing() {
        assert!(read_update(&ok("<html>portal</html>".into())).is_err());
        assert!(read_update(&ok("{}".into())).is_err());
        assert!(read_update(&HttpResult::Timeout).is_err());
        let e = HttpResult::Response {
            status: 401,
            body: String::new(),
            retry_after: None,
        };
        assert_eq!(read_update(&e).unwrap_err(), "HTTP 401");
    }
}
