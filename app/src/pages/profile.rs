//! `/cabinet/profile`: the personal data the portal holds, as a summary list (identifiers
//! partly masked), and a form to change the contacts, which needs the current password.

use leptos::{form::ActionForm, prelude::*};
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::{
    components::{BannerKind, Button, ErrorSummary, NotificationBanner, TextField},
    error::AppError,
    form_errors::FormErrors,
    i18n::{t, td_string, use_i18n},
    pages::cabinet::{CabinetLayout, signed_in_or_login},
    text::text,
};

#[cfg(feature = "ssr")]
const DRAFT_FORM: &str = "contacts";

/// The profile as its owner sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub organization: bool,
    /// The PIN (or, for an organization, its INN), partly masked.
    pub identifier: String,
    /// The person's PIN (the representative's, for an organization), partly masked.
    pub person_pin: String,
    pub full_name: String,
    pub organization_name: Option<String>,
    /// From the PIN, `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    pub email: String,
    pub phone: String,
    /// Bishkek time.
    pub registered: String,
}

/// The contacts typed before a refused plain post (never the password).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactsDraft {
    pub email: String,
    pub phone: String,
}

#[server(endpoint = "cabinet/profile")]
pub async fn load_profile() -> Result<(Profile, Option<ContactsDraft>), AppError> {
    use domain::profile::{birth_date, mask};

    use crate::server;

    let session = server::require_session()?;
    let context = server::server_context()?;
    let account = domain::accounts::find_account(&context.db, session.account_id)
        .await
        .map_err(server::internal)?
        .ok_or(AppError::Unauthorized)?;
    let profile = Profile {
        organization: account.kind == "organization",
        identifier: mask(&account.identifier),
        person_pin: mask(&account.person_pin),
        birth_date: birth_date(&account.person_pin).map(|d| d.format("%Y-%m-%d").to_string()),
        full_name: account.full_name,
        organization_name: account.organization_name,
        email: account.email.unwrap_or_default(),
        phone: account.phone.unwrap_or_default(),
        registered: server::local_time(account.created_at, "%Y-%m-%d %H:%M"),
    };
    Ok((profile, server::take_draft(DRAFT_FORM).await))
}

/// Replaces the email and phone (the current password is required).
#[server(endpoint = "cabinet/profile/contacts")]
pub async fn change_contacts(
    email: Option<String>,
    phone: Option<String>,
    current_password: Option<String>,
) -> Result<(), AppError> {
    use domain::{
        identity::PhoneProblem,
        profile::{ContactChange, ContactError, ContactProblem as P},
    };

    use crate::{
        error::{FieldError, MessageKey},
        server,
    };

    let session = server::require_session()?;
    let context = server::server_context()?;
    let draft = ContactsDraft {
        email: email.unwrap_or_default(),
        phone: phone.unwrap_or_default(),
    };
    let address = server::client_address();
    let user_agent = server::user_agent();
    let outcome = domain::profile::change_contacts(
        &context.db,
        &context.hasher,
        &context.throttle,
        &ContactChange {
            account_id: session.account_id,
            session_id: session.session_id,
            email: &draft.email,
            phone: &draft.phone,
            current_password: &current_password.unwrap_or_default(),
            address: &address,
            user_agent: &user_agent,
        },
        chrono::Utc::now(),
    )
    .await;
    match outcome {
        Ok(_) => {
            server::redirect("/cabinet/profile?changed=1");
            Ok(())
        }
        Err(ContactError::Invalid(problems)) => {
            server::keep_draft_for_plain_form_post(DRAFT_FORM, &draft).await;
            Err(AppError::Invalid(
                problems
                    .into_iter()
                    .map(|problem| FieldError {
                        field: problem.field().to_owned(),
                        key: match problem {
                            P::ContactMissing => MessageKey::ContactMissing,
                            P::EmailInvalid => MessageKey::EmailInvalid,
                            P::EmailTaken => MessageKey::EmailTaken,
                            P::Phone(PhoneProblem::Missing | PhoneProblem::Format) => {
                                MessageKey::PhoneFormat
                            }
                            P::CurrentPasswordWrong => MessageKey::CurrentPasswordWrong,
                        },
                    })
                    .collect(),
            ))
        }
        Err(ContactError::NoAccount) => Err(AppError::Unauthorized),
        Err(ContactError::SessionEnded) => Err(server::session_ended("/cabinet/profile")),
        Err(ContactError::Throttled(throttled)) => Err(server::throttled(throttled.retry_at)),
        Err(ContactError::Hash(error)) => Err(server::hash_failed(error)),
        Err(error) => Err(server::internal(error)),
    }
}

