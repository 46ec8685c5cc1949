//! The fields that prove who one is: the password one has, a new password, and the second
//! factor's code. One place for their input types and `autocomplete` tokens, so password
//! managers and phones fill them in the same way on every form.

use leptos::prelude::*;

use super::TextField;

/// The password the user has now (re-authentication in the cabinet, the renewal).
///
/// ```ignore
/// <CurrentPasswordField name="password" label=text(|l| td_string!(l, two_factor.password_label))
///     error=errors.field("password") />
/// ```
#[component]
pub fn CurrentPasswordField(
    /// The form field name (and element id).
    #[prop(default = "current_password")]
    name: &'static str,
    #[prop(into)] label: Signal<String>,
    #[prop(optional, into)] error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <TextField name label input_type="password" autocomplete="current-password" error />
    }
}

/// A new password, with the policy as its hint (`hint`, translated by the page).
#[component]
pub fn NewPasswordField(
    #[prop(into)] label: Signal<String>,
    #[prop(into)] hint: Signal<String>,
    #[prop(optional, into)] error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <TextField
            name="new_password"
            label
            hint
            input_type="password"
            autocomplete="new-password"
            error
        />
    }
}

/// The code of the authenticator app (or a recovery code), in the field named `code`.
#[component]
pub fn CodeField(
    #[prop(into)] label: Signal<String>,
    #[prop(optional, into)] hint: Option<Signal<String>>,
    #[prop(optional, into)] error: Signal<Option<String>>,
) -> impl IntoView {
    match hint {
        Some(hint) => view! {
            <TextField name="code" label hint autocomplete="one-time-code" error />
        }
        .into_any(),
        None => view! {
            <TextField name="code" label autocomplete="one-time-code" error />
        }
        .into_any(),
    }
}
