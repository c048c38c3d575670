//! The PIN screen in front of the app, and the PIN section of Settings.

use leptos::prelude::*;
use vigie_core::i18n::{counted, Lang, Msg};
use vigie_core::lock::{check_new_pin, may_be_pin, AfterWrong};

use crate::controllers::lock::{use_gate, Gate, UnlockError};

/// A PIN field: digits, hidden, never remembered by the browser.
#[component]
fn PinInput(id: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <input
            id=id
            type="password"
            inputmode="numeric"
            pattern="[0-9]*"
            autocomplete="off"
            maxlength="8"
            prop:value=move || value.get()
            on:input=move |ev| value.set(event_target_value(&ev))
        />
    }
}

/// "Vigie est verrouillée": the PIN, then the app; after five wrong PINs, the offer to
/// erase the phone's data, which first says how many reports have not left.
#[component]
pub fn LockScreen(gate: Gate, lang: Lang) -> impl IntoView {
    let t = move |m: Msg| m.text(lang);
    if let Some(root) = document().document_element() {
        // Read aloud in the language it is written in.
        let _ = root.set_attribute("lang", lang.code());
    }
    let pin = RwSignal::new(String::new());
    let working = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    let offer = RwSignal::new(gate.erase_offer());
    let erase_warning = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if working.get_untracked() {
            return;
        }
        let given = pin.get_untracked();
        // A slip (empty, a letter, too short) is not a wrong PIN: it does not count.
        if !may_be_pin(&given) {
            message.set(Some(t(Msg::PinSlip).to_owned()));
            return;
        }
        working.set(true);
        message.set(None);
        leptos::task::spawn_local(async move {
            let outcome = gate.unlock(&given).await;
            // Unlocked, this screen is gone: its signals with it (hence `try_set`).
            pin.try_set(String::new());
            working.try_set(false);
            message.try_set(match outcome {
                Ok(()) => None,
                Err(UnlockError::Wrong(AfterWrong::TryAgain(left))) => Some(counted(
                    lang,
                    left as usize,
                    Msg::PinWrongOne,
                    Msg::PinWrongMany,
                )),
                // Said once, next to the offer below.
                Err(UnlockError::Wrong(AfterWrong::OfferErase)) => {
                    offer.try_set(Some(Msg::PinTooMany));
                    None
                }
                Err(UnlockError::Unreadable) => {
                    offer.try_set(Some(Msg::LockUnreadable));
                    None
                }
                Err(UnlockError::Unavailable) => Some(t(Msg::PinCheckFailed).to_owned()),
                Err(UnlockError::Device) => Some(t(Msg::DeviceUnlockFailed).to_owned()),
            });
        });
    };
    let ask_erase = move |_| {
        leptos::task::spawn_local(async move {
            let unsent = gate.unsent().await;
            erase_warning.try_set(Some(if unsent == 0 {
                t(Msg::EraseWarnNone).to_owned()
            } else {
                counted(lang, unsent, Msg::EraseWarnOne, Msg::EraseWarnMany)
            }));
        });
    };
    let erase = move |_| leptos::task::spawn_local(async move { gate.erase().await });
    view! {
        <main>
            <section class="page lock" data-testid="lock-screen">
                <h1>{t(Msg::LockTitle)}</h1>
                <form class="field" on:submit=submit novalidate>
                    <label class="field-label" for="unlock-pin">{t(Msg::LockPrompt)}</label>
                    <PinInput id="unlock-pin" value=pin />
                    <button type="submit" class="btn" disabled=move || working.get()>{t(Msg::Unlock)}</button>
                </form>
                <Show when=move || working.get()>
                    <p class="hint" role="status">{t(Msg::PinWorking)}</p>
                </Show>
                {move || message.get().map(|m| view! { <p class="result result-bad" role="alert">{m}</p> })}
                <Show when=move || offer.get().is_some()>
                    <p class="result result-bad" role="alert">{move || offer.get().map(t)}</p>
                    {move || match erase_warning.get() {
                        None => view! {
                            <button type="button" class="btn btn-danger" on:click=ask_erase>{t(Msg::EraseData)}</button>
                        }.into_any(),
                        Some(warning) => view! {
                            <p class="notice" role="alert" data-testid="erase-warning">{warning}</p>
                            <button type="button" class="btn btn-danger" on:click=erase>{t(Msg::EraseConfirm)}</button>
                        }.into_any(),
                    }}
                </Show>
            </section>
        </main>
    }
}

