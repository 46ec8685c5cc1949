//! `/cabinet/security/two-factor`: turning two-step verification (TOTP) on and off.
//!
//! Off: the page shows a secret (QR code and text) and asks for a code made from it; the
//! right code turns the second factor on and shows the ten recovery codes once. With
//! JavaScript they come back from the action; without it, the plain post is redirected back
//! here and the codes wait for that one render in a server-side draft (taken, so deleted,
//! as it is shown). On: how many recovery codes remain, and turning it off with the password.

use leptos::{form::ActionForm, prelude::*};
use serde::{Deserialize, Serialize};

use crate::{
    components::{
        BannerKind, Button, ButtonKind, CodeField, CurrentPasswordField, ErrorSummary,
        NotificationBanner,
    },
    error::AppError,
    form_errors::FormErrors,
    i18n::{t, td_string, use_i18n},
    pages::cabinet::{CabinetLayout, signed_in_or_login},
    text::text,
};

#[cfg(feature = "ssr")]
const CODES_DRAFT: &str = "recovery_codes";

/// This page's address.
pub const PAGE: &str = "/cabinet/security/two-factor";

/// What the page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TwoFactorView {
    /// Off, and no key asked for (or it expired): the button that asks for one.
    Off,
    /// A key drawn for this session: the secret to put into the app, until `expires`
    /// (local time, `HH:MM`).
    Enrol {
        secret: String,
        /// The QR code as a `data:` address for an `<img>`.
        qr: String,
        expires: String,
    },
    On {
        recovery_codes_left: u64,
    },
    /// Just turned on (without JavaScript): the recovery codes, shown this once.
    JustTurnedOn {
        recovery_codes: Vec<String>,
    },
}

/// What the page shows. Reading it changes nothing (a key is drawn only on request).
#[server(endpoint = "security/two-factor")]
pub async fn load_two_factor() -> Result<TwoFactorView, AppError> {
    use base64::Engine;
    use domain::second_factor::{self, SecondFactorState};

    use crate::server;

    let session = server::require_session()?;
    let context = server::server_context()?;
    if let Some(recovery_codes) = server::take_draft::<Vec<String>>(CODES_DRAFT).await {
        return Ok(TwoFactorView::JustTurnedOn { recovery_codes });
    }
    let state = second_factor::state(&context.db, session.account_id)
        .await
        .map_err(server::internal)?;
    if let SecondFactorState::On {
        recovery_codes_left,
    } = state
    {
        return Ok(TwoFactorView::On {
            recovery_codes_left,
        });
    }
    let pending = second_factor::pending_enrolment(
        &context.db,
        session.account_id,
        session.session_id,
        chrono::Utc::now(),
    )
    .await
    .map_err(server::internal)?;
    let Some(enrolment) = pending else {
        return Ok(TwoFactorView::Off);
    };
    let svg = second_factor::qr_svg(&enrolment.uri).unwrap_or_default();
    let qr = format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    );
    Ok(TwoFactorView::Enrol {
        secret: enrolment.secret,
        qr,
        expires: server::local_time(enrolment.expires_at, "%H:%M"),
    })
}

/// Draws a fresh key for this session (ten minutes) and comes back to the page.
#[server(endpoint = "security/two-factor/start")]
pub async fn start_two_factor() -> Result<(), AppError> {
    use domain::second_factor::{SecondFactorError, SecondFactorProblem as P, start_enrolment};

    use crate::{error::MessageKey, server};

    let session = server::require_session()?;
    let context = server::server_context()?;
    let started = start_enrolment(
        &context.db,
        session.account_id,
        session.session_id,
        chrono::Utc::now(),
    )
    .await;
    match started {
        Ok(_) => {
            server::redirect(PAGE);
            Ok(())
        }
        Err(SecondFactorError::Invalid(problems)) if problems.contains(&P::AlreadyOn) => {
            Err(AppError::field("code", MessageKey::TwoFactorAlreadyOn))
        }
        Err(SecondFactorError::NoAccount) => Err(AppError::Unauthorized),
        Err(error) => Err(server::internal(error)),
    }
}

