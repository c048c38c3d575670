//! The optional GPS position: a button, the position taken, a way to clear it.

use leptos::prelude::*;
use serde_json::{json, Value as Json};

use super::ctx::Ctx;
use crate::browser::geolocation::{self, GeoOptions};
use vigie_core::forms::answers::AnswerPath;
use vigie_core::i18n::Msg;

pub(super) fn gps_view(ctx: Ctx, p: StoredValue<AnswerPath>) -> impl IntoView {
    let failed = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let shown = move || {
        p.with_value(|p| ctx.get(p)).and_then(|v| {
            let lat = v.get("lat")?.as_f64()?;
            let lon = v.get("lon")?.as_f64()?;
            Some(format!("{lat:.5}, {lon:.5}"))
        })
    };
    let take = move |_| {
        failed.set(false);
        pending.set(true);
        geolocation::current_position(GeoOptions::default(), move |outcome| {
            // The form may be gone by the time a slow fix arrives (`try_set` then hands the
            // value back).
            if pending.try_set(false).is_some() {
                return;
            }
            match outcome {
                Ok(pos) => p.with_value(|p| {
                    ctx.set(
                        p,
                        json!({"lat": pos.lat, "lon": pos.lon, "accuracy_m": pos.accuracy_m}),
                    )
                }),
                Err(_) => failed.set(true),
            }
        });
    };
    view! {
        <div class="gps">
            <button type="button" class="btn btn-secondary" on:click=take disabled=move || pending.get()>
                {move || ctx.state.t(if pending.get() { Msg::LookingForPosition } else { Msg::TakePosition })}
            </button>
            {move || shown().map(|s| view! {
                <span class="gps-value">{s}</span>
                <button type="button" class="btn-small btn-secondary" on:click=move |_| p.with_value(|p| ctx.set(p, Json::Null))>{crate::views::tr(Msg::Clear)}</button>
            })}
            {move || failed.get().then(|| view! { <p class="hint" role="status">{crate::views::tr(Msg::PositionUnavailable)}</p> })}
        </div>
    }
}
