//! Translated text as a signal, for component props that take a label or a title.

use leptos::prelude::*;

use crate::i18n::{Locale, use_i18n};

/// A translation key, written as `|l| td_string!(l, feedback.title)`.
pub type TextKey = fn(Locale) -> &'static str;

/// The text of `key` in the current language, following language changes.
pub fn text(key: TextKey) -> Signal<String> {
    let i18n = use_i18n();
    Signal::derive(move || key(i18n.get_locale()).to_owned())
}
