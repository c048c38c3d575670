//! The SMS fallback of an alert: when a red or orange alert is saved with no data network,
//! the phone offers an `sms:` link to the coordination number with a short text a person
//! can read and a gateway can parse, carrying the record's short id so that the full record,
//! arriving later by data, completes the same alert (exactly once across both channels):
//!
//! `VIGIE ROUGE 23/11 Kadiolo PHY-04 #1a2b3c4d`
//!
//! Level, day (dd/mm), place, incident codes, `#` and the first 8 hex digits of the id.

use uuid::Uuid;

/// The word every alert SMS starts with.
pub const PREFIX: &str = "VIGIE";
/// Longest place kept in the text (an SMS is 160 characters).
const MAX_PLACE: usize = 40;
/// The levels an SMS names, as the incident form's codes.
const LEVELS: [&str; 4] = ["vert", "jaune", "orange", "rouge"];

/// An alert read from an SMS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmsAlert {
    /// Level code (`rouge`).
    pub level: String,
    /// Day as written (`23/11`).
    pub day: String,
    /// Place in words.
    pub place: String,
    /// Incident codes (`PHY-04`).
    pub codes: Vec<String>,
    /// The first 8 hex digits of the record's id.
    pub short_id: String,
}

/// Why a text is not an alert SMS (it is kept as text all the same).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Garbled {
    /// It does not start with `VIGIE`.
    #[error("the text does not start with VIGIE")]
    NoPrefix,
    /// The level is missing or unknown.
    #[error("no known alert level")]
    NoLevel,
    /// No `#` and 8 hex digits at the end.
    #[error("no record id at the end")]
    NoId,
}

/// The short id an SMS carries for record `id`.
pub fn short_id(id: &Uuid) -> String {
    id.simple().to_string()[..8].to_owned()
}

/// Whether `short` (from an SMS) names the record `id`.
pub fn names(short: &str, id: &str) -> bool {
    short.len() == 8 && id.replace('-', "").starts_with(&short.to_ascii_lowercase())
}

/// The text of the SMS for an alert; `date` is the incident's ISO date (`2026-11-23`).
pub fn compose(level: &str, date: &str, place: &str, codes: &[String], id: &Uuid) -> String {
    let day = match date.split('-').collect::<Vec<_>>().as_slice() {
        [_, m, d] => format!("{d}/{m}"),
        _ => date.to_owned(),
    };
    let place: String = place
        .chars()
        .map(|c| {
            if c == '#' || c.is_whitespace() {
                ' '
            } else {
                c
            }
        })
        .take(MAX_PLACE)
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut parts = vec![PREFIX.to_owned(), level.to_uppercase(), day];
    if !place.is_empty() {
        parts.push(place);
    }
    parts.extend(codes.iter().take(4).cloned());
    parts.push(format!("#{}", short_id(id)));
    parts.join(" ")
}

/// The `sms:` link that opens the phone's messaging app with `text` for `number`.
pub fn href(number: &str, text: &str) -> String {
    let number: String = number
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    let mut body = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                body.push(b as char)
            }
            _ => body.push_str(&format!("%{b:02X}")),
        }
    }
    format!("sms:{number}?body={body}")
}

/// The SMS text of a finalised record of `def`: its alert level, date, first place and
/// incident codes (the precise ones when given, else the categories). `None` when the
/// record names no alert level.
///
/// A report the form marks as sensitive (its discreet-receipt rule: gender-based
/// violence) names no incident code at all: the text stays in the phone's messaging app,
/// outside the PIN and outside the discreet receipt, so it says only that there is an
/// alert of this level at this place. The coordination learns what it is from the record.
pub fn for_record(
    def: &crate::forms::FormDef,
    payload: &serde_json::Value,
    id: &Uuid,
    today: &str,
) -> Option<String> {
    let level = payload.get("alert_level")?.as_str()?;
    let date = payload
        .get("incident_date")
        .and_then(|d| d.as_str())
        .unwrap_or(today);
    let place = crate::forms::readable::record_place(def, payload).unwrap_or_default();
    let strings = |key: &str| -> Vec<String> {
        payload
            .get(key)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let categories = strings("category");
    let precise: Vec<String> = categories
        .iter()
        .flat_map(|c| strings(&format!("sub_{}", c.to_lowercase())))
        .collect();
    let answers = payload.as_object().cloned().unwrap_or_default();
    let codes = if crate::forms::discreet_receipt(def, &answers, today)
        || categories
            .iter()
            .chain(&precise)
            .any(|c| is_sensitive_code(c))
    {
        Vec::new()
    } else if precise.is_empty() {
        categories
    } else {
        precise
    };
    Some(compose(level, date, &place, &codes, id))
}

/// Whether an incident code is of the gender-based-violence family (`VBG`, `VBG-01`):
/// never written in an SMS, whatever a published form's rules say.
pub fn is_sensitive_code(code: &str) -> bool {
    code.get(..3).is_some_and(|h| h.eq_ignore_ascii_case("VBG"))
}

/// A text as it is compared with others: upper case, one space between words. A gateway
/// retry, the same alert forwarded from another number or retyped in lower case is the
/// same text.
pub fn normalise(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase()
}

/// How an alert SMS disagrees with the record its short id names, if it does: another
/// level, or a place that names none of the record's places (`places`: the names and
/// codes of its region, cercle and commune). An SMS without a place agrees on place.
pub fn contradiction(alert: &SmsAlert, level: &str, places: &[String]) -> Option<String> {
    if !level.is_empty() && !alert.level.eq_ignore_ascii_case(level) {
        return Some(format!("level {} ≠ {}", alert.level, level.to_lowercase()));
    }
    let said = alert.place.to_lowercase();
    if said.is_empty() {
        return None;
    }
    let known: Vec<String> = places
        .iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| p.to_lowercase())
        .collect();
    if known.is_empty() || known.iter().any(|p| said.contains(p.as_str())) {
        None
    } else {
        Some(format!("place {} ≠ {}", alert.place, places.join(", ")))
    }
}

