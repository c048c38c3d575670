//! Inline SVG icons: no icon font, no request. Decorative, hidden from screen readers.

use leptos::prelude::*;

/// Which icon to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Icon {
    /// Warning triangle: report an incident.
    Alert,
    /// Clipboard: log an activity.
    Activity,
    /// Map with a flag: action plans.
    Plan,
    /// Tray with an arrow: outbox.
    Outbox,
    /// Gear: settings.
    Settings,
    /// Signal waves: online.
    Online,
    /// Crossed signal: offline.
    Offline,
}

impl Icon {
    fn path(self) -> &'static str {
        match self {
            Icon::Alert => "M12 3 2 21h20L12 3zm0 6v6m0 3v.01",
            Icon::Activity => "M9 3h6v3H9zM6 5h3m6 0h3v16H6V5zm3 7h6m-6 4h4",
            Icon::Plan => "M3 6l6-3 6 3 6-3v15l-6 3-6-3-6 3zM9 3v15m6-12v15",
            Icon::Outbox => "M3 14h5l1 3h6l1-3h5v6H3zM12 3v9m-4-5 4-4 4 4",
            Icon::Settings => "M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8zM12 2v3m0 14v3M2 12h3m14 0h3M5 5l2 2m10 10 2 2M5 19l2-2M17 7l2-2",
            Icon::Online => "M2 9a15 15 0 0 1 20 0M5 13a10 10 0 0 1 14 0M8.5 16.5a5 5 0 0 1 7 0M12 20h.01",
            Icon::Offline => "M2 9a15 15 0 0 1 20 0M5 13a10 10 0 0 1 14 0M12 20h.01M3 3l18 18",
        }
    }
}

/// Renders `icon` at the current font size, in the current text colour.
#[component]
pub fn IconSvg(icon: Icon) -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d=icon.path() />
        </svg>
    }
}
