//! Who may see the coordinator pages: HTTP Basic authentication whose password is a
//! coordinator token (any user name), as an extractor so that no page can forget it.

use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use maud::html;

use super::layout::{page, Words};
use crate::auth::basic_password;
use crate::store::Receiver;
use crate::tokens::{Holder, Role};
use vigie_core::i18n::{CoordMsg, Lang};

/// The page a browser shows when the coordinator's credentials are missing or wrong.
pub fn sign_in_page() -> String {
    let fr = Words::of(Lang::Fr);
    page(
        &fr,
        fr.t(CoordMsg::Title),
        html! { p { (fr.t(CoordMsg::SignIn)) " / " (CoordMsg::SignIn.text(Lang::En)) } },
    )
    .into_string()
}

/// A request from a signed-in coordinator: who, where they may look, and whether they are
/// cleared to read GBV accounts. Every page, count and export is cut to it.
pub struct Coordinator(pub Holder);

/// The sign-in prompt a browser shows for the coordinator pages.
pub struct SignIn(pub Html<String>);

impl IntoResponse for SignIn {
    fn into_response(self) -> Response {
        let mut res = (StatusCode::UNAUTHORIZED, self.0).into_response();
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"Vigie coordination\", charset=\"UTF-8\""),
        );
        res
    }
}

impl FromRequestParts<Receiver> for Coordinator {
    type Rejection = SignIn;

    async fn from_request_parts(parts: &mut Parts, recv: &Receiver) -> Result<Self, SignIn> {
        let given = basic_password(&parts.headers).unwrap_or_default();
        let recv = recv.clone();
        let holder =
            tokio::task::spawn_blocking(move || recv.token_holder(&given, Role::Coordinator))
                .await
                .ok()
                .flatten();
        match holder {
            Some(h) => Ok(Coordinator(h)),
            None => Err(SignIn(Html(sign_in_page()))),
        }
    }
}
