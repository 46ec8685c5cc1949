//! The errors of a submitted form, ready for its fields and its error summary: the one way
//! every form page turns a server function's `AppError` into translated messages.

use leptos::prelude::*;

use crate::{
    components::SummaryItem,
    error::{AppError, message},
    i18n::use_i18n,
};

/// The failure of the last submission of a form, if it failed.
#[derive(Clone, Copy)]
pub struct FormErrors {
    failure: Signal<Option<AppError>>,
}

impl FormErrors {
    /// Follows `value`, the server action's value.
    pub fn of<T, S>(value: S) -> Self
    where
        S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
    {
        Self {
            failure: Signal::derive(move || value.get().and_then(Result::err)),
        }
    }

    /// The translated error of field `name`, if it has one.
    pub fn field(self, name: &'static str) -> Signal<Option<String>> {
        let i18n = use_i18n();
        let failure = self.failure;
        Signal::derive(move || {
            failure.with(|failure| {
                failure.as_ref().and_then(|error| {
                    error
                        .field_errors()
                        .iter()
                        .find(|e| e.field == name)
                        .map(|e| message(i18n.get_locale(), e.key).to_owned())
                })
            })
        })
    }

    /// Every error, the general one first, for the error summary.
    pub fn summary(self) -> Signal<Vec<SummaryItem>> {
        let i18n = use_i18n();
        let failure = self.failure;
        Signal::derive(move || {
            let locale = i18n.get_locale();
            failure.with(|failure| {
                let Some(error) = failure else {
                    return Vec::new();
                };
                let general = error.general_text(locale).map(|message| SummaryItem {
                    field: None,
                    message,
                });
                general
                    .into_iter()
                    .chain(error.field_errors().iter().map(|e| SummaryItem {
                        field: Some(e.field.clone()),
                        message: message(locale, e.key).to_owned(),
                    }))
                    .collect()
            })
        })
    }

    /// Whether the form shows any error (for the "Error:" title prefix).
    pub fn any(self) -> Signal<bool> {
        let failure = self.failure;
        Signal::derive(move || failure.with(Option::is_some))
    }
}
