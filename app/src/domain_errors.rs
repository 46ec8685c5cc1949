//! Server-only: the one place where the domain's problems become field errors with message
//! keys. Every problem has its own message; the compiler checks that none is forgotten.

use domain::{
    feedback::FeedbackProblem,
    identity::{InnProblem, PhoneProblem, PinProblem},
    password::PasswordProblem,
    password_change::PasswordChangeProblem,
    registration::RegistrationProblem,
};

use crate::error::{FieldError, MessageKey};

fn field_error(field: &str, key: MessageKey) -> FieldError {
    FieldError {
        field: field.to_owned(),
        key,
    }
}

pub fn feedback_error(problem: FeedbackProblem) -> FieldError {
    let key = match problem {
        FeedbackProblem::TopicMissing => MessageKey::FeedbackTopicMissing,
        FeedbackProblem::MessageMissing => MessageKey::FeedbackMessageMissing,
        FeedbackProblem::MessageTooShort => MessageKey::FeedbackMessageTooShort,
        FeedbackProblem::MessageTooLong => MessageKey::FeedbackMessageTooLong,
        FeedbackProblem::ReplyEmailInvalid => MessageKey::FeedbackReplyEmailInvalid,
    };
    field_error(problem.field(), key)
}

pub fn password_key(problem: PasswordProblem) -> MessageKey {
    match problem {
        PasswordProblem::Missing => MessageKey::PasswordMissing,
        PasswordProblem::TooShort => MessageKey::PasswordTooShort,
        PasswordProblem::TooLong => MessageKey::PasswordTooLong,
        PasswordProblem::TooCommon => MessageKey::PasswordTooCommon,
        PasswordProblem::SameAsIdentifier => MessageKey::PasswordSameAsIdentifier,
    }
}

pub fn password_change_error(problem: PasswordChangeProblem) -> FieldError {
    let key = match problem {
        PasswordChangeProblem::CurrentPasswordWrong => MessageKey::CurrentPasswordWrong,
        PasswordChangeProblem::Unchanged => MessageKey::PasswordUnchanged,
        PasswordChangeProblem::NewPassword(problem) => password_key(problem),
    };
    field_error(problem.field(), key)
}

pub fn registration_error(problem: RegistrationProblem) -> FieldError {
    use RegistrationProblem as P;
    let key = match problem {
        P::KindMissing => MessageKey::KindMissing,
        P::Pin(PinProblem::Missing) => MessageKey::PinMissing,
        P::Pin(PinProblem::Format) => MessageKey::PinFormat,
        P::Pin(PinProblem::FirstDigit) => MessageKey::PinFirstDigit,
        P::Pin(PinProblem::BirthDate) => MessageKey::PinBirthDate,
        P::Pin(PinProblem::BirthDateInFuture) => MessageKey::PinBirthDateFuture,
        P::Pin(PinProblem::TooYoung) => MessageKey::PinTooYoung,
        P::FullNameMissing => MessageKey::FullNameMissing,
        P::FullNameTooLong => MessageKey::FullNameTooLong,
        P::ContactMissing => MessageKey::ContactMissing,
        P::EmailInvalid => MessageKey::EmailInvalid,
        P::Phone(PhoneProblem::Missing | PhoneProblem::Format) => MessageKey::PhoneFormat,
        P::Password(problem) => password_key(problem),
        P::Inn(InnProblem::Missing) => MessageKey::InnMissing,
        P::Inn(InnProblem::Format) => MessageKey::InnFormat,
        P::OrganizationNameMissing => MessageKey::OrganizationNameMissing,
        P::OrganizationNameTooLong => MessageKey::OrganizationNameTooLong,
        P::AgreementNotAccepted => MessageKey::AgreementNotAccepted,
        P::PersonalDataConsentMissing => MessageKey::ConsentMissing,
        P::AgreementChanged => MessageKey::AgreementChanged,
    };
    field_error(problem.field(), key)
}
