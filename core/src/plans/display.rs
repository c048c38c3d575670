//! How a plan's values read, on the phone and on the coordinator's pages alike: choice
//! labels, the title of a referenced item, amounts with their thousands apart, dates as
//! written in Mali (`31/10/2026`).

use serde_json::Value;

use super::schema::{self, FieldKind};
use super::Plan;
use crate::i18n::Lang;

/// `150 000` for 150000 (a no-break space between thousands).
pub fn amount(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// `31/10/2026` for `2026-10-31`; anything else as it is.
pub fn date(iso: &str) -> String {
    let mut parts = iso.splitn(3, '-');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(y), Some(m), Some(d))
            if y.len() == 4 && m.len() == 2 && d.len() == 2 && iso.is_ascii() =>
        {
            format!("{d}/{m}/{y}")
        }
        _ => iso.to_owned(),
    }
}

/// How value `v` of a field of kind `kind` reads (empty for no value).
pub fn value_text(plan: &Plan, kind: FieldKind, v: &Value, lang: Lang) -> String {
    match (kind, v) {
        (_, Value::Null) => String::new(),
        (FieldKind::Choice(codes), Value::String(code)) => codes
            .iter()
            .find(|c| c.0 == code)
            .map_or(code.clone(), |c| c.1.text(lang).to_owned()),
        (FieldKind::Ref(list), Value::String(id)) => {
            let title = schema::list(plan.kind, list).map_or("title", |l| l.title_field);
            plan.item(list, id)
                .map(|i| i.text(title).to_owned())
                .unwrap_or_default()
        }
        (FieldKind::Number, Value::Number(n)) => n.as_i64().map_or(n.to_string(), amount),
        (FieldKind::Date, Value::String(s)) => date(s),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plans::PlanKind;
    use serde_json::json;
    use uuid::Uuid;

    #[test]
    fn values_read_as_people_write_them() {
        let mut p = Plan::new(Uuid::from_u128(1), PlanKind::PlanCommunal, "ML030201");
        p.set("conflicts", "c1", "title", json!("Conflit foncier"), 1, "A")
            .unwrap();
        let spec = schema::list(p.kind, "activities").unwrap();
        let kind = |f: &str| spec.field(f).unwrap().kind;
        assert_eq!(
            value_text(&p, kind("end"), &json!("2026-10-31"), Lang::Fr),
            "31/10/2026"
        );
        assert_eq!(
            value_text(&p, kind("budget"), &json!(150000), Lang::Fr),
            "150\u{a0}000"
        );
        assert_eq!(
            value_text(&p, kind("status"), &json!("en_cours"), Lang::Fr),
            "En cours"
        );
        assert_eq!(
            value_text(&p, kind("status"), &json!("en_cours"), Lang::En),
            "Under way"
        );
        assert_eq!(value_text(&p, kind("status"), &Value::Null, Lang::Fr), "");
        let mediation = schema::list(p.kind, "mediation").unwrap();
        let conflict = mediation.field("conflict").unwrap().kind;
        assert_eq!(
            value_text(&p, conflict, &json!("c1"), Lang::Fr),
            "Conflit foncier"
        );
        assert_eq!(date("bientôt"), "bientôt");
        assert_eq!(amount(-1500), "-1\u{a0}500");
    }
}
