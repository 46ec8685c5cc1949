//! Sending a signed-out visitor of a cabinet page to the sign-in page, which brings them
//! back afterwards.

/// The sign-in address that returns to `next` afterwards.
pub fn login_url(next: &str) -> String {
    with_next("/login", next)
}

/// `page` with `?next=` naming where to go after signing in.
pub fn with_next(page: &str, next: &str) -> String {
    let encoded: String = next
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect();
    format!("{page}?next={encoded}")
}

/// Where to go after signing in: `next` if it is a path of this site, else the cabinet.
pub fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or("/cabinet")
        .to_owned()
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
            "cabinet",
        ] {
            assert_eq!(safe_next(Some(hostile)), "/cabinet", "{hostile}");
        }
        assert_eq!(safe_next(None), "/cabinet");
        assert_eq!(
            login_url("/cabinet/a b?x=1"),
            "/login?next=/cabinet/a%20b%3Fx%3D1"
        );
    }
}
