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
