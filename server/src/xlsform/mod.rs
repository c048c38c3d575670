//! XLSForm import (`vigie-server form import survey.xlsx`, docs/FORMS.md "XLSForm"): the
//! `survey`, `choices` and `settings` sheets become a Vigie form definition, checked by the
//! core like any other. What cannot be said the same way in Vigie is listed with its sheet,
//! row and column, and the import fails unless partial forms are allowed: never a form
//! that silently behaves differently.

mod xpath;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde_json::{json, Map, Value};
use thiserror::Error;
use vigie_core::forms::model::FormDef;

/// Why a spreadsheet gives no form at all.
#[derive(Debug, Error)]
pub enum ImportError {
    /// Not a readable spreadsheet.
    #[error("{0}: not a readable .xlsx/.xls/.ods spreadsheet: {1}")]
    Unreadable(String, String),
    /// No `survey` sheet.
    #[error("no 'survey' sheet (an XLSForm has survey, choices and settings sheets)")]
    NoSurvey,
    /// A sheet without the columns it needs.
    #[error("sheet '{0}': no '{1}' column in its first row")]
    NoColumn(String, String),
    /// Groups or repeats that do not close, or close what is not open.
    #[error("survey, row {0}: {1}")]
    Structure(usize, String),
    /// The result is not a valid Vigie form.
    #[error("the form made is not valid: {0}")]
    Invalid(String),
}

/// Something the spreadsheet asks that Vigie cannot do the same way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsupported {
    /// Sheet name.
    pub sheet: String,
    /// Row (from 1, as the spreadsheet shows it).
    pub row: usize,
    /// Column letter(s).
    pub column: String,
    /// What and why.
    pub what: String,
}

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}!{}{}: {}",
            self.sheet, self.column, self.row, self.what
        )
    }
}

/// A sheet's cells as text, row by row.
#[derive(Clone, Debug, Default)]
pub struct Sheet {
    /// Its name.
    pub name: String,
    /// Rows, the header first.
    pub rows: Vec<Vec<String>>,
}

impl Sheet {
    fn header(&self) -> Vec<String> {
        self.rows
            .first()
            .map(|r| r.iter().map(|h| h.trim().to_owned()).collect())
            .unwrap_or_default()
    }
}

/// The three sheets of an XLSForm.
#[derive(Clone, Debug, Default)]
pub struct Workbook {
    /// `survey`.
    pub survey: Sheet,
    /// `choices`, if any.
    pub choices: Option<Sheet>,
    /// `settings`, if any.
    pub settings: Option<Sheet>,
}

/// Reads the sheets of the spreadsheet at `path`.
pub fn read(path: &Path) -> Result<Workbook, ImportError> {
    use calamine::Reader;
    let unreadable = |e: String| ImportError::Unreadable(path.display().to_string(), e);
    let mut book = calamine::open_workbook_auto(path).map_err(|e| unreadable(e.to_string()))?;
    let names = book.sheet_names().to_vec();
    let mut sheet = |wanted: &str| -> Result<Option<Sheet>, ImportError> {
        let Some(name) = names.iter().find(|n| n.trim().eq_ignore_ascii_case(wanted)) else {
            return Ok(None);
        };
        let range = book
            .worksheet_range(name)
            .map_err(|e| unreadable(e.to_string()))?;
        // Rows from the sheet's first row, so row numbers are the spreadsheet's.
        let start = range.start().map(|(r, _)| r as usize).unwrap_or(0);
        let mut rows: Vec<Vec<String>> = vec![Vec::new(); start];
        rows.extend(
            range
                .rows()
                .map(|r| r.iter().map(|c| c.to_string()).collect()),
        );
        // A header is the first non-empty row.
        while rows
            .first()
            .is_some_and(|r| r.iter().all(|c| c.trim().is_empty()))
        {
            rows.remove(0);
        }
        Ok(Some(Sheet {
            name: name.clone(),
            rows,
        }))
    };
    let survey = sheet("survey")?.ok_or(ImportError::NoSurvey)?;
    Ok(Workbook {
        survey,
        choices: sheet("choices")?,
        settings: sheet("settings")?,
    })
}

/// The form made, and what could not be carried over.
#[derive(Debug)]
pub struct Imported {
    /// The definition (valid).
    pub def: FormDef,
    /// What the spreadsheet asks that Vigie does not do the same way.
    pub unsupported: Vec<Unsupported>,
    /// What is left out without changing how the form behaves (other languages, columns
    /// of presentation): told, not blocking.
    pub notes: Vec<String>,
}

