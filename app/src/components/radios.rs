//! A group of radio buttons in a fieldset with a legend: one choice out of a few.

use leptos::prelude::*;

use super::{FieldErrorMessage, described_by, error_id, group_class};

/// One choice of a [`Radios`] group.
#[derive(Clone)]
pub struct RadioOption {
    pub value: &'static str,
    pub label: Signal<String>,
}

/// Radio buttons for `name`; the first option's id is `name`, so the error summary's link
/// lands on the group.
///
/// ```ignore
/// <Radios name="topic" legend=legend options=vec![RadioOption { value: "question", label }]
///     selected=draft.topic error=topic_error />
/// ```
#[component]
pub fn Radios(
    #[prop(into)] name: String,
    #[prop(into)] legend: Signal<String>,
    options: Vec<RadioOption>,
    /// The value ticked initially, if any.
    #[prop(optional, into)]
    selected: String,
    #[prop(optional, into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let describedby = {
        let name = name.clone();
        move || described_by(&name, false, error.with(Option::is_some))
    };
    let error_id = error_id(&name);
    let items = options
        .into_iter()
        .enumerate()
        .map(|(index, option)| {
            let id = if index == 0 {
                name.clone()
            } else {
                format!("{name}-{}", option.value)
            };
            view! {
                <div class="radio">
                    <input
                        class="radio__input"
                        type="radio"
                        id=id.clone()
                        name=name.clone()
                        value=option.value
                        checked=selected == option.value
                    />
                    <label class="radio__label" for=id>
                        {option.label}
                    </label>
                </div>
            }
        })
        .collect_view();
    view! {
        <div class=move || group_class(error)>
            <fieldset class="fieldset" aria-describedby=describedby>
                <legend class="fieldset__legend">{legend}</legend>
                <FieldErrorMessage id=error_id error />
                <div class="radios">{items}</div>
            </fieldset>
        </div>
    }
}
