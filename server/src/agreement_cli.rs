//! `server agreement publish`: reads the operator's files and hands them to the same
//! publishing service the operator console uses.

use std::{collections::BTreeMap, path::Path};

use crate::config::PublishArgs;

/// Splits a summary file into its `[ky]`, `[ru]` and `[en]` sections.
pub fn parse_summaries(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut sections: BTreeMap<String, String> = BTreeMap::new();
    let mut current: Option<String> = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(language) = trimmed.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            if sections.contains_key(language) {
                return Err(format!("line {}: a second [{language}] section", index + 1));
            }
            sections.insert(language.to_owned(), String::new());
            current = Some(language.to_owned());
            continue;
        }
        match (&current, trimmed.is_empty()) {
            (None, true) => {}
            (None, false) => {
                return Err(format!(
                    "line {}: text before the first [ky], [ru] or [en] heading",
                    index + 1
                ));
            }
            (Some(language), _) => {
                if let Some(section) = sections.get_mut(language) {
                    section.push_str(trimmed);
                    section.push('\n');
                }
            }
        }
    }
    Ok(sections
        .into_iter()
        .map(|(language, text)| (language, text.trim().to_owned()))
        .collect())
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
        .and_then(|bytes| {
            String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", path.display()))
        })
}

/// Reads the files, publishes, and says what happened in one line.
pub async fn publish(
    db: &domain::DatabaseConnection,
    args: &PublishArgs,
) -> Result<String, String> {
    let mut texts = BTreeMap::new();
    for (language, file) in &args.texts {
        if texts.insert(language.clone(), read(file)?).is_some() {
            return Err(format!("--text {language}=... is given twice"));
        }
    }
    let summaries = parse_summaries(&read(&args.summary_file)?)
        .map_err(|e| format!("{}: {e}", args.summary_file.display()))?;
    let publication = domain::agreement::Publication {
        version: args.version,
        effective: args.effective,
        texts,
        summaries,
    };
    let published = domain::agreement::publish(db, &publication, chrono::Utc::now())
        .await
        .map_err(|e| e.to_string())?;
    Ok(format!(
        "published version {} of the user agreement, in force from {} (Bishkek time); announced in the inbox of {} account(s)",
        published.version,
        app::server::local_time(published.effective_from, "%Y-%m-%d %H:%M"),
        published.notified
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::parse_summaries;

    #[test]
    fn a_summary_file_has_one_section_per_language() {
        let parsed = parse_summaries(
            "\n[ky]\nКыргызча.\n\n[ru]\nПо-русски,\nв две строки.\n[en]\nIn English.\n",
        )
        .unwrap();
        assert_eq!(parsed["ky"], "Кыргызча.");
        assert_eq!(parsed["ru"], "По-русски,\nв две строки.");
        assert_eq!(parsed["en"], "In English.");
        assert!(
            parse_summaries("loose\n[en]\nx")
                .unwrap_err()
                .contains("line 1")
        );
        assert!(
            parse_summaries("[en]\nx\n[en]\ny")
                .unwrap_err()
                .contains("second [en]")
        );
    }
}
