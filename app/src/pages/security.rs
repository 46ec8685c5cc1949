//! `/cabinet/security`: the account's active sessions, each with "sign out", and "sign out
//! of all other sessions".

use leptos::{form::ActionForm, prelude::*};
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::{
    components::{
        BannerKind, Button, ButtonKind, CurrentPasswordField, ErrorSummary, NewPasswordField,
        NotificationBanner,
    },
    error::AppError,
    form_errors::FormErrors,
    i18n::{t, td_string, use_i18n},
    pages::cabinet::{CabinetLayout, signed_in_or_login},
    text::text,
};

/// A session as its owner sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub id: i64,
    /// Browser and system, e.g. "Firefox, Windows"; empty when unknown.
    pub device: String,
    pub address: String,
    pub last_seen: String,
    pub this_device: bool,
}

#[server(endpoint = "security/sessions")]
pub async fn my_sessions() -> Result<Vec<SessionView>, AppError> {
    use crate::server;

    let session = server::require_session()?;
    let context = server::server_context()?;
    let sessions = domain::sessions::list_sessions(
        &context.db,
        session.account_id,
        chrono::Utc::now(),
        context.sessions,
    )
    .await
    .map_err(server::internal)?;
    Ok(sessions
        .into_iter()
        .map(|s| SessionView {
            id: s.session_id,
            device: server::describe_device(&s.user_agent),
            address: s.address,
            last_seen: server::local_time(s.last_seen_at, "%Y-%m-%d %H:%M"),
            this_device: s.session_id == session.session_id,
        })
        .collect())
}

/// Whether two-step verification is on for the account.
#[server(endpoint = "security/two-factor-on")]
pub async fn two_factor_is_on() -> Result<bool, AppError> {
    use crate::server;

    let session = server::require_session()?;
    let context = server::server_context()?;
    domain::second_factor::is_on(&context.db, session.account_id)
        .await
        .map_err(server::internal)
}

/// Ends one of the account's sessions.
#[server(endpoint = "security/end-session")]
pub async fn end_session(session_id: i64) -> Result<(), AppError> {
    use crate::server;

    let session = server::require_session()?;
    let context = server::server_context()?;
    let ended = domain::sessions::revoke_session(
        &context.db,
        session.account_id,
        session_id,
        "revoked",
        chrono::Utc::now(),
    )
    .await
    .map_err(server::internal)?;
    // Another account's session, or one already ended: nothing of this account's to end.
    if !ended {
        return Err(AppError::NotFound);
    }
    server::record_event(
        &context,
        session.account_id,
        domain::history::EventKind::SessionRevoked,
        serde_json::json!({ "session_id": session_id }),
    )
    .await?;
    Ok(())
}

/// Ends every session of the account but this one.
#[server(endpoint = "security/end-other-sessions")]
pub async fn end_other_sessions() -> Result<(), AppError> {
    use crate::server;

    let session = server::require_session()?;
    let context = server::server_context()?;
    domain::sessions::revoke_other_sessions(
        &context.db,
        session.account_id,
        Some(session.session_id),
        "revoked_others",
        chrono::Utc::now(),
    )
    .await
    .map_err(server::internal)?;
    server::record_event(
        &context,
        session.account_id,
        domain::history::EventKind::SessionRevoked,
        serde_json::json!({ "all_others": true }),
    )
    .await?;
    Ok(())
}

/// Changes the password (the current one is required) and ends every other session.
#[server(endpoint = "security/change-password")]
pub async fn change_my_password(
    current_password: Option<String>,
    new_password: Option<String>,
) -> Result<(), AppError> {
    use domain::password_change::{PasswordChange, PasswordChangeError, change_password};

    use crate::server;

    let session = server::require_session()?;
    let context = server::server_context()?;
    let (address, user_agent) = (server::client_address(), server::user_agent());
    let outcome = change_password(
        &context.db,
        &context.hasher,
        &context.throttle,
        &PasswordChange {
            account_id: session.account_id,
            session_id: session.session_id,
            current: &current_password.unwrap_or_default(),
            new: &new_password.unwrap_or_default(),
            address: &address,
            user_agent: &user_agent,
        },
        chrono::Utc::now(),
    )
    .await;
    match outcome {
        Ok(ended) => {
            server::record_event(
                &context,
                session.account_id,
                domain::history::EventKind::PasswordChanged,
                serde_json::json!({ "sessions_ended": ended }),
            )
            .await?;
            server::redirect("/cabinet/security?password_changed=1");
            Ok(())
        }
        Err(PasswordChangeError::Invalid(problem)) => Err(AppError::Invalid(vec![
            crate::domain_errors::password_change_error(problem),
        ])),
        Err(PasswordChangeError::NoAccount) => Err(AppError::Unauthorized),
        Err(PasswordChangeError::SessionEnded) => Err(server::session_ended("/cabinet/security")),
        Err(PasswordChangeError::Throttled(throttled)) => {
            Err(server::throttled(throttled.retry_at))
        }
        Err(PasswordChangeError::Hash(error)) => Err(server::hash_failed(error)),
        Err(error) => Err(server::internal(error)),
    }
}

