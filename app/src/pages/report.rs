//! `/cabinet/security/report`: reporting unauthorized access. The user sees what happened
//! in the account since the last sign-in before this one, ticks what was not theirs, may
//! say what happened, and with one button ends every session, stops the old password and
//! opens an incident. `/password/renew` then shows the incident's reference and, signed
//! out, takes the identifier, the old password (and the code with two-step verification
//! on) as proof of ownership, and the new password. Nothing that could reset the password
//! is ever given to the session that reported (it may be the intruder's).

use leptos::{form::ActionForm, prelude::*};
use leptos_router::hooks::use_query_map;

use crate::{
    components::{
        BannerKind, Button, ButtonKind, CodeField, CurrentPasswordField, ErrorSummary,
        NewPasswordField, NotificationBanner, PageLayout, TextField,
    },
    error::AppError,
    form_errors::FormErrors,
    i18n::{t, td_string, use_i18n},
    pages::{
        cabinet::{CabinetLayout, signed_in_or_login},
        history::{HistoryItem, kind_label},
    },
    text::text,
};

/// The events the user is asked about (see `domain::security_report::events_to_review`).
#[server(endpoint = "security/report/events")]
pub async fn events_to_review(from_event: Option<i64>) -> Result<Vec<HistoryItem>, AppError> {
    use crate::server;

    let session = server::require_session()?;
    let context = server::server_context()?;
    let events = domain::security_report::events_to_review(
        &context.db,
        session.account_id,
        session.session_id,
        from_event,
    )
    .await
    .map_err(server::internal)?;
    Ok(events
        .into_iter()
        .map(crate::pages::history::item)
        .collect())
}

/// Reports unauthorized access; the browser goes to the renewal page, signed out.
#[server(endpoint = "security/report")]
pub async fn report_unauthorized_access(
    description: Option<String>,
    #[server(default)] flagged: Vec<i64>,
) -> Result<(), AppError> {
    use domain::security_report::{Report, ReportError, report};

    use crate::{error::MessageKey, server};

    let session = server::require_session()?;
    let context = server::server_context()?;
    let address = server::client_address();
    let user_agent = server::user_agent();
    let description = description.unwrap_or_default();
    let outcome = report(
        &context.db,
        &Report {
            account_id: session.account_id,
            description: &description,
            flagged,
            address: &address,
            user_agent: &user_agent,
        },
        chrono::Utc::now(),
    )
    .await;
    match outcome {
        Ok(reported) => {
            server::clear_session_cookie();
            server::redirect(&format!("/password/renew?reference={}", reported.reference));
            Ok(())
        }
        Err(ReportError::DescriptionTooLong) => Err(AppError::field(
            "description",
            MessageKey::DescriptionTooLong,
        )),
        Err(error) => Err(server::internal(error)),
    }
}

/// Sets the new password after a report, on proof of ownership; then the user signs in
/// with it.
#[server(endpoint = "password/renew")]
pub async fn renew_password(
    identifier: Option<String>,
    current_password: Option<String>,
    code: Option<String>,
    new_password: Option<String>,
) -> Result<(), AppError> {
    use domain::security_report::{Renewal, RenewalError, RenewalProblem as P, renew_password};

    use crate::{error::MessageKey, server};

    let context = server::server_context()?;
    let (identifier, current_password, code, new_password) = (
        identifier.unwrap_or_default(),
        current_password.unwrap_or_default(),
        code.unwrap_or_default(),
        new_password.unwrap_or_default(),
    );
    let (address, user_agent) = (server::client_address(), server::user_agent());
    let outcome = renew_password(
        &context.db,
        &context.hasher,
        &context.throttle,
        &Renewal {
            identifier: &identifier,
            current_password: &current_password,
            code: &code,
            new_password: &new_password,
            address: &address,
            user_agent: &user_agent,
        },
        chrono::Utc::now(),
    )
    .await;
    let refused = |field, key| Err(AppError::field(field, key));
    let result = match outcome {
        Ok(_) => {
            server::redirect("/login?renewed=1");
            return Ok(());
        }
        Err(RenewalError::Invalid(problem)) => match problem {
            P::CredentialsWrong => refused("identifier", MessageKey::SignInInvalid),
            P::NotRequired => refused("identifier", MessageKey::RenewalNotRequired),
            P::CodeMissing => refused("code", MessageKey::CodeMissing),
            P::CodeWrong => refused("code", MessageKey::CodeWrong),
            P::Locked { .. } => refused("code", MessageKey::CodeLocked),
            P::SameAsOld => refused("new_password", MessageKey::PasswordUnchanged),
            P::NewPassword(problem) => {
                refused("new_password", crate::domain_errors::password_key(problem))
            }
        },
        Err(RenewalError::Throttled(throttled)) => Err(server::throttled(throttled.retry_at)),
        Err(RenewalError::Hash(error)) => Err(server::hash_failed(error)),
        Err(RenewalError::Database(error)) => Err(server::internal(error)),
    };
    server::keep_draft_for_plain_form_post(RENEWAL_DRAFT, &identifier).await;
    result
}

