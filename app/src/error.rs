//! The one error type of every server function, and the one place that turns an error into
//! a translated sentence.
//!
//! Errors travel as keys, never as raw server text: the browser (or the no-JavaScript
//! redirect, which carries the error in the URL) renders them in the reader's language.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

use crate::i18n::{Locale, td_string};

/// Every user-facing error message, by meaning. Adding one forces a translation below.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageKey {
    FeedbackTopicMissing,
    FeedbackMessageMissing,
    FeedbackMessageTooShort,
    FeedbackMessageTooLong,
    FeedbackReplyEmailInvalid,
    BadRequest,
    Internal,
    Network,
    TooLarge,
    Unauthorized,
    Throttled,
    SignInInvalid,
    SignInIncomplete,
    KindMissing,
    PinMissing,
    PinFormat,
    PinFirstDigit,
    PinBirthDate,
    PinBirthDateFuture,
    PinTooYoung,
    FullNameMissing,
    FullNameTooLong,
    ContactMissing,
    EmailInvalid,
    PhoneFormat,
    PasswordMissing,
    PasswordTooShort,
    PasswordTooLong,
    PasswordTooCommon,
    PasswordSameAsIdentifier,
    InnMissing,
    InnFormat,
    OrganizationNameMissing,
    OrganizationNameTooLong,
    AgreementNotAccepted,
    ConsentMissing,
    AgreementChanged,
    EmailTaken,
    CurrentPasswordWrong,
    PasswordUnchanged,
    CodeMissing,
    CodeWrong,
    TwoFactorAlreadyOn,
    AgreementPending,
    NotFound,
    PasswordRenewalRequired,
    RenewalNotRequired,
    CodeLocked,
    EnrolmentExpired,
    Busy,
    DescriptionTooLong,
    ServiceStopped,
    DeletionPasswordMissing,
    DeletionNotConfirmed,
}

/// The sentence for `key` in `locale`.
pub fn message(locale: Locale, key: MessageKey) -> &'static str {
    match key {
        MessageKey::FeedbackTopicMissing => td_string!(locale, errors.feedback_topic_missing),
        MessageKey::FeedbackMessageMissing => td_string!(locale, errors.feedback_message_missing),
        MessageKey::FeedbackMessageTooShort => {
            td_string!(locale, errors.feedback_message_too_short)
        }
        MessageKey::FeedbackMessageTooLong => td_string!(locale, errors.feedback_message_too_long),
        MessageKey::FeedbackReplyEmailInvalid => {
            td_string!(locale, errors.feedback_reply_email_invalid)
        }
        MessageKey::BadRequest => td_string!(locale, errors.bad_request),
        MessageKey::Internal => td_string!(locale, errors.internal),
        MessageKey::Network => td_string!(locale, errors.network),
        MessageKey::TooLarge => td_string!(locale, errors.too_large),
        MessageKey::Unauthorized => td_string!(locale, errors.unauthorized),
        MessageKey::Throttled => td_string!(locale, errors.throttled),
        MessageKey::SignInInvalid => td_string!(locale, errors.sign_in_invalid),
        MessageKey::SignInIncomplete => td_string!(locale, errors.sign_in_incomplete),
        MessageKey::KindMissing => td_string!(locale, errors.kind_missing),
        MessageKey::PinMissing => td_string!(locale, errors.pin_missing),
        MessageKey::PinFormat => td_string!(locale, errors.pin_format),
        MessageKey::PinFirstDigit => td_string!(locale, errors.pin_first_digit),
        MessageKey::PinBirthDate => td_string!(locale, errors.pin_birth_date),
        MessageKey::PinBirthDateFuture => td_string!(locale, errors.pin_birth_date_future),
        MessageKey::PinTooYoung => td_string!(locale, errors.pin_too_young),
        MessageKey::FullNameMissing => td_string!(locale, errors.full_name_missing),
        MessageKey::FullNameTooLong => td_string!(locale, errors.full_name_too_long),
        MessageKey::ContactMissing => td_string!(locale, errors.contact_missing),
        MessageKey::EmailInvalid => td_string!(locale, errors.email_invalid),
        MessageKey::PhoneFormat => td_string!(locale, errors.phone_format),
        MessageKey::PasswordMissing => td_string!(locale, errors.password_missing),
        MessageKey::PasswordTooShort => td_string!(locale, errors.password_too_short),
        MessageKey::PasswordTooLong => td_string!(locale, errors.password_too_long),
        MessageKey::PasswordTooCommon => td_string!(locale, errors.password_too_common),
        MessageKey::PasswordSameAsIdentifier => {
            td_string!(locale, errors.password_same_as_identifier)
        }
        MessageKey::InnMissing => td_string!(locale, errors.inn_missing),
        MessageKey::InnFormat => td_string!(locale, errors.inn_format),
        MessageKey::OrganizationNameMissing => td_string!(locale, errors.organization_name_missing),
        MessageKey::OrganizationNameTooLong => {
            td_string!(locale, errors.organization_name_too_long)
        }
        MessageKey::AgreementNotAccepted => td_string!(locale, errors.agreement_not_accepted),
        MessageKey::ConsentMissing => td_string!(locale, errors.consent_missing),
        MessageKey::AgreementChanged => td_string!(locale, errors.agreement_changed),
        MessageKey::EmailTaken => td_string!(locale, errors.email_taken),
        MessageKey::CurrentPasswordWrong => td_string!(locale, errors.current_password_wrong),
        MessageKey::PasswordUnchanged => td_string!(locale, errors.password_unchanged),
        MessageKey::CodeMissing => td_string!(locale, errors.code_missing),
        MessageKey::CodeWrong => td_string!(locale, errors.code_wrong),
        MessageKey::TwoFactorAlreadyOn => td_string!(locale, errors.two_factor_already_on),
        MessageKey::AgreementPending => td_string!(locale, errors.agreement_pending),
        MessageKey::NotFound => td_string!(locale, not_found.title),
        MessageKey::PasswordRenewalRequired => td_string!(locale, errors.password_renewal_required),
        MessageKey::RenewalNotRequired => td_string!(locale, errors.renewal_not_required),
        MessageKey::CodeLocked => td_string!(locale, errors.code_locked),
        MessageKey::EnrolmentExpired => td_string!(locale, errors.enrolment_expired),
        MessageKey::Busy => td_string!(locale, errors.busy),
        MessageKey::DescriptionTooLong => td_string!(locale, errors.description_too_long),
        MessageKey::ServiceStopped => td_string!(locale, errors.service_stopped),
        MessageKey::DeletionPasswordMissing => td_string!(locale, errors.deletion_password_missing),
        MessageKey::DeletionNotConfirmed => td_string!(locale, errors.deletion_not_confirmed),
    }
}

