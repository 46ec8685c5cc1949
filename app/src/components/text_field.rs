//! A labelled text input (or text area) with an optional hint and error message.

use leptos::prelude::*;

use super::{FieldErrorMessage, described_by, error_id, group_class, hint_id};

/// A text field with its label, hint and error. `name` is also the element id, so the error
/// summary can link to it.
///
/// ```ignore
/// <TextField name="reply_email" label=Signal::derive(move || "Email".into())
///     input_type="email" autocomplete="email" value=draft.reply_email
///     error=Signal::derive(move || errors.get().first().cloned()) />
/// ```
#[component]
pub fn TextField(
    /// The form field name and the element id.
    #[prop(into)]
    name: String,
    /// The visible label.
    #[prop(into)]
    label: Signal<String>,
    /// Help shown under the label.
    #[prop(optional, into)]
    hint: Option<Signal<String>>,
    /// The error message, when the value was refused.
    #[prop(optional, into)]
    error: Signal<Option<String>>,
    /// The initial value.
    #[prop(optional, into)]
    value: String,
    /// The input type (`text`, `email`, `tel`, ...).
    #[prop(default = "text")]
    input_type: &'static str,
    /// The `autocomplete` token, so browsers and password managers can fill it in.
    #[prop(optional)]
    autocomplete: Option<&'static str>,
    /// The on-screen keyboard to offer (`numeric` for PINs).
    #[prop(optional)]
    inputmode: Option<&'static str>,
    /// Render a multi-line text area instead of a single-line input.
    #[prop(optional)]
    multiline: bool,
    /// Mark the field as required for assistive technology.
    #[prop(optional)]
    required: bool,
) -> impl IntoView {
    let has_hint = hint.is_some();
    let describedby = {
        let name = name.clone();
        move || described_by(&name, has_hint, error.with(Option::is_some))
    };
    let invalid = move || error.with(Option::is_some).then_some("true");
    let control = if multiline {
        view! {
            <textarea
                class="textarea"
                id=name.clone()
                name=name.clone()
                rows="6"
                autocomplete=autocomplete
                aria-describedby=describedby
                aria-invalid=invalid
                required=required
            >
                {value}
            </textarea>
        }
        .into_any()
    } else {
        view! {
            <input
                class="input"
                type=input_type
                id=name.clone()
                name=name.clone()
                value=value
                autocomplete=autocomplete
                inputmode=inputmode
                spellcheck=(input_type == "email").then_some("false")
                aria-describedby=describedby
                aria-invalid=invalid
                required=required
            />
        }
        .into_any()
    };
    let hint_id = hint_id(&name);
    let error_id = error_id(&name);
    view! {
        <div class=move || group_class(error)>
            <label class="label" for=name.clone()>
                {label}
            </label>
            {hint.map(|hint| view! { <p class="hint" id=hint_id>{hint}</p> })}
            <FieldErrorMessage id=error_id error />
            {control}
        </div>
    }
}
