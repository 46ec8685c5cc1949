//! Uploading and downloading cabinet documents: plain HTTP routes rather than server
//! functions, because an upload is a multipart stream (a plain HTML form, so it works
//! without JavaScript) and a download is a file stream. Both answer a signed-out visitor
//! with the sign-in page and an unknown (or another account's) document with 404.

use axum::{
    Extension,
    body::Body,
    extract::{Multipart, Path, State},
    response::{IntoResponse, Redirect, Response},
};
use domain::{
    documents::{self, DownloadError, UploadError},
    history::Requester,
};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use tokio_util::io::ReaderStream;

use app::{
    i18n::Locale,
    pages::documents::{DOCUMENTS_PAGE, UploadOutcome},
    server::{ClientAddress, CurrentSession},
};

use crate::{
    api_errors::{internal_error_page, short_page},
    router::AppState,
};

/// The form field that carries the file.
pub const FILE_FIELD: &str = "document";

/// Bytes of multipart framing and other fields allowed on top of the file limit.
pub const FORM_OVERHEAD: usize = 64 * 1024;

fn locale_of(headers: &HeaderMap) -> Locale {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|code| code.parse().ok())
        .unwrap_or_default()
}

/// Where the request comes from, for the history: the client's address and user agent.
fn origin(address: Option<Extension<ClientAddress>>, headers: &HeaderMap) -> (String, String) {
    let address = address.map_or_else(|| "unknown".to_owned(), |a| a.0.0);
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (address, user_agent)
}

fn outcome(outcome: &UploadOutcome) -> Response {
    Redirect::to(&outcome.url()).into_response()
}

/// `POST /cabinet/documents/upload`: stores the form's file and goes back to the list,
/// saying what happened.
pub async fn upload(
    State(state): State<AppState>,
    session: Option<Extension<CurrentSession>>,
    address: Option<Extension<ClientAddress>>,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let Some(Extension(session)) = session else {
        return Redirect::to(&app::pages::guard::login_url(DOCUMENTS_PAGE)).into_response();
    };
    let Ok(mut multipart) = multipart else {
        return outcome(&UploadOutcome::Failed);
    };
    let (address, user_agent) = origin(address, &headers);
    let owner = Requester {
        account_id: session.account_id,
        address: &address,
        user_agent: &user_agent,
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return outcome(&UploadOutcome::Empty),
            // The body ended early or passed the size limit.
            Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return outcome(&UploadOutcome::TooLarge);
            }
            Err(_) => return outcome(&UploadOutcome::Failed),
        };
        if field.name() != Some(FILE_FIELD) {
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_owned();
        return store_field(&state, field, owner, &name).await;
    }
}

async fn store_field(
    state: &AppState,
    mut field: axum::extract::multipart::Field<'_>,
    owner: Requester<'_>,
    name: &str,
) -> Response {
    let store = &state.context.documents;
    let mut upload = match store.begin().await {
        Ok(upload) => upload,
        Err(error) => {
            tracing::error!(%error, "cannot start an upload");
            return outcome(&UploadOutcome::Failed);
        }
    };
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                if let Err(error) = upload.write(&chunk).await {
                    upload.abort().await;
                    return outcome(&refusal(&error));
                }
            }
            Ok(None) => break,
            Err(error) => {
                upload.abort().await;
                return outcome(&if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    UploadOutcome::TooLarge
                } else {
                    UploadOutcome::Failed
                });
            }
        }
    }
    match documents::store(
        &state.context.db,
        store,
        upload,
        owner,
        name,
        chrono::Utc::now(),
    )
    .await
    {
        Ok(stored) => outcome(&UploadOutcome::Stored(stored.id)),
        Err(error) => outcome(&refusal(&error)),
    }
}

fn refusal(error: &UploadError) -> UploadOutcome {
    match error {
        UploadError::Empty => UploadOutcome::Empty,
        UploadError::TooLarge { .. } => UploadOutcome::TooLarge,
        UploadError::QuotaExceeded { .. } => UploadOutcome::Quota,
        UploadError::TooMany { .. } => UploadOutcome::TooMany,
        UploadError::UnsupportedType => UploadOutcome::UnsupportedType,
        UploadError::NoAccount
        | UploadError::Injected
        | UploadError::Io(_)
        | UploadError::Database(_) => {
            tracing::error!(%error, "upload failed");
            UploadOutcome::Failed
        }
    }
}

