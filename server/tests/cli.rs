//! The `server` binary as an operator meets it: help, migrate, JSON logs, and start-up
//! failures that end with one clear line instead of a backtrace.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

fn server(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("PORTAL_DATA_DIR")
        .env_remove("RUST_LOG");
    for (key, value) in envs {
        command.env(key, value);
    }
    command.output().expect("the server binary runs")
}

fn one_error_line(output: &Output) -> String {
    assert!(!output.status.success(), "start-up should fail");
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "exactly one line on stderr, got {stderr:?}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    lines[0].to_owned()
}

#[test]
fn help_explains_both_subcommands_and_the_settings() {
    let output = server(&["--help"], &[]);
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "serve",
        "migrate",
        "DATABASE_URL",
        "LEPTOS_SITE_ADDR",
        "PORTAL_DATA_DIR",
    ] {
        assert!(help.contains(expected), "help mentions {expected}:\n{help}");
    }
}

#[test]
fn migrate_creates_the_embedded_database_in_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let output = server(
        &["migrate", "--log-format", "json"],
        &[("PORTAL_DATA_DIR", data.to_str().unwrap())],
    );
    assert!(output.status.success(), "{output:?}");
    assert!(data.join("portal.db").exists());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let first: serde_json::Value =
        serde_json::from_str(stdout.lines().next().expect("a log line")).expect("JSON logs");
    assert_eq!(first["message"], "database is up to date");
}

#[test]
fn a_bad_database_url_ends_start_up_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let unknown = server(
        &["migrate", "--data-dir", data],
        &[("DATABASE_URL", "mysql://x")],
    );
    assert!(one_error_line(&unknown).contains("DATABASE_URL"));

    let unreachable = server(
        &["migrate", "--data-dir", data],
        &[("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")],
    );
    assert!(one_error_line(&unreachable).contains("cannot connect"));
}

#[test]
fn an_unusable_data_directory_ends_start_up_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-directory");
    std::fs::write(&file, b"x").unwrap();
    let inside_a_file = file.join("data");
    let output = server(
        &["serve", "--data-dir", inside_a_file.to_str().unwrap()],
        &[],
    );
    assert!(one_error_line(&output).contains("data directory"));
}

/// `server agreement publish` against a fresh embedded database: what it stores, and what
/// it says when the files are wrong.
#[test]
fn the_operator_publishes_an_agreement_version_from_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let file = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let summary = file(
        "summary.txt",
        "[ky]\nӨзгөрүүлөр.\n[ru]\nИзменения.\n[en]\nChanges.\n",
    );
    let texts: Vec<String> = ["ky", "ru", "en"]
        .iter()
        .map(|l| {
            let path = file(
                &format!("{l}.md"),
                &format!("# Agreement ({l})\n\n## 1. General\n1.1. The only clause.\n"),
            );
            format!("{l}={path}")
        })
        .collect();
    let today = (chrono::Utc::now() + chrono::Duration::hours(6))
        .date_naive()
        .to_string();
    let publish = |version: &str, texts: &[String]| {
        let mut args = vec![
            "agreement",
            "publish",
            "--data-dir",
            data,
            "--version",
            version,
            "--effective",
            &today,
            "--summary-file",
            &summary,
        ];
        for text in texts {
            args.extend(["--text", text.as_str()]);
        }
        server(&args, &[])
    };

    let missing = publish("2", &texts[1..]);
    assert!(one_error_line(&missing).contains("language ky"));

    let published = publish("2", &texts);
    assert!(published.status.success(), "{published:?}");
    let said = String::from_utf8(published.stdout).unwrap();
    assert!(said.contains("published version 2"), "{said}");
    assert!(
        said.contains("announced in the inbox of 0 account(s)"),
        "{said}"
    );

    let again = publish("2", &texts);
    assert!(one_error_line(&again).contains("not after the latest published version 2"));

    let broken = file("broken.md", "no title\n");
    let mut bad_texts = texts.clone();
    bad_texts[2] = format!("en={broken}");
    let malformed = publish("3", &bad_texts);
    assert!(one_error_line(&malformed).contains("the en text"));

    let unreadable = publish("3", &["ru=/nonexistent/file.md".to_owned()]);
    assert!(one_error_line(&unreadable).contains("cannot read /nonexistent/file.md"));
}
