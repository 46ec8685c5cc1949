//! The portal's HTTP server: configuration, the router with its middleware, health
//! endpoints, and start-up. `main.rs` only parses the command line and calls in here, so
//! the HTTP tests build exactly the router that production runs.

pub mod agreement_cli;
pub mod api_errors;
pub mod assets;
pub mod client_address;
pub mod config;
pub mod documents;
pub mod health;
pub mod language;
pub mod listener;
pub mod owner_scope;
pub mod page_cache;
pub mod panics;
pub mod perimeter;
pub mod router;
pub mod session;
pub mod telemetry;

pub use config::{Cli, Command, Config};
pub use router::{AppState, router};