/// `A`, `B`, …, `Z`, `AA`, … of a column index from 0.
fn letter(mut i: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push((b'A' + (i % 26) as u8) as char);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    out.iter().rev().collect()
}

/// The language code of a column such as `label::Français (fr)`, `label::English`, or
/// `label` (the default language).
fn language(header: &str, default: &str) -> String {
    let Some((_, lang)) = header.split_once("::") else {
        return default.to_owned();
    };
    if let Some(code) = lang.rsplit_once('(').and_then(|(_, c)| c.strip_suffix(')')) {
        return code.trim().to_lowercase();
    }
    match lang.trim().to_lowercase().as_str() {
        "french" | "français" | "francais" => "fr".into(),
        "english" | "anglais" => "en".into(),
        "bambara" | "bamanankan" => "bm".into(),
        other => other.to_owned(),
    }
}

/// Reads one sheet's rows as named cells.
struct Table<'a> {
    sheet: &'a Sheet,
    columns: Vec<String>,
    default_lang: String,
}

impl<'a> Table<'a> {
    fn new(sheet: &'a Sheet, default_lang: &str) -> Table<'a> {
        Table {
            sheet,
            columns: sheet.header(),
            default_lang: default_lang.to_owned(),
        }
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name))
    }

    fn has(&self, name: &str) -> bool {
        self.index(name).is_some()
    }

    /// Rows after the header: (spreadsheet row number, cells).
    fn rows(&self) -> impl Iterator<Item = (usize, &'a [String])> {
        self.sheet
            .rows
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, r)| (i + 1, r.as_slice()))
    }

    fn cell(&self, row: &[String], name: &str) -> String {
        self.index(name)
            .and_then(|i| row.get(i))
            .map(|c| c.trim().to_owned())
            .unwrap_or_default()
    }

    fn column(&self, name: &str) -> String {
        self.index(name).map(letter).unwrap_or_default()
    }

    /// A text in every language the sheet has for `base` (`label`, `hint`, …), as a
    /// Vigie text (`fr`, `en`, `bm`), with the languages Vigie cannot carry.
    fn text(&self, row: &[String], base: &str) -> (Option<Value>, Vec<String>) {
        let mut by_lang: BTreeMap<String, String> = BTreeMap::new();
        for (i, h) in self.columns.iter().enumerate() {
            let matches = h.eq_ignore_ascii_case(base)
                || h.to_lowercase()
                    .starts_with(&format!("{}::", base.to_lowercase()));
            let text = row.get(i).map(|c| c.trim()).unwrap_or("");
            if matches && !text.is_empty() {
                by_lang.insert(language(h, &self.default_lang), text.to_owned());
            }
        }
        if by_lang.is_empty() {
            return (None, Vec::new());
        }
        let mut t = Map::new();
        let fr = by_lang
            .get("fr")
            .or_else(|| by_lang.get(&self.default_lang))
            .or_else(|| by_lang.values().next())
            .cloned()
            .unwrap_or_default();
        t.insert("fr".into(), fr.into());
        for code in ["en", "bm"] {
            if let Some(v) = by_lang.get(code) {
                t.insert(code.into(), v.clone().into());
            }
        }
        let others = by_lang
            .keys()
            .filter(|k| !matches!(k.as_str(), "fr" | "en" | "bm"))
            .cloned()
            .collect();
        (Some(Value::Object(t)), others)
    }
}

/// Metadata questions: Vigie's records carry their own time, author and device.
const METADATA: [&str; 13] = [
    "start",
    "end",
    "today",
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "email",
    "audit",
    "start-geopoint",
    "background-audio",
    "uri:email",
];

/// What a survey row opens or closes.
enum Frame {
    Section(Map<String, Value>),
    Repeat(Map<String, Value>),
    /// A group inside a group or repeat: its questions join the enclosing one.
    Nested,
}

struct Builder<'a> {
    table: Table<'a>,
    unsupported: Vec<Unsupported>,
    sections: Vec<Value>,
    stack: Vec<Frame>,
    loose: usize,
    title: Value,
    /// Lists a `select_… or_other` question uses: they gain an "other" choice.
    other_lists: Vec<String>,
    /// Where questions would go with no frame open (never: `fields` opens one).
    spare: Vec<Value>,
    /// Languages of texts Vigie cannot hold.
    dropped: BTreeSet<String>,
    notes: Vec<String>,
}

