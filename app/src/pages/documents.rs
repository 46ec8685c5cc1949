//! `/cabinet/documents`: the user's documents (product.md §3). Uploading is a plain
//! multipart form handled by the server's upload route (so it works without JavaScript);
//! with JavaScript the same form is sent in the background and shows its progress.
//! Downloading is a form posting to the server's download route, which checks the
//! SHA-256 first and records the download.

use leptos::{form::ActionForm, prelude::*};
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::{
    components::{BannerKind, Button, ButtonKind, NotificationBanner},
    error::AppError,
    i18n::{Locale, t, td_string, use_i18n},
    pages::cabinet::{CabinetLayout, signed_in_or_login},
    text::text,
};

/// The list's address.
pub const DOCUMENTS_PAGE: &str = "/cabinet/documents";

/// What the upload and download routes report back to the list, in its query string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UploadOutcome {
    Stored(i64),
    Deleted,
    Empty,
    TooLarge,
    Quota,
    /// The account holds as many documents as it may.
    TooMany,
    UnsupportedType,
    Failed,
    /// A download was refused: the file failed its integrity check (incident reference).
    Corrupted(String),
}

impl UploadOutcome {
    /// The list's address that reports this outcome.
    pub fn url(&self) -> String {
        let query = match self {
            Self::Stored(id) => format!("uploaded={id}"),
            Self::Deleted => "deleted=1".to_owned(),
            Self::Empty => "problem=empty".to_owned(),
            Self::TooLarge => "problem=too_large".to_owned(),
            Self::Quota => "problem=quota".to_owned(),
            Self::TooMany => "problem=too_many".to_owned(),
            Self::UnsupportedType => "problem=type".to_owned(),
            Self::Failed => "problem=failed".to_owned(),
            Self::Corrupted(reference) => format!(
                "integrity={}",
                reference
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect::<String>()
            ),
        };
        format!("{DOCUMENTS_PAGE}?{query}")
    }
}

/// The 404 text of the download route.
pub fn not_found_text(locale: Locale) -> &'static str {
    td_string!(locale, documents.not_found)
}

/// The way back to the list, for pages made outside the app.
pub fn back_text(locale: Locale) -> &'static str {
    td_string!(locale, documents.back)
}

/// One document as its owner sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentItem {
    pub id: i64,
    pub name: String,
    /// "PDF", "DOCX"...
    pub kind: String,
    pub size: u64,
    /// Bishkek time.
    pub uploaded: String,
    /// The date the operator may delete it (Bishkek).
    pub retain_until: String,
    pub sha256: String,
}

/// The list and the account's limits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentList {
    pub items: Vec<DocumentItem>,
    pub used: u64,
    pub quota: u64,
    pub max_file: u64,
}

#[cfg(feature = "ssr")]
fn item(document: domain::entities::document::Model) -> DocumentItem {
    use crate::server::local_time;
    DocumentItem {
        id: document.id,
        kind: domain::documents::FileType::label_of(&document.media_type).to_owned(),
        name: document.original_name,
        size: u64::try_from(document.size).unwrap_or(0),
        uploaded: local_time(document.uploaded_at, "%Y-%m-%d %H:%M"),
        retain_until: local_time(document.retain_until, "%Y-%m-%d"),
        sha256: document.sha256,
    }
}

#[server(endpoint = "cabinet/documents")]
pub async fn load_documents() -> Result<DocumentList, AppError> {
    use crate::server;

    let session = server::require_session()?;
    let context = server::server_context()?;
    let documents = domain::documents::list(&context.db, session.account_id)
        .await
        .map_err(server::internal)?;
    let limits = context.documents.limits;
    Ok(DocumentList {
        used: documents
            .iter()
            .map(|d| u64::try_from(d.size).unwrap_or(0))
            .sum(),
        items: documents.into_iter().map(item).collect(),
        quota: limits.max_account_bytes,
        max_file: limits.max_file_bytes,
    })
}

