//! `/login/code`: the second step of signing in to a cabinet with two-step verification.
//! The password was right; a code from the authenticator app (or a recovery code) finishes
//! the sign-in. The browser holds only the challenge token, in an HttpOnly cookie.

use leptos::{form::ActionForm, prelude::*};
use leptos_router::hooks::use_query_map;

use crate::{
    components::{Button, ErrorSummary, PageLayout, TextField},
    error::AppError,
    form_errors::FormErrors,
    i18n::{t, td_string, use_i18n},
    pages::guard::redirect_to,
    text::text,
};

/// Where a sign-in whose challenge is over starts again.
fn restart_url(next: &str) -> String {
    let login = crate::pages::guard::login_url(next);
    format!("{login}&code_expired=1")
}

/// Whether this browser has a sign-in waiting for its code.
#[server(endpoint = "account/sign-in-code-due")]
pub async fn sign_in_code_due() -> Result<bool, AppError> {
    use crate::server;

    let Some(token) = server::request_cookie(server::PortalCookie::Challenge) else {
        return Ok(false);
    };
    let context = server::server_context()?;
    domain::second_factor::challenge_is_open(&context.db, &token, chrono::Utc::now())
        .await
        .map_err(server::internal)
}

/// Answers the challenge with a code; on success starts the session and goes to `next`.
#[server(endpoint = "account/sign-in-code")]
pub async fn answer_sign_in_code(
    code: Option<String>,
    next: Option<String>,
) -> Result<(), AppError> {
    use domain::second_factor::{ChallengeAnswer, ChallengeError, answer_challenge};

    use crate::{error::MessageKey, pages::guard::safe_next, server};

    let context = server::server_context()?;
    let next = safe_next(next.as_deref());
    let answer = ChallengeAnswer {
        token: server::request_cookie(server::PortalCookie::Challenge).unwrap_or_default(),
        code: code.unwrap_or_default(),
        address: server::client_address(),
        user_agent: server::user_agent(),
    };
    let outcome = answer_challenge(
        &context.db,
        &context.throttle,
        &answer,
        chrono::Utc::now(),
        context.sessions,
    )
    .await;
    let refused = |key| Err(AppError::field("code", key));
    match outcome {
        Ok(signed_in) => {
            server::set_cookie(server::PortalCookie::Challenge, "", 0);
            server::set_session_cookie(&context, &signed_in.session.token);
            server::redirect(&next);
            Ok(())
        }
        Err(ChallengeError::Over) => {
            server::set_cookie(server::PortalCookie::Challenge, "", 0);
            server::redirect(&restart_url(&next));
            Ok(())
        }
        Err(ChallengeError::CodeMissing) => refused(MessageKey::CodeMissing),
        Err(ChallengeError::CodeWrong) => refused(MessageKey::CodeWrong),
        Err(ChallengeError::Locked { .. }) => refused(MessageKey::CodeLocked),
        Err(ChallengeError::Throttled(throttled)) => Err(server::throttled(throttled.retry_at)),
        Err(ChallengeError::Database(error)) => Err(server::internal(error)),
    }
}

#[component]
pub fn LoginCodePage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next")).unwrap_or_default();
    let submit = ServerAction::<AnswerSignInCode>::new();
    let errors = FormErrors::of(submit.value());
    let due = Resource::new_blocking(|| (), |_| sign_in_code_due());
    view! {
        <PageLayout title=text(|l| td_string!(l, login.code_title)) has_errors=errors.any()>
            <div class="narrow">
                <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
                    {move || Suspend::new(async move {
                        if !matches!(due.await, Ok(true)) {
                            redirect_to(&restart_url(&next()));
                            return ().into_any();
                        }
                        view! {
                            <ErrorSummary items=errors.summary() />
                            <h1 class="heading-l">{t!(i18n, login.code_title)}</h1>
                            <p>{t!(i18n, login.code_intro)}</p>
                            <ActionForm action=submit attr:novalidate=true attr:class="form">
                                <input type="hidden" name="next" value=next() />
                                <TextField
                                    name="code"
                                    label=text(|l| td_string!(l, login.code_label))
                                    error=errors.field("code")
                                    autocomplete="one-time-code"
                                />
                                <Button busy=submit.pending()>{t!(i18n, login.code_submit)}</Button>
                            </ActionForm>
                            <p>
                                <a href="/login">{t!(i18n, login.code_restart)}</a>
                            </p>
                        }
                        .into_any()
                    })}
                </Suspense>
            </div>
        </PageLayout>
    }
}