impl Builder<'_> {
    fn unsupported(&mut self, row: usize, column: &str, what: impl Into<String>) {
        let column = self.table.column(column);
        self.unsupported.push(Unsupported {
            sheet: self.table.sheet.name.clone(),
            row,
            column,
            what: what.into(),
        });
    }

    /// The fields list new questions go to: the innermost section or repeat open (a
    /// section of its own for questions outside any group).
    fn fields(&mut self) -> &mut Vec<Value> {
        if self.stack.is_empty() {
            self.loose += 1;
            let mut s = Map::new();
            s.insert("name".into(), format!("_{}", self.loose).into());
            s.insert("title".into(), self.title.clone());
            self.stack.push(Frame::Section(s));
        }
        let open = self.stack.iter_mut().rev().find_map(|f| match f {
            Frame::Section(m) | Frame::Repeat(m) => Some(m),
            Frame::Nested => None,
        });
        let Some(map) = open else {
            return &mut self.spare;
        };
        let fields = map.entry("fields").or_insert_with(|| json!([]));
        if !fields.is_array() {
            *fields = json!([]);
        }
        match fields {
            Value::Array(a) => a,
            _ => &mut self.spare,
        }
    }

    /// An expression of column `column` translated, or listed as unsupported.
    fn expression(&mut self, row: usize, column: &str, src: &str) -> Option<String> {
        match xpath::translate(src) {
            Ok(e) => Some(e),
            Err(why) => {
                self.unsupported(row, column, format!("'{src}': {why}"));
                None
            }
        }
    }

    fn close_loose(&mut self) {
        if let Some(Frame::Section(s)) = self.stack.last() {
            if s.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.starts_with('_'))
            {
                if let Some(Frame::Section(s)) = self.stack.pop() {
                    self.sections.push(Value::Object(s));
                }
            }
        }
    }
}