#[component]
fn Row(
    label: Signal<String>,
    value: String,
    #[prop(optional)] testid: &'static str,
) -> impl IntoView {
    view! {
        <div class="summary-list__row">
            <dt>{label}</dt>
            <dd data-testid=testid>{value}</dd>
        </div>
    }
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let changed = move || query.with(|q| q.get("changed").is_some());
    let submit = ServerAction::<ChangeContacts>::new();
    let errors = FormErrors::of(submit.value());
    // Loaded again after each change (with JavaScript the page stays mounted).
    let profile = Resource::new_blocking(move || submit.version().get(), |_| load_profile());
    view! {
        // A Transition, not a Suspense: the form stays mounted while the data reloads.
        <Transition fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                signed_in_or_login(profile.await, move |(profile, draft)| {
                    let draft = draft.unwrap_or_else(|| ContactsDraft {
                        email: profile.email.clone(),
                        phone: profile.phone.clone(),
                    });
                    let dash = |value: String| if value.is_empty() { "—".to_owned() } else { value };
                    view! {
                        <CabinetLayout title=|l| td_string!(l, profile.title) has_errors=errors.any()>
                            <ErrorSummary items=errors.summary() />
                            {move || changed().then(|| view! {
                                <NotificationBanner kind=BannerKind::Success title=text(|l| td_string!(l, security.done_title))>
                                    <p data-testid="contacts-changed">{t!(i18n, profile.changed)}</p>
                                </NotificationBanner>
                            })}
                            <h1 class="heading-l">{t!(i18n, profile.title)}</h1>
                            <dl class="summary-list" data-testid="profile">
                                {profile.organization_name.clone().map(|name| view! {
                                    <Row label=text(|l| td_string!(l, profile.organization_name)) value=name />
                                    <Row label=text(|l| td_string!(l, profile.inn)) value=profile.identifier.clone() />
                                })}
                                <Row label=text(|l| td_string!(l, profile.full_name)) value=profile.full_name.clone() testid="profile-name" />
                                <Row label=text(|l| td_string!(l, profile.pin)) value=profile.person_pin.clone() testid="profile-pin" />
                                <Row label=text(|l| td_string!(l, profile.birth_date)) value=dash(profile.birth_date.clone().unwrap_or_default()) />
                                <Row label=text(|l| td_string!(l, profile.email)) value=dash(profile.email.clone()) testid="profile-email" />
                                <Row label=text(|l| td_string!(l, profile.phone)) value=dash(profile.phone.clone()) testid="profile-phone" />
                                <Row label=text(|l| td_string!(l, profile.registered)) value=profile.registered.clone() />
                            </dl>
                            <h2 class="heading-m">{t!(i18n, profile.contacts_heading)}</h2>
                            <p class="hint">{t!(i18n, profile.contacts_hint)}</p>
                            <ActionForm action=submit attr:class="form" attr:novalidate=true>
                                <TextField name="email" label=text(|l| td_string!(l, profile.email)) input_type="email" autocomplete="email" value=draft.email error=errors.field("email") />
                                <TextField name="phone" label=text(|l| td_string!(l, profile.phone)) hint=text(|l| td_string!(l, register.phone_hint)) input_type="tel" autocomplete="tel" value=draft.phone error=errors.field("phone") />
                                <TextField name="current_password" label=text(|l| td_string!(l, security.current_password_label)) input_type="password" autocomplete="current-password" error=errors.field("current_password") />
                                <Button busy=submit.pending()>{t!(i18n, profile.save)}</Button>
                            </ActionForm>
                        </CabinetLayout>
                    }
                    .into_any()
                })
            })}
        </Transition>
    }
}