/// A problem with one form field; `field` is the input's `name` and `id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub key: MessageKey,
}

/// What a server function can answer instead of its result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The input was refused; nothing was stored.
    #[error("the form has {} invalid field(s)", .0.len())]
    Invalid(Vec<FieldError>),
    /// The request could not be read (missing or malformed arguments).
    #[error("bad request")]
    BadRequest,
    /// The request body was larger than the server accepts.
    #[error("request too large")]
    TooLarge,
    /// The browser could not reach the server, or could not read its answer.
    #[error("network error")]
    Network,
    /// Something failed on the server; details are in its log, never in the answer.
    #[error("internal error")]
    Internal,
    /// The caller is not signed in (or the session ended).
    #[error("not signed in")]
    Unauthorized,
    /// Too many attempts; `retry_at` is the local time (Bishkek) to try again, `HH:MM`.
    #[error("too many attempts")]
    Throttled { retry_at: String },
    /// A new version of the user agreement is in force and this user has not accepted it:
    /// nothing but the agreement's own pages, Exit, export and deletion answers until then.
    #[error("the user agreement in force must be accepted first")]
    AgreementPending,
    /// No such thing for this account (also when another account holds it).
    #[error("not found")]
    NotFound,
    /// The user stopped using their account for this service (they may re-enable it).
    #[error("the account is not used for this service")]
    ServiceStopped,
    /// The server is too busy to check a password now (503): try again in a few seconds.
    #[error("busy")]
    Busy,
}

impl AppError {
    /// The value of one field was refused: `key` says why.
    pub fn field(field: &str, key: MessageKey) -> Self {
        Self::Invalid(vec![FieldError {
            field: field.into(),
            key,
        }])
    }

    /// The general message to show above a form, for errors that belong to no field.
    pub fn general_message(&self) -> Option<MessageKey> {
        match self {
            Self::Invalid(_) => None,
            Self::BadRequest => Some(MessageKey::BadRequest),
            Self::TooLarge => Some(MessageKey::TooLarge),
            Self::Network => Some(MessageKey::Network),
            Self::Internal => Some(MessageKey::Internal),
            Self::Unauthorized => Some(MessageKey::Unauthorized),
            Self::Throttled { .. } => Some(MessageKey::Throttled),
            Self::AgreementPending => Some(MessageKey::AgreementPending),
            Self::NotFound => Some(MessageKey::NotFound),
            Self::ServiceStopped => Some(MessageKey::ServiceStopped),
            Self::Busy => Some(MessageKey::Busy),
        }
    }

    /// The general message in `locale`, with its details (such as when to try again).
    pub fn general_text(&self, locale: Locale) -> Option<String> {
        let text = message(locale, self.general_message()?);
        Some(match self {
            Self::Throttled { retry_at } => format!("{text} {retry_at}."),
            _ => text.to_owned(),
        })
    }

    /// The field errors, if any.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Invalid(errors) => errors,
            _ => &[],
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_)
            | ServerFnErrorErr::UnsupportedRequestMethod(_) => Self::BadRequest,
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => Self::Network,
            _ => Self::Internal,
        }
    }
}

/// The label of a link back to the page the user came from, for error pages rendered
/// outside the app (such as the server's "too large" answer).
pub fn go_back_label(locale: Locale) -> &'static str {
    td_string!(locale, common.back)
}
