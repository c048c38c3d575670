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
    /// Burst: physical violence (form choices from here on).
    Violence,
    /// Speech bubble with an exclamation mark: threats.
    Threat,
    /// Venus sign: gender-based violence.
    Gender,
    /// House: property.
    Property,
    /// Ballot box: elections.
    Ballot,
    /// Two people: crowds, demonstrations.
    Crowd,
    /// Bell: early-warning signal.
    Signal,
    /// Heart: peace, positive initiative.
    Peace,
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
            Icon::Violence => "M12 2l2 6 6-2-4 5 6 3-7 1 1 7-4-5-4 5 1-7-7-1 6-3-4-5 6 2z",
            Icon::Threat => "M4 4h16v11H9l-5 4V4zM12 7v4m0 2.5v.01",
            Icon::Gender => "M12 3a5 5 0 1 0 0 10 5 5 0 0 0 0-10zM12 13v8m-3-3h6",
            Icon::Property => "M3 11l9-8 9 8M5 10v10h14V10M10 20v-5h4v5",
            Icon::Ballot => "M4 11h16v10H4zM8 11V4h8v7M10 7h4M8 16h8",
            Icon::Crowd => "M8 8a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM16 8a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM2 21v-3a5 5 0 0 1 10 0v3M12 21v-3a5 5 0 0 1 10 0v3",
            Icon::Signal => "M6 17v-6a6 6 0 0 1 12 0v6l2 2H4l2-2zM10 21h4",
            Icon::Peace => "M12 20s-8-5-8-11a4.5 4.5 0 0 1 8-2.5A4.5 4.5 0 0 1 20 9c0 6-8 11-8 11z",
        }
    }

    /// The icon a form definition names for a choice (see docs/FORMS.md), if this app has it.
    pub fn named(name: &str) -> Option<Icon> {
        Some(match name {
            "violence" => Icon::Violence,
            "threat" => Icon::Threat,
            "gender" => Icon::Gender,
            "property" => Icon::Property,
            "ballot" => Icon::Ballot,
            "crowd" => Icon::Crowd,
            "signal" => Icon::Signal,
            "peace" => Icon::Peace,
            "alert" => Icon::Alert,
            "activity" => Icon::Activity,
            _ => return None,
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_core::forms::builtin;

    #[test]
    fn every_icon_the_built_in_forms_name_exists() {
        let mut named = 0;
        for def in builtin::all().into_iter().map(Result::unwrap) {
            for field in def.all_fields() {
                for choice in def.choices_of(field) {
                    if let Some(name) = &choice.icon {
                        assert!(Icon::named(name).is_some(), "{}: icon {name}", def.id);
                        named += 1;
                    }
                }
            }
        }
        assert_eq!(named, 8, "the eight incident categories have pictures");
        assert_eq!(Icon::named("unknown-icon"), None);
    }
}
