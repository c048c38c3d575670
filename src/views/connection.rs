//! Settings → receiving server and identity. Validates the address before saving.

use leptos::prelude::*;

use crate::controllers::outbox::use_outbox;
use crate::state::use_app_state;
use vigie_core::i18n::Msg;
use vigie_core::outbox::backend::{validate_base_url, Backend, ProbeResult};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    None,
    Generic,
    Couch,
}

/// The connection settings form.
#[component]
pub fn ConnectionSettings() -> impl IntoView {
    let state = use_app_state();
    let outbox = use_outbox();
    let current = outbox.settings().get_untracked();
    let (mode0, base0, token0, db0, user0, pass0) = match &current.backend {
        Backend::None => (
            Mode::None,
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ),
        Backend::GenericJson { base, token } => (
            Mode::Generic,
            base.clone(),
            token.clone().unwrap_or_default(),
            String::new(),
            String::new(),
            String::new(),
        ),
        Backend::CouchDb {
            base,
            db,
            user,
            password,
        } => (
            Mode::Couch,
            base.clone(),
            String::new(),
            db.clone(),
            user.clone().unwrap_or_default(),
            password.clone().unwrap_or_default(),
        ),
    };
    let mode = RwSignal::new(mode0);
    let base = RwSignal::new(base0);
    let token = RwSignal::new(token0);
    let db = RwSignal::new(db0);
    let user = RwSignal::new(user0);
    let password = RwSignal::new(pass0);
    let name = RwSignal::new(current.author.name.clone());
    let role = RwSignal::new(current.author.role.clone());
    let sms = RwSignal::new(current.sms_number.clone().unwrap_or_default());
    let result: RwSignal<Option<(bool, Msg)>> = RwSignal::new(None);

    let opt = |s: RwSignal<String>| Some(s.get_untracked()).filter(|v| !v.trim().is_empty());
    let entered = move || -> Result<Backend, ()> {
        let backend = match mode.get_untracked() {
            Mode::None => Ok(Backend::None),
            Mode::Generic => {
                validate_base_url(&base.get_untracked()).map(|base| Backend::GenericJson {
                    base,
                    token: opt(token),
                })
            }
            Mode::Couch => validate_base_url(&base.get_untracked()).map(|base| Backend::CouchDb {
                base,
                db: db.get_untracked().trim().to_owned(),
                user: opt(user),
                password: opt(password),
            }),
        };
        backend.map_err(|_| ())
    };
    let probing = RwSignal::new(false);
    let probe = move |_| {
        let Ok(backend) = entered() else {
            result.set(Some((false, Msg::UrlInvalid)));
            return;
        };
        probing.set(true);
        result.set(Some((true, Msg::Testing)));
        leptos::task::spawn_local(async move {
            let outcome = crate::controllers::outbox::test_connection(backend, 15_000).await;
            let msg = match outcome {
                ProbeResult::Ok => Msg::ProbeOk,
                ProbeResult::Unreachable => Msg::ProbeUnreachable,
                ProbeResult::WrongUrl => Msg::ProbeWrongUrl,
                ProbeResult::BadCredentials => Msg::ProbeBadCredentials,
                ProbeResult::ServerError => Msg::ProbeServerError,
                ProbeResult::Unexpected => Msg::ProbeUnexpected,
            };
            result.set(Some((outcome == ProbeResult::Ok, msg)));
            probing.set(false);
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(backend) = entered() else {
            result.set(Some((false, Msg::UrlInvalid)));
            return;
        };
        let mut settings = outbox.settings().get_untracked();
        settings.backend = backend;
        settings.author.name = name.get_untracked().trim().to_owned();
        settings.author.role = role.get_untracked().trim().to_owned();
        let number = sms.get_untracked().trim().to_owned();
        settings.sms_number = (!number.is_empty()).then_some(number);
        result.set(Some(match outbox.save_settings(settings) {
            Ok(()) => (true, Msg::SettingsSaved),
            Err(e) => (false, e.user_message()),
        }));
    };

    let text_field = move |id: &'static str,
                           label: Msg,
                           sig: RwSignal<String>,
                           kind: &'static str| {
        view! {
            <label class="field-label" for=id>{move || state.t(label)}</label>
            <input id=id type=kind autocomplete="off" prop:value=move || sig.get() on:input=move |ev| sig.set(event_target_value(&ev)) />
        }
    };
    let mode_choice = move |m: Mode, label: Msg| {
        view! {
            <label class="choice">
                <input type="radio" name="mode" prop:checked=move || mode.get() == m on:change=move |_| mode.set(m) />
                <span>{move || state.t(label)}</span>
            </label>
        }
    };
    view! {
        <form class="field" on:submit=save novalidate>
            <h2>{crate::views::tr(Msg::Connection)}</h2>
            {mode_choice(Mode::None, Msg::ModeNone)}
            {mode_choice(Mode::Generic, Msg::ModeGeneric)}
            {mode_choice(Mode::Couch, Msg::ModeCouch)}
            <Show when=move || mode.get() != Mode::None>
                {text_field("server-url", Msg::ServerUrl, base, "url")}
            </Show>
            <Show when=move || mode.get() == Mode::Generic>
                {text_field("server-token", Msg::Token, token, "password")}
            </Show>
            <Show when=move || mode.get() == Mode::Couch>
                {text_field("couch-db", Msg::Database, db, "text")}
                {text_field("couch-user", Msg::User, user, "text")}
                {text_field("couch-password", Msg::Password, password, "password")}
            </Show>
            {text_field("author-name", Msg::AuthorName, name, "text")}
            {text_field("author-role", Msg::AuthorRole, role, "text")}
            {text_field("sms-number", Msg::SmsNumber, sms, "tel")}
            <div class="rec-actions">
                <button type="submit" class="btn">{crate::views::tr(Msg::Save)}</button>
                <Show when=move || mode.get() != Mode::None>
                    <button type="button" class="btn btn-secondary" on:click=probe disabled=move || probing.get()>
                        {crate::views::tr(Msg::TestConnection)}
                    </button>
                </Show>
            </div>
            {move || result.get().map(|(good, m)| view! {
                <p class="result" class:result-ok=good class:result-bad=!good role="status">{move || state.t(m)}</p>
            })}
        </form>
    }
}
