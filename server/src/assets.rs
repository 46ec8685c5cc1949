//! The compiled site's files (wasm, JavaScript, CSS): served precompressed, cached for a
//! year under content-hashed names, revalidated (304) otherwise, and kept for a while after
//! a deploy so that tabs opened before it can still load the chunks they ask for later.

use std::{
    collections::HashSet,
    io,
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use axum::{extract::Request, middleware::Next, response::Response};
use http::{HeaderValue, StatusCode, header};

/// Where the compiled wasm, JavaScript and CSS are served from.
pub const PKG_PREFIX: &str = "/pkg/";

/// A year: the longest lifetime caches honour. Hashed names never change content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Unhashed names (development builds) may change: revalidate each time (304 when unchanged).
const REVALIDATE: &str = "no-cache";

/// Sets `Cache-Control` on what the static-file service answered.
pub async fn cache_headers(request: Request, next: Next) -> Response {
    let policy = cache_policy(request.uri().path());
    let mut response = next.run(request).await;
    let served = matches!(
        response.status(),
        StatusCode::OK | StatusCode::PARTIAL_CONTENT | StatusCode::NOT_MODIFIED
    );
    if let (true, Some(policy)) = (served, policy) {
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
        // The same address is sent brotli, gzip or plain by what the browser accepts: a
        // shared cache must not hand one browser's encoding to another.
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// Drops from the site's files the headers that only mean something on a page (the
/// policy, framing and referrer rules apply to the document that loads a file, not to the
/// file), the request id and the language cookie. A page's first visit loads a hundred wasm chunks; half a
/// kilobyte of headers on each was a tenth of the bytes on the wire.
pub async fn trim_headers(request: Request, next: Next) -> Response {
    let asset = request.uri().path().starts_with(PKG_PREFIX);
    let mut response = next.run(request).await;
    let served = response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED;
    if asset && served {
        let headers = response.headers_mut();
        headers.remove(header::CONTENT_SECURITY_POLICY);
        headers.remove(header::X_FRAME_OPTIONS);
        headers.remove(header::REFERRER_POLICY);
        headers.remove("x-request-id");
        // The language is remembered by the page that loads the file.
        headers.remove(header::SET_COOKIE);
    }
    response
}

fn cache_policy(path: &str) -> Option<&'static str> {
    let name = path.strip_prefix(PKG_PREFIX)?.rsplit('/').next()?;
    Some(if is_content_hashed(name) {
        IMMUTABLE
    } else {
        REVALIDATE
    })
}

/// cargo-leptos names hashed files `stem.<hash>.ext`, the hash being 22 characters of
/// unpadded base64url (an MD5).
pub fn is_content_hashed(file_name: &str) -> bool {
    file_name.split('.').skip(1).any(|part| {
        part.len() == 22
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// Whether the site was built with content-hashed names: cargo-leptos then writes
/// `hash.txt` next to the server binary, and Leptos reads the names from it. A hash file
/// whose script is not in the site (a binary beside another build's site) is ignored, loudly.
pub fn build_is_hashed(site_root: &str, output_name: &str) -> bool {
    let hash_file = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt")));
    let Some(text) = hash_file.and_then(|file| std::fs::read_to_string(file).ok()) else {
        return false;
    };
    let script = app::assets::hash_of(&text, "js")
        .map(|hash| Path::new(site_root).join(format!("pkg/{output_name}.{hash}.js")));
    match script {
        Some(script) if script.exists() => true,
        _ => {
            tracing::error!(
                site_root,
                "hash.txt beside the server names files that are not in the site; \
                 serving unhashed names (rebuild with cargo leptos build --release)"
            );
            false
        }
    }
}

/// What keeping the previous builds' files did at start-up.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ArchiveReport {
    /// Files of the current build copied into the archive for the first time.
    pub added: usize,
    /// Files of earlier builds still kept.
    pub kept: usize,
    /// Files of earlier builds past their keeping time, removed.
    pub removed: usize,
}

/// Copies the current build's `pkg` files into `archive/pkg` (the static service falls back
/// to it for names the current build lacks) and removes earlier builds' files that stopped
/// being current more than `keep` ago. A file's modification time in the archive is the last
/// start at which it was current.
pub fn archive_current_build(
    site_root: &Path,
    archive: &Path,
    keep: Duration,
    now: SystemTime,
) -> io::Result<ArchiveReport> {
    let pkg = site_root.join("pkg");
    let archived_pkg = archive.join("pkg");
    let mut report = ArchiveReport::default();
    let mut current = HashSet::new();
    for file in files_under(&pkg)? {
        let relative = file
            .strip_prefix(&pkg)
            .map_err(io::Error::other)?
            .to_owned();
        let target = archived_pkg.join(&relative);
        if !target.exists() {
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            // Beside the target under its whole name plus a suffix: `with_extension` would
            // give a file's .br and .gz copies the same temporary name.
            let mut partial = target.clone().into_os_string();
            partial.push(".partial");
            let partial = PathBuf::from(partial);
            std::fs::copy(&file, &partial)?;
            std::fs::rename(&partial, &target)?;
            report.added += 1;
        }
        std::fs::File::options()
            .append(true)
            .open(&target)?
            .set_modified(now)?;
        current.insert(relative);
    }
    for file in files_under(&archived_pkg)? {
        let relative = file
            .strip_prefix(&archived_pkg)
            .map_err(io::Error::other)?
            .to_owned();
        if current.contains(&relative) {
            continue;
        }
        let last_current = std::fs::metadata(&file)?.modified()?;
        let age = now.duration_since(last_current).unwrap_or_default();
        if age > keep {
            std::fs::remove_file(&file)?;
            report.removed += 1;
        } else {
            report.kept += 1;
        }
    }
    Ok(report)
}

/// Every file below `dir` (none when it does not exist).
fn files_under(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                pending.push(entry.path());
            } else {
                files.push(entry.path());
            }
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn only_content_hashed_names_are_immutable() {
        assert!(is_content_hashed("portal.Nz-Jymqu_PWMitD8UUsQjQ.wasm"));
        assert!(is_content_hashed("__wasm_split.Nz-Jymqu_PWMitD8UUsQjQ.js"));
        assert!(!is_content_hashed("portal.js"));
        assert!(!is_content_hashed("portal_bg.wasm"));
        assert!(!is_content_hashed("portal.short.css"));
        assert_eq!(
            cache_policy("/pkg/portal.Nz-Jymqu_PWMitD8UUsQjQ.css"),
            Some(IMMUTABLE)
        );
        assert_eq!(cache_policy("/pkg/portal.css"), Some(REVALIDATE));
        assert_eq!(cache_policy("/cabinet"), None);
    }

    #[test]
    fn earlier_builds_stay_for_the_keeping_time_then_go() {
        let site = tempfile::tempdir().unwrap();
        let archive = tempfile::tempdir().unwrap();
        let pkg = site.path().join("pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        std::fs::write(pkg.join("portal.old.js"), "old").unwrap();
        let day = Duration::from_secs(86_400);
        let start = SystemTime::now();

        let first = archive_current_build(site.path(), archive.path(), 7 * day, start).unwrap();
        assert_eq!(
            first,
            ArchiveReport {
                added: 1,
                kept: 0,
                removed: 0
            }
        );

        // A new build replaces the site's files; the old one is kept while it is young.
        std::fs::remove_file(pkg.join("portal.old.js")).unwrap();
        std::fs::write(pkg.join("portal.new.js"), "new").unwrap();
        let later = start + 3 * day;
        let second = archive_current_build(site.path(), archive.path(), 7 * day, later).unwrap();
        assert_eq!(
            second,
            ArchiveReport {
                added: 1,
                kept: 1,
                removed: 0
            }
        );
        assert_eq!(
            std::fs::read_to_string(archive.path().join("pkg/portal.old.js")).unwrap(),
            "old"
        );

        // Eight days after it stopped being current, it goes; the current one stays.
        let much_later = start + 8 * day;
        let third =
            archive_current_build(site.path(), archive.path(), 7 * day, much_later).unwrap();
        assert_eq!(
            third,
            ArchiveReport {
                added: 0,
                kept: 0,
                removed: 1
            }
        );
        assert!(!archive.path().join("pkg/portal.old.js").exists());
        assert!(archive.path().join("pkg/portal.new.js").exists());
    }
}