#[component]
pub fn SecurityPage() -> impl IntoView {
    let query = use_query_map();
    let password_changed = move || query.with(|q| q.get("password_changed").is_some());
    let two_factor_off = move || query.with(|q| q.get("two_factor_off").is_some());
    let change = ServerAction::<ChangeMyPassword>::new();
    let errors = FormErrors::of(change.value());
    let i18n = use_i18n();
    let end_one = ServerAction::<EndSession>::new();
    let end_others = ServerAction::<EndOtherSessions>::new();
    let sessions = Resource::new_blocking(
        move || {
            (
                end_one.version().get(),
                end_others.version().get(),
                change.version().get(),
            )
        },
        |_| async { Ok::<_, AppError>((my_sessions().await?, two_factor_is_on().await?)) },
    );
    // A Transition, not a Suspense: the list must stay mounted while it reloads after a
    // sign-out, or the form that was just submitted is disposed under its own action.
    view! {
        <Transition fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                signed_in_or_login(sessions.await, move |(sessions, two_factor_on)| {
                    let session_count = sessions.len();
                    view! {
                    <CabinetLayout title=|l| td_string!(l, security.title) has_errors=errors.any()>
                        <ErrorSummary items=errors.summary() />
                        {move || password_changed().then(|| view! {
                            <NotificationBanner kind=BannerKind::Success title=text(|l| td_string!(l, security.done_title))>
                                <p data-testid="password-changed">{t!(i18n, security.password_changed)}</p>
                            </NotificationBanner>
                        })}
                        {move || two_factor_off().then(|| view! {
                            <NotificationBanner kind=BannerKind::Success title=text(|l| td_string!(l, security.done_title))>
                                <p data-testid="two-factor-off">{t!(i18n, two_factor.turned_off)}</p>
                            </NotificationBanner>
                        })}
                        <h1 class="heading-l">{t!(i18n, security.title)}</h1>
                        <h2 class="heading-m">{t!(i18n, security.sessions_heading)}</h2>
                        <ul class="session-list">
                            {sessions.into_iter().map(|s| view! {
                                <li class="session-list__item" data-testid="session">
                                    <dl class="summary-list">
                                        <div class="summary-list__row">
                                            <dt>{t!(i18n, security.device)}</dt>
                                            <dd>
                                                {if s.device.is_empty() {
                                                    view! { {t!(i18n, security.unknown_device)} }.into_any()
                                                } else {
                                                    view! { {s.device.clone()} }.into_any()
                                                }}
                                                {s.this_device.then(|| view! {
                                                    " "<strong class="tag tag--current">{t!(i18n, security.this_device)}</strong>
                                                })}
                                            </dd>
                                        </div>
                                        <div class="summary-list__row">
                                            <dt>{t!(i18n, security.address)}</dt>
                                            <dd>{s.address.clone()}</dd>
                                        </div>
                                        <div class="summary-list__row">
                                            <dt>{t!(i18n, security.last_seen)}</dt>
                                            <dd>{s.last_seen.clone()}</dd>
                                        </div>
                                    </dl>
                                    {(!s.this_device).then(|| view! {
                                        <ActionForm action=end_one>
                                            <input type="hidden" name="session_id" value=s.id.to_string() />
                                            <Button kind=ButtonKind::Secondary>{t!(i18n, security.sign_out_session)}</Button>
                                        </ActionForm>
                                    })}
                                </li>
                            }).collect_view()}
                        </ul>
                        {(session_count > 1).then(|| view! {
                            <ActionForm action=end_others>
                                <Button kind=ButtonKind::Secondary busy=end_others.pending()>
                                    {t!(i18n, security.sign_out_others)}
                                </Button>
                            </ActionForm>
                        })}
                        <h2 class="heading-m">{t!(i18n, security.two_factor_heading)}</h2>
                        {if two_factor_on {
                            view! {
                                <p data-testid="two-factor-status">{t!(i18n, two_factor.status_on)}</p>
                                <p><a href="/cabinet/security/two-factor">{t!(i18n, two_factor.manage)}</a></p>
                            }.into_any()
                        } else {
                            view! {
                                <p data-testid="two-factor-status">{t!(i18n, two_factor.status_off)}</p>
                                <p><a href="/cabinet/security/two-factor">{t!(i18n, two_factor.set_up)}</a></p>
                            }.into_any()
                        }}
                        <h2 class="heading-m">{t!(i18n, security.password_heading)}</h2>
                        <p class="hint">{t!(i18n, security.password_hint)}</p>
                        <ActionForm action=change attr:novalidate=true attr:class="form narrow">
                            <CurrentPasswordField
                                label=text(|l| td_string!(l, security.current_password_label))
                                error=errors.field("current_password")
                            />
                            <NewPasswordField
                                label=text(|l| td_string!(l, security.new_password_label))
                                hint=text(|l| td_string!(l, register.password_hint))
                                error=errors.field("new_password")
                            />
                            <Button busy=change.pending()>{t!(i18n, security.change_password_submit)}</Button>
                        </ActionForm>
                        <p>
                            <a href="/cabinet">{t!(i18n, security.back)}</a>
                        </p>
                    </CabinetLayout>
                }})
            })}
        </Transition>
    }
}