/// One of the user's documents (for the deletion's confirmation).
#[server(endpoint = "cabinet/documents/one")]
pub async fn load_document(id: i64) -> Result<DocumentItem, AppError> {
    use crate::server;

    let session = server::require_session()?;
    let context = server::server_context()?;
    domain::documents::find(&context.db, session.account_id, id)
        .await
        .map_err(server::internal)?
        .map(item)
        .ok_or(AppError::NotFound)
}

/// Deletes one of the user's documents and returns to the list.
#[server(endpoint = "cabinet/documents/delete")]
pub async fn delete_document(id: i64) -> Result<(), AppError> {
    use crate::server;

    let session = server::require_session()?;
    let context = server::server_context()?;
    let address = server::client_address();
    let user_agent = server::user_agent();
    let owner = domain::history::Requester {
        account_id: session.account_id,
        address: &address,
        user_agent: &user_agent,
    };
    let deleted = domain::documents::delete(
        &context.db,
        &context.documents,
        owner,
        id,
        chrono::Utc::now(),
    )
    .await
    .map_err(server::internal)?;
    if !deleted {
        return Err(AppError::NotFound);
    }
    crate::server::redirect(&UploadOutcome::Deleted.url());
    Ok(())
}

/// A size as people read it: bytes, KB or MB (decimal point, one digit).
pub fn human_size(locale: Locale, bytes: u64) -> String {
    const KB: u64 = 1024;
    if bytes < KB {
        format!("{bytes} {}", td_string!(locale, documents.unit_bytes))
    } else if bytes < KB * KB {
        format!(
            "{} {}",
            tenths(bytes, KB),
            td_string!(locale, documents.unit_kb)
        )
    } else {
        format!(
            "{} {}",
            tenths(bytes, KB * KB),
            td_string!(locale, documents.unit_mb)
        )
    }
}

fn tenths(bytes: u64, unit: u64) -> String {
    let tenths = (bytes * 10 + unit / 2) / unit;
    format!("{}.{}", tenths / 10, tenths % 10)
}

fn problem_text(locale: Locale, problem: &str) -> &'static str {
    match problem {
        "empty" => td_string!(locale, documents.problem_empty),
        "too_large" => td_string!(locale, documents.problem_too_large),
        "quota" => td_string!(locale, documents.problem_quota),
        "too_many" => td_string!(locale, documents.problem_too_many),
        "type" => td_string!(locale, documents.problem_type),
        _ => td_string!(locale, documents.problem_failed),
    }
}

/// Sends the upload form in the background, showing progress, then follows the server's
/// answer (the list with the outcome) as a plain post would.
#[cfg(feature = "hydrate")]
fn upload_with_progress(form: web_sys::HtmlFormElement, progress: RwSignal<Option<f64>>) -> bool {
    use wasm_bindgen::{JsCast, closure::Closure};

    let Ok(data) = web_sys::FormData::new_with_form(&form) else {
        return false;
    };
    let Ok(request) = web_sys::XmlHttpRequest::new() else {
        return false;
    };
    if request.open("POST", &form.action()).is_err() {
        return false;
    }
    let on_progress =
        Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |event: web_sys::ProgressEvent| {
            if event.length_computable() && event.total() > 0.0 {
                progress.set(Some((event.loaded() / event.total() * 100.0).floor()));
            }
        });
    if let Ok(upload) = request.upload() {
        upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    }
    on_progress.forget();
    let finished = request.clone();
    let on_done = Closure::<dyn FnMut()>::new(move || {
        let target = finished.response_url();
        let target = if target.is_empty() {
            DOCUMENTS_PAGE.to_owned()
        } else {
            target
        };
        let _ = window().location().set_href(&target);
    });
    request.set_onloadend(Some(on_done.as_ref().unchecked_ref()));
    on_done.forget();
    progress.set(Some(0.0));
    request.send_with_opt_form_data(Some(&data)).is_ok()
}

