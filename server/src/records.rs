//! Reading what arrived: filtered queries over the stored envelopes, and their CSV export.
//!
//! The coordinator pages read a few payload fields by convention (docs/PROTOCOL.md, "Payload
//! fields the receiver reads"): `alert_level` (vert, jaune, orange, rouge) and
//! `location.region` / `location.cercle` / `location.commune` (P-codes).

use std::collections::HashMap;

use rusqlite::{types::Value as SqlValue, Connection};
use serde_json::Value;
use vigie_core::forms::{discreet_receipt, FormDef};
use vigie_core::scope::Scope;

use crate::db::{Cached, DbError};
use crate::tokens::Holder;

/// Alert levels, most serious first, as stored in `payload.alert_level`.
pub const LEVELS: [&str; 4] = ["rouge", "orange", "jaune", "vert"];

/// What the coordinator asked to see. Empty strings mean "any".
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Filter {
    /// `form_id`.
    pub form: String,
    /// `payload.alert_level`.
    pub level: String,
    /// An alert's incident category (the typology's top level, as the indicators count).
    pub category: String,
    /// `payload.location.region` P-code.
    pub region: String,
    /// `payload.location.cercle` P-code.
    pub cercle: String,
    /// `payload.location.commune` P-code.
    pub commune: String,
    /// First day (device date of the record, `YYYY-MM-DD`), inclusive.
    pub from: String,
    /// Last day, inclusive.
    pub to: String,
    /// Where the reader may look (their token's scope; never from the query).
    pub scope: Scope,
}

impl Filter {
    /// Reads the filter from query parameters, within `scope`; unknown ones are ignored.
    pub fn from_query(q: &HashMap<String, String>, scope: &Scope) -> Filter {
        let get = |k: &str| q.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
        Filter {
            form: get("form"),
            level: get("level"),
            category: get("category"),
            region: get("region"),
            cercle: get("cercle"),
            commune: get("commune"),
            from: get("from"),
            to: get("to"),
            scope: scope.clone(),
        }
    }

    /// The SQL condition and its parameters (never the values spliced into the text).
    fn condition(&self) -> (String, Vec<SqlValue>) {
        let mut parts = vec!["1 = 1".to_owned()];
        let mut args = Vec::new();
        let mut eq = |expr: &str, v: &str| {
            if !v.is_empty() {
                parts.push(format!("{expr} = ?{}", args.len() + 1));
                args.push(SqlValue::Text(v.to_owned()));
            }
        };
        eq("json_extract(envelope, '$.form_id')", &self.form);
        eq(
            "json_extract(envelope, '$.payload.alert_level')",
            &self.level,
        );
        if !self.category.is_empty() {
            // The alerts counted under that category (an index of `alert_facts`).
            parts.push(format!(
                "id IN (SELECT id FROM alert_facts WHERE category = ?{})",
                args.len() + 1
            ));
            args.push(SqlValue::Text(self.category.clone()));
        }
        // Places by the indexed column: a commune lies in its cercle and region.
        for code in [&self.region, &self.cercle, &self.commune] {
            if !code.is_empty() && vigie_core::scope::is_pcode(code) {
                parts.push(format!("place GLOB ?{}", args.len() + 1));
                args.push(SqlValue::Text(format!("{code}*")));
            } else if !code.is_empty() {
                parts.push("0 = 1".to_owned());
            }
        }
        let (inside, codes) = scope_condition(&self.scope, args.len());
        parts.push(inside);
        args.extend(codes);
        let day = "date(json_extract(envelope, '$.created_at') / 1000, 'unixepoch')";
        if is_day(&self.from) {
            parts.push(format!("{day} >= ?{}", args.len() + 1));
            args.push(SqlValue::Text(self.from.clone()));
        }
        if is_day(&self.to) {
            parts.push(format!("{day} <= ?{}", args.len() + 1));
            args.push(SqlValue::Text(self.to.clone()));
        }
        (parts.join(" AND "), args)
    }
}

