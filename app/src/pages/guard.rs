//! Sending a signed-out visitor of a cabinet page to the sign-in page, which brings them
//! back afterwards.

/// The sign-in address that returns to `next` afterwards.
pub fn login_url(next: &str) -> String {
    with_next("/login", next)
}

/// What `?next=` may hold unencoded: letters, digits and `/ - _ .`.
const NEXT_KEEPS: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'_')
    .remove(b'.');

/// `page` with `?next=` naming where to go after signing in.
pub fn with_next(page: &str, next: &str) -> String {
    let encoded = percent_encoding::utf8_percent_encode(next, NEXT_KEEPS);
    format!("{page}?next={encoded}")
}

/// What may follow a path's `/` in a Location header: printable characters that are not
/// white space; spaces and non-ASCII characters are percent-encoded.
const LOCATION_ENCODES: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'`');

/// Where to go after signing in: `next` if it is a path of this site, else the cabinet.
///
/// Browsers drop tabs and line breaks inside an address and read `\` as `/`, so
/// `/<tab>/evil.example` or `/\evil.example` would lead off the site as `//evil.example`:
/// any control character or backslash refuses the address, as does one that does not
/// start with exactly one `/`. What remains is encoded for the header, and (on the server)
/// resolved against this site to check that its origin stays ours.
pub fn safe_next(next: Option<&str>) -> String {
    const CABINET: &str = "/cabinet";
    let Some(next) = next else {
        return CABINET.to_owned();
    };
    let refused = !next.starts_with('/')
        || next.starts_with("//")
        || next.chars().any(|c| c.is_control() || c == '\\');
    if refused {
        return CABINET.to_owned();
    }
    let encoded = percent_encoding::utf8_percent_encode(next, LOCATION_ENCODES).to_string();
    #[cfg(feature = "ssr")]
    {
        let ours = url::Url::parse("https://portal.invalid/").ok();
        let resolved = ours.as_ref().and_then(|base| base.join(&encoded).ok());
        if ours.map(|base| base.origin()) != resolved.map(|url| url.origin()) {
            return CABINET.to_owned();
        }
    }
    encoded
}

/// Sends the visitor to sign in: a redirect during server rendering, a page load in the
/// browser.
pub fn redirect_to_login(next: &str) {
    redirect_to(&login_url(next));
}

/// Sends the visitor to `url` (a path of this site): a `303 See Other` during server
/// rendering, a page load in the browser.
pub fn redirect_to(url: &str) {
    #[cfg(feature = "ssr")]
    {
        // Set here rather than through `leptos_axum::redirect`, which needs the request's
        // parts in context as well and, once in a rare while under load, found none: the
        // answer was then a 303 without a Location.
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(location) = http::HeaderValue::from_str(url) {
                response.insert_header(http::header::LOCATION, location);
            }
            response.set_status(http::StatusCode::SEE_OTHER);
        }
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = leptos::prelude::window().location().set_href(url);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_of_this_site_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/cabinet/security")), "/cabinet/security");
        for hostile in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n//evil.example",
            "/\u{1}",
            "\t//evil.example",
            "/%09/evil.example\\",
            "cabinet",
            "",
        ] {
            assert_eq!(safe_next(Some(hostile)), "/cabinet", "{hostile:?}");
        }
        assert_eq!(
            safe_next(Some("/cabinet/history?group=documents&page=2")),
            "/cabinet/history?group=documents&page=2"
        );
        assert_eq!(
            safe_next(Some("/cabinet/a b/Жалал")),
            "/cabinet/a%20b/%D0%96%D0%B0%D0%BB%D0%B0%D0%BB",
            "spaces and other letters are encoded, never sent raw"
        );
        assert_eq!(safe_next(None), "/cabinet");
        assert_eq!(
            login_url("/cabinet/a b?x=1"),
            "/login?next=/cabinet/a%20b%3Fx%3D1"
        );
    }
}
