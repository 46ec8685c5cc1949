//! The shared UI components: one way to lay out a page, ask for input, show errors and act.
//! Each has an example in its doc comment and on the `/dev/components` gallery page.
//! Components take translated text from the page that uses them; they hold no strings.

use leptos::prelude::*;

use crate::i18n::{t, use_i18n};

pub mod banner;
pub mod button;
pub mod checkbox;
pub mod error_summary;
pub mod layout;
pub mod pagination;
pub mod password_fields;
pub mod radios;
pub mod text_field;

pub use banner::{BannerKind, NotificationBanner};
pub use button::{Button, ButtonKind};
pub use checkbox::Checkbox;
pub use error_summary::{ErrorSummary, SummaryItem};
pub use layout::PageLayout;
pub use pagination::Pagination;
pub use password_fields::{CodeField, CurrentPasswordField, NewPasswordField};
pub use radios::{RadioOption, Radios};
pub use text_field::TextField;

/// The class of a field's wrapper: marked while the field is in error.
pub(crate) fn group_class(error: Signal<Option<String>>) -> &'static str {
    if error.with(Option::is_some) {
        "form-group form-group--error"
    } else {
        "form-group"
    }
}

/// The error line under a field's label, with a hidden "Error:" for screen readers.
#[component]
pub(crate) fn FieldErrorMessage(id: String, error: Signal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        error.get().map(|message| {
            view! {
                <p class="error-message" id=id.clone()>
                    <span class="visually-hidden">{t!(i18n, common.error_prefix)}": "</span>
                    {message}
                </p>
            }
        })
    }
}

/// The id of the element that describes a field's error, for `aria-describedby`.
pub(crate) fn error_id(name: &str) -> String {
    format!("{name}-error")
}

/// The id of the element that holds a field's hint, for `aria-describedby`.
pub(crate) fn hint_id(name: &str) -> String {
    format!("{name}-hint")
}

/// The `aria-describedby` value for a field with an optional hint and error.
pub(crate) fn described_by(name: &str, has_hint: bool, has_error: bool) -> Option<String> {
    let ids: Vec<String> = [
        has_hint.then(|| hint_id(name)),
        has_error.then(|| error_id(name)),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!ids.is_empty()).then(|| ids.join(" "))
}