/// The SQL condition that a record lies inside `scope` (numbered after `taken` parameters):
/// its place starts with one of the scope's P-codes, as `Scope::contains` says. A record
/// with no place is national business: a scoped reader does not see it.
fn scope_condition(scope: &Scope, taken: usize) -> (String, Vec<SqlValue>) {
    // `place`: the generated, indexed column of the most precise P-code a record is
    // placed at (its commune, else its cercle, else its region; "" for none; db.rs).
    scope_sql(scope, "place", taken)
}

/// The SQL condition that the P-code `place` (an SQL expression) lies inside `scope`,
/// numbered after `taken` parameters, as `Scope::contains` says.
pub fn scope_sql(scope: &Scope, place: &str, taken: usize) -> (String, Vec<SqlValue>) {
    match scope {
        Scope::National => ("1 = 1".to_owned(), Vec::new()),
        Scope::Places(codes) if codes.is_empty() => ("0 = 1".to_owned(), Vec::new()),
        Scope::Places(codes) => {
            // A prefix GLOB (P-codes hold no wildcard) that SQLite answers from an index
            // on the place column.
            let each: Vec<String> = (0..codes.len())
                .map(|i| format!("{place} GLOB ?{}", taken + i + 1))
                .collect();
            let args = codes
                .iter()
                .map(|c| SqlValue::Text(format!("{c}*")))
                .collect();
            (format!("({})", each.join(" OR ")), args)
        }
    }
}

fn is_day(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// One stored record with what the pages show of it.
#[derive(Debug, Clone)]
pub struct Row {
    /// Record id.
    pub id: String,
    /// The whole envelope.
    pub envelope: Value,
    /// Server receive time, `YYYY-MM-DD HH:MM` UTC.
    pub received: String,
    /// Device creation time, `YYYY-MM-DD HH:MM` UTC.
    pub created: String,
    /// Label of the token it came with.
    pub token_label: String,
}

impl Row {
    /// `payload.<path>` as text, if it is a string.
    pub fn payload_str(&self, path: &str) -> &str {
        self.envelope
            .pointer(&format!("/payload/{path}"))
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// The alert level, if it is one of [`LEVELS`].
    pub fn level(&self) -> Option<&'static str> {
        let l = self.payload_str("alert_level");
        LEVELS.iter().copied().find(|x| *x == l)
    }

    /// An envelope field as text.
    pub fn field(&self, name: &str) -> &str {
        self.envelope
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// The most precise P-code the record is placed at ("" for none).
    pub fn place_code(&self) -> &str {
        ["commune", "cercle", "region"]
            .iter()
            .map(|k| self.payload_str(&format!("location/{k}")))
            .find(|c| !c.is_empty())
            .unwrap_or("")
    }

    /// Whether the record lies inside `scope` (a record with no place: national only, as
    /// `Scope::contains` says of "").
    pub fn inside(&self, scope: &Scope) -> bool {
        scope.contains(self.place_code())
    }

    /// Whether the record is a GBV account (its form's `discreet_receipt_when` holds for
    /// it): only a cleared reader sees more than that it exists.
    pub fn is_gbv(&self, forms: &[FormDef]) -> bool {
        let (id, version) = (self.field("form_id"), self.field("form_version"));
        let Some(def) = definition(forms, id, version) else {
            return false;
        };
        let day = &self.created[..self.created.len().min(10)];
        gbv_answers(
            def,
            self.envelope.get("payload").unwrap_or(&Value::Null),
            day,
        )
    }

    /// What an uncleared reader sees of a GBV record: its level and place (and dates);
    /// every other answer, the author and the device are replaced by "détails réservés".
    pub fn reserved(&self) -> Row {
        let mut row = self.clone();
        let mut kept = serde_json::Map::new();
        if let Some(p) = self.envelope.get("payload").and_then(Value::as_object) {
            for key in ["alert_level", "location"] {
                if let Some(v) = p.get(key) {
                    let v = match (key, v) {
                        // The village may name the survivor's family: communes and up only.
                        ("location", Value::Object(place)) => Value::Object(
                            place
                                .iter()
                                .filter(|(k, _)| {
                                    matches!(k.as_str(), "region" | "cercle" | "commune")
                                })
                                .map(|(k, v)| (k.clone(), v.clone()))
                                .collect(),
                        ),
                        _ => v.clone(),
                    };
                    kept.insert(key.to_owned(), v);
                }
            }
        }
        kept.insert("details".to_owned(), Value::String(RESERVED.to_owned()));
        if let Some(env) = row.envelope.as_object_mut() {
            env.insert("payload".to_owned(), Value::Object(kept));
            env.insert(
                "author".to_owned(),
                serde_json::json!({"name": "", "role": ""}),
            );
            env.insert("device_id".to_owned(), Value::String(String::new()));
        }
        row.token_label.clear();
        row
    }
}

/// The definition of form `id` at `version` (else its latest): the published ones first,
/// then the ones built into every phone (a receiver serving none still knows what a GBV
/// report is).
pub fn definition<'a>(forms: &'a [FormDef], id: &str, version: &str) -> Option<&'a FormDef> {
    let find = |all: &'a [FormDef]| {
        all.iter()
            .find(|f| f.id == id && f.version == version)
            .or_else(|| all.iter().find(|f| f.id == id))
    };
    find(forms).or_else(|| find(builtin_forms()))
}

