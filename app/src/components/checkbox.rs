//! A single checkbox with its label, hint and error (consents, confirmations).

use leptos::prelude::*;

use super::{FieldErrorMessage, described_by, error_id, group_class, hint_id};

/// A checkbox that posts `value` under `name` when ticked (an unticked box posts nothing).
/// Consent boxes must start unticked: `checked` defaults to false.
///
/// ```ignore
/// <Checkbox name="accept_agreement" label=accept_label error=accept_error />
/// ```
#[component]
pub fn Checkbox(
    #[prop(into)] name: String,
    #[prop(into)] label: Signal<String>,
    #[prop(optional, into)] hint: Option<Signal<String>>,
    #[prop(optional, into)] error: Signal<Option<String>>,
    #[prop(optional)] checked: bool,
    #[prop(default = "true")] value: &'static str,
) -> impl IntoView {
    let has_hint = hint.is_some();
    let describedby = {
        let name = name.clone();
        move || described_by(&name, has_hint, error.with(Option::is_some))
    };
    let hint_id = hint_id(&name);
    let error_id = error_id(&name);
    view! {
        <div class=move || group_class(error)>
            <FieldErrorMessage id=error_id error />
            <div class="checkbox">
                <input
                    class="checkbox__input"
                    type="checkbox"
                    id=name.clone()
                    name=name.clone()
                    value=value
                    checked=checked
                    aria-describedby=describedby
                />
                <label class="checkbox__label" for=name.clone()>
                    {label}
                </label>
            </div>
            {hint.map(|hint| view! { <p class="hint checkbox__hint" id=hint_id>{hint}</p> })}
        </div>
    }
}