fn is_code(token: &str) -> bool {
    let (head, tail) = token.split_once('-').unwrap_or((token, ""));
    head.len() == 3
        && head.chars().all(|c| c.is_ascii_uppercase())
        && (tail.is_empty() || (tail.len() == 2 && tail.chars().all(|c| c.is_ascii_digit())))
}

/// Reads an alert SMS; tolerant of case, extra spaces and a missing day or place.
pub fn parse(text: &str) -> Result<SmsAlert, Garbled> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let (first, rest) = tokens.split_first().ok_or(Garbled::NoPrefix)?;
    if !first.eq_ignore_ascii_case(PREFIX) {
        return Err(Garbled::NoPrefix);
    }
    let (level, rest) = rest.split_first().ok_or(Garbled::NoLevel)?;
    let level = level.to_lowercase();
    if !LEVELS.contains(&level.as_str()) {
        return Err(Garbled::NoLevel);
    }
    let (last, mut rest) = rest.split_last().ok_or(Garbled::NoId)?;
    let short = last.strip_prefix('#').ok_or(Garbled::NoId)?;
    if short.len() != 8 || !short.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Garbled::NoId);
    }
    let mut day = String::new();
    if let Some((d, after)) = rest.split_first() {
        if d.contains('/') && d.chars().all(|c| c.is_ascii_digit() || c == '/') {
            day = (*d).to_owned();
            rest = after;
        }
    }
    let split = rest.iter().rposition(|t| !is_code(t)).map_or(0, |i| i + 1);
    Ok(SmsAlert {
        level,
        day,
        place: rest[..split].join(" "),
        codes: rest[split..].iter().map(|s| (*s).to_owned()).collect(),
        short_id: short.to_ascii_lowercase(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> Uuid {
        Uuid::parse_str("1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d").unwrap()
    }

    #[test]
    fn an_alert_round_trips_through_its_text() {
        let text = compose("rouge", "2026-11-23", "Kadiolo", &["PHY-04".into()], &id());
        assert_eq!(text, "VIGIE ROUGE 23/11 Kadiolo PHY-04 #1a2b3c4d");
        let read = parse(&text).unwrap();
        assert_eq!(read.level, "rouge");
        assert_eq!(read.day, "23/11");
        assert_eq!(read.place, "Kadiolo");
        assert_eq!(read.codes, vec!["PHY-04".to_owned()]);
        assert!(names(&read.short_id, &id().to_string()));
        assert!(!names(&read.short_id, &Uuid::nil().to_string()));
    }

    #[test]
    fn places_of_several_words_and_hostile_ones_stay_one_line() {
        let text = compose(
            "orange",
            "2026-01-05",
            "Loulouni,\nquartier #du marché",
            &["VBG".into(), "PHY-01".into()],
            &id(),
        );
        assert_eq!(
            text,
            "VIGIE ORANGE 05/01 Loulouni, quartier du marché VBG PHY-01 #1a2b3c4d"
        );
        let read = parse(&text).unwrap();
        assert_eq!(read.place, "Loulouni, quartier du marché");
        assert_eq!(read.codes.len(), 2);
        assert!(text.len() <= 160);
    }

    #[test]
    fn a_retyped_or_garbled_text_is_read_or_refused_never_a_panic() {
        let read = parse("  vigie   Rouge Kadiolo #1A2B3C4D ").unwrap();
        assert_eq!((read.day.as_str(), read.place.as_str()), ("", "Kadiolo"));
        assert_eq!(read.short_id, "1a2b3c4d");
        assert_eq!(parse("Bonjour, il y a un problème"), Err(Garbled::NoPrefix));
        assert_eq!(parse("VIGIE BLEU 23/11 x #1a2b3c4d"), Err(Garbled::NoLevel));
        assert_eq!(parse("VIGIE ROUGE 23/11 Kadiolo"), Err(Garbled::NoId));
        assert_eq!(parse("VIGIE ROUGE #zz"), Err(Garbled::NoId));
        for junk in [
            "",
            "VIGIE",
            "VIGIE ROUGE",
            "#",
            "VIGIE ROUGE #",
            "é\u{0}\u{202E}",
        ] {
            let _ = parse(junk);
        }
    }

    #[test]
    fn a_red_alert_record_becomes_its_sms() {
        let incident = crate::forms::builtin::all()
            .into_iter()
            .filter_map(Result::ok)
            .find(|f| f.id == "incident")
            .unwrap();
        let payload = serde_json::json!({
            "category": ["PHY"], "sub_phy": ["PHY-04"], "alert_level": "rouge",
            "incident_date": "2026-11-23",
            "location": {"region": "ML03", "cercle": "ML0302", "commune": "ML030204"},
        });
        assert_eq!(
            for_record(&incident, &payload, &id(), "2026-11-24").as_deref(),
            Some("VIGIE ROUGE 23/11 Kadiolo PHY-04 #1a2b3c4d")
        );
        let plain = serde_json::json!({"category": ["PHY"], "alert_level": "orange"});
        assert_eq!(
            for_record(&incident, &plain, &id(), "2026-11-24").as_deref(),
            Some("VIGIE ORANGE 24/11 PHY #1a2b3c4d")
        );
        assert_eq!(
            for_record(&incident, &serde_json::json!({}), &id(), "x"),
            None
        );
    }

    #[test]
    fn no_sms_names_gender_based_violence() {
        let incident = crate::forms::builtin::all()
            .into_iter()
            .filter_map(Result::ok)
            .find(|f| f.id == "incident")
            .unwrap();
        let rape = serde_json::json!({
            "category": ["VBG"], "sub_vbg": ["VBG-01"], "alert_level": "orange",
            "incident_date": "2026-11-20",
            "location": {"region": "ML03", "cercle": "ML0302", "commune": "ML030204"},
        });
        let text = for_record(&incident, &rape, &id(), "2026-11-24").unwrap();
        assert_eq!(text, "VIGIE ORANGE 20/11 Kadiolo #1a2b3c4d");
        // Mixed with another category, and under a published form without the rule.
        let mixed = serde_json::json!({
            "category": ["PHY", "VBG"], "sub_phy": ["PHY-04"], "sub_vbg": ["VBG-02"],
            "alert_level": "rouge",
        });
        let mut bare = incident.clone();
        bare.discreet_receipt_when = None;
        for def in [&incident, &bare] {
            let text = for_record(def, &mixed, &id(), "2026-11-24").unwrap();
            assert!(!text.contains("VBG") && !text.contains("PHY"), "{text}");
        }
        assert!(is_sensitive_code("vbg-01") && !is_sensitive_code("PHY-01"));
    }

    #[test]
    fn retries_and_retypes_are_one_text_and_contradictions_are_named() {
        assert_eq!(
            normalise("  vigie rouge\n23/11  Kadiolo #1a2b3c4d "),
            normalise("VIGIE ROUGE 23/11 Kadiolo #1A2B3C4D")
        );
        let alert = parse("VIGIE ROUGE 23/11 Kadiolo #1a2b3c4d").unwrap();
        let places = [
            "Sikasso".to_owned(),
            "Kadiolo".to_owned(),
            "ML030204".to_owned(),
        ];
        assert_eq!(contradiction(&alert, "rouge", &places), None);
        assert!(contradiction(&alert, "jaune", &places).is_some());
        let elsewhere = ["Kayes".to_owned(), "Diéma".to_owned()];
        assert!(contradiction(&alert, "rouge", &elsewhere).is_some());
        let nowhere = parse("VIGIE ROUGE #1a2b3c4d").unwrap();
        assert_eq!(contradiction(&nowhere, "rouge", &elsewhere), None);
    }

    #[test]
    fn the_link_carries_the_number_and_the_encoded_text() {
        assert_eq!(
            href("+223 76 00 00 00", "VIGIE ROUGE 23/11 Kadiolo #1a2b3c4d"),
            "sms:+22376000000?body=VIGIE%20ROUGE%2023%2F11%20Kadiolo%20%231a2b3c4d"
        );
    }
}