/// Whether `payload`, made on `day` (`YYYY-MM-DD`), is a GBV account by form `def`.
pub fn gbv_answers(def: &FormDef, payload: &Value, day: &str) -> bool {
    match payload.as_object() {
        Some(answers) => discreet_receipt(def, answers, day),
        None => discreet_receipt(def, &serde_json::Map::new(), day),
    }
}

/// `row` as `holder` may see it: a GBV account only to a cleared reader, else reserved.
pub fn shown_to(holder: &Holder, row: Row, forms: &[FormDef]) -> Row {
    if !holder.gbv && row.is_gbv(forms) {
        row.reserved()
    } else {
        row
    }
}

/// The forms built into the app, decoded once.
fn builtin_forms() -> &'static [FormDef] {
    static ALL: std::sync::OnceLock<Vec<FormDef>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        vigie_core::forms::builtin::all()
            .into_iter()
            .filter_map(Result::ok)
            .collect()
    })
}

/// What stands for a GBV account an uncleared reader may not see.
pub const RESERVED: &str = "détails réservés / details reserved";

/// Newest first, red then orange alerts on top; `limit` rows at most.
pub fn query(db: &Connection, filter: &Filter, limit: u32) -> Result<Vec<Row>, DbError> {
    let (cond, args) = filter.condition();
    // Red, then orange, then the rest, newest first: the order of an index.
    let order = "urgency, received_at DESC, id";
    rows(db, &cond, args, order, Some(limit))
}

/// One record.
pub fn one(db: &Connection, id: &str) -> Result<Option<Row>, DbError> {
    let found = rows(
        db,
        "id = ?1",
        vec![SqlValue::Text(id.to_owned())],
        "id",
        Some(1),
    )?;
    Ok(found.into_iter().next())
}

/// What the filter menus offer, kept as records arrive (`seen_values`).
#[derive(Clone, Copy, Debug)]
pub enum Seen {
    /// Form ids.
    Form,
    /// Alerts' incident categories.
    Category,
    /// Region (4), cercle (6) or commune (8) P-codes inside the scope.
    Place(usize),
}

/// The most precise P-code of a record's answers (its commune, else cercle, else region;
/// "" for none), as the generated `place` column reads it.
pub fn place_of(payload: &Value) -> &str {
    ["commune", "cercle", "region"]
        .iter()
        .filter_map(|k| payload.get("location")?.get(k)?.as_str())
        .find(|c| !c.is_empty())
        .unwrap_or("")
}

/// Records what the filter menus offer of `record`.
pub fn note_seen(db: &Connection, record: &vigie_core::record::Envelope) -> Result<(), DbError> {
    let add = |kind: &str, value: &str| -> Result<(), DbError> {
        if !value.is_empty() {
            db.run(
                "INSERT OR IGNORE INTO seen_values (kind, value) VALUES (?1, ?2)",
                [kind, value],
            )?;
        }
        Ok(())
    };
    add("form", &record.form_id)?;
    let place = place_of(&record.payload);
    for n in [4, 6, 8] {
        if let Some(prefix) = place.get(..n) {
            add("place", prefix)?;
        }
    }
    Ok(())
}

