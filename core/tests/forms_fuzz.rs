//! Fuzzing the form expression language and the definition loader with proptest: whatever
//! the input, no panic, errors point inside the input, evaluation always ends.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use vigie_core::forms::expr::{eval, parse, Env, Value};
use vigie_core::forms::load;

struct AnyEnv(Vec<Value>);

impl Env for AnyEnv {
    fn field(&self, name: &str) -> Value {
        self.0
            .get(name.len() % self.0.len().max(1))
            .cloned()
            .unwrap_or(Value::Null)
    }
    fn repeat_count(&self, name: &str) -> usize {
        name.len()
    }
    fn today(&self) -> String {
        "2026-11-22".into()
    }
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<f64>().prop_map(Value::Num),
        ".{0,8}".prop_map(Value::Str),
        prop::collection::vec("[A-Z]{3}-0[1-6]", 0..4).prop_map(Value::List),
    ]
}

/// Inputs made of the language's own pieces, so many of them parse.
fn tokens() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("${a}"),
        Just("${b_2}"),
        Just("."),
        Just("1"),
        Just("2.5"),
        Just("'x'"),
        Just("\"VBG-01\""),
        Just("("),
        Just(")"),
        Just(","),
        Just(" and "),
        Just(" or "),
        Just("="),
        Just("!="),
        Just("<"),
        Just("<="),
        Just(">"),
        Just(">="),
        Just("+"),
        Just("-"),
        Just("*"),
        Just(" div "),
        Just("/"),
        Just("selected("),
        Just("count("),
        Just("count_selected("),
        Just("today()"),
        Just("not("),
        Just("if("),
        Just("string_length("),
        Just("true"),
        Just("false()"),
        Just("$"),
        Just("{"),
        Just("@"),
        Just("é"),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_text_never_panics_the_parser(src in ".{0,200}") {
        if let Err(e) = parse(&src) {
            prop_assert!(e.at <= src.len());
            prop_assert!(!e.message.is_empty());
        }
    }

    #[test]
    fn expressions_built_from_tokens_parse_or_fail_cleanly_and_evaluate_without_panic(
        src in tokens(),
        values in prop::collection::vec(value(), 1..5),
        current in value(),
    ) {
        match parse(&src) {
            Ok(e) => {
                let env = AnyEnv(values);
                // Any result is fine; it must simply come back.
                let _ = eval(&e, &env, &current).truthy();
            }
            Err(e) => prop_assert!(e.at <= src.len(), "{} > {} in {:?}", e.at, src.len(), src),
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow(depth in 0usize..3000) {
        let src = format!("{}1{}", "(".repeat(depth), ")".repeat(depth));
        let parsed = parse(&src);
        prop_assert_eq!(parsed.is_ok(), depth < 40 && src.len() <= 2000);
        let neg = format!("{}1", "-".repeat(depth));
        let _ = parse(&neg);
    }

    #[test]
    fn random_definitions_are_refused_with_a_message(src in ".{0,300}") {
        if let Err(e) = load(&src) {
            prop_assert!(!e.to_string().is_empty());
        }
    }
}

/// A chain of 30,000 calculations blew the stack at every start, and a chain of 5,000
/// froze finalise for seconds; 20,000 choices took seconds to show. Such definitions are
/// refused at load, quickly, with a message; a valid one beside them still loads.
#[test]
fn hostile_definitions_are_refused_quickly_with_a_message() {
    use serde_json::json;
    use vigie_core::forms::load;
    let chain = |n: usize| {
        let mut fields = vec![json!({"name": "a0", "type": "integer", "label": {"fr": "A"}})];
        for i in 1..n {
            fields.push(
                json!({"name": format!("a{i}"), "type": "integer", "label": {"fr": "A"},
                               "calculate": format!("${{a{}}} + 1", i - 1)}),
            );
        }
        json!({"format": 1, "id": "chaine", "version": "1", "kind": "report", "title": {"fr": "C"},
               "sections": [{"name": "s", "title": {"fr": "S"}, "fields": fields}]})
        .to_string()
    };
    let started = std::time::Instant::now();
    for n in [30_000, 5_000] {
        let err = load(&chain(n)).unwrap_err().to_string();
        assert!(
            err.contains("larger than") || err.contains("more than"),
            "{err}"
        );
    }
    let choices: Vec<_> = (0..20_000)
        .map(|i| json!({"code": format!("c{i}"), "label": {"fr": "x"}}))
        .collect();
    let many = json!({"format": 1, "id": "choix", "version": "1", "kind": "report", "title": {"fr": "C"},
        "sections": [{"name": "s", "title": {"fr": "S"}, "fields": [
            {"name": "q", "type": "select_one", "label": {"fr": "Q"}, "choices": choices}]}]});
    assert!(load(&many.to_string()).is_err());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // A chain within the limits settles in one pass, in dependency order.
    let def = load(&chain(90)).expect("90 calculations are fine");
    let mut answers = serde_json::Map::new();
    answers.insert("a0".into(), json!(1));
    vigie_core::forms::apply_calculations(&def, &mut answers, "2026-11-23");
    assert_eq!(answers["a89"], json!(90.0));
}
