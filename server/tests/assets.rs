//! How the site's files are delivered: precompressed copies, a year's immutable caching
//! for content-hashed names, 304 for unchanged files, and earlier builds' files after a
//! deploy.

#![allow(clippy::unwrap_used)]

mod support;

use axum::body::Body;
use http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use support::*;

const HASHED_JS: &str = "portal.AAAAAAAAAAAAAAAAAAAAAA.js";

/// Headers that belong on pages (the document's policies, the request id), never on files.
const PAGE_ONLY_HEADERS: [&str; 4] = [
    "content-security-policy",
    "x-frame-options",
    "referrer-policy",
    "x-request-id",
];

/// A site root as a release build leaves it: hashed names with brotli and gzip copies.
fn site_root() -> std::path::PathBuf {
    let root = tempfile::tempdir().unwrap().keep();
    let pkg = root.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join(HASHED_JS), "export default 1;\n").unwrap();
    std::fs::write(pkg.join(format!("{HASHED_JS}.br")), b"brotli bytes").unwrap();
    std::fs::write(pkg.join(format!("{HASHED_JS}.gz")), b"gzip bytes").unwrap();
    std::fs::write(pkg.join("portal.css"), "body { margin: 0 }\n").unwrap();
    root
}

fn get_with(uri: &str, name: http::HeaderName, value: &str) -> Request<Body> {
    Request::get(uri)
        .header(name, value)
        .body(Body::empty())
        .unwrap()
}

async fn body_of(response: http::Response<Body>) -> Vec<u8> {
    response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec()
}

#[tokio::test]
async fn hashed_files_are_sent_precompressed_and_cached_for_a_year() {
    let db = database().await;
    let app = portal_with_site(&db, &site_root(), &tempfile::tempdir().unwrap().keep());
    let uri = format!("/pkg/{HASHED_JS}");

    let brotli = send(
        &app,
        get_with(&uri, header::ACCEPT_ENCODING, "gzip, deflate, br, zstd"),
    )
    .await;
    assert_eq!(brotli.status(), StatusCode::OK);
    assert_eq!(brotli.headers()[header::CONTENT_ENCODING], "br");
    assert_eq!(
        brotli.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    // Only the headers a file needs: the page's policies stay on pages.
    for page_only in PAGE_ONLY_HEADERS {
        assert!(
            brotli.headers().get(page_only).is_none(),
            "{page_only} on a file"
        );
    }
    assert_eq!(brotli.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(brotli.headers()[header::VARY], "accept-encoding");
    assert!(
        brotli.headers().get(header::SET_COOKIE).is_none(),
        "a cookie on a file"
    );
    assert_eq!(body_of(brotli).await, b"brotli bytes");
    let page = send(&app, get("/?lang=en")).await;
    for page_only in PAGE_ONLY_HEADERS {
        assert!(
            page.headers().get(page_only).is_some(),
            "{page_only} missing on a page"
        );
    }

    let gzip = send(&app, get_with(&uri, header::ACCEPT_ENCODING, "gzip")).await;
    assert_eq!(gzip.headers()[header::CONTENT_ENCODING], "gzip");
    assert_eq!(body_of(gzip).await, b"gzip bytes");

    let plain = send(&app, get(&uri)).await;
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    assert_eq!(body_of(plain).await, b"export default 1;\n");
}

#[tokio::test]
async fn an_unchanged_file_is_answered_304_and_unhashed_names_are_revalidated() {
    let db = database().await;
    let app = portal_with_site(&db, &site_root(), &tempfile::tempdir().unwrap().keep());

    let first = send(&app, get("/pkg/portal.css")).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()[header::CACHE_CONTROL], "no-cache");
    let modified = first.headers()[header::LAST_MODIFIED]
        .to_str()
        .unwrap()
        .to_owned();

    let again = send(
        &app,
        get_with("/pkg/portal.css", header::IF_MODIFIED_SINCE, &modified),
    )
    .await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()[header::CACHE_CONTROL], "no-cache");
    assert!(body_of(again).await.is_empty());

    let hashed = send(
        &app,
        get_with(
            &format!("/pkg/{HASHED_JS}"),
            header::IF_MODIFIED_SINCE,
            &modified,
        ),
    )
    .await;
    assert_eq!(hashed.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn files_of_the_previous_build_are_still_served_after_a_deploy() {
    let db = database().await;
    let site = site_root();
    let archive = tempfile::tempdir().unwrap().keep();
    let old_chunk = "portal_split.BBBBBBBBBBBBBBBBBBBBBB.wasm";
    std::fs::write(site.join("pkg").join(old_chunk), b"\0asm old").unwrap();
    server::assets::archive_current_build(
        &site,
        &archive,
        std::time::Duration::from_secs(7 * 86_400),
        std::time::SystemTime::now(),
    )
    .unwrap();
    // The next build no longer has that chunk.
    std::fs::remove_file(site.join("pkg").join(old_chunk)).unwrap();
    let app = portal_with_site(&db, &site, &archive);

    let old = send(&app, get(&format!("/pkg/{old_chunk}"))).await;
    assert_eq!(old.status(), StatusCode::OK);
    assert_eq!(
        old.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(body_of(old).await, b"\0asm old");

    // A name no build ever had is still the translated 404 page, not cached.
    let missing = send(&app, get("/pkg/portal.CCCCCCCCCCCCCCCCCCCCCC.wasm")).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.headers().get(header::CACHE_CONTROL).is_none());
}