/// Converts the sheets into a Vigie form; `id` replaces the settings' `form_id`.
pub fn convert(book: &Workbook, id: Option<&str>) -> Result<Imported, ImportError> {
    let mut settings: BTreeMap<String, String> = BTreeMap::new();
    if let Some(sheet) = &book.settings {
        let header = sheet.header();
        if let Some(row) = sheet.rows.get(1) {
            for (i, h) in header.iter().enumerate() {
                if let Some(v) = row.get(i).map(|c| c.trim()).filter(|c| !c.is_empty()) {
                    settings.insert(h.to_lowercase(), v.to_owned());
                }
            }
        }
    }
    let default_lang = settings
        .get("default_language")
        .map(|d| language(&format!("x::{d}"), "fr"))
        .unwrap_or_else(|| "fr".into());
    let form_id = id
        .map(str::to_owned)
        .or_else(|| settings.get("form_id").cloned())
        .unwrap_or_else(|| "imported".into());
    let version = settings
        .get("version")
        .cloned()
        .unwrap_or_else(|| "1".into());
    let title = settings
        .get("form_title")
        .cloned()
        .unwrap_or_else(|| form_id.clone());
    let table = Table::new(&book.survey, &default_lang);
    for needed in ["type", "name"] {
        if !table.has(needed) {
            return Err(ImportError::NoColumn(
                book.survey.name.clone(),
                needed.into(),
            ));
        }
    }
    let mut b = Builder {
        table,
        unsupported: Vec::new(),
        sections: Vec::new(),
        stack: Vec::new(),
        loose: 0,
        title: json!({ "fr": title }),
        other_lists: Vec::new(),
        spare: Vec::new(),
        dropped: BTreeSet::new(),
        notes: Vec::new(),
    };
    // Columns Vigie does not read at all.
    for (i, h) in b.table.columns.clone().iter().enumerate() {
        let base = h.split("::").next().unwrap_or("").to_lowercase();
        let known = [
            "type",
            "name",
            "label",
            "hint",
            "required",
            "required_message",
            "relevant",
            "constraint",
            "constraint_message",
            "choice_filter",
            "default",
            "calculation",
            "appearance",
            "read_only",
            "guidance_hint",
            "media",
            "image",
            "audio",
            "video",
            "parameters",
            "repeat_count",
            "trigger",
            "body",
            "bind",
            "",
        ];
        if !known.contains(&base.as_str()) {
            b.notes.push(format!(
                "{}!{}1: column '{h}' is not read",
                b.table.sheet.name,
                letter(i)
            ));
        }
    }
    let rows: Vec<(usize, Vec<String>)> = b.table.rows().map(|(n, r)| (n, r.to_vec())).collect();
    for (n, row) in rows {
        let kind = b.table.cell(&row, "type");
        let kind = kind.split_whitespace().collect::<Vec<_>>().join(" ");
        let name = b.table.cell(&row, "name");
        if kind.is_empty() {
            continue;
        }
        let (label, extra_langs) = b.table.text(&row, "label");
        b.dropped.extend(extra_langs);
        let label = label.unwrap_or_else(|| json!({ "fr": name }));
        let lower = kind.to_lowercase();
        match lower.as_str() {
            "begin group" | "begin_group" => {
                if !b.stack.is_empty() {
                    b.close_loose();
                }
                if !b.stack.is_empty() {
                    b.unsupported(
                        n,
                        "type",
                        "a group inside a group or repeat: its questions join the enclosing one",
                    );
                    b.stack.push(Frame::Nested);
                    continue;
                }
                let mut s = Map::new();
                s.insert("name".into(), name.clone().into());
                s.insert("title".into(), label);
                let relevant = b.table.cell(&row, "relevant");
                if !relevant.is_empty() {
                    if let Some(e) = b.expression(n, "relevant", &relevant) {
                        s.insert("relevant".into(), e.into());
                    }
                }
                s.insert("fields".into(), json!([]));
                b.stack.push(Frame::Section(s));
                continue;
            }
            "end group" | "end_group" => {
                match b.stack.pop() {
                    Some(Frame::Nested) => {}
                    Some(Frame::Section(s))
                        if s.get("name")
                            .and_then(Value::as_str)
                            .is_some_and(|n| !n.starts_with('_')) =>
                    {
                        b.sections.push(Value::Object(s))
                    }
                    _ => {
                        return Err(ImportError::Structure(
                            n,
                            "'end group' without its 'begin group'".into(),
                        ))
                    }
                }
                continue;
            }
            "begin repeat" | "begin_repeat" => {
                let mut f = Map::new();
                f.insert("name".into(), name.clone().into());
                f.insert("type".into(), "repeat".into());
                f.insert("label".into(), label);
                if !b.table.cell(&row, "repeat_count").is_empty() {
                    b.unsupported(
                        n,
                        "repeat_count",
                        "a fixed number of repeats is not supported",
                    );
                }
                b.fields();
                b.stack.push(Frame::Repeat(f));
                continue;
            }
            "end repeat" | "end_repeat" => {
                match b.stack.pop() {
                    Some(Frame::Repeat(f)) => {
                        b.fields().push(Value::Object(f));
                    }
                    _ => {
                        return Err(ImportError::Structure(
                            n,
                            "'end repeat' without its 'begin repeat'".into(),
                        ))
                    }
                }
                continue;
            }
            _ => {}
        }
        if METADATA.contains(&lower.as_str()) {
            // Recorded by Vigie itself (time, author, device): nothing to ask.
            continue;
        }
        let mut f = Map::new();
        f.insert("name".into(), name.clone().into());
        f.insert("label".into(), label);
        let mut parts = lower.split(' ');
        let head = parts.next().unwrap_or("");
        let list = parts.next().map(str::to_owned);
        let or_other = parts.next() == Some("or_other");
        let vigie = match head {
            "text" => "text",
            "integer" | "int" => "integer",
            "decimal" => "decimal",
            "date" => "date",
            "time" => "time",
            "geopoint" => "gps",
            "note" => "note",
            "calculate" => "text",
            "select_one" | "select_multiple" if list.is_some() => head,
            _ => {
                b.unsupported(
                    n,
                    "type",
                    format!("question type '{kind}' is not supported"),
                );
                continue;
            }
        };
        f.insert("type".into(), vigie.into());
        if let Some(list) = &list {
            f.insert("choices".into(), list.clone().into());
        }
        if let (Some(h), others) = b.table.text(&row, "hint") {
            f.insert("hint".into(), h);
            b.dropped.extend(others);
        }
        match b.table.cell(&row, "required").to_lowercase().as_str() {
            "" | "no" | "false" | "false()" | "0" => {}
            "yes" | "true" | "true()" | "1" => {
                f.insert("required".into(), true.into());
            }
            other => b.unsupported(n, "required", format!("'{other}': only yes or no")),
        }
        for (column, key) in [
            ("relevant", "relevant"),
            ("constraint", "constraint"),
            ("calculation", "calculate"),
        ] {
            let src = b.table.cell(&row, column);
            if !src.is_empty() {
                if let Some(e) = b.expression(n, column, &src) {
                    f.insert(key.into(), e.into());
                }
            }
        }
        if head == "calculate" && !f.contains_key("calculate") {
            // Refused above, or missing.
            if b.table.cell(&row, "calculation").is_empty() {
                b.unsupported(
                    n,
                    "calculation",
                    "a calculate question needs its calculation",
                );
            }
            continue;
        }
        if let (Some(m), _) = b.table.text(&row, "constraint_message") {
            f.insert("constraint_message".into(), m);
        }
        let default = b.table.cell(&row, "default");
        if !default.is_empty() {
            if head == "date" && matches!(default.as_str(), "today()" | "today") {
                f.insert("default".into(), "today".into());
            } else {
                b.unsupported(
                    n,
                    "default",
                    format!("default '{default}': Vigie only starts a date at today"),
                );
            }
        }
        let filter = b.table.cell(&row, "choice_filter");
        if !filter.is_empty() {
            match xpath::translate_filter(&filter) {
                Ok(rule) => {
                    f.insert("choice_filter".into(), rule.into());
                }
                Err(why) => b.unsupported(n, "choice_filter", format!("'{filter}': {why}")),
            }
        }
        let other_field = or_other.then(|| {
            let test = if head == "select_one" {
                format!("${{{name}}} = 'other'")
            } else {
                format!("selected(${{{name}}}, 'other')")
            };
            json!({"name": format!("{name}_other"), "type": "text",
                   "label": {"fr": "Précisez", "en": "Specify"}, "relevant": test, "required": true})
        });
        b.fields().push(Value::Object(f));
        if let Some(o) = other_field {
            b.fields().push(o);
        }
        if let Some(list) = list.filter(|_| or_other) {
            b.other_lists.push(list);
        }
    }
    match b.stack.pop() {
        None => {}
        Some(Frame::Section(s))
            if s.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.starts_with('_'))
                && b.stack.is_empty() =>
        {
            b.sections.push(Value::Object(s))
        }
        Some(_) => {
            return Err(ImportError::Structure(
                book.survey.rows.len(),
                "a group or repeat is not closed".into(),
            ))
        }
    }
    let choice_lists = choices(book, &default_lang, &b.other_lists, &mut b.dropped)?;
    if !b.dropped.is_empty() {
        let langs: Vec<String> = b.dropped.iter().cloned().collect();
        b.notes.push(format!(
            "texts in {} are left out: a Vigie form holds French, English and Bambara",
            langs.join(", ")
        ));
    }
    let def = json!({
        "format": 1, "id": form_id, "version": version, "kind": "survey",
        "title": b.title, "choice_lists": choice_lists, "sections": b.sections,
    });
    let def: FormDef =
        serde_json::from_value(def).map_err(|e| ImportError::Invalid(e.to_string()))?;
    vigie_core::forms::validate::validate(&def).map_err(|e| ImportError::Invalid(e.to_string()))?;
    Ok(Imported {
        def,
        unsupported: b.unsupported,
        notes: b.notes,
    })
}

