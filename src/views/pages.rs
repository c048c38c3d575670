//! Simple pages: settings, "not available yet" placeholders, not found.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::state::use_app_state;
use vigie_core::i18n::{Lang, Msg};

/// Settings: for now, the interface language.
#[component]
pub fn Settings() -> impl IntoView {
    let state = use_app_state();
    view! {
        <section class="page">
            <h1>{crate::views::tr(Msg::Settings)}</h1>
            <LanguageChoice />
            // Built again when a setup link was just imported (it comes with a notice),
            // so that the fields show what was saved rather than what was there before.
            {move || {
                state.notice.track();
                view! { <crate::views::connection::ConnectionSettings /> }
            }}
            <crate::views::usual_place::UsualPlaceSettings />
            <crate::views::lock::PinSettings />
            <ReplacedForms />
            <RefusedForms />
            <BackHome />
        </section>
    }
}

/// The interface language, saved as soon as it is chosen.
#[component]
pub fn LanguageChoice() -> impl IntoView {
    let state = use_app_state();
    let forms = crate::controllers::forms::use_forms();
    view! {
            <fieldset class="field">
                <legend>{crate::views::tr(Msg::Language)}</legend>
                {move || {
                    forms.translation_installed().track();
                    Lang::available()
                    .into_iter()
                    .map(|lang| {
                        view! {
                            <label class="choice">
                                <input
                                    type="radio"
                                    name="lang"
                                    value=lang.code()
                                    prop:checked=move || state.lang.get() == lang
                                    on:change=move |_| state.lang.set(lang)
                                />
                                <span lang=lang.code()>{lang.native_name()}</span>
                            </label>
                        }
                    })
                    .collect_view()
                }}
                <p class="hint">{crate::views::tr(Msg::LanguageHint)}</p>
                {move || forms.translation_refused().get().map(|why| view! {
                    <p class="result result-bad" role="status" data-testid="translation-refused">
                        {move || state.t(Msg::TranslationRefused).replace("{why}", &why)}
                    </p>
                })}
            </fieldset>
    }
}

/// The referral directory: services to offer a survivor, each number a `tel:` link.
#[component]
pub fn ReferralsPage() -> impl IntoView {
    let state = use_app_state();
    let forms = crate::controllers::forms::use_forms();
    view! {
        <section class="page">
            <h1>{crate::views::tr(Msg::Referrals)}</h1>
            <p class="hint">{crate::views::tr(Msg::ReferralsIntro)}</p>
            {move || {
                let list = forms.referrals().get();
                if list.is_empty() {
                    return view! { <p data-testid="referrals-none">{move || state.t(Msg::ReferralsNone)}</p> }.into_any();
                }
                view! {
                    <ul class="records referrals" data-testid="referrals">
                        {list.into_iter().map(referral_item).collect_view()}
                    </ul>
                }.into_any()
            }}
            <BackHome />
        </section>
    }
}

/// One service of the referral directory: what, who, where, its number as a `tel:` link.
pub fn referral_item(r: vigie_core::referrals::Referral) -> impl IntoView {
    let href = r.tel_href();
    let place = r.commune_name().map(str::to_owned);
    view! {
        <li class="record">
            <p class="rec-head"><span>{r.service}</span>{place.map(|p| view! { <span>{p}</span> })}</p>
            <strong>{r.name}</strong>
            <p><a class="btn btn-secondary" href=href>{r.phone}</a></p>
            {(!r.hours.is_empty()).then(|| view! { <p class="hint">{r.hours}</p> })}
        </li>
    }
}

/// The services to offer a survivor for a report in `commune`, shown right on the consent
/// screen, one line each with its number one tap away: the commune's, else the cercle's,
/// else all (saying which); none published, a line saying so.
#[component]
pub fn ReferralsHere(#[prop(into)] commune: Signal<String>) -> impl IntoView {
    use vigie_core::referrals::{near, Nearness};
    let state = use_app_state();
    let forms = crate::controllers::forms::use_forms();
    move || {
        let list = forms.referrals().get();
        let commune = commune.get();
        let (found, how) = near(&list, &commune);
        if found.is_empty() {
            return view! {
                <p class="hint" data-testid="referrals-here">{move || state.t(Msg::ReferralsNone)}</p>
            }
            .into_any();
        }
        let note = match how {
            Nearness::Commune => None,
            Nearness::Cercle => Some(Msg::ReferralsHereCercle),
            Nearness::Anywhere => Some(Msg::ReferralsHereAll),
        };
        let rows: Vec<_> = found.into_iter().cloned().collect();
        view! {
            <section class="referrals-here" data-testid="referrals-here">
                <h3>{move || state.t(Msg::ReferralsHere)}</h3>
                {note.map(|m| view! { <p class="hint">{move || state.t(m)}</p> })}
                <ul>
                    {rows.into_iter().map(|r| {
                        let href = r.tel_href();
                        view! {
                            <li>
                                <span>{r.name}" ("{r.service}")"</span>
                                " "
                                <a href=href>{r.phone}</a>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        }
        .into_any()
    }
}

/// Unknown address.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="page">
            <h1>{crate::views::tr(Msg::NotFoundTitle)}</h1>
            <p>{crate::views::tr(Msg::NotFoundBody)}</p>
            <BackHome />
        </section>
    }
}

#[component]
pub fn BackHome() -> impl IntoView {
    view! {
        <A href="/" attr:class="btn btn-secondary">
            {crate::views::tr(Msg::Back)}
        </A>
    }
}

/// Built-in forms the backend replaced, and from which server: a backend's definition could
/// ask different questions (identity questions in a GBV section), so the user can see it.
#[component]
fn ReplacedForms() -> impl IntoView {
    let forms = crate::controllers::forms::use_forms();
    let outbox = crate::controllers::outbox::use_outbox();
    let state = crate::state::use_app_state();
    move || {
        let replaced = forms.replaced_builtins();
        let host = outbox
            .settings()
            .with(|s| s.backend.host())
            .unwrap_or_default();
        (!replaced.is_empty()).then(|| {
            view! {
                <div class="notice" role="status" data-testid="forms-replaced">
                    <p>{move || state.t(Msg::FormsReplaced).replace("{host}", &host)}</p>
                    <ul>
                        {replaced.into_iter().map(|(title, version)| {
                            view! { <li>{move || state.t(Msg::FormVersion).replace("{title}", &title).replace("{version}", &version)}</li> }
                        }).collect_view()}
                    </ul>
                </div>
            }
        })
    }
}

/// Definitions the backend sent that the app refused: the user learns the previous forms
/// stay in use; the technical reason is for whoever maintains the forms.
#[component]
fn RefusedForms() -> impl IntoView {
    let forms = crate::controllers::forms::use_forms();
    move || {
        let refused = forms.refused().get();
        (!refused.is_empty()).then(|| {
            view! {
                <div class="notice" role="status" data-testid="forms-refused">
                    <p>{crate::views::tr(Msg::FormsRefused)}</p>
                    <ul>
                        {refused.into_iter().map(|line| view! { <li><code>{line}</code></li> }).collect_view()}
                    </ul>
                </div>
            }
        })
    }
}
