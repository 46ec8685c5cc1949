//! Crash points for tests. With the `fault-injection` feature (only the test build turns it
//! on), a process whose `PORTAL_FAULT_AT` names a point aborts there, as a killed server
//! would: no destructor, no rollback but the database's own. Without the feature a point
//! is nothing.

/// Aborts the process if the test asked to crash at `name`.
#[inline]
pub fn point(name: &str) {
    #[cfg(feature = "fault-injection")]
    if std::env::var("PORTAL_FAULT_AT").is_ok_and(|wanted| wanted == name) {
        eprintln!("fault injected: aborting at {name}");
        std::process::abort();
    }
    #[cfg(not(feature = "fault-injection"))]
    let _ = name;
}
