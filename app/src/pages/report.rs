//! `/cabinet/security/report`: reporting unauthorized access. The user sees what happened
//! in the account since the last sign-in before this one, ticks what was not theirs, may
//! say what happened, and with one button ends every session, stops the old password and
//! opens an incident. `/password/renew` then shows the incident's reference and the
//! one-time link (valid an hour) where a new password is set.

use leptos::{form::ActionForm, prelude::*};
use leptos_router::hooks::use_query_map;

use crate::{
    components::{
        BannerKind, Button, ButtonKind, ErrorSummary, NotificationBanner, PageLayout, TextField,
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
            server::clear_session_cookie(&context);
            leptos_axum::redirect(&format!(
                "/password/renew?reference={}&token={}",
                reported.reference, reported.renewal_token
            ));
            Ok(())
        }
        Err(ReportError::DescriptionTooLong) => Err(AppError::field(
            "description",
            MessageKey::DescriptionTooLong,
        )),
        Err(error) => Err(server::internal(error)),
    }
}

/// Sets the new password through the one-time link; then the user signs in with it.
#[server(endpoint = "password/renew")]
pub async fn renew_password(
    token: Option<String>,
    new_password: Option<String>,
) -> Result<(), AppError> {
    use domain::security_report::{RenewalError, renew_password};

    use crate::{error::MessageKey, server};

    let context = server::server_context()?;
    let outcome = renew_password(
        &context.db,
        &context.hasher,
        &token.unwrap_or_default(),
        &new_password.unwrap_or_default(),
        &server::client_address(),
        &server::user_agent(),
        chrono::Utc::now(),
    )
    .await;
    match outcome {
        Ok(_) => {
            leptos_axum::redirect("/login?renewed=1");
            Ok(())
        }
        Err(RenewalError::LinkInvalid) => Err(AppError::field(
            "new_password",
            MessageKey::RenewalLinkInvalid,
        )),
        Err(RenewalError::SameAsOld) => Err(AppError::field(
            "new_password",
            MessageKey::PasswordUnchanged,
        )),
        Err(RenewalError::Invalid(problem)) => Err(AppError::field(
            "new_password",
            crate::domain_errors::password_key(problem),
        )),
        Err(error) => Err(server::internal(error)),
    }
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

/// `/password/renew?reference=…&token=…`: the report's result and the one-time link.
#[component]
pub fn RenewPasswordPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let reference = move || query.with(|q| q.get("reference")).unwrap_or_default();
    let token = move || query.with(|q| q.get("token")).unwrap_or_default();
    let link = move || {
        format!(
            "/password/renew?reference={}&token={}",
            reference(),
            token()
        )
    };
    let submit = ServerAction::<RenewPassword>::new();
    let errors = FormErrors::of(submit.value());
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
                <p>{t!(i18n, report.link_hint)}</p>
                <p class="hash"><a href=link data-testid="renewal-link">{link}</a></p>
                <ActionForm action=submit attr:class="form" attr:novalidate=true>
                    <input type="hidden" name="token" value=token />
                    <TextField
                        name="new_password"
                        label=text(|l| td_string!(l, security.new_password_label))
                        input_type="password"
                        autocomplete="new-password"
                        error=errors.field("new_password")
                    />
                    <Button busy=submit.pending()>{t!(i18n, report.renew_submit)}</Button>
                </ActionForm>
            </div>
        </PageLayout>
    }
}