/// The field errors of a refused change of the second factor.
#[cfg(feature = "ssr")]
fn second_factor_errors(error: domain::second_factor::SecondFactorError) -> AppError {
    use domain::second_factor::{SecondFactorError as E, SecondFactorProblem as P};

    use crate::{
        error::{FieldError, MessageKey},
        server,
    };

    match error {
        E::Invalid(mut problems) => {
            problems.sort();
            AppError::Invalid(
                problems
                    .into_iter()
                    .map(|problem| {
                        let (field, key) = match problem {
                            P::PasswordMissing => ("password", MessageKey::PasswordMissing),
                            P::PasswordWrong => ("password", MessageKey::CurrentPasswordWrong),
                            P::CodeMissing => ("code", MessageKey::CodeMissing),
                            P::CodeWrong => ("code", MessageKey::CodeWrong),
                            P::Locked { .. } => ("code", MessageKey::CodeLocked),
                            P::AlreadyOn => ("code", MessageKey::TwoFactorAlreadyOn),
                            P::NotEnrolling | P::NotOn => ("code", MessageKey::EnrolmentExpired),
                        };
                        FieldError {
                            field: field.to_owned(),
                            key,
                        }
                    })
                    .collect(),
            )
        }
        E::SessionEnded => server::session_ended(PAGE),
        E::Throttled(throttled) => server::throttled(throttled.retry_at),
        E::NoAccount => AppError::Unauthorized,
        E::Hash(error) => server::hash_failed(error),
        E::Database(error) => server::internal(error),
    }
}

/// Turns two-step verification on with the current password and a code from the app;
/// returns the recovery codes.
#[server(endpoint = "security/two-factor/confirm")]
pub async fn confirm_two_factor(
    password: Option<String>,
    code: Option<String>,
) -> Result<Vec<String>, AppError> {
    use domain::second_factor::{confirm_enrolment, enrolment::Proof};

    use crate::server;

    let session = server::require_session()?;
    let context = server::server_context()?;
    let (address, user_agent) = (server::client_address(), server::user_agent());
    let (password, code) = (password.unwrap_or_default(), code.unwrap_or_default());
    let outcome = confirm_enrolment(
        &context.db,
        &context.hasher,
        &context.throttle,
        &Proof {
            account_id: session.account_id,
            session_id: session.session_id,
            password: &password,
            code: &code,
            address: &address,
            user_agent: &user_agent,
        },
        chrono::Utc::now(),
    )
    .await;
    match outcome {
        Ok(codes) => {
            server::record_event(
                &context,
                session.account_id,
                domain::history::EventKind::TwoFactorOn,
                serde_json::json!({}),
            )
            .await?;
            // Without JavaScript the answer is a redirect back to this page, which shows
            // the codes from this draft (this session's only) once.
            server::keep_draft_for_plain_form_post(CODES_DRAFT, &codes).await;
            Ok(codes)
        }
        Err(error) => Err(second_factor_errors(error)),
    }
}

/// Turns two-step verification off; needs the current password and a code.
#[server(endpoint = "security/two-factor/turn-off")]
pub async fn turn_off_two_factor(
    password: Option<String>,
    code: Option<String>,
) -> Result<(), AppError> {
    use domain::second_factor::{
        SecondFactorError, SecondFactorProblem as P, enrolment::Proof, turn_off,
    };

    use crate::server;

    let session = server::require_session()?;
    let context = server::server_context()?;
    let (address, user_agent) = (server::client_address(), server::user_agent());
    let (password, code) = (password.unwrap_or_default(), code.unwrap_or_default());
    let outcome = turn_off(
        &context.db,
        &context.hasher,
        &context.throttle,
        &Proof {
            account_id: session.account_id,
            session_id: session.session_id,
            password: &password,
            code: &code,
            address: &address,
            user_agent: &user_agent,
        },
        chrono::Utc::now(),
    )
    .await;
    match outcome {
        Ok(()) => {
            server::record_event(
                &context,
                session.account_id,
                domain::history::EventKind::TwoFactorOff,
                serde_json::json!({}),
            )
            .await?;
            server::redirect("/cabinet/security?two_factor_off=1");
            Ok(())
        }
        Err(SecondFactorError::Invalid(problems)) if problems == [P::NotOn] => {
            server::redirect("/cabinet/security?two_factor_off=1");
            Ok(())
        }
        Err(error) => Err(second_factor_errors(error)),
    }
}

/// The recovery codes, shown once, with the way back to the security page.
#[component]
fn RecoveryCodes(codes: Vec<String>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <NotificationBanner kind=BannerKind::Success title=text(|l| td_string!(l, security.done_title))>
            <p data-testid="two-factor-on">{t!(i18n, two_factor.status_on)}</p>
        </NotificationBanner>
        <h2 class="heading-m">{t!(i18n, two_factor.codes_title)}</h2>
        <p>{t!(i18n, two_factor.codes_intro)}</p>
        <ol class="recovery-codes" data-testid="recovery-codes">
            {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
        </ol>
        <p>
            <a class="button" href="/cabinet/security">{t!(i18n, two_factor.codes_done)}</a>
        </p>
    }
}