#[component]
fn UploadForm(used: u64, quota: u64, max_file: u64) -> impl IntoView {
    let i18n = use_i18n();
    let progress = RwSignal::new(None::<f64>);
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            if let Some(form) = event
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
                && upload_with_progress(form, progress)
            {
                event.prevent_default();
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (event, progress);
    };
    view! {
        <form
            class="upload-form"
            method="post"
            action="/cabinet/documents/upload"
            enctype="multipart/form-data"
            on:submit=on_submit
        >
            <div class="form-group">
                <label class="label" for="document">{t!(i18n, documents.choose)}</label>
                <p class="hint" id="document-hint">
                    {move || td_string!(i18n.get_locale(), documents.hint)
                        .replace("{max}", &human_size(i18n.get_locale(), max_file))
                        .replace("{used}", &human_size(i18n.get_locale(), used))
                        .replace("{quota}", &human_size(i18n.get_locale(), quota))}
                </p>
                <input
                    class="file-input"
                    type="file"
                    id="document"
                    name="document"
                    required
                    aria-describedby="document-hint"
                    accept=".pdf,.jpg,.jpeg,.png,.docx,.xlsx,.odt,application/pdf,image/jpeg,image/png"
                />
            </div>
            {move || progress.get().map(|percent| view! {
                <p class="upload-progress" role="status" data-testid="upload-progress">
                    <label for="upload-progress">{t!(i18n, documents.uploading)}</label>" "
                    <progress id="upload-progress" max="100" value=percent>{format!("{percent}%")}</progress>
                    " "{format!("{percent}%")}
                </p>
            })}
            <Button busy=Signal::derive(move || progress.get().is_some())>{t!(i18n, documents.upload)}</Button>
        </form>
    }
}

#[component]
fn Outcome() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    move || {
        query.with(|q| {
            if q.get("uploaded").is_some() {
                Some(view! {
                    <NotificationBanner kind=BannerKind::Success title=text(|l| td_string!(l, documents.uploaded_title))>
                        <p data-testid="upload-done">{t!(i18n, documents.uploaded)}</p>
                    </NotificationBanner>
                }.into_any())
            } else if q.get("deleted").is_some() {
                Some(view! {
                    <NotificationBanner kind=BannerKind::Success title=text(|l| td_string!(l, documents.deleted_title))>
                        <p data-testid="delete-done">{t!(i18n, documents.deleted)}</p>
                    </NotificationBanner>
                }.into_any())
            } else if let Some(reference) = q.get("integrity") {
                Some(view! {
                    <div class="error-summary" role="alert" data-testid="integrity-failed">
                        <h2 class="error-summary__title">{t!(i18n, documents.integrity_title)}</h2>
                        <p>{move || td_string!(i18n.get_locale(), documents.integrity).replace("{reference}", &reference)}</p>
                    </div>
                }.into_any())
            } else {
                q.get("problem").map(|problem| view! {
                    <div class="error-summary" role="alert" data-testid="upload-problem">
                        <h2 class="error-summary__title">{t!(i18n, documents.problem_title)}</h2>
                        <p><a href="#document">{move || problem_text(i18n.get_locale(), &problem)}</a></p>
                    </div>
                }.into_any())
            }
        })
    }
}

#[component]
pub fn DocumentsPage() -> impl IntoView {
    let i18n = use_i18n();
    // Every change comes back to this page as a new page load (the upload) or from another
    // route (the deletion's confirmation), so the list loads once per visit.
    let list = Resource::new_blocking(|| (), |_| load_documents());
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                signed_in_or_login(list.await, move |list| view! {
                    <CabinetLayout title=|l| td_string!(l, documents.title)>
                        <Outcome />
                        <h1 class="heading-l">{t!(i18n, documents.title)}</h1>
                        <p class="lead">{t!(i18n, documents.lead)}</p>
                        <UploadForm used=list.used quota=list.quota max_file=list.max_file />
                        <h2 class="heading-m">{t!(i18n, documents.list_heading)}</h2>
                        {list.items.is_empty().then(|| view! { <p data-testid="no-documents">{t!(i18n, documents.none)}</p> })}
                        <ul class="records">
                            {list.items.into_iter().map(|d| view! { <DocumentCard document=d /> }).collect_view()}
                        </ul>
                    </CabinetLayout>
                }.into_any())
            })}
        </Suspense>
    }
}