/// The values the menus offer (sorted): forms, or the places of a level inside `scope`.
pub fn distinct(db: &Connection, what: Seen, scope: &Scope) -> Result<Vec<String>, DbError> {
    let (sql, args) = match what {
        Seen::Form => (
            "SELECT value FROM seen_values WHERE kind = 'form' ORDER BY value".to_owned(),
            Vec::new(),
        ),
        Seen::Category => (
            "SELECT value FROM seen_values WHERE kind = 'category' ORDER BY value".to_owned(),
            Vec::new(),
        ),
        Seen::Place(n) => {
            let (inside, args) = scope_sql(scope, "value", 0);
            (
                format!(
                    "SELECT value FROM seen_values WHERE kind = 'place' AND length(value) = {n}
                     AND {inside} ORDER BY value"
                ),
                args,
            )
        }
    };
    let mut stmt = db.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Number of stored records inside `scope`.
pub fn count(db: &Connection, scope: &Scope) -> Result<i64, DbError> {
    let (inside, args) = scope_condition(scope, 0);
    Ok(db.query_row(
        &format!("SELECT count(*) FROM submissions WHERE {inside}"),
        rusqlite::params_from_iter(args),
        |r| r.get(0),
    )?)
}

fn rows(
    db: &Connection,
    cond: &str,
    args: Vec<SqlValue>,
    order: &str,
    limit: Option<u32>,
) -> Result<Vec<Row>, DbError> {
    let mut out = Vec::new();
    visit(db, cond, args, order, limit, |r| {
        out.push(r);
        Ok(())
    })?;
    Ok(out)
}

/// Calls `each` with every row matching, one at a time (nothing is collected).
fn visit(
    db: &Connection,
    cond: &str,
    args: Vec<SqlValue>,
    order: &str,
    limit: Option<u32>,
    mut each: impl FnMut(Row) -> Result<(), DbError>,
) -> Result<(), DbError> {
    let time = |col: &str| format!("strftime('%Y-%m-%d %H:%M', {col} / 1000, 'unixepoch')");
    let sql = format!(
        "SELECT id, envelope, {}, {}, token_label FROM submissions WHERE {cond} ORDER BY {order}{}",
        time("received_at"),
        time("json_extract(envelope, '$.created_at')"),
        limit.map(|n| format!(" LIMIT {n}")).unwrap_or_default(),
    );
    let mut stmt = db.prepare(&sql)?;
    let found = stmt.query_map(rusqlite::params_from_iter(args), |r| {
        let text: String = r.get(1)?;
        Ok(Row {
            id: r.get(0)?,
            envelope: serde_json::from_str(&text).unwrap_or(Value::Null),
            received: r.get(2)?,
            created: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
            token_label: r.get(4)?,
        })
    })?;
    for row in found {
        each(row?)?;
    }
    Ok(())
}

/// Every record matching, oldest first, one at a time (the streamed CSV export).
pub fn each(
    db: &Connection,
    filter: &Filter,
    f: impl FnMut(Row) -> Result<(), DbError>,
) -> Result<(), DbError> {
    let (cond, args) = filter.condition();
    visit(db, &cond, args, "received_at, id", None, f)
}

/// "Kayes (ML01)", or the bare code when its name is unknown.
pub fn place_label(pcode: &str) -> String {
    match vigie_core::admin::name_of(pcode) {
        Some(name) => format!("{name} ({pcode})"),
        None => pcode.to_owned(),
    }
}

/// Flattens a payload into (column, cell) pairs: nested objects as `a.b`, lists of plain
/// values (multiple choice) joined with " | ", repeat groups (lists of objects) as
/// `group[1].field`, `group[2].field`, …
pub fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_owned()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&key(k), v, out);
            }
        }
        Value::Array(items) if items.iter().any(|i| i.is_object() || i.is_array()) => {
            for (i, item) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{}]", i + 1), item, out);
            }
        }
        Value::Array(items) => {
            let cells: Vec<String> = items.iter().map(cell).collect();
            out.push((prefix.to_owned(), cells.join(" | ")));
        }
        Value::String(code) if is_place_key(prefix) => {
            out.push((prefix.to_owned(), cell(value)));
            // The same names as the app's picker and the coordinator pages (one table).
            if let Some(name) = vigie_core::admin::name_of(code) {
                out.push((format!("{prefix}_nom"), defuse(name.to_owned())));
            }
        }
        other => out.push((prefix.to_owned(), cell(other))),
    }
}

