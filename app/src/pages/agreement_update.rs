//! `/cabinet/agreement-update`: the re-acceptance gate. From a new version's effective
//! date, a signed-in user who has not accepted it is sent here by the server's session
//! layer from every page except those [`allowed_while_pending`] names. The page shows the
//! summary, the changes since the version the user accepted, the full text, one unticked
//! checkbox, and three ways out: accept, or decline and export the data, or decline and
//! delete the account.

use leptos::{form::ActionForm, prelude::*};
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::{
    components::{Button, ButtonKind, Checkbox, ErrorSummary},
    error::AppError,
    form_errors::FormErrors,
    i18n::{Locale, t, td_string, use_i18n},
    pages::{
        agreement::{AgreementChanges, AgreementDiff, AgreementDocument, AgreementText},
        cabinet::{CabinetLayout, signed_in_or_login},
        guard::{redirect_to, safe_next},
        register::agreement_wording,
    },
};

/// The page itself.
pub const PAGE: &str = "/cabinet/agreement-update";

/// What a user who must answer a new version may still reach: the agreement's pages, this
/// page and its server functions, Exit, the idle timer, and (when they exist) data export
/// and account deletion. Everything else is sent here.
pub fn allowed_while_pending(path: &str) -> bool {
    const EXACT: [&str; 7] = [
        "/agreement",
        PAGE,
        "/cabinet/security/report",
        "/api/security/report",
        "/api/account/exit",
        "/api/session/time-left",
        "/api/session/stay",
    ];
    const PREFIXES: [&str; 6] = [
        "/agreement/",
        "/api/agreement/",
        "/cabinet/export",
        "/cabinet/delete",
        "/api/cabinet/export",
        "/api/cabinet/delete",
    ];
    EXACT.contains(&path) || PREFIXES.iter().any(|prefix| path.starts_with(prefix))
}

/// The gate's address, returning to `next` after acceptance.
pub fn gate_url(next: &str) -> String {
    crate::pages::guard::with_next(PAGE, next)
}

/// Everything the page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementUpdate {
    pub document: AgreementDocument,
    pub last_accepted: Option<i32>,
    /// The changes since `last_accepted`.
    pub changes: Option<AgreementDiff>,
}

/// The version this user must answer, or `None` when nothing is pending.
#[server(endpoint = "agreement/update")]
pub async fn load_agreement_update() -> Result<Option<AgreementUpdate>, AppError> {
    use crate::{pages::agreement::load, server};

    let session = server::require_session()?;
    let context = server::server_context()?;
    let pending =
        domain::agreement::pending_acceptance(&context.db, session.account_id, chrono::Utc::now())
            .await
            .map_err(server::internal)?;
    let Some(pending) = pending else {
        return Ok(None);
    };
    let language = load::text_language(None);
    let (document, new) = load::document(Some(pending.version), &language)
        .await?
        .ok_or_else(|| server::internal("the version in force has no text"))?;
    let mut changes = None;
    if let Some(last) = pending.last_accepted
        && let Some((_, old)) = load::document(Some(last), &language).await?
    {
        changes = Some(load::compare(
            last,
            pending.version,
            language.clone(),
            &old.parsed,
            &new.parsed,
        ));
    }
    Ok(Some(AgreementUpdate {
        document,
        last_accepted: pending.last_accepted,
        changes,
    }))
}

/// The answer as the page showed it: which version, in which language, with which hash.
#[cfg(feature = "ssr")]
fn answer_shown(
    version: Option<String>,
    language: Option<String>,
    sha256: Option<String>,
    wording: impl FnOnce(Locale, i32) -> String,
) -> Result<domain::agreement::Answer, AppError> {
    use crate::server;

    let session = server::require_session()?;
    let version: i32 = version
        .and_then(|v| v.trim().parse().ok())
        .ok_or(AppError::BadRequest)?;
    let language = language.unwrap_or_default();
    let locale: Locale = language.parse().map_err(|_| AppError::BadRequest)?;
    Ok(domain::agreement::Answer {
        account_id: session.account_id,
        version,
        language,
        text_sha256: sha256.unwrap_or_default(),
        wording: wording(locale, version),
        address: server::client_address(),
        user_agent: server::user_agent(),
    })
}

