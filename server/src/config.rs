//! Command line and environment configuration. Every setting has a flag and an environment
//! variable; with nothing set, the portal runs on an SQLite file under `data/`.

use std::{net::SocketAddr, path::PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "server",
    version,
    about = "The State e-Services Portal: the citizen's personal cabinet and its operator console",
    long_about = "The State e-Services Portal server. With no subcommand it serves the portal \
                  (after applying pending migrations) on the SQLite database in the data \
                  directory unless DATABASE_URL names another database."
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Serve the portal over HTTP (the default). Applies pending migrations first.
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// The user agreement.
    Agreement {
        #[command(subcommand)]
        command: AgreementCommand,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum AgreementCommand {
    /// Publish a new version: checks it, stores it with the SHA-256 of each text, and
    /// announces it in every user's inbox. From its effective date every user must accept
    /// it before using their cabinet.
    Publish(PublishArgs),
}

#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct PublishArgs {
    /// The new version's number: greater than every published version.
    #[arg(long)]
    pub version: i32,
    /// The date (YYYY-MM-DD, Bishkek time) from which it is in force: today or later.
    #[arg(long)]
    pub effective: chrono::NaiveDate,
    /// A UTF-8 file with the plain-language summary of what changed, one section per
    /// language headed by a line `[ky]`, `[ru]` or `[en]`.
    #[arg(long, value_name = "FILE")]
    pub summary_file: PathBuf,
    /// The text in one language, as LANGUAGE=FILE (UTF-8, in the agreement format); give
    /// ky, ru and en.
    #[arg(long = "text", value_name = "LANGUAGE=FILE", value_parser = language_file)]
    pub texts: Vec<(String, PathBuf)>,
}

fn language_file(argument: &str) -> Result<(String, PathBuf), String> {
    let (language, file) = argument
        .split_once('=')
        .filter(|(language, file)| !language.is_empty() && !file.is_empty())
        .ok_or_else(|| {
            format!("expected LANGUAGE=FILE, e.g. ru=agreement-ru.md (got {argument:?})")
        })?;
    Ok((language.to_owned(), PathBuf::from(file)))
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Database URL: `sqlite://path?mode=rwc` or `postgres://user@host/db`.
    /// Default: the SQLite file `portal.db` in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// Address and port to listen on (the Leptos convention's variable).
    #[arg(
        long,
        env = "LEPTOS_SITE_ADDR",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub listen: SocketAddr,

    /// Directory for the embedded database and stored files; created when missing.
    #[arg(long, env = "PORTAL_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,

    /// Language for visitors whose browser asks for none of Kyrgyz, Russian or English.
    #[arg(long, env = "PORTAL_DEFAULT_LANGUAGE", default_value = "ky", global = true,
          value_parser = ["ky", "ru", "en"])]
    pub default_language: String,

    /// Log format: readable text, or one JSON object per line.
    #[arg(long, env = "PORTAL_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    /// Development mode: shows developer pages such as /dev/components.
    #[arg(long, env = "PORTAL_DEV", global = true)]
    pub dev: bool,

    /// The portal is served to browsers over HTTPS (directly or by a proxy in front):
    /// cookies become `Secure` with the `__Host-` name, and responses carry HSTS.
    #[arg(long, env = "PORTAL_HTTPS", global = true)]
    pub https: bool,

    /// Minutes without a request after which a session ends.
    #[arg(long, env = "PORTAL_IDLE_TIMEOUT_MINUTES", default_value_t = 15, global = true,
          value_parser = clap::value_parser!(u32).range(1..=720))]
    pub idle_timeout_minutes: u32,

    /// Seconds without a request after which a session ends; overrides the minutes (for
    /// demonstrations and the end-to-end tests of the idle warning).
    #[arg(long, env = "PORTAL_IDLE_TIMEOUT_SECONDS", global = true,
          value_parser = clap::value_parser!(u32).range(10..=43_200))]
    pub idle_timeout_seconds: Option<u32>,

    /// Seconds before the idle timeout at which a signed-in page warns and offers to stay
    /// signed in.
    #[arg(long, env = "PORTAL_IDLE_WARNING_SECONDS", default_value_t = 120, global = true,
          value_parser = clap::value_parser!(u32).range(5..=3_600))]
    pub idle_warning_seconds: u32,

    /// Sign-in and registration attempts one address may make a minute.
    #[arg(long, env = "PORTAL_ATTEMPTS_PER_ADDRESS", default_value_t = domain::throttle::ADDRESS_LIMIT, global = true)]
    pub attempts_per_address: u64,

    /// Reverse proxies in front of the portal (comma-separated addresses): only their
    /// `X-Forwarded-For` is believed about the client's address.
    #[arg(
        long,
        env = "PORTAL_TRUSTED_PROXIES",
        value_delimiter = ',',
        global = true
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// The largest document a user may upload, in MiB.
    #[arg(long, env = "PORTAL_MAX_DOCUMENT_MB", default_value_t = 20, global = true,
          value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub max_document_mb: u64,

    /// How many documents one account may hold.
    #[arg(long, env = "PORTAL_MAX_ACCOUNT_DOCUMENTS", default_value_t = 500, global = true,
          value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub max_account_documents: u64,

    /// How much one account may store in documents, in MiB.
    #[arg(long, env = "PORTAL_MAX_ACCOUNT_DOCUMENTS_MB", default_value_t = 200, global = true,
          value_parser = clap::value_parser!(u64).range(1..=102_400))]
    pub max_account_documents_mb: u64,

    /// How long an uploaded document is kept, in days after its upload.
    #[arg(long, env = "PORTAL_DOCUMENT_RETENTION_DAYS", default_value_t = 1825, global = true,
          value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub document_retention_days: u32,

    /// How long the pseudonymized records of a deleted account (acceptance records, history
    /// events, the receipt) are kept, in years after the deletion.
    #[arg(long, env = "PORTAL_DELETED_RECORDS_RETENTION_YEARS", default_value_t = 5, global = true,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub deleted_records_retention_years: u32,

    /// The legal basis for keeping them, shown as written on the deletion page and receipt
    /// (empty: the portal's own wording, in the reader's language).
    #[arg(
        long,
        env = "PORTAL_RETENTION_LEGAL_BASIS",
        default_value = "",
        global = true
    )]
    pub retention_legal_basis: String,

    /// The server's secret key, 64 hexadecimal characters: throttling keys are made with it.
    /// Every server of one deployment needs the same key. Unset: a key file in the data
    /// directory (`secret.key`), made on first start.
    #[arg(long, env = "PORTAL_SECRET_KEY", global = true, hide_env_values = true)]
    pub secret_key: Option<String>,

    /// Seconds a client may take to send a request's headers before the connection closes.
    #[arg(long, env = "PORTAL_HEADER_READ_TIMEOUT_SECONDS", default_value_t = 10, global = true,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub header_read_timeout_seconds: u64,

    /// The longest silence, in seconds, while a request body arrives before the request fails.
    #[arg(long, env = "PORTAL_BODY_READ_TIMEOUT_SECONDS", default_value_t = 30, global = true,
          value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub body_read_timeout_seconds: u64,

    /// Days an earlier build's site files stay available after a new build starts serving
    /// (pages opened before the deploy may still load their chunks).
    #[arg(long, env = "PORTAL_PREVIOUS_ASSETS_DAYS", default_value_t = 7, global = true,
          value_parser = clap::value_parser!(u64).range(0..=365))]
    pub previous_assets_days: u64,

    /// Directory with the compiled site (wasm, JavaScript, CSS), as cargo-leptos writes it.
    #[arg(
        long,
        env = "LEPTOS_SITE_ROOT",
        default_value = "target/site",
        global = true
    )]
    pub site_root: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Config {
    /// How long clients may take to send headers and bodies.
    pub fn timeouts(&self) -> crate::listener::Timeouts {
        crate::listener::Timeouts {
            header_read: std::time::Duration::from_secs(self.header_read_timeout_seconds),
            body_read: std::time::Duration::from_secs(self.body_read_timeout_seconds),
        }
    }

    /// Where earlier builds' site files are kept: `site-archive/` in the data directory.
    pub fn asset_archive(&self) -> std::path::PathBuf {
        self.data_dir.join("site-archive")
    }

    /// How sessions live, from the idle settings.
    pub fn session_policy(&self) -> domain::sessions::SessionPolicy {
        let idle_timeout = match self.idle_timeout_seconds {
            Some(seconds) => chrono::Duration::seconds(i64::from(seconds)),
            None => chrono::Duration::minutes(i64::from(self.idle_timeout_minutes)),
        };
        // A warning longer than the timeout would show at once; half the timeout at most.
        let idle_warning =
            chrono::Duration::seconds(i64::from(self.idle_warning_seconds)).min(idle_timeout / 2);
        domain::sessions::SessionPolicy {
            idle_timeout,
            idle_warning,
            ..Default::default()
        }
    }

    /// The document store: `files/` under the data directory, with the configured limits.
    pub fn document_store(&self) -> domain::documents::DocumentStore {
        domain::documents::DocumentStore::new(
            self.data_dir.join("files"),
            domain::documents::DocumentLimits {
                max_file_bytes: self.max_document_mb * 1024 * 1024,
                max_account_bytes: self.max_account_documents_mb * 1024 * 1024,
                max_account_documents: self.max_account_documents,
                retention: chrono::Duration::days(i64::from(self.document_retention_days)),
            },
        )
    }

    /// How long a deleted account's pseudonymized records are kept.
    pub fn retention_policy(&self) -> domain::deletion::RetentionPolicy {
        domain::deletion::RetentionPolicy {
            retained_for: chrono::Duration::days(
                365 * i64::from(self.deleted_records_retention_years),
            ),
        }
    }

    /// The server's secret key: the configured one, else the data directory's key file.
    pub fn server_secret(&self) -> Result<domain::secret::ServerSecret, String> {
        match self
            .secret_key
            .as_deref()
            .filter(|key| !key.trim().is_empty())
        {
            Some(key) => domain::secret::ServerSecret::from_hex(key)
                .map_err(|e| format!("PORTAL_SECRET_KEY: {e}")),
            None => domain::secret::ServerSecret::load_or_create(&self.data_dir.join("secret.key"))
                .map_err(|e| e.to_string()),
        }
    }

    /// The database URL in force: the configured one, else SQLite in the data directory.
    pub fn effective_database_url(&self) -> String {
        self.database_url
            .clone()
            .filter(|url| !url.trim().is_empty())
            .unwrap_or_else(|| domain::database::default_sqlite_url(&self.data_dir))
    }

    /// Creates the data directory if needed and proves it is writable.
    pub fn prepare_data_dir(&self) -> Result<(), String> {
        let dir = &self.data_dir;
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the data directory {}: {e}", dir.display()))?;
        let probe = dir.join(".write-test");
        std::fs::write(&probe, b"ok")
            .and_then(|()| std::fs::remove_file(&probe))
            .map_err(|e| format!("the data directory {} is not writable: {e}", dir.display()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use clap::Parser;

    use super::Cli;

    fn policy(args: &[&str]) -> domain::sessions::SessionPolicy {
        let mut all = vec!["server"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all).unwrap().config.session_policy()
    }

    #[test]
    fn the_idle_timeout_is_in_minutes_unless_seconds_are_given() {
        let default = policy(&[]);
        assert_eq!(default.idle_timeout, chrono::Duration::minutes(15));
        assert_eq!(default.idle_warning, chrono::Duration::minutes(2));
        assert_eq!(
            policy(&["--idle-timeout-minutes", "30"]).idle_timeout,
            chrono::Duration::minutes(30)
        );
        let short = policy(&[
            "--idle-timeout-seconds",
            "20",
            "--idle-warning-seconds",
            "15",
        ]);
        assert_eq!(short.idle_timeout, chrono::Duration::seconds(20));
        assert_eq!(
            short.idle_warning,
            chrono::Duration::seconds(10),
            "the warning takes half the timeout at most"
        );
        assert!(Cli::try_parse_from(["server", "--idle-timeout-seconds", "3"]).is_err());
    }
}
