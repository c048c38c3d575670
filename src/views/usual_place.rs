//! The usual place (region, cercle, commune) the user chose: picked in the welcome or in
//! Settings, filled in on every new form. A report made elsewhere never changes it.

use leptos::prelude::*;
use serde_json::{json, Map, Value};

use crate::state::use_app_state;
use crate::stores::local::{LocalStore, StorageError};
use vigie_core::admin;
use vigie_core::i18n::Msg;
use vigie_core::keys::USUAL_PLACE;

/// The three pickers' values.
#[derive(Clone, Copy)]
pub struct PlacePick {
    region: RwSignal<String>,
    cercle: RwSignal<String>,
    commune: RwSignal<String>,
}

/// The usual place as stored (empty when none was chosen).
fn stored_place() -> Map<String, Value> {
    LocalStore::open()
        .ok()
        .and_then(|s| s.get::<Map<String, Value>>(USUAL_PLACE).ok().flatten())
        .unwrap_or_default()
}

/// The usual place's P-code, as deep as it was chosen (commune, else cercle, else region).
pub fn usual_code() -> Option<String> {
    let stored = stored_place();
    ["commune", "cercle", "region"].iter().find_map(|k| {
        stored
            .get(*k)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    })
}

impl PlacePick {
    /// Empty pickers.
    pub fn empty() -> PlacePick {
        PlacePick {
            region: RwSignal::new(String::new()),
            cercle: RwSignal::new(String::new()),
            commune: RwSignal::new(String::new()),
        }
    }

    /// The pickers set to the stored usual place.
    pub fn stored() -> PlacePick {
        let pick = PlacePick::empty();
        let stored = stored_place();
        for (key, sig) in pick.parts() {
            if let Some(v) = stored.get(key).and_then(Value::as_str) {
                sig.set(v.to_owned());
            }
        }
        pick
    }

    fn parts(&self) -> [(&'static str, RwSignal<String>); 3] {
        [
            ("region", self.region),
            ("cercle", self.cercle),
            ("commune", self.commune),
        ]
    }

    /// Saves the picked place as the usual one (nothing picked: none).
    pub fn save(&self) -> Result<(), StorageError> {
        let store = LocalStore::open()?;
        let mut place = Map::new();
        for (key, sig) in self.parts() {
            let v = sig.get_untracked();
            if !v.is_empty() {
                place.insert(key.into(), json!(v));
            }
        }
        if place.is_empty() {
            store.remove(USUAL_PLACE);
            Ok(())
        } else {
            store.set(USUAL_PLACE, &Value::Object(place))
        }
    }

    /// A value that changes whenever a picker does.
    fn track(&self) {
        for (_, sig) in self.parts() {
            sig.track();
        }
    }
}

/// Region, cercle and commune pickers in a fieldset titled "Votre commune habituelle";
/// element ids start with `prefix`.
#[component]
pub fn PlaceSelects(pick: PlacePick, prefix: &'static str) -> impl IntoView {
    let state = use_app_state();
    let select = move |part: &'static str,
                       label: Msg,
                       sig: RwSignal<String>,
                       options: Signal<Vec<admin::Unit>>,
                       then: Vec<RwSignal<String>>| {
        let id = format!("{prefix}-{part}");
        view! {
            <label class="field-label" for=id.clone()>{move || state.t(label)}</label>
            <select id=id on:change=move |ev| {
                sig.set(event_target_value(&ev));
                for s in &then {
                    s.set(String::new());
                }
            }>
                <option value="" selected=move || sig.get().is_empty()>{move || state.t(Msg::Choose)}</option>
                {move || options.get().into_iter().filter(|u| !u.name.is_empty()).map(|u| {
                    let code = u.code;
                    view! { <option value=code selected=move || sig.get() == code>{u.name}</option> }
                }).collect_view()}
            </select>
        }
    };
    let PlacePick {
        region,
        cercle,
        commune,
    } = pick;
    let regions = Signal::derive(admin::regions);
    let cercles = Signal::derive(move || admin::cercles(&region.get()));
    let communes = Signal::derive(move || admin::communes(&cercle.get()));
    view! {
        <fieldset class="field">
            <legend>{move || state.t(Msg::UsualCommune)}</legend>
            {select("region", Msg::Region, region, regions, vec![cercle, commune])}
            {select("cercle", Msg::Cercle, cercle, cercles, vec![commune])}
            {select("commune", Msg::Commune, commune, communes, vec![])}
            <p class="hint">{move || state.t(Msg::UsualCommuneHint)}</p>
        </fieldset>
    }
}

/// Settings: the usual place, saved as soon as it is picked.
#[component]
pub fn UsualPlaceSettings() -> impl IntoView {
    let state = use_app_state();
    let pick = PlacePick::stored();
    let result = RwSignal::new(None::<(bool, Msg)>);
    Effect::new(move |first: Option<()>| {
        pick.track();
        if first.is_some() {
            result.set(Some(match pick.save() {
                Ok(()) => (true, Msg::UsualCommuneSaved),
                Err(e) => (false, e.user_message()),
            }));
        }
    });
    view! {
        <section class="settings-usual" data-testid="usual-place-settings">
            <PlaceSelects pick=pick prefix="usual" />
            {move || result.get().map(|(ok, m)| view! {
                <p class="result" class:result-ok=ok class:result-bad=!ok role="status">{move || state.t(m)}</p>
            })}
        </section>
    }
}