#[cfg(feature = "ssr")]
fn answer_error(error: domain::agreement::AnswerError) -> AppError {
    use domain::agreement::AnswerError;

    use crate::error::MessageKey;
    match error {
        AnswerError::NotInForce { .. } | AnswerError::TextMismatch => {
            AppError::field("accepts", MessageKey::AgreementChanged)
        }
        AnswerError::NoAccount => AppError::Unauthorized,
        AnswerError::Database(error) => crate::server::internal(error),
    }
}

/// Records the acceptance of the version shown and goes on to `next`.
#[server(endpoint = "agreement/accept")]
pub async fn accept_agreement(
    version: Option<String>,
    language: Option<String>,
    sha256: Option<String>,
    accepts: Option<String>,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::{error::MessageKey, server};

    let answer = answer_shown(version, language, sha256, agreement_wording)?;
    if accepts.is_none() {
        return Err(AppError::field("accepts", MessageKey::AgreementNotAccepted));
    }
    let context = server::server_context()?;
    domain::agreement::accept(&context.db, &answer, chrono::Utc::now())
        .await
        .map_err(answer_error)?;
    crate::server::redirect(&safe_next(next.as_deref()));
    Ok(())
}

/// The wording of the decline button pressed, as recorded.
pub fn decline_wording(locale: Locale, then: &str) -> &'static str {
    if then == "delete" {
        td_string!(locale, agreement_update.decline_delete)
    } else {
        td_string!(locale, agreement_update.decline_export)
    }
}

/// Records the decline of the version shown, then leads, still signed in, to the export or
/// to the deletion of the account (both open while the new version waits; the rest of the
/// cabinet stays closed, and Exit is on every page). Declining deletes nothing by itself.
#[server(endpoint = "agreement/decline")]
pub async fn decline_agreement(
    version: Option<String>,
    language: Option<String>,
    sha256: Option<String>,
    then: Option<String>,
) -> Result<(), AppError> {
    use crate::server;

    server::require_session()?;
    let then = then
        .filter(|t| t == "export" || t == "delete")
        .ok_or(AppError::BadRequest)?;
    let answer = answer_shown(version, language, sha256, |locale, _| {
        decline_wording(locale, &then).to_owned()
    })?;
    let context = server::server_context()?;
    domain::agreement::decline(&context.db, &answer, chrono::Utc::now())
        .await
        .map_err(answer_error)?;
    crate::server::redirect(&format!("/cabinet/{then}?declined=1"));
    Ok(())
}

/// The hidden fields that say what the page showed.
#[component]
fn Shown(version: i32, language: String, sha256: String) -> impl IntoView {
    view! {
        <input type="hidden" name="version" value=version.to_string() />
        <input type="hidden" name="language" value=language />
        <input type="hidden" name="sha256" value=sha256 />
    }
}

/// One of the two ways to decline: `then` is `export` or `delete`.
#[component]
fn DeclineForm(
    action: ServerAction<DeclineAgreement>,
    then: &'static str,
    kind: ButtonKind,
    shown: AnyView,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <ActionForm action attr:class="inline-form">
            {shown}
            <input type="hidden" name="then" value=then />
            <Button kind busy=action.pending()>
                {move || decline_wording(i18n.get_locale(), then)}
            </Button>
        </ActionForm>
    }
}

