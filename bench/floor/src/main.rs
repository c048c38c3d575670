//! Three routes, a stored preference, a text input, a conditional block: what any app on
//! this stack has before its first feature. Its bundle size is the floor Vigie's sits on.
use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use leptos_router::{components::*, path};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Default)]
struct Prefs {
    lang: String,
    visits: u32,
}

#[component]
fn Home() -> impl IntoView {
    let prefs: Prefs = LocalStorage::get("prefs").unwrap_or_default();
    let visits = RwSignal::new(prefs.visits);
    let count = move |_| {
        visits.update(|v| *v += 1);
        let prefs = Prefs {
            lang: "fr".into(),
            visits: visits.get_untracked(),
        };
        if let Err(e) = LocalStorage::set("prefs", prefs) {
            leptos::logging::warn!("{e}");
        }
    };
    view! {
        <h1>"Accueil"</h1>
        <button on:click=count>{move || visits.get()}</button>
        <A href="/note">"Note"</A>
    }
}

#[component]
fn Note() -> impl IntoView {
    let text = RwSignal::new(String::new());
    view! {
        <input prop:value=text on:input=move |e| text.set(event_target_value(&e)) />
        <p>{move || text.get()}</p>
        <Show when=move || text.with(|t| t.len() > 3)>
            <p>"…"</p>
        </Show>
    }
}

#[component]
fn App() -> impl IntoView {
    view! {
        <Router>
            <header>"Vigie"</header>
            <Routes fallback=|| "404">
                <Route path=path!("/") view=Home />
                <Route path=path!("/note") view=Note />
                <Route path=path!("/note/:id") view=Note />
            </Routes>
        </Router>
    }
}

fn main() {
    leptos::mount::mount_to_body(App)
}