#[component]
fn DocumentCard(document: DocumentItem) -> impl IntoView {
    let i18n = use_i18n();
    let size = document.size;
    view! {
        <li class="records__item" data-testid="document">
            <h3 class="heading-s" data-testid="document-name">{document.name.clone()}</h3>
            <dl class="summary-list">
                <div class="summary-list__row">
                    <dt>{t!(i18n, documents.kind)}</dt>
                    <dd>{document.kind.clone()}", "{move || human_size(i18n.get_locale(), size)}</dd>
                </div>
                <div class="summary-list__row">
                    <dt>{t!(i18n, documents.uploaded_at)}</dt>
                    <dd>{document.uploaded.clone()}</dd>
                </div>
                <div class="summary-list__row">
                    <dt>{t!(i18n, documents.kept_until)}</dt>
                    <dd data-testid="retain-until">{document.retain_until.clone()}</dd>
                </div>
                <div class="summary-list__row">
                    <dt>"SHA-256"</dt>
                    <dd class="hash">{document.sha256.clone()}</dd>
                </div>
            </dl>
            // A div, not a paragraph: a form may not stand inside one.
            <div class="actions">
                // A POST: a download is recorded in the history (and a damaged file opens
                // an incident).
                <form method="post" action=format!("/cabinet/documents/{}/download", document.id) class="inline-form">
                    <button type="submit" class="link-button" data-testid="download">
                        {t!(i18n, documents.download)}<span class="visually-hidden">" "{document.name.clone()}</span>
                    </button>
                </form>
                <a href=format!("/cabinet/documents/{}/delete", document.id) data-testid="delete">
                    {t!(i18n, documents.delete)}<span class="visually-hidden">" "{document.name.clone()}</span>
                </a>
            </div>
        </li>
    }
}

/// `/cabinet/documents/:id/delete`: asks before deleting.
#[component]
pub fn DocumentDeletePage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let document = Resource::new_blocking(id, |id| async move {
        match id {
            Some(id) => load_document(id).await,
            None => Err(AppError::NotFound),
        }
    });
    let delete = ServerAction::<DeleteDocument>::new();
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                signed_in_or_login(document.await, move |document| view! {
                    <CabinetLayout title=|l| td_string!(l, documents.delete_title)>
                        <h1 class="heading-l">{t!(i18n, documents.delete_title)}</h1>
                        <p class="lead">
                            {move || td_string!(i18n.get_locale(), documents.delete_question).replace("{name}", &document.name)}
                        </p>
                        <p>{t!(i18n, documents.delete_warning)}</p>
                        <ActionForm action=delete>
                            <input type="hidden" name="id" value=document.id />
                            <p class="actions">
                                <Button kind=ButtonKind::Warning busy=delete.pending()>{t!(i18n, documents.delete_confirm)}</Button>
                                <a href=DOCUMENTS_PAGE>{t!(i18n, documents.cancel)}</a>
                            </p>
                        </ActionForm>
                    </CabinetLayout>
                }.into_any())
            })}
        </Suspense>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(human_size(Locale::en, 900), "900 bytes");
        assert_eq!(human_size(Locale::en, 1536), "1.5 KB");
        assert_eq!(human_size(Locale::en, 20 * 1024 * 1024), "20.0 MB");
    }

    #[test]
    fn an_incident_reference_cannot_inject_into_the_address() {
        assert_eq!(
            UploadOutcome::Corrupted("INC-2026-000001&x=<y>".into()).url(),
            "/cabinet/documents?integrity=INC-2026-000001xy"
        );
    }
}
