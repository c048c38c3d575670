//! XLSForm expressions (XPath with `${name}` references) in Vigie's expression language,
//! where it says the same thing: the same operators and references, and the functions
//! both have (`selected`, `count-selected`, `count`, `today`, `not`, `string-length`,
//! `if`, `true()`, `false()`). Anything else (`pulldata`, `instance(…)`, `search`, paths,
//! `regex`, `once`, `concat`, …) is refused with why: the form would behave differently.

/// Functions spelled differently in XPath.
const RENAMED: [(&str, &str); 2] = [
    ("count-selected(", "count_selected("),
    ("string-length(", "string_length("),
];

/// `src` in Vigie's language, or why it cannot be.
pub fn translate(src: &str) -> Result<String, String> {
    let mut out = String::with_capacity(src.len());
    let mut chars = src.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // Strings: kept as they are, double quotes made single when they can be.
            '\'' | '"' => {
                let mut text = String::new();
                let mut closed = false;
                for d in chars.by_ref() {
                    if d == c {
                        closed = true;
                        break;
                    }
                    text.push(d);
                }
                if !closed {
                    return Err("a string is not closed".into());
                }
                if text.contains('\'') {
                    return Err("a string holding a single quote".into());
                }
                out.push('\'');
                out.push_str(&text);
                out.push('\'');
            }
            _ => out.push(c),
        }
    }
    // Outside strings only: the translation must not touch what a user reads.
    let mut translated = String::new();
    for (i, part) in out.split('\'').enumerate() {
        if i > 0 {
            translated.push('\'');
        }
        if i % 2 == 1 {
            translated.push_str(part);
            continue;
        }
        let mut p = part.to_owned();
        for (from, to) in RENAMED {
            p = p.replace(from, to);
        }
        p = p.replace("true()", "true").replace("false()", "false");
        if let Some(bad) = unknown_call(&p) {
            return Err(format!("'{bad}' has no equivalent in Vigie"));
        }
        if p.contains('/') && !p.contains("${") {
            // A path (`/data/x`, `../x`) rather than a reference.
            return Err("XPath paths are not supported; refer to questions as ${name}".into());
        }
        translated.push_str(&p);
    }
    vigie_core::forms::expr::parse(&translated).map_err(|e| e.to_string())?;
    Ok(translated)
}

/// A `choice_filter` in Vigie's language: as [`translate`], and each bare name (a column
/// of the choices sheet: `cercle=${region}`, `name != 'x'`) read from the choice being
/// considered, `choice('cercle') = ${region}`.
pub fn translate_filter(src: &str) -> Result<String, String> {
    const WORDS: [&str; 6] = ["and", "or", "div", "mod", "true", "false"];
    let chars: Vec<char> = src.trim().chars().collect();
    let mut out = String::with_capacity(src.len() + 16);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' || c == '"' {
            // A string, copied whole ([`translate`] checks it).
            let end = chars[i + 1..]
                .iter()
                .position(|d| *d == c)
                .map_or(chars.len(), |p| i + 2 + p);
            out.extend(&chars[i..end]);
            i = end;
        } else if c == '$' && chars.get(i + 1) == Some(&'{') {
            let end = chars[i..]
                .iter()
                .position(|d| *d == '}')
                .map_or(chars.len(), |p| i + p + 1);
            out.extend(&chars[i..end]);
            i = end;
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '-' | '.' | ':'))
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let called = chars[i..].iter().find(|d| !d.is_whitespace()) == Some(&'(');
            if called || WORDS.contains(&word.as_str()) {
                out.push_str(&word);
            } else {
                out.push_str(&format!("choice('{word}')"));
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    translate(&out)
}

/// The first function called in `text` that Vigie does not have.
fn unknown_call(text: &str) -> Option<String> {
    const KNOWN: [&str; 8] = [
        "choice",
        "selected",
        "count_selected",
        "count",
        "today",
        "not",
        "string_length",
        "if",
    ];
    let bytes: Vec<char> = text.chars().collect();
    for (i, c) in bytes.iter().enumerate() {
        if *c != '(' {
            continue;
        }
        let name: String = bytes[..i]
            .iter()
            .rev()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ':'))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if !name.is_empty() && !KNOWN.contains(&name.as_str()) && name != "and" && name != "or" {
            return Some(format!("{name}()"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_choice_filter_reads_the_choices_columns() {
        assert_eq!(
            translate_filter("cercle=${cercle}").as_deref(),
            Ok("choice('cercle')=${cercle}")
        );
        assert_eq!(
            translate_filter("region = ${region} and name != \"autre\" or true()").as_deref(),
            Ok("choice('region') = ${region} and choice('name') != 'autre' or true")
        );
        assert_eq!(
            translate_filter("selected(${types}, filter)").as_deref(),
            Ok("selected(${types}, choice('filter'))")
        );
        // A word inside a string stays a word.
        assert_eq!(
            translate_filter("kind = 'region and cercle'").as_deref(),
            Ok("choice('kind') = 'region and cercle'")
        );
        assert!(translate_filter("pulldata('x', 'y', 'z', ${a}) = c").is_err());
    }

    #[test]
    fn what_vigie_can_say_is_translated() {
        for (xpath, vigie) in [
            (
                "${age} >= 18 and ${age} < 120",
                "${age} >= 18 and ${age} < 120",
            ),
            ("selected(${types}, \"VBG\")", "selected(${types}, 'VBG')"),
            (
                "count-selected(${types}) > 1",
                "count_selected(${types}) > 1",
            ),
            ("string-length(.) <= 200", "string_length(.) <= 200"),
            ("not(${ok} = 'yes') or true()", "not(${ok} = 'yes') or true"),
            ("if(${n} > 0, 'a', \"b\")", "if(${n} > 0, 'a', 'b')"),
            (". <= today()", ". <= today()"),
            ("${a} div 2 != 3", "${a} div 2 != 3"),
        ] {
            assert_eq!(translate(xpath).as_deref(), Ok(vigie), "{xpath}");
        }
    }

    #[test]
    fn what_it_cannot_say_is_refused_with_why() {
        for xpath in [
            "pulldata('fichier', 'col', 'key', ${k})",
            "instance('communes')/root/item[name = ${c}]/label",
            "search('x')",
            "regex(., '^[0-9]+$')",
            "once(today())",
            "concat(${a}, ${b})",
            "/data/group/age > 3",
            "'unclosed",
        ] {
            let why = translate(xpath).unwrap_err();
            assert!(!why.is_empty(), "{xpath}");
        }
        assert!(translate("pulldata('f', 'c', 'k', 1)")
            .unwrap_err()
            .contains("pulldata()"));
        // A function's name inside a string is text, not a call.
        assert_eq!(
            translate("${note} = 'voir pulldata(x)'").as_deref(),
            Ok("${note} = 'voir pulldata(x)'")
        );
    }
}
