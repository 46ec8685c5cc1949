//! `/login`: signing in with a PIN, an INN or an email and the password. Explains why a
//! previous session ended, and returns to the page the user was on (`?next=`).

use leptos::{form::ActionForm, prelude::*};
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::{
    components::{Button, ErrorSummary, NotificationBanner, PageLayout, TextField},
    error::AppError,
    form_errors::FormErrors,
    i18n::{t, td_string, use_i18n},
    text::text,
};

#[cfg(feature = "ssr")]
const DRAFT_FORM: &str = "login";

/// Why the user is asked to sign in again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoginNotice {
    IdleTimeout,
    LifetimeOver,
    Revoked,
}

/// Checks the password, starts a session and goes to `next` (or the cabinet).
#[server(endpoint = "account/sign-in")]
pub async fn sign_in(
    identifier: Option<String>,
    password: Option<String>,
    next: Option<String>,
) -> Result<(), AppError> {
    use domain::sign_in::{SignInError, SignInForm, SignInStep, sign_in};

    use crate::{error::MessageKey, pages::guard::safe_next, server};

    let context = server::server_context()?;
    let form = SignInForm {
        identifier: identifier.unwrap_or_default(),
        password: password.unwrap_or_default(),
        address: server::client_address(),
        user_agent: server::user_agent(),
    };
    let outcome = sign_in(
        &context.db,
        &context.hasher,
        &context.throttle,
        &form,
        chrono::Utc::now(),
        context.sessions,
    )
    .await;
    let refused = |key| AppError::field("identifier", key);
    let error = match outcome {
        Ok(SignInStep::SignedIn(signed_in)) => {
            server::set_session_cookie(&context, &signed_in.session.token);
            server::redirect(&safe_next(next.as_deref()));
            return Ok(());
        }
        Ok(SignInStep::CodeRequired { challenge }) => {
            server::set_cookie(
                server::PortalCookie::Challenge,
                &challenge,
                domain::second_factor::CHALLENGE_LIFETIME.num_seconds(),
            );
            server::redirect(&crate::pages::guard::with_next(
                "/login/code",
                &safe_next(next.as_deref()),
            ));
            return Ok(());
        }
        Err(SignInError::Incomplete) => refused(MessageKey::SignInIncomplete),
        Err(SignInError::InvalidCredentials) => refused(MessageKey::SignInInvalid),
        Err(SignInError::RenewalRequired) => refused(MessageKey::PasswordRenewalRequired),
        Err(SignInError::Throttled(throttled)) => server::throttled(throttled.retry_at),
        Err(SignInError::Hash(error)) => server::hash_failed(error),
        Err(error) => return Err(server::internal(error)),
    };
    server::keep_draft_for_plain_form_post(DRAFT_FORM, &form.identifier).await;
    Err(error)
}

/// The identifier typed before a failed plain post (never the password).
#[server(endpoint = "account/sign-in-draft")]
pub async fn take_sign_in_draft() -> Result<Option<String>, AppError> {
    Ok(crate::server::take_draft(DRAFT_FORM).await)
}

/// Why this browser's last session ended, if it carries a session cookie that no longer
/// works.
#[server(endpoint = "account/login-notice")]
pub async fn load_login_notice() -> Result<Option<LoginNotice>, AppError> {
    use domain::sessions::SessionEnd;

    Ok(crate::server::ended_session().and_then(|end| match end {
        SessionEnd::IdleTimeout => Some(LoginNotice::IdleTimeout),
        SessionEnd::LifetimeOver => Some(LoginNotice::LifetimeOver),
        SessionEnd::Revoked => Some(LoginNotice::Revoked),
        SessionEnd::Unknown => None,
    }))
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next")).unwrap_or_default();
    let exited = move || query.with(|q| q.get("exited").is_some());
    let code_expired = move || query.with(|q| q.get("code_expired").is_some());
    let renewed = move || query.with(|q| q.get("renewed").is_some());
    let submit = ServerAction::<SignIn>::new();
    let errors = FormErrors::of(submit.value());
    let page = Resource::new_blocking(
        || (),
        |_| async {
            let notice = load_login_notice().await.ok().flatten();
            let identifier = take_sign_in_draft()
                .await
                .ok()
                .flatten()
                .unwrap_or_default();
            (notice, identifier)
        },
    );
    view! {
        <PageLayout title=text(|l| td_string!(l, login.title)) has_errors=errors.any()>
            <div class="narrow">
                <ErrorSummary items=errors.summary() />
                <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
                    {move || Suspend::new(async move {
                        let (notice, identifier) = page.await;
                        let notice_text = move || match notice {
                            Some(LoginNotice::IdleTimeout) => Some(td_string!(i18n.get_locale(), login.idle)),
                            Some(LoginNotice::LifetimeOver) => Some(td_string!(i18n.get_locale(), login.lifetime)),
                            Some(LoginNotice::Revoked) => Some(td_string!(i18n.get_locale(), login.revoked)),
                            None if code_expired() => Some(td_string!(i18n.get_locale(), login.code_expired)),
                            None if exited() => Some(td_string!(i18n.get_locale(), login.exited)),
                            None if renewed() => Some(td_string!(i18n.get_locale(), login.renewed)),
                            None => None,
                        };
                        view! {
                            {move || notice_text().map(|text| view! {
                                <NotificationBanner title=Signal::derive(move || td_string!(i18n.get_locale(), login.notice_title).to_owned())>
                                    <p data-testid="login-notice">{text}</p>
                                </NotificationBanner>
                            })}
                            <h1 class="heading-l">{t!(i18n, login.title)}</h1>
                            <ActionForm action=submit attr:novalidate=true attr:class="form">
                                <input type="hidden" name="next" value=next() />
                                <TextField
                                    name="identifier"
                                    label=text(|l| td_string!(l, login.identifier_label))
                                    value=identifier
                                    error=errors.field("identifier")
                                    autocomplete="username"
                                />
                                <TextField
                                    name="password"
                                    label=text(|l| td_string!(l, login.password_label))
                                    input_type="password"
                                    autocomplete="current-password"
                                />
                                <Button busy=submit.pending()>{t!(i18n, login.submit)}</Button>
                            </ActionForm>
                        }
                    })}
                </Suspense>
                <p>
                    {t!(i18n, login.no_account)}" "
                    <a href="/register">{t!(i18n, login.register_link)}</a>
                </p>
                // After a report of unauthorized access the old password only renews itself;
                // this is where its owner finds the way (nothing was sent to the reporter).
                <p>
                    {t!(i18n, login.renew_intro)}" "
                    <a href="/password/renew">{t!(i18n, login.renew_link)}</a>
                </p>
            </div>
        </PageLayout>
    }
}
