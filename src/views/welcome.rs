//! The first-run welcome on Home: who is reporting (so records no longer arrive as
//! "Auteur : —"), the language, the usual commune, and how to install the app. It never
//! blocks Home: the tiles stay below, and "Plus tard" puts it away for good.

use leptos::prelude::*;
use serde_json::{json, Map, Value};

use crate::adapters::{install, storage::LocalStore};
use crate::state::use_app_state;
use crate::sync::use_outbox;
use vigie_core::admin;
use vigie_core::i18n::Msg;
use vigie_core::keys::{USUAL_PLACE, WELCOMED};

/// The welcome card, while the user has neither finished nor put it off.
#[component]
pub fn Welcome() -> impl IntoView {
    let store = LocalStore::open().ok();
    let done = store
        .as_ref()
        .is_none_or(|s| s.get::<bool>(WELCOMED).ok().flatten().unwrap_or(false));
    let shown = RwSignal::new(!done);
    let close = move || {
        if let Ok(s) = LocalStore::open() {
            let _ = s.set(WELCOMED, &true);
        }
        shown.set(false);
    };
    view! { <Show when=move || shown.get()>{move || view! { <WelcomeCard close=close /> }}</Show> }
}

#[component]
fn WelcomeCard(close: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let state = use_app_state();
    let outbox = use_outbox();
    let current = outbox.settings().get_untracked();
    let name = RwSignal::new(current.author.name.clone());
    let role = RwSignal::new(current.author.role.clone());
    let region = RwSignal::new(String::new());
    let cercle = RwSignal::new(String::new());
    let commune = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<Msg>);
    let installable = install::watch();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut settings = outbox.settings().get_untracked();
        settings.author.name = name.get_untracked().trim().to_owned();
        settings.author.role = role.get_untracked().trim().to_owned();
        if let Err(e) = outbox.save_settings(settings) {
            problem.set(Some(e.user_message()));
            return;
        }
        let mut place = Map::new();
        for (key, sig) in [("region", region), ("cercle", cercle), ("commune", commune)] {
            let v = sig.get_untracked();
            if !v.is_empty() {
                place.insert(key.into(), json!(v));
            }
        }
        if !place.is_empty() {
            if let Ok(s) = LocalStore::open() {
                let _ = s.set(USUAL_PLACE, &Value::Object(place));
            }
        }
        close();
    };
    let select = move |id: &'static str,
                       label: Msg,
                       sig: RwSignal<String>,
                       options: Signal<Vec<admin::Unit>>,
                       then: Option<(RwSignal<String>, RwSignal<String>)>| {
        view! {
            <label class="field-label" for=id>{move || state.t(label)}</label>
            <select id=id on:change=move |ev| {
                sig.set(event_target_value(&ev));
                if let Some((a, b)) = then {
                    a.set(String::new());
                    b.set(String::new());
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
    let regions = Signal::derive(admin::regions);
    let cercles = Signal::derive(move || admin::cercles(&region.get()));
    let communes = Signal::derive(move || admin::communes(&cercle.get()));
    view! {
        <form class="welcome" data-testid="welcome" on:submit=save novalidate>
            <h2>{crate::views::tr(Msg::WelcomeTitle)}</h2>
            <p class="hint">{crate::views::tr(Msg::WelcomeIntro)}</p>
            <crate::views::pages::LanguageChoice />
            <label class="field-label" for="welcome-name">{move || state.t(Msg::AuthorName)}</label>
            <input id="welcome-name" type="text" autocomplete="name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            <label class="field-label" for="welcome-role">{move || state.t(Msg::AuthorRole)}</label>
            <input id="welcome-role" type="text" prop:value=move || role.get() on:input=move |ev| role.set(event_target_value(&ev)) />
            <fieldset class="field">
                <legend>{move || state.t(Msg::UsualCommune)}</legend>
                {select("welcome-region", Msg::Region, region, regions, Some((cercle, commune)))}
                {select("welcome-cercle", Msg::Cercle, cercle, cercles, None)}
                {select("welcome-commune", Msg::Commune, commune, communes, None)}
            </fieldset>
            <p class="hint welcome-pin" data-testid="welcome-pin">
                {crate::views::tr(Msg::WelcomePin)} " "
                <a href="/settings#pin">{crate::views::tr(Msg::WelcomePinLink)}</a>
            </p>
            <Show
                when=move || installable.get()
                fallback=move || view! { <p class="hint" data-testid="install-howto">{crate::views::tr(Msg::InstallHowTo)}</p> }
            >
                <button type="button" class="btn btn-secondary" on:click=move |_| { install::prompt(); }>
                    {crate::views::tr(Msg::InstallApp)}
                </button>
            </Show>
            {move || problem.get().map(|m| view! { <p class="result result-bad" role="alert">{move || state.t(m)}</p> })}
            <div class="rec-actions">
                <button type="submit" class="btn">{crate::views::tr(Msg::Start)}</button>
                <button type="button" class="btn btn-secondary" on:click=move |_| close()>{crate::views::tr(Msg::Later)}</button>
            </div>
        </form>
    }
}
