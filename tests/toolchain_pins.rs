//! The build pins must agree with each other, or trunk fails late with a confusing error.
#![cfg(not(target_arch = "wasm32"))]

use std::fs;

fn locked_version(lock: &str, name: &str) -> Option<String> {
    let marker = format!("name = \"{name}\"\nversion = \"");
    let at = lock.find(&marker)? + marker.len();
    Some(lock[at..].split('"').next()?.to_owned())
}

#[test]
fn trunk_pins_the_wasm_bindgen_that_cargo_lock_resolved() {
    let lock = fs::read_to_string("Cargo.lock").expect("Cargo.lock");
    let trunk = fs::read_to_string("Trunk.toml").expect("Trunk.toml");
    let version = locked_version(&lock, "wasm-bindgen").expect("wasm-bindgen in Cargo.lock");
    assert!(
        trunk.contains(&format!("wasm_bindgen = \"{version}\"")),
        "Trunk.toml must pin wasm_bindgen = \"{version}\""
    );
}

#[test]
fn trunk_pins_wasm_opt_132_and_never_downloads() {
    let trunk = fs::read_to_string("Trunk.toml").expect("Trunk.toml");
    assert!(trunk.contains("wasm_opt = \"version_132\""));
    assert!(trunk.contains("offline = true"));
    let tools = fs::read_to_string("tools/package.json").expect("tools/package.json");
    assert!(tools.contains("\"binaryen\": \"132.0.0\""));
}

#[test]
fn release_profile_keeps_the_target_features_section() {
    // strip = true removes it and every wasm-opt then fails validation.
    let manifest = fs::read_to_string("Cargo.toml").expect("Cargo.toml");
    assert!(manifest.contains("strip = false"));
    assert!(manifest.contains("opt-level = \"z\""));
}