/// `POST /cabinet/documents/{id}/download`: the file, after its SHA-256 is checked.
pub async fn download(
    State(state): State<AppState>,
    session: Option<Extension<CurrentSession>>,
    address: Option<Extension<ClientAddress>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let locale = locale_of(&headers);
    let Some(Extension(session)) = session else {
        let here = format!("/cabinet/documents/{id}/download");
        return Redirect::to(&app::pages::guard::login_url(&here)).into_response();
    };
    let not_found = || {
        short_page(
            locale,
            StatusCode::NOT_FOUND,
            app::pages::documents::not_found_text(locale),
            DOCUMENTS_PAGE,
            app::pages::documents::back_text(locale),
        )
        .into_response()
    };
    let Ok(id) = id.parse::<i64>() else {
        return not_found();
    };
    let (address, user_agent) = origin(address, &headers);
    let owner = Requester {
        account_id: session.account_id,
        address: &address,
        user_agent: &user_agent,
    };
    let store = &state.context.documents;
    let opened =
        documents::open_for_download(&state.context.db, store, owner, id, chrono::Utc::now()).await;
    let (document, path) = match opened {
        Ok(found) => found,
        Err(DownloadError::NotFound) => return not_found(),
        Err(DownloadError::Corrupted { reference }) => {
            return outcome(&UploadOutcome::Corrupted(reference));
        }
        Err(error) => {
            tracing::error!(%error, "download failed");
            return outcome(&UploadOutcome::Failed);
        }
    };
    let file = match tokio::fs::File::open(&path).await {
        Ok(file) => file,
        Err(error) => {
            tracing::error!(%error, "cannot open a verified document");
            return outcome(&UploadOutcome::Failed);
        }
    };
    let mut response = Body::from_stream(ReaderStream::new(file)).into_response();
    let response_headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&document.media_type) {
        response_headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&document.size.to_string()) {
        response_headers.insert(header::CONTENT_LENGTH, value);
    }
    if let Ok(value) = HeaderValue::from_str(&content_disposition(&document.original_name)) {
        response_headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response_headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// `attachment` with an ASCII fallback name and the real one in RFC 5987 encoding.
pub fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// `POST /cabinet/export/download`: everything the portal holds about the account, as one
/// ZIP (see `domain::export`).
pub async fn export(
    State(state): State<AppState>,
    session: Option<Extension<CurrentSession>>,
    address: Option<Extension<ClientAddress>>,
    headers: HeaderMap,
) -> Response {
    let locale = locale_of(&headers);
    let Some(Extension(session)) = session else {
        return Redirect::to(&app::pages::guard::login_url("/cabinet/export")).into_response();
    };
    let (address, user_agent) = origin(address, &headers);
    let made = domain::export::export(
        &state.context.db,
        &state.context.documents,
        domain::history::Requester {
            account_id: session.account_id,
            address: &address,
            user_agent: &user_agent,
        },
        chrono::Utc::now(),
    )
    .await;
    let failed = || internal_error_page(locale, "/cabinet/export").into_response();
    let made = match made {
        Ok(made) => made,
        Err(error) => {
            tracing::error!(%error, "export failed");
            return failed();
        }
    };
    let length = made.size;
    let file = tokio::fs::File::from_std(made.file);
    let mut response = Body::from_stream(ReaderStream::new(file)).into_response();
    let response_headers = response.headers_mut();
    response_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    if let Ok(value) = HeaderValue::from_str(&length.to_string()) {
        response_headers.insert(header::CONTENT_LENGTH, value);
    }
    if let Ok(value) = HeaderValue::from_str(&content_disposition(&made.file_name)) {
        response_headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// `GET /account/deleted/receipt.txt`: the deletion receipt this browser may still see, as a
/// text file in the reader's language (see `app::pages::delete_account`).
pub async fn deletion_receipt(State(state): State<AppState>, headers: HeaderMap) -> Response {
    use app::{
        pages::delete_account::{ReceiptView, receipt_text},
        server::PortalCookie,
    };

    let locale = locale_of(&headers);
    let cookie = PortalCookie::DeletionReceipt.name(state.context.https);
    let token = app::server::cookie_value(&headers, &cookie).unwrap_or_default();
    let receipt =
        domain::deletion::receipt_by_token(&state.context.db, &token, chrono::Utc::now()).await;
    let receipt = match receipt {
        Ok(Some(receipt)) => receipt,
        Ok(None) => return Redirect::to("/account/deleted").into_response(),
        Err(error) => {
            tracing::error!(%error, "cannot read a deletion receipt");
            return internal_error_page(locale, "/account/deleted").into_response();
        }
    };
    let view = ReceiptView::of(&receipt, &state.context.retention_legal_basis);
    let mut response = receipt_text(locale, &view).into_response();
    let response_headers = response.headers_mut();
    response_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    if let Ok(value) =
        HeaderValue::from_str(&content_disposition(&format!("{}.txt", receipt.reference)))
    {
        response_headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response_headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response_headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn names_are_safe_in_the_header() {
        assert_eq!(
            content_disposition("паспорт \"1\".pdf"),
            "attachment; filename=\"_______ _1_.pdf\"; \
             filename*=UTF-8''%D0%BF%D0%B0%D1%81%D0%BF%D0%BE%D1%80%D1%82%20%221%22.pdf"
        );
    }
}
