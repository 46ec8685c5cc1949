//! `/register`: registration of an individual (`?kind=individual`, the default) or of an
//! organization through its representative (`?kind=organization`), with the two unticked
//! checkboxes: the User Agreement and the personal-data consent. `/register/done`: what
//! every valid registration is told, whether or not its details were already registered
//! (see `domain::registration::register`): sign in.

use leptos::{form::ActionForm, prelude::*};
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::{
    components::{Button, Checkbox, ErrorSummary, PageLayout, TextField},
    error::AppError,
    form_errors::FormErrors,
    i18n::{Locale, t, td_string, use_i18n},
    pages::agreement::load_version_in_force,
    text::text,
};

#[cfg(feature = "ssr")]
const DRAFT_FORM: &str = "register";

/// What was typed, given back after a failed plain post. Never the password.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationDraft {
    pub pin: String,
    pub full_name: String,
    pub email: String,
    pub phone: String,
    pub inn: String,
    pub organization_name: String,
    pub accepts_agreement: bool,
    pub consents_to_personal_data: bool,
}

/// The agreement checkbox's wording, exactly as shown and as recorded.
pub fn agreement_wording(locale: Locale, version: i32) -> String {
    format!(
        "{} ({} {version})",
        td_string!(locale, register.accept_agreement),
        td_string!(locale, register.version)
    )
}

/// The personal-data checkbox's wording, exactly as shown and as recorded.
pub fn consent_wording(locale: Locale) -> String {
    td_string!(locale, register.consent_personal_data).to_owned()
}

/// Creates the account, signs the new user in and goes to the cabinet.
#[server(endpoint = "account/register")]
pub async fn register_account(
    kind: Option<String>,
    pin: Option<String>,
    full_name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    password: Option<String>,
    inn: Option<String>,
    organization_name: Option<String>,
    accepts_agreement: Option<String>,
    consents_to_personal_data: Option<String>,
    agreement_version: Option<String>,
) -> Result<(), AppError> {
    use domain::{
        registration::{RegistrationError, RegistrationForm, register},
        throttle::AddressScope,
    };

    use crate::server;

    let context = server::server_context()?;
    let now = chrono::Utc::now();
    let locale = server::request_locale();
    let address = server::client_address();
    context
        .throttle
        .take_address(&context.db, AddressScope::SignIn, &address, now)
        .await
        .map_err(server::internal)?
        .map_err(|throttled| server::throttled(throttled.retry_at))?;

    let version = agreement_version
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let form = RegistrationForm {
        kind: kind.unwrap_or_default(),
        pin: pin.unwrap_or_default(),
        full_name: full_name.unwrap_or_default(),
        email: email.unwrap_or_default(),
        phone: phone.unwrap_or_default(),
        password: password.unwrap_or_default(),
        inn: inn.unwrap_or_default(),
        organization_name: organization_name.unwrap_or_default(),
        accepts_agreement: accepts_agreement.is_some(),
        consents_to_personal_data: consents_to_personal_data.is_some(),
        agreement_version_shown: version,
        agreement_wording: agreement_wording(locale, version),
        consent_wording: consent_wording(locale),
        language: locale.to_string(),
        address: address.clone(),
        user_agent: server::user_agent(),
    };
    match register(&context.db, &context.hasher, &form, now).await {
        // The same answer whether the account was made or its details were already
        // registered (whose owner has been told): the page says to sign in.
        Ok(_) => {
            server::redirect(DONE_PAGE);
            Ok(())
        }
        Err(RegistrationError::Invalid(problems)) => {
            let draft = RegistrationDraft {
                pin: form.pin,
                full_name: form.full_name,
                email: form.email,
                phone: form.phone,
                inn: form.inn,
                organization_name: form.organization_name,
                accepts_agreement: form.accepts_agreement,
                consents_to_personal_data: form.consents_to_personal_data,
            };
            server::keep_draft_for_plain_form_post(DRAFT_FORM, &draft).await;
            Err(AppError::Invalid(
                problems
                    .into_iter()
                    .map(crate::domain_errors::registration_error)
                    .collect(),
            ))
        }
        Err(RegistrationError::Hash(error)) => Err(server::hash_failed(error)),
        Err(error) => Err(server::internal(error)),
    }
}

/// Where every valid registration leads.
pub const DONE_PAGE: &str = "/register/done";