/// Settings' PIN section: turn it on (twice the same 6 to 8 digits), lock now, turn it off.
#[component]
pub fn PinSettings() -> impl IntoView {
    let state = crate::state::use_app_state();
    let gate = use_gate();
    let pin = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let working = RwSignal::new(false);
    let result = RwSignal::new(None::<(bool, Msg)>);
    // The phone's own secret, offered where the browser can give one, and asked by default.
    let device_offered = RwSignal::new(false);
    let with_device = RwSignal::new(true);
    leptos::task::spawn_local(async move {
        device_offered.try_set(crate::browser::passkey::offered().await);
    });
    let set = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (p, a) = (pin.get_untracked(), again.get_untracked());
        if let Err(e) = check_new_pin(&p, &a) {
            result.set(Some((false, e.user_message())));
            return;
        }
        working.set(true);
        result.set(Some((true, Msg::PinWorking)));
        leptos::task::spawn_local(async move {
            let device = device_offered.get_untracked() && with_device.get_untracked();
            let outcome = gate.set_pin(&p, device).await;
            pin.try_set(String::new());
            again.try_set(String::new());
            working.try_set(false);
            result.try_set(Some(match outcome {
                Ok(()) => (true, Msg::PinSaved),
                Err(m) => (false, m),
            }));
        });
    };
    let remove = move |_| {
        working.set(true);
        leptos::task::spawn_local(async move {
            let outcome = gate.remove_pin().await;
            working.try_set(false);
            result.try_set(Some(match outcome {
                Ok(()) => (true, Msg::PinRemoved),
                Err(m) => (false, m),
            }));
        });
    };
    view! {
        <section class="field" id="pin" data-testid="pin-settings">
            <h2>{crate::views::tr(Msg::PinSection)}</h2>
            <p class="hint">{crate::views::tr(Msg::PinIntro)}</p>
            {move || if gate.configured.get() {
                view! {
                    <p>{crate::views::tr(if gate.with_device() { Msg::PinIsOnWithDevice } else { Msg::PinIsOn })}</p>
                    <div class="rec-actions">
                        <button type="button" class="btn" on:click=move |_| gate.lock_now()>{crate::views::tr(Msg::LockNow)}</button>
                        <button type="button" class="btn btn-secondary" on:click=remove disabled=move || working.get()>
                            {crate::views::tr(Msg::PinRemove)}
                        </button>
                    </div>
                }.into_any()
            } else {
                view! {
                    <form on:submit=set novalidate>
                        <label class="field-label" for="new-pin">{crate::views::tr(Msg::PinNew)}</label>
                        <PinInput id="new-pin" value=pin />
                        <label class="field-label" for="new-pin-again">{crate::views::tr(Msg::PinAgain)}</label>
                        <PinInput id="new-pin-again" value=again />
                        <Show when=move || device_offered.get()>
                            <label class="choice">
                                <input
                                    type="checkbox"
                                    prop:checked=move || with_device.get()
                                    on:change=move |ev| with_device.set(event_target_checked(&ev))
                                />
                                <span>{crate::views::tr(Msg::DeviceAsk)}</span>
                            </label>
                            <p class="hint">{crate::views::tr(Msg::DeviceHint)}</p>
                        </Show>
                        <div class="rec-actions">
                            <button type="submit" class="btn" disabled=move || working.get()>{crate::views::tr(Msg::PinSet)}</button>
                        </div>
                    </form>
                }.into_any()
            }}
            {move || result.get().map(|(good, m)| view! {
                <p class="result" class:result-ok=good class:result-bad=!good role="status">{move || state.t(m)}</p>
            })}
        </section>
    }
}
