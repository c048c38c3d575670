//! Embeds the built-in form definitions (`forms/*.json` at the repository root) without
//! their indentation: the app carries them in its wasm, where pretty-printing is weight a
//! phone downloads for nothing. The files stay readable in the repository.

use std::path::Path;
use std::{env, fs};

const FORMS: [&str; 4] = [
    "incident",
    "activite",
    "mediation",
    "questionnaire_preparatoire",
];

/// `json` without the whitespace between tokens (text inside strings is kept as it is).
fn compact(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_ascii_whitespace() {
            out.push(c);
        }
    }
    out
}

fn main() {
    let out_dir = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    // Read when the script runs, not when it was compiled: one compiled script serves every
    // checkout sharing a target directory, and must read its own checkout's forms.
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let forms = Path::new(&manifest_dir).join("../forms");
    for name in FORMS {
        let source = forms.join(format!("{name}.json"));
        println!("cargo:rerun-if-changed={}", source.display());
        let text = fs::read_to_string(&source)
            .unwrap_or_else(|e| panic!("reading {}: {e}", source.display()));
        fs::write(
            Path::new(&out_dir).join(format!("{name}.json")),
            compact(&text),
        )
        .unwrap_or_else(|e| panic!("writing {name}.json: {e}"));
    }
}
