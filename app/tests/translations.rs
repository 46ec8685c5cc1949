//! Every translation key exists, non-empty, in Kyrgyz, Russian and English.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use serde_json::Value;

fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, child, out);
            }
        }
        Value::String(text) => {
            out.insert(prefix.to_owned(), text.clone());
        }
        other => panic!("{prefix} must be a string or an object, found {other}"),
    }
}

fn load(language: &str) -> BTreeMap<String, String> {
    let path = format!("{}/locales/{language}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the locale file exists");
    let value: Value = serde_json::from_str(&text).expect("the locale file is valid JSON");
    let mut keys = BTreeMap::new();
    flatten("", &value, &mut keys);
    keys
}

#[test]
fn every_key_is_translated_into_all_three_languages() {
    let kyrgyz = load("ky");
    assert!(!kyrgyz.is_empty());
    for language in ["ru", "en"] {
        let other = load(language);
        let missing: Vec<_> = kyrgyz.keys().filter(|k| !other.contains_key(*k)).collect();
        let extra: Vec<_> = other.keys().filter(|k| !kyrgyz.contains_key(*k)).collect();
        assert!(missing.is_empty(), "{language} lacks {missing:?}");
        assert!(
            extra.is_empty(),
            "{language} has keys Kyrgyz lacks: {extra:?}"
        );
    }
    for language in ["ky", "ru", "en"] {
        let empty: Vec<_> = load(language)
            .into_iter()
            .filter(|(_, text)| text.trim().is_empty())
            .map(|(key, _)| key)
            .collect();
        assert!(
            empty.is_empty(),
            "{language} has empty translations: {empty:?}"
        );
    }
}

#[test]
fn kyrgyz_and_russian_texts_are_not_left_in_english() {
    // A copied English sentence is the usual way a translation goes missing unnoticed.
    let english = load("en");
    for language in ["ky", "ru"] {
        let same: Vec<_> = load(language)
            .into_iter()
            .filter(|(key, text)| {
                english.get(key) == Some(text) && text.chars().any(char::is_alphabetic)
            })
            .map(|(key, _)| key)
            .collect();
        assert!(
            same.is_empty(),
            "{language} repeats the English text of {same:?}"
        );
    }
}