/// Whether a flattened column holds an administrative P-code (`location.commune`, …).
fn is_place_key(column: &str) -> bool {
    let last = column.rsplit('.').next().unwrap_or(column);
    column.contains('.') && matches!(last, "region" | "cercle" | "commune")
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => defuse(s.clone()),
        other => other.to_string(),
    }
}

/// Bidirectional controls (U+202A–U+202E, U+2066–U+2069, marks): in a name they make
/// "Awa\u{202E}exe.txt" read as "Awa txt.exe". Dropped from the export.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// A text cell (or column name) a spreadsheet must not run as a formula: when its first
/// visible character (after spaces, no-break spaces, tabs and line breaks) is `=`, `+`, `-`,
/// `@` or their full-width forms, it gets a `'` before it. Bidi controls are removed.
fn defuse(s: String) -> String {
    let s: String = if s.chars().any(is_bidi_control) {
        s.chars().filter(|c| !is_bidi_control(*c)).collect()
    } else {
        s
    };
    let first = s
        .chars()
        .find(|c| !(c.is_whitespace() || *c == '\u{A0}' || *c == '\u{FEFF}'));
    let risky = matches!(
        first,
        Some('=' | '+' | '-' | '@' | '\u{FF1D}' | '\u{FF0B}' | '\u{FF0D}' | '\u{FF20}')
    ) || s.starts_with(['\t', '\r', '\n']);
    if risky {
        format!("'{s}")
    } else {
        s
    }
}

const META: [&str; 10] = [
    "id",
    "form_id",
    "form_version",
    "kind",
    "created_at",
    "received_at",
    "device_id",
    "author_name",
    "author_role",
    "token_label",
];

fn flat(row: &Row) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(p) = row.envelope.get("payload") {
        flatten("", p, &mut out);
    }
    out
}

/// The payload columns of `rows`, in order of first appearance; a map keeps this linear in
/// the number of cells (a list search made 20 records of thousands of keys take 44 s).
#[derive(Default)]
pub struct Columns {
    order: Vec<String>,
    seen: HashMap<String, ()>,
}

impl Columns {
    /// Adds the columns of `row`.
    pub fn add(&mut self, row: &Row) {
        for (k, _) in flat(row) {
            if !self.seen.contains_key(&k) {
                self.seen.insert(k.clone(), ());
                self.order.push(k);
            }
        }
    }
}

/// Writes the CSV (UTF-8 with a byte-order mark, so Excel reads accents right) a line at a
/// time: envelope columns, then one column per flattened payload field. Every field is
/// quoted (French Excel splits on ';').
pub struct CsvWriter {
    columns: Vec<String>,
}

/// One CSV line of `cells`, every field quoted.
fn line(cells: impl IntoIterator<Item = String>) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    w.write_record(cells)?;
    w.into_inner().map_err(|e| e.into_error().into())
}

/// The HXL hashtag of a column (<https://hxlstandard.org>), "" when none applies, so
/// that humanitarian tools read the export as it is.
pub fn hxl_tag(column: &str) -> &'static str {
    let last = column.rsplit('.').next().unwrap_or(column);
    match (column, last) {
        ("id", _) => "#meta+id",
        ("form_id", _) => "#meta+form",
        ("created_at", _) => "#date",
        ("received_at", _) => "#date+received",
        (_, "region") => "#adm1+code",
        (_, "cercle") => "#adm2+code",
        (_, "commune") => "#adm3+code",
        (_, "village") => "#loc+name",
        ("category", _) => "#event+type",
        ("alert_level", _) => "#severity",
        (_, "lat") => "#geo+lat",
        (_, "lon") => "#geo+lon",
        _ => "",
    }
}