#[cfg(feature = "ssr")]
const RENEWAL_DRAFT: &str = "renewal";

/// The identifier typed before a failed plain post (never a password or code).
#[server(endpoint = "password/renew-draft")]
pub async fn take_renewal_draft() -> Result<Option<String>, AppError> {
    Ok(crate::server::take_draft(RENEWAL_DRAFT).await)
}

#[component]
pub fn ReportPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let from_event = move || query.with(|q| q.get("event").and_then(|e| e.parse::<i64>().ok()));
    let events = Resource::new_blocking(from_event, events_to_review);
    let submit = ServerAction::<ReportUnauthorizedAccess>::new();
    let errors = FormErrors::of(submit.value());
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                signed_in_or_login(events.await, move |events| view! {
                    <CabinetLayout title=|l| td_string!(l, report.title) has_errors=errors.any()>
                        <ErrorSummary items=errors.summary() />
                        <h1 class="heading-l">{t!(i18n, report.title)}</h1>
                        <p class="lead">{t!(i18n, report.lead)}</p>
                        <ul class="list list--bullet">
                            <li>{t!(i18n, report.will_end_sessions)}</li>
                            <li>{t!(i18n, report.will_stop_password)}</li>
                            <li>{t!(i18n, report.will_record)}</li>
                        </ul>
                        <ActionForm action=submit attr:class="form" attr:novalidate=true>
                            <fieldset class="fieldset">
                                <legend class="fieldset__legend">{t!(i18n, report.review_legend)}</legend>
                                <p class="hint">{t!(i18n, report.review_hint)}</p>
                                <ul class="checkbox-list">
                                    {events.into_iter().enumerate().map(|(index, event)| {
                                        let id = format!("flag-{}", event.id);
                                        let kind = event.kind.clone();
                                        view! {
                                            <li class="checkbox" data-testid="review-event">
                                                <input class="checkbox__input" type="checkbox" id=id.clone() name=format!("flagged[{index}]") value=event.id />
                                                <label class="checkbox__label" for=id>
                                                    {move || kind_label(i18n.get_locale(), &kind)}
                                                    {event.subject.clone().map(|s| format!(": {s}"))}
                                                    <span class="hint">
                                                        " "{event.when.clone()}" · "{event.device.clone()}" · "{event.address.clone()}
                                                    </span>
                                                </label>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            </fieldset>
                            <TextField
                                name="description"
                                label=text(|l| td_string!(l, report.description_label))
                                hint=text(|l| td_string!(l, report.description_hint))
                                multiline=true
                                error=errors.field("description")
                            />
                            <Button kind=ButtonKind::Warning busy=submit.pending()>{t!(i18n, report.submit)}</Button>
                        </ActionForm>
                    </CabinetLayout>
                }.into_any())
            })}
        </Suspense>
    }
}

/// `/password/renew?reference=…`: the report's result, and the form that sets the new
/// password.
#[component]
pub fn RenewPasswordPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let reference = move || query.with(|q| q.get("reference")).unwrap_or_default();
    let submit = ServerAction::<RenewPassword>::new();
    let errors = FormErrors::of(submit.value());
    let draft = Resource::new_blocking(
        || (),
        |_| async {
            take_renewal_draft()
                .await
                .ok()
                .flatten()
                .unwrap_or_default()
        },
    );
    view! {
        <PageLayout title=text(|l| td_string!(l, report.renew_title)) has_errors=errors.any()>
            <div class="narrow">
                <ErrorSummary items=errors.summary() />
                {move || (!reference().is_empty()).then(|| view! {
                    <NotificationBanner kind=BannerKind::Success title=text(|l| td_string!(l, report.done_title))>
                        <p data-testid="report-reference">
                            {move || td_string!(i18n.get_locale(), report.done).replace("{reference}", &reference())}
                        </p>
                    </NotificationBanner>
                })}
                <h1 class="heading-l">{t!(i18n, report.renew_title)}</h1>
                <p>{t!(i18n, report.renew_hint)}</p>
                <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
                    {move || Suspend::new(async move {
                        let identifier = draft.await;
                        view! {
                            <ActionForm action=submit attr:class="form" attr:novalidate=true>
                                <TextField
                                    name="identifier"
                                    label=text(|l| td_string!(l, login.identifier_label))
                                    value=identifier
                                    error=errors.field("identifier")
                                    autocomplete="username"
                                />
                                <CurrentPasswordField
                                    label=text(|l| td_string!(l, report.old_password_label))
                                    error=errors.field("current_password")
                                />
                                <CodeField
                                    label=text(|l| td_string!(l, report.code_label))
                                    hint=text(|l| td_string!(l, report.code_hint))
                                    error=errors.field("code")
                                />
                                <NewPasswordField
                                    label=text(|l| td_string!(l, security.new_password_label))
                                    hint=text(|l| td_string!(l, register.password_hint))
                                    error=errors.field("new_password")
                                />
                                <Button busy=submit.pending()>{t!(i18n, report.renew_submit)}</Button>
                            </ActionForm>
                        }
                    })}
                </Suspense>
            </div>
        </PageLayout>
    }
}