#[component]
pub fn AgreementUpdatePage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let next = move || safe_next(query.with(|q| q.get("next")).as_deref());
    let accept = ServerAction::<AcceptAgreement>::new();
    let decline = ServerAction::<DeclineAgreement>::new();
    let (accept_value, decline_value) = (accept.value(), decline.value());
    let errors = FormErrors::of(Signal::derive(move || {
        accept_value.get().or_else(|| decline_value.get())
    }));
    let page = Resource::new_blocking(|| (), |_| load_agreement_update());
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                signed_in_or_login(page.await, move |update| {
                    let Some(update) = update else {
                        redirect_to(&next());
                        return ().into_any();
                    };
                    let AgreementUpdate { document, last_accepted, changes } = update;
                    let (version, language, sha256) =
                        (document.version, document.language.clone(), document.sha256.clone());
                    let summary = document.summary.clone();
                    let shown = || view! {
                        <Shown version language=language.clone() sha256=sha256.clone() />
                    };
                    let (shown_accept, shown_export, shown_delete) =
                        (shown(), shown().into_any(), shown().into_any());
                    let changes = changes.map(|diff| view! {
                        <h2 class="heading-m">
                            {move || td_string!(i18n.get_locale(), agreement_update.changes_title)
                                .replace("{version}", &last_accepted.unwrap_or_default().to_string())}
                        </h2>
                        <AgreementChanges diff />
                    }.into_any());
                    let full_text = view! {
                        <details class="details" data-testid="update-full-text">
                            <summary class="details__summary">
                                {move || td_string!(i18n.get_locale(), agreement_update.full_text).replace("{version}", &version.to_string())}
                            </summary>
                            <div class="details__text"><AgreementText document /></div>
                        </details>
                    }.into_any();
                    let accept_form = view! {
                        <ActionForm action=accept attr:novalidate=true attr:class="form">
                            {shown_accept}
                            <input type="hidden" name="next" value=next() />
                            <Checkbox
                                name="accepts"
                                label=Signal::derive(move || agreement_wording(i18n.get_locale(), version))
                                error=errors.field("accepts")
                            />
                            <Button busy=accept.pending()>{t!(i18n, agreement_update.accept)}</Button>
                        </ActionForm>
                    }.into_any();
                    let decline_forms = view! {
                        <h2 class="heading-m">{t!(i18n, agreement_update.decline_title)}</h2>
                        <p>{t!(i18n, agreement_update.decline_intro)}</p>
                        <div class="button-group">
                            <DeclineForm action=decline then="export" kind=ButtonKind::Secondary shown=shown_export />
                            <DeclineForm action=decline then="delete" kind=ButtonKind::Warning shown=shown_delete />
                        </div>
                    }.into_any();
                    view! {
                        <CabinetLayout title=|l| td_string!(l, agreement_update.title) has_errors=errors.any()>
                            <ErrorSummary items=errors.summary() />
                            <h1 class="heading-l">{t!(i18n, agreement_update.title)}</h1>
                            <p class="lead" data-testid="update-intro">
                                {move || td_string!(i18n.get_locale(), agreement_update.intro).replace("{version}", &version.to_string())}
                            </p>
                            <h2 class="heading-m">{t!(i18n, agreement_update.summary_title)}</h2>
                            <p data-testid="update-summary">{summary}</p>
                            {changes}
                            {full_text}
                            {accept_form}
                            {decline_forms}
                        </CabinetLayout>
                    }
                    .into_any()
                })
            })}
        </Suspense>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_agreement_exit_export_and_deletion_stay_reachable() {
        for open in [
            "/agreement",
            "/agreement/versions/2",
            "/agreement/diff",
            PAGE,
            "/api/agreement/accept",
            "/api/account/exit",
            "/api/session/time-left",
            "/cabinet/export",
            "/cabinet/delete",
        ] {
            assert!(allowed_while_pending(open), "{open}");
        }
        for gated in [
            "/",
            "/cabinet",
            "/cabinet/security",
            "/cabinet/consents",
            "/api/cabinet/overview",
            "/api/security/change-password",
            "/agreementx",
            "/feedback",
        ] {
            assert!(!allowed_while_pending(gated), "{gated}");
        }
        assert_eq!(
            gate_url("/cabinet/security"),
            "/cabinet/agreement-update?next=/cabinet/security"
        );
    }
}