impl CsvWriter {
    /// A writer for `columns`, and the first chunk: the byte-order mark and the header,
    /// then with `hxl` the row of HXL hashtags.
    pub fn new(columns: Columns, hxl: bool) -> Result<(CsvWriter, Vec<u8>), csv::Error> {
        let mut first = vec![0xEF, 0xBB, 0xBF];
        first.extend(line(
            META.iter()
                .map(|m| (*m).to_owned())
                .chain(columns.order.iter().map(|c| defuse(c.clone()))),
        )?);
        if hxl {
            first.extend(line(
                META.iter()
                    .copied()
                    .chain(columns.order.iter().map(String::as_str))
                    .map(|c| hxl_tag(c).to_owned()),
            )?);
        }
        Ok((
            CsvWriter {
                columns: columns.order,
            },
            first,
        ))
    }

    /// The line of one record.
    pub fn row(&self, row: &Row) -> Result<Vec<u8>, csv::Error> {
        let author = |k: &str| {
            row.envelope
                .pointer(&format!("/author/{k}"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let mut record: Vec<String> = [
            row.id.clone(),
            row.field("form_id").to_owned(),
            row.field("form_version").to_owned(),
            row.field("kind").to_owned(),
            row.created.clone(),
            row.received.clone(),
            row.field("device_id").to_owned(),
            author("name"),
            author("role"),
            row.token_label.clone(),
        ]
        .into_iter()
        .map(defuse)
        .collect();
        let pairs = flat(row);
        let by_key: HashMap<&str, &str> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        record.extend(self.columns.iter().map(|c| {
            by_key
                .get(c.as_str())
                .map(|v| (*v).to_owned())
                .unwrap_or_default()
        }));
        line(record)
    }
}

/// The whole CSV file of `rows` at once (the streamed export writes the same lines).
#[cfg(test)]
pub fn csv(rows: &[Row]) -> Result<Vec<u8>, csv::Error> {
    let mut columns = Columns::default();
    rows.iter().for_each(|r| columns.add(r));
    let (w, mut out) = CsvWriter::new(columns, false)?;
    for r in rows {
        out.extend(w.row(r)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    mod scoped {
        use super::*;
        use proptest::prelude::*;

        /// Places a record may have: none, a region, a cercle, communes in and out of them.
        const PLACES: [&[&str]; 6] = [
            &[],
            &["ML03"],
            &["ML03", "ML0302"],
            &["ML03", "ML0302", "ML030201"],
            &["ML03", "ML0305", "ML030501"],
            &["ML05", "ML0501", "ML050101"],
        ];
        const SCOPES: [&str; 5] = ["national", "ML03", "ML0302", "ML030201,ML05", "ML0501"];
        const ACCOUNT: &str = "ACCOUNT-OF-THE-SURVIVOR";

        fn payload(place: &[&str], gbv: bool) -> Value {
            let mut p = json!({"alert_level": "orange",
                "category": [if gbv { "VBG" } else { "PHY" }], "description": ACCOUNT});
            let keys = ["region", "cercle", "commune"];
            if !place.is_empty() {
                let loc: serde_json::Map<String, Value> = place
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (keys[i].to_owned(), Value::String((*c).to_owned())))
                    .collect();
                p["location"] = Value::Object(loc);
            }
            p
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(40))]
            /// No list, count or export built for a scope holds a record outside it, every
            /// record inside it is there, and an uncleared reader never gets a GBV account.
            #[test]
            fn pages_and_exports_hold_only_the_scope_and_no_account_uncleared(
                records in proptest::collection::vec((0..PLACES.len(), any::<bool>()), 0..12),
                scope in 0..SCOPES.len(),
                cleared in any::<bool>(),
            ) {
                let dir = std::env::temp_dir().join(format!("vigie-scope-{}-{}", std::process::id(), rand_suffix()));
                let db = crate::db::open(&dir).unwrap();
                for (i, (place, gbv)) in records.iter().enumerate() {
                    let env = json!({"id": format!("{i:08}-0000-4000-8000-000000000000"), "kind": "incident",
                        "form_id": "incident", "form_version": "1", "created_at": 1_700_000_000_000i64 + i as i64,
                        "payload": payload(PLACES[*place], *gbv), "author": {"name": "Awa", "role": ""}});
                    db.execute(
                        "INSERT INTO submissions (id, envelope, received_at, device_id, author, kind, token_label) VALUES (?1, ?2, ?3, 'd', 'Awa', 'incident', 't')",
                        rusqlite::params![format!("{i}"), env.to_string(), i as i64],
                    ).unwrap();
                }
                let scope = Scope::parse(SCOPES[scope]).unwrap();
                let holder = Holder { label: "c".into(), scope: scope.clone(), gbv: cleared };
                let filter = Filter { scope: scope.clone(), ..Filter::default() };
                let forms: Vec<FormDef> = Vec::new();
                let listed: Vec<Row> = query(&db, &filter, 1000).unwrap().into_iter().map(|r| shown_to(&holder, r, &forms)).collect();
                let mut exported = Vec::new();
                each(&db, &filter, |r| { exported.push(shown_to(&holder, r, &forms)); Ok(()) }).unwrap();
                // National readers see every record; others, those placed inside their area.
                let inside = records.iter().filter(|(p, _)| {
                    scope.is_national() || PLACES[*p].last().is_some_and(|c| scope.contains(c))
                }).count();
                prop_assert_eq!(listed.len(), inside);
                prop_assert_eq!(exported.len(), inside);
                prop_assert_eq!(count(&db, &scope).unwrap() as usize, inside);
                for row in listed.iter().chain(&exported) {
                    prop_assert!(row.inside(&scope));
                    let text = String::from_utf8(csv(std::slice::from_ref(row)).unwrap()).unwrap();
                    let gbv = row.envelope.to_string().contains("VBG") || text.contains(RESERVED);
                    if gbv && !cleared {
                        prop_assert!(!text.contains(ACCOUNT), "{}", text);
                        prop_assert!(!row.envelope.to_string().contains(ACCOUNT));
                    }
                }
                drop(db);
                let _ = std::fs::remove_dir_all(&dir);
            }
        }

        fn rand_suffix() -> u64 {
            use std::sync::atomic::{AtomicU64, Ordering};
            static N: AtomicU64 = AtomicU64::new(0);
            N.fetch_add(1, Ordering::SeqCst)
        }
    }

    #[test]
    fn payloads_flatten_sensibly() {
        let mut out = Vec::new();
        flatten(
            "",
            &json!({
                "location": {"region": "ML01", "cercle": "ML0302", "commune": "ML030204", "village": "Diéma"},
                "themes": ["paix", "vbg"],
                "participants": [{"sexe": "F", "n": 3}, {"sexe": "M", "n": 2}],
                "note": null
            }),
            &mut out,
        );
        let get = |k: &str| out.iter().find(|(c, _)| c == k).map(|(_, v)| v.as_str());
        assert_eq!(get("location.region"), Some("ML01"));
        assert_eq!(
            get("location.region_nom"),
            Some("Kayes"),
            "named from the same table"
        );
        assert_eq!(get("location.commune_nom"), Some("Kadiolo"));
        assert_eq!(get("location.village_nom"), None);
        assert_eq!(get("location.village"), Some("Diéma"));
        assert_eq!(get("themes"), Some("paix | vbg"));
        assert_eq!(get("participants[1].sexe"), Some("F"));
        assert_eq!(get("participants[2].n"), Some("2"));
        assert_eq!(get("note"), Some(""));
        // Numbers are never mistaken for formulas (Mali's longitudes are negative).
        let mut gps = Vec::new();
        flatten("", &json!({"lon": -8.0, "t": "=1+1"}), &mut gps);
        assert_eq!(gps[0].1, "-8.0");
        assert_eq!(gps[1].1, "'=1+1");
    }

    /// Payload keys become column names: they were written unprefixed.
    #[test]
    fn formula_column_names_are_defused_too() {
        let row = Row {
            id: "7d444840-9dc0-11d1-b245-5ffdce74fad2".into(),
            envelope: json!({"payload": {"=HYPERLINK(\"http://x\")": "a", "+A1": "b", "ok": "c;d"}}),
            received: String::new(),
            created: String::new(),
            token_label: "t".into(),
        };
        let out = String::from_utf8(csv(&[row]).unwrap()[3..].to_vec()).unwrap();
        let header = out.lines().next().unwrap();
        assert!(
            header.contains(r#""'=HYPERLINK(""http://x"")""#),
            "{header}"
        );
        assert!(header.contains(r#""'+A1""#), "{header}");
        assert!(out.contains(r#""c;d""#), "a ';' stays inside its cell");
    }

    #[test]
    fn formulas_are_defused_and_plain_text_is_not() {
        assert_eq!(defuse("=HYPERLINK(\"x\")".into()), "'=HYPERLINK(\"x\")");
        for sneaky in [
            " =1+1",
            "\u{A0}+A1",
            "\n@SUM(A1)",
            "\u{FF1D}1+1",
            "\u{FF20}x",
            "\t-2",
        ] {
            assert!(defuse(sneaky.into()).starts_with('\''), "{sneaky:?}");
        }
        assert_eq!(defuse("Awa\u{202E}exe.txt".into()), "Awaexe.txt");
        assert_eq!(defuse("-cmd".into()), "'-cmd");
        assert_eq!(defuse("Ségou".into()), "Ségou");
    }

    #[test]
    fn days_are_checked_before_reaching_sql() {
        assert!(is_day("2026-11-22"));
        assert!(!is_day("2026-11-2"));
        assert!(!is_day("'; DROP"));
    }

    #[test]
    fn place_names_come_from_the_bundled_list() {
        assert_eq!(place_label("ML01"), "Kayes (ML01)");
        assert_eq!(place_label("ML0101"), "Bafoulabé (ML0101)");
        assert_eq!(place_label("ML030204"), "Kadiolo (ML030204)");
        // A commune whose name could not be matched to its code stays a code.
        assert_eq!(place_label("ML030401"), "ML030401");
    }

    #[test]
    fn the_hxl_row_tags_places_dates_levels_and_categories() {
        assert_eq!(hxl_tag("created_at"), "#date");
        assert_eq!(hxl_tag("location.region"), "#adm1+code");
        assert_eq!(hxl_tag("location.cercle"), "#adm2+code");
        assert_eq!(hxl_tag("location.commune"), "#adm3+code");
        assert_eq!(hxl_tag("category"), "#event+type");
        assert_eq!(hxl_tag("alert_level"), "#severity");
        assert_eq!(hxl_tag("gps.lat"), "#geo+lat");
        assert_eq!(hxl_tag("gps.lon"), "#geo+lon");
        assert_eq!(hxl_tag("description"), "");
        let row = Row {
            id: "r1".into(),
            envelope: serde_json::json!({"id": "r1", "payload": {"alert_level": "rouge",
                "location": {"region": "ML03"}, "description": "x"}}),
            received: String::new(),
            created: String::new(),
            token_label: String::new(),
        };
        let mut columns = Columns::default();
        columns.add(&row);
        let (_, first) = CsvWriter::new(columns, true).unwrap();
        let text = String::from_utf8(first[3..].to_vec()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(
            lines[1].starts_with("\"#meta+id\",\"#meta+form\""),
            "{}",
            lines[1]
        );
        // alert_level, description, location.region: the order of the header above.
        assert!(
            lines[1].contains("\"#severity\",\"\",\"#adm1+code\""),
            "{}",
            lines[1]
        );
        assert_eq!(
            lines[0].matches("\",\"").count(),
            lines[1].matches("\",\"").count(),
            "one tag per column"
        );
    }
}