/// The key in groups of four, as people copy it.
fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[component]
pub fn TwoFactorPage() -> impl IntoView {
    let i18n = use_i18n();
    let start = ServerAction::<StartTwoFactor>::new();
    let confirm = ServerAction::<ConfirmTwoFactor>::new();
    let turn_off = ServerAction::<TurnOffTwoFactor>::new();
    let start_errors = FormErrors::of(start.value());
    let confirm_errors = FormErrors::of(confirm.value());
    let turn_off_errors = FormErrors::of(turn_off.value());
    let has_errors = Signal::derive(move || {
        start_errors.any().get() || confirm_errors.any().get() || turn_off_errors.any().get()
    });
    // Read again once a key was asked for (with JavaScript the page stays where it is).
    let page = Resource::new_blocking(move || start.version().get(), |_| load_two_factor());
    // With JavaScript the codes come back from the action itself.
    let just_confirmed = move || confirm.value().get().and_then(Result::ok);
    view! {
        <Transition fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                signed_in_or_login(page.await, move |view| view! {
                    <CabinetLayout title=|l| td_string!(l, two_factor.title) has_errors>
                        <h1 class="heading-l">{t!(i18n, two_factor.title)}</h1>
                        {
                            let view = view.clone();
                            move || match (just_confirmed(), view.clone()) {
                                (Some(codes), _) | (None, TwoFactorView::JustTurnedOn { recovery_codes: codes }) => {
                                    view! { <RecoveryCodes codes /> }.into_any()
                                }
                                (None, TwoFactorView::Off) => view! {
                                    <ErrorSummary items=start_errors.summary() />
                                    <p>{t!(i18n, two_factor.status_off)}</p>
                                    <p>{t!(i18n, two_factor.start_hint)}</p>
                                    <ActionForm action=start attr:novalidate=true attr:class="form narrow">
                                        <Button busy=start.pending()>{t!(i18n, two_factor.set_up)}</Button>
                                    </ActionForm>
                                }.into_any(),
                                (None, TwoFactorView::Enrol { secret, qr, expires }) => view! {
                                    <ErrorSummary items=confirm_errors.summary() />
                                    <p>{t!(i18n, two_factor.status_off)}</p>
                                    <ol class="steps">
                                        <li>{t!(i18n, two_factor.step_app)}</li>
                                        <li>
                                            <p>{t!(i18n, two_factor.step_scan)}</p>
                                            <img class="qr-code" src=qr alt=move || td_string!(i18n.get_locale(), two_factor.qr_alt) width="200" height="200" />
                                            <p>
                                                {t!(i18n, two_factor.key_label)}": "
                                                <code class="secret" data-testid="totp-secret" data-secret=secret.clone()>{grouped(&secret)}</code>
                                            </p>
                                            <p class="hint" data-testid="key-expires">
                                                {move || td_string!(i18n.get_locale(), two_factor.key_expires).replace("{time}", &expires)}
                                            </p>
                                        </li>
                                        <li>
                                            <p>{t!(i18n, two_factor.step_code)}</p>
                                            <ActionForm action=confirm attr:novalidate=true attr:class="form narrow">
                                                <CurrentPasswordField
                                                    name="password"
                                                    label=text(|l| td_string!(l, two_factor.password_label))
                                                    error=confirm_errors.field("password")
                                                />
                                                <CodeField
                                                    label=text(|l| td_string!(l, two_factor.code_label))
                                                    error=confirm_errors.field("code")
                                                />
                                                <Button busy=confirm.pending()>{t!(i18n, two_factor.confirm)}</Button>
                                            </ActionForm>
                                        </li>
                                    </ol>
                                }.into_any(),
                                (None, TwoFactorView::On { recovery_codes_left }) => view! {
                                    <ErrorSummary items=turn_off_errors.summary() />
                                    <p data-testid="two-factor-on">{t!(i18n, two_factor.status_on)}</p>
                                    <p>{t!(i18n, two_factor.codes_left)}" "<strong data-testid="codes-left">{recovery_codes_left}</strong></p>
                                    <h2 class="heading-m">{t!(i18n, two_factor.turn_off_heading)}</h2>
                                    <p class="hint">{t!(i18n, two_factor.turn_off_hint)}</p>
                                    <ActionForm action=turn_off attr:novalidate=true attr:class="form narrow">
                                        <CurrentPasswordField
                                            name="password"
                                            label=text(|l| td_string!(l, two_factor.password_label))
                                            error=turn_off_errors.field("password")
                                        />
                                        <CodeField
                                            label=text(|l| td_string!(l, two_factor.turn_off_code_label))
                                            error=turn_off_errors.field("code")
                                        />
                                        <Button kind=ButtonKind::Warning busy=turn_off.pending()>{t!(i18n, two_factor.turn_off)}</Button>
                                    </ActionForm>
                                }.into_any(),
                            }
                        }
                        <p>
                            <a href="/cabinet/security">{t!(i18n, security.back_to_security)}</a>
                        </p>
                    </CabinetLayout>
                })
            })}
        </Transition>
    }
}
