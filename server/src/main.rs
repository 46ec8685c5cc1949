//! `server`: parses the command line and runs the chosen subcommand. The work is in the
//! library (`server::router`, `server::config`), where the tests reach it too.

use std::process::ExitCode;

use clap::Parser;
use leptos::config::LeptosOptions;
use server::{
    AppState, Cli, Command, Config, agreement_cli, config::AgreementCommand, config::PublishArgs,
    language, listener, router, telemetry,
};
use tokio::net::TcpListener;

/// Rendering a page allocates many small strings; see server/Cargo.toml for the choice.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.config.log_format);
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.config).await,
        Command::Migrate => migrate(cli.config).await,
        Command::Agreement {
            command: AgreementCommand::Publish(args),
        } => publish_agreement(cli.config, args).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(reason) => {
            // One clear line for the operator, not a backtrace.
            eprintln!("error: {reason}");
            ExitCode::FAILURE
        }
    }
}

async fn open_database(config: &Config) -> Result<domain::DatabaseConnection, String> {
    config.prepare_data_dir()?;
    domain::database::open_and_migrate(&config.effective_database_url())
        .await
        .map_err(|e| e.to_string())
}

async fn migrate(config: Config) -> Result<(), String> {
    open_database(&config).await?;
    tracing::info!("database is up to date");
    Ok(())
}

async fn publish_agreement(config: Config, args: PublishArgs) -> Result<(), String> {
    let db = open_database(&config).await?;
    let done = agreement_cli::publish(&db, &args).await?;
    println!("{done}");
    Ok(())
}

async fn serve(config: Config) -> Result<(), String> {
    let db = open_database(&config).await?;
    let output_name = std::env::var("LEPTOS_OUTPUT_NAME").unwrap_or_else(|_| "portal".into());
    let hash_files = server::assets::build_is_hashed(&config.site_root, &output_name);
    let leptos_options = LeptosOptions::builder()
        .output_name(output_name)
        .site_root(config.site_root.clone())
        .site_pkg_dir("pkg")
        .site_addr(config.listen)
        .hash_files(hash_files)
        .build();
    let asset_archive = config.asset_archive();
    let archived = server::assets::archive_current_build(
        std::path::Path::new(&config.site_root),
        &asset_archive,
        std::time::Duration::from_secs(config.previous_assets_days * 86_400),
        std::time::SystemTime::now(),
    )
    .map_err(|e| {
        format!(
            "cannot keep the site's files in {}: {e}",
            asset_archive.display()
        )
    })?;
    tracing::info!(hash_files, ?archived, "site files ready");
    let default_language = language::SUPPORTED
        .into_iter()
        .find(|code| *code == config.default_language)
        .unwrap_or("ky");
    let documents = config.document_store();
    documents
        .prepare()
        .await
        .map_err(|e| format!("cannot prepare the document store: {e}"))?;
    // A deletion that committed before the process stopped still has files to remove.
    domain::deletion::finish_file_removals(&db, &documents)
        .await
        .map_err(|e| format!("cannot finish the removals of deleted accounts' files: {e}"))?;
    // Housekeeping now (files left by uploads that never committed, expired drafts and
    // challenges) and then every ten minutes.
    let tidied = domain::maintenance::tidy(&db, &documents, chrono::Utc::now()).await;
    tracing::info!(?tidied, root = %documents.root().display(), "document store ready");
    tokio::spawn(maintenance(db.clone(), documents.clone()));
    let hasher = domain::password::PasswordHasher::new().map_err(|e| e.to_string())?;
    let throttle =
        domain::throttle::Throttle::new(config.server_secret()?, config.attempts_per_address);
    let sessions = config.session_policy();
    let state = AppState {
        leptos_options,
        context: app::server::ServerContext {
            db,
            dev_mode: config.dev,
            hasher,
            sessions,
            https: config.https,
            throttle,
            documents,
            retention: config.retention_policy(),
            retention_legal_basis: config.retention_legal_basis.trim().to_owned(),
            agreement_texts: Default::default(),
        },
        default_language,
        trusted_proxies: config.trusted_proxies.clone(),
        timeouts: config.timeouts(),
        asset_archive,
    };
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    tracing::info!(address = %config.listen, dev = config.dev, "serving the portal on http://{}", config.listen);
    let timeouts = state.timeouts;
    listener::serve(listener, router(state), timeouts, shutdown_signal())
        .await
        .map_err(|e| format!("the server stopped: {e}"))
}

/// Housekeeping every ten minutes (see `domain::maintenance`).
async fn maintenance(db: domain::DatabaseConnection, documents: domain::documents::DocumentStore) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
    every.tick().await;
    loop {
        every.tick().await;
        let tidied = domain::maintenance::tidy(&db, &documents, chrono::Utc::now()).await;
        tracing::debug!(?tidied, "housekeeping");
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
