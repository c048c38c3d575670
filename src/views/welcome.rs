//! The first-run welcome on Home: who is reporting (so records no longer arrive as
//! "Auteur : —"), the language, the usual commune, and how to install the app. It never
//! blocks Home: the tiles stay below, and "Plus tard" puts it away for good.

use crate::browser::install;
use crate::controllers::outbox::use_outbox;
use crate::state::use_app_state;
use crate::stores::local::LocalStore;
use crate::views::usual_place::{PlacePick, PlaceSelects};
use leptos::prelude::*;
use vigie_core::i18n::Msg;
use vigie_core::keys::WELCOMED;

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
    let place = PlacePick::stored();
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
        if let Err(e) = place.save() {
            problem.set(Some(e.user_message()));
            return;
        }
        close();
    };
    view! {
        <form class="welcome" data-testid="welcome" on:submit=save novalidate>
            <h2>{crate::views::tr(Msg::WelcomeTitle)}</h2>
            <p class="hint">{crate::views::tr(Msg::WelcomeIntro)}</p>
            <crate::views::pages::LanguageChoice />
            <label class="field-label" for="welcome-name">{move || state.t(Msg::AuthorName)}</label>
            <input id="welcome-name" type="text" autocomplete="name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            <label class="field-label" for="welcome-role">{move || state.t(Msg::AuthorRole)}</label>
            <input id="welcome-role" type="text" prop:value=move || role.get() on:input=move |ev| role.set(event_target_value(&ev)) />
            <PlaceSelects pick=place prefix="welcome" />
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
