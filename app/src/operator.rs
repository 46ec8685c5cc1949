//! The operator's public contact details, shown in the footer and on the feedback page.
//! Demonstration values until the operator console manages them.

pub const OPERATOR_EMAIL: &str = "support@portal.example.kg";
pub const OPERATOR_PHONE: &str = "+996 312 000 000";
/// The same number without spaces, for `tel:` links.
pub const OPERATOR_PHONE_LINK: &str = "+996312000000";