#[server(endpoint = "account/register-draft")]
pub async fn take_registration_draft() -> Result<Option<RegistrationDraft>, AppError> {
    Ok(crate::server::take_draft(DRAFT_FORM).await)
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let organization = move || query.with(|q| q.get("kind").as_deref() == Some("organization"));
    let submit = ServerAction::<RegisterAccount>::new();
    let errors = FormErrors::of(submit.value());
    let page = Resource::new_blocking(
        || (),
        |_| async {
            let version = load_version_in_force().await;
            let draft = take_registration_draft()
                .await
                .ok()
                .flatten()
                .unwrap_or_default();
            (version, draft)
        },
    );
    view! {
        <PageLayout title=text(|l| td_string!(l, register.title)) has_errors=errors.any()>
            <div class="narrow">
                <ErrorSummary items=errors.summary() />
                <h1 class="heading-l">{t!(i18n, register.title)}</h1>
                <p class="lead">{t!(i18n, register.lead)}</p>
                <nav class="tabs" aria-label=move || td_string!(i18n.get_locale(), register.kind_label)>
                    <a
                        class="tabs__link"
                        href="/register?kind=individual"
                        aria-current=move || (!organization()).then_some("page")
                    >
                        {t!(i18n, register.as_individual)}
                    </a>
                    <a
                        class="tabs__link"
                        href="/register?kind=organization"
                        aria-current=move || organization().then_some("page")
                    >
                        {t!(i18n, register.as_organization)}
                    </a>
                </nav>
                <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
                    {move || Suspend::new(async move {
                        let (version, draft) = page.await;
                        let version = version.ok().flatten().unwrap_or_default();
                        let organization = organization();
                        view! {
                            <ActionForm action=submit attr:novalidate=true attr:class="form">
                                <input
                                    type="hidden"
                                    name="kind"
                                    value=if organization { "organization" } else { "individual" }
                                />
                                <input type="hidden" name="agreement_version" value=version.to_string() />
                                {organization.then(|| view! {
                                    <h2 class="heading-m">{t!(i18n, register.organization_heading)}</h2>
                                    <TextField
                                        name="inn"
                                        label=text(|l| td_string!(l, register.inn_label))
                                        hint=text(|l| td_string!(l, register.inn_hint))
                                        value=draft.inn.clone()
                                        error=errors.field("inn")
                                        inputmode="numeric"
                                    />
                                    <TextField
                                        name="organization_name"
                                        label=text(|l| td_string!(l, register.organization_name_label))
                                        value=draft.organization_name.clone()
                                        error=errors.field("organization_name")
                                        autocomplete="organization"
                                    />
                                    <h2 class="heading-m">{t!(i18n, register.representative_heading)}</h2>
                                })}
                                <TextField
                                    name="pin"
                                    label=text(|l| td_string!(l, register.pin_label))
                                    hint=text(|l| td_string!(l, register.pin_hint))
                                    value=draft.pin.clone()
                                    error=errors.field("pin")
                                    inputmode="numeric"
                                />
                                <TextField
                                    name="full_name"
                                    label=text(|l| td_string!(l, register.full_name_label))
                                    value=draft.full_name.clone()
                                    error=errors.field("full_name")
                                    autocomplete="name"
                                />
                                <p class="hint">{t!(i18n, register.contact_hint)}</p>
                                <TextField
                                    name="email"
                                    label=text(|l| td_string!(l, register.email_label))
                                    input_type="email"
                                    value=draft.email.clone()
                                    error=errors.field("email")
                                    autocomplete="email"
                                />
                                <TextField
                                    name="phone"
                                    label=text(|l| td_string!(l, register.phone_label))
                                    hint=text(|l| td_string!(l, register.phone_hint))
                                    input_type="tel"
                                    value=draft.phone.clone()
                                    error=errors.field("phone")
                                    autocomplete="tel"
                                />
                                <TextField
                                    name="password"
                                    label=text(|l| td_string!(l, register.password_label))
                                    hint=text(|l| td_string!(l, register.password_hint))
                                    input_type="password"
                                    error=errors.field("password")
                                    autocomplete="new-password"
                                />
                                <fieldset class="fieldset">
                                    <legend class="fieldset__legend">{t!(i18n, register.consents_legend)}</legend>
                                    <p>
                                        <a href="/agreement" target="_blank" rel="noopener">{t!(i18n, register.read_agreement)}</a>
                                    </p>
                                    <Checkbox
                                        name="accepts_agreement"
                                        label=Signal::derive(move || agreement_wording(i18n.get_locale(), version))
                                        error=errors.field("accepts_agreement")
                                        checked=draft.accepts_agreement
                                    />
                                    <Checkbox
                                        name="consents_to_personal_data"
                                        label=Signal::derive(move || consent_wording(i18n.get_locale()))
                                        error=errors.field("consents_to_personal_data")
                                        checked=draft.consents_to_personal_data
                                    />
                                </fieldset>
                                <Button busy=submit.pending()>{t!(i18n, register.submit)}</Button>
                            </ActionForm>
                        }
                    })}
                </Suspense>
                <p>
                    {t!(i18n, register.have_account)}" "
                    <a href="/login">{t!(i18n, login.submit)}</a>
                </p>
            </div>
        </PageLayout>
    }
}

/// `/register/done`: the one answer to a valid registration.
#[component]
pub fn RegisterDonePage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <PageLayout title=text(|l| td_string!(l, register.done_title))>
            <div class="narrow">
                <div class="panel panel--confirmation">
                    <h1 class="panel__title" data-testid="registration-done">{t!(i18n, register.done_title)}</h1>
                </div>
                <h2 class="heading-m">{t!(i18n, register.done_next)}</h2>
                <p>{t!(i18n, register.done_sign_in)}</p>
                <p><a class="button" href="/login">{t!(i18n, login.submit)}</a></p>
                <p class="hint">{t!(i18n, register.done_already)}</p>
            </div>
        </PageLayout>
    }
}
