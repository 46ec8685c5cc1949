//! Where the compiled stylesheet is served from. With content-hashed file names
//! (cargo-leptos `hash-files`) the build writes `hash.txt` next to the server binary and the
//! stylesheet becomes `/pkg/portal.<hash>.css`; browsers keep it for a year and a new build
//! is a new address.

use std::sync::OnceLock;

use leptos::config::LeptosOptions;

static STYLESHEET: OnceLock<String> = OnceLock::new();

/// The stylesheet's address for this build, read once per process. The options are the
/// same for the whole life of a process; `hash.txt` is only read when hashing is on.
pub fn stylesheet_href(options: &LeptosOptions) -> &'static str {
    STYLESHEET.get_or_init(|| {
        let name = &options.output_name;
        let pkg = &options.site_pkg_dir;
        match options.hash_files.then(|| css_hash(options)).flatten() {
            Some(hash) => format!("/{pkg}/{name}.{hash}.css"),
            None => format!("/{pkg}/{name}.css"),
        }
    })
}

/// The stylesheet's address for pages made outside the app (error pages): the one the
/// portal renders, or the unhashed name before the first render.
pub fn current_stylesheet_href() -> &'static str {
    STYLESHEET
        .get()
        .map(String::as_str)
        .unwrap_or("/pkg/portal.css")
}

fn css_hash(options: &LeptosOptions) -> Option<String> {
    let file = std::env::current_exe()
        .ok()?
        .parent()?
        .join(options.hash_file.as_ref());
    let text = std::fs::read_to_string(file).ok()?;
    hash_of(&text, "css")
}

/// The hash of `kind` (`js`, `wasm`, `css`) in cargo-leptos's `hash.txt` (`kind: hash` lines).
pub fn hash_of(hash_file: &str, kind: &str) -> Option<String> {
    hash_file.lines().find_map(|line| {
        let (file, hash) = line.trim().split_once(':')?;
        (file.trim() == kind && !hash.trim().is_empty()).then(|| hash.trim().to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::hash_of;

    #[test]
    fn reads_each_kind_from_the_hash_file() {
        let text = "js: AbC\nwasm: dEf_-\ncss: x1\nmanifest: m\nsplit: s\n";
        assert_eq!(hash_of(text, "css").as_deref(), Some("x1"));
        assert_eq!(hash_of(text, "wasm").as_deref(), Some("dEf_-"));
        assert_eq!(hash_of(text, "split").as_deref(), Some("s"));
        assert_eq!(hash_of(text, "png"), None);
        assert_eq!(hash_of("css:\n", "css"), None);
    }
}