/// The `choices` sheet as Vigie choice lists.
fn choices(
    book: &Workbook,
    default_lang: &str,
    other_lists: &[String],
    dropped: &mut BTreeSet<String>,
) -> Result<Value, ImportError> {
    let mut lists: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    if let Some(sheet) = &book.choices {
        let table = Table::new(sheet, default_lang);
        let list_col = if table.has("list_name") {
            "list_name"
        } else {
            "list name"
        };
        for needed in [list_col, "name"] {
            if !table.has(needed) {
                return Err(ImportError::NoColumn(sheet.name.clone(), needed.into()));
            }
        }
        for (_, row) in table.rows() {
            let list = table.cell(row, list_col);
            let code = table.cell(row, "name");
            if list.is_empty() || code.is_empty() {
                continue;
            }
            let (label, others) = table.text(row, "label");
            dropped.extend(others);
            // Every other column is what a choice_filter may read of the choice.
            let attrs: serde_json::Map<String, Value> = table
                .columns
                .iter()
                .filter(|h| {
                    let base = h.split("::").next().unwrap_or("").to_lowercase();
                    !matches!(
                        base.as_str(),
                        "" | "list_name"
                            | "list name"
                            | "name"
                            | "label"
                            | "image"
                            | "media"
                            | "audio"
                            | "video"
                    )
                })
                .filter_map(|h| {
                    let v = table.cell(row, h);
                    (!v.is_empty()).then(|| (h.clone(), Value::String(v)))
                })
                .collect();
            let mut choice =
                json!({"code": code, "label": label.unwrap_or_else(|| json!({"fr": code}))});
            if !attrs.is_empty() {
                choice["attrs"] = Value::Object(attrs);
            }
            lists.entry(list).or_default().push(choice);
        }
    }
    for list in other_lists {
        let entries = lists.entry(list.clone()).or_default();
        if !entries.iter().any(|c| c["code"] == "other") {
            entries.push(json!({"code": "other", "label": {"fr": "Autre", "en": "Other"}}));
        }
    }
    Ok(serde_json::to_value(lists).unwrap_or(Value::Null))
}
