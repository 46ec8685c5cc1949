//! Buttons: one primary action per page, secondary actions, and the red warning button kept
//! for the final step of a destructive flow.

use leptos::prelude::*;

/// What a button does, which decides how it looks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ButtonKind {
    #[default]
    Primary,
    Secondary,
    /// Only on the last step of something that cannot be undone.
    Warning,
}

impl ButtonKind {
    fn class(self) -> &'static str {
        match self {
            Self::Primary => "button",
            Self::Secondary => "button button--secondary",
            Self::Warning => "button button--warning",
        }
    }
}

/// A form button (`type="submit"` unless told otherwise).
///
/// ```ignore
/// <Button kind=ButtonKind::Secondary>{t!(i18n, feedback.submit)}</Button>
/// ```
#[component]
pub fn Button(
    #[prop(optional)] kind: ButtonKind,
    #[prop(default = "submit")] button_type: &'static str,
    /// Set while the action runs, so a second press does not send twice.
    #[prop(optional, into)]
    busy: Signal<bool>,
    /// Name and value posted with the form, for forms with several actions.
    #[prop(optional)]
    name: Option<&'static str>,
    #[prop(optional)] value: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    view! {
        <button
            class=kind.class()
            type=button_type
            name=name
            value=value
            aria-disabled=move || busy.get().then_some("true")
            disabled=move || busy.get()
        >
            {children()}
        </button>
    }
}
