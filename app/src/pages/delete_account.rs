//! Deleting the account (product.md §4): `/cabinet/delete` explains what goes and what the
//! operator keeps (and offers export or stopping single services instead),
//! `/cabinet/delete/confirm` asks for the password, the code when two-step verification is
//! on, and a final tick, and `/account/deleted` shows the receipt, signed out, through a
//! cookie only this browser holds (24 hours); `/account/deleted/receipt.txt` downloads it.

use leptos::{form::ActionForm, prelude::*};
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::{
    components::{
        BannerKind, Button, ButtonKind, Checkbox, ErrorSummary, NotificationBanner, PageLayout,
        TextField,
    },
    error::AppError,
    form_errors::FormErrors,
    i18n::{Locale, t, td_string, use_i18n},
    pages::cabinet::{CabinetLayout, signed_in_or_login},
    text::text,
};

/// What the explanation and the confirmation show.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionFacts {
    pub documents: u64,
    pub messages: u64,
    pub sessions: u64,
    pub service_links: u64,
    pub second_factor: bool,
    pub retention_years: i64,
    /// As configured; empty for the portal's own wording.
    pub legal_basis: String,
}

/// A receipt as shown and downloaded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptView {
    pub reference: String,
    pub pseudonym: String,
    pub deleted_at: String,
    pub retain_until: String,
    pub by_operator: bool,
    pub reason: Option<String>,
    pub documents: u64,
    pub document_bytes: u64,
    pub messages: u64,
    pub sessions: u64,
    pub service_links: u64,
    pub second_factor: bool,
    pub recovery_codes: u64,
    pub acceptance_records: u64,
    pub history_events: u64,
    pub incidents: u64,
    pub legal_basis: String,
}

#[cfg(feature = "ssr")]
impl ReceiptView {
    pub fn of(receipt: &domain::deletion::Receipt, legal_basis: &str) -> Self {
        use crate::server::local_time;
        Self {
            reference: receipt.reference.clone(),
            pseudonym: receipt.pseudonym.clone(),
            deleted_at: local_time(receipt.deleted_at, "%Y-%m-%d %H:%M"),
            retain_until: local_time(receipt.retain_until, "%Y-%m-%d"),
            by_operator: receipt.initiator == "operator",
            reason: receipt.reason.clone(),
            documents: receipt.erased.documents,
            document_bytes: receipt.erased.document_bytes,
            messages: receipt.erased.messages,
            sessions: receipt.erased.sessions,
            service_links: receipt.erased.service_links,
            second_factor: receipt.erased.second_factor,
            recovery_codes: receipt.erased.recovery_codes,
            acceptance_records: receipt.kept.acceptance_records,
            history_events: receipt.kept.history_events,
            incidents: receipt.kept.incidents,
            legal_basis: legal_basis.to_owned(),
        }
    }
}

fn count(template: &str, n: u64) -> String {
    template.replace("{n}", &n.to_string())
}

/// The legal basis in `locale`: as configured, else the portal's wording.
fn basis(locale: Locale, configured: &str) -> String {
    if configured.is_empty() {
        td_string!(locale, deletion.basis_default).to_owned()
    } else {
        configured.to_owned()
    }
}

/// The receipt's lines: what was erased.
pub fn erased_lines(locale: Locale, r: &ReceiptView) -> Vec<String> {
    let kib = r.document_bytes.div_ceil(1024);
    let mut lines = vec![
        td_string!(locale, deletion.r_profile).to_owned(),
        count(td_string!(locale, deletion.r_documents), r.documents)
            .replace("{kib}", &kib.to_string()),
        count(td_string!(locale, deletion.r_messages), r.messages),
        count(td_string!(locale, deletion.r_sessions), r.sessions),
        count(td_string!(locale, deletion.r_services), r.service_links),
    ];
    if r.second_factor {
        lines.push(count(
            td_string!(locale, deletion.r_second_factor),
            r.recovery_codes,
        ));
    }
    lines
}

/// The receipt's lines: what was kept, pseudonymized.
pub fn kept_lines(locale: Locale, r: &ReceiptView) -> Vec<String> {
    vec![
        count(
            td_string!(locale, deletion.k_acceptances),
            r.acceptance_records,
        ),
        count(td_string!(locale, deletion.k_history), r.history_events),
        count(td_string!(locale, deletion.k_incidents), r.incidents),
    ]
}

/// The receipt as a plain-text file, in `locale`.
pub fn receipt_text(locale: Locale, r: &ReceiptView) -> String {
    let mut text = format!(
        "{}\n\n{}: {}\n{}: {}\n{}: {}\n",
        td_string!(locale, deletion.receipt_title),
        td_string!(locale, deletion.receipt_reference),
        r.reference,
        td_string!(locale, deletion.receipt_time),
        r.deleted_at,
        td_string!(locale, deletion.receipt_pseudonym),
        r.pseudonym,
    );
    if r.by_operator {
        text.push_str(
            &td_string!(locale, deletion.receipt_by_operator)
                .replace("{reason}", r.reason.as_deref().unwrap_or_default()),
        );
        text.push('\n');
    }
    text.push_str(&format!(
        "\n{}:\n",
        td_string!(locale, deletion.receipt_erased)
    ));
    for line in erased_lines(locale, r) {
        text.push_str(&format!("- {line}\n"));
    }
    text.push_str(&format!(
        "\n{}:\n",
        td_string!(locale, deletion.receipt_kept).replace("{date}", &r.retain_until)
    ));
    for line in kept_lines(locale, r) {
        text.push_str(&format!("- {line}\n"));
    }
    text.push_str(&format!(
        "\n{} {}\n",
        td_string!(locale, deletion.basis_label),
        basis(locale, &r.legal_basis)
    ));
    text
}

#[server(endpoint = "cabinet/delete/overview")]
pub async fn load_deletion_facts() -> Result<DeletionFacts, AppError> {
    use crate::server;

    let session = server::require_session()?;
    let context = server::server_context()?;
    let preview = domain::deletion::preview(&context.db, session.account_id, chrono::Utc::now())
        .await
        .map_err(server::internal)?;
    Ok(DeletionFacts {
        documents: preview.documents,
        messages: preview.messages,
        sessions: preview.sessions,
        service_links: preview.service_links,
        second_factor: preview.second_factor,
        retention_years: context.retention.retained_for.num_days() / 365,
        legal_basis: context.retention_legal_basis.clone(),
    })
}

/// Deletes the account after the confirmation; the browser goes to the receipt, signed out.
#[server(endpoint = "cabinet/delete")]
pub async fn delete_account(
    password: Option<String>,
    code: Option<String>,
    confirm: Option<String>,
) -> Result<(), AppError> {
    use domain::deletion::{Confirmation, DeletionError, DeletionProblem as P};

    use crate::{
        error::{FieldError, MessageKey},
        server,
    };

    let session = server::require_session()?;
    let context = server::server_context()?;
    let (address, user_agent) = (server::client_address(), server::user_agent());
    let password = password.unwrap_or_default();
    let code = code.unwrap_or_default();
    let outcome = domain::deletion::delete_own_account(
        &context.db,
        &context.hasher,
        &context.throttle,
        &context.documents,
        &Confirmation {
            account_id: session.account_id,
            session_id: session.session_id,
            password: &password,
            code: &code,
            confirmed: confirm.is_some_and(|value| !value.is_empty()),
            address: &address,
            user_agent: &user_agent,
        },
        &context.retention,
        chrono::Utc::now(),
    )
    .await;
    match outcome {
        Ok(deleted) => {
            server::clear_session_cookie();
            if let Some(token) = deleted.token {
                server::set_cookie(
                    server::PortalCookie::DeletionReceipt,
                    &token,
                    domain::deletion::RECEIPT_VIEWABLE.num_seconds(),
                );
            }
            server::redirect("/account/deleted");
            Ok(())
        }
        Err(DeletionError::Invalid(problems)) => Err(AppError::Invalid(
            problems
                .into_iter()
                .map(|problem| FieldError {
                    field: problem.field().to_owned(),
                    key: match problem {
                        P::PasswordMissing => MessageKey::DeletionPasswordMissing,
                        P::PasswordWrong => MessageKey::CurrentPasswordWrong,
                        P::CodeMissing => MessageKey::CodeMissing,
                        P::CodeWrong => MessageKey::CodeWrong,
                        P::CodeLocked { .. } => MessageKey::CodeLocked,
                        P::NotConfirmed => MessageKey::DeletionNotConfirmed,
                    },
                })
                .collect(),
        )),
        Err(DeletionError::Throttled(throttled)) => Err(server::throttled(throttled.retry_at)),
        Err(DeletionError::NoAccount) => Err(AppError::Unauthorized),
        Err(DeletionError::SessionEnded) => Err(server::session_ended("/cabinet/delete")),
        Err(DeletionError::Hash(error)) => Err(server::hash_failed(error)),
        Err(error) => Err(server::internal(error)),
    }
}

/// The receipt this browser may still see, if any.
#[server(endpoint = "account/deleted/receipt")]
pub async fn my_receipt() -> Result<Option<ReceiptView>, AppError> {
    use crate::server;

    let Some(token) = server::request_cookie(server::PortalCookie::DeletionReceipt) else {
        return Ok(None);
    };
    let context = server::server_context()?;
    let receipt = domain::deletion::receipt_by_token(&context.db, &token, chrono::Utc::now())
        .await
        .map_err(server::internal)?;
    Ok(receipt.map(|r| ReceiptView::of(&r, &context.retention_legal_basis)))
}

/// `/cabinet/delete`: what deletion erases and keeps, and the alternatives.
#[component]
pub fn DeleteAccountPage() -> impl IntoView {
    let i18n = use_i18n();
    let overview = Resource::new_blocking(|| (), |_| load_deletion_facts());
    let query = use_query_map();
    let declined = move || query.with(|q| q.get("declined").is_some());
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                signed_in_or_login(overview.await, move |o: DeletionFacts| {
                    let years = o.retention_years.to_string();
                    let legal_basis = o.legal_basis.clone();
                    view! {
                        <CabinetLayout title=|l| td_string!(l, deletion.title)>
                            {move || declined().then(|| view! {
                                <NotificationBanner kind=BannerKind::Success title=text(|l| td_string!(l, export.declined_title))>
                                    <p data-testid="deletion-declined">{t!(i18n, deletion.declined)}</p>
                                </NotificationBanner>
                            })}
                            <h1 class="heading-l">{t!(i18n, deletion.title)}</h1>
                            <p class="lead">{t!(i18n, deletion.lead)}</p>
                            <h2 class="heading-m">{t!(i18n, deletion.erased_heading)}</h2>
                            <ul class="list list--bullet" data-testid="deletion-erased">
                                <li>{t!(i18n, deletion.erased_profile)}</li>
                                <li>{move || count(td_string!(i18n.get_locale(), deletion.erased_documents), o.documents)}</li>
                                <li>{move || count(td_string!(i18n.get_locale(), deletion.erased_messages), o.messages)}</li>
                                <li>{move || count(td_string!(i18n.get_locale(), deletion.erased_sessions), o.sessions)}</li>
                                <li>{move || count(td_string!(i18n.get_locale(), deletion.erased_services), o.service_links)}</li>
                                <li>{t!(i18n, deletion.erased_security)}</li>
                            </ul>
                            <h2 class="heading-m">{t!(i18n, deletion.kept_heading)}</h2>
                            <ul class="list list--bullet">
                                <li>{t!(i18n, deletion.kept_records)}</li>
                                <li>{t!(i18n, deletion.kept_history)}</li>
                            </ul>
                            <p>{t!(i18n, deletion.kept_pseudonym)}</p>
                            <p data-testid="deletion-retention">
                                {move || td_string!(i18n.get_locale(), deletion.kept_until).replace("{years}", &years)}
                                " "{t!(i18n, deletion.basis_label)}" "
                                {move || basis(i18n.get_locale(), &legal_basis)}
                            </p>
                            <p><strong>{t!(i18n, deletion.irreversible)}</strong></p>
                            <h2 class="heading-m">{t!(i18n, deletion.alternatives_heading)}</h2>
                            <ul class="list">
                                <li><a href="/cabinet/export" data-testid="deletion-export">{t!(i18n, deletion.export_first)}</a></li>
                                <li><a href="/cabinet/services" data-testid="deletion-services">{t!(i18n, deletion.stop_services)}</a></li>
                            </ul>
                            <p>
                                <a class="button button--secondary" href="/cabinet/delete/confirm" data-testid="deletion-continue">{t!(i18n, deletion.go_on)}</a>
                            </p>
                        </CabinetLayout>
                    }
                })
            })}
        </Suspense>
    }
}

/// `/cabinet/delete/confirm`: the password, the code, the final tick, the red button.
#[component]
pub fn ConfirmDeletionPage() -> impl IntoView {
    let i18n = use_i18n();
    let overview = Resource::new_blocking(|| (), |_| load_deletion_facts());
    let submit = ServerAction::<DeleteAccount>::new();
    let errors = FormErrors::of(submit.value());
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                signed_in_or_login(overview.await, move |o: DeletionFacts| view! {
                    <CabinetLayout title=|l| td_string!(l, deletion.confirm_title) has_errors=errors.any()>
                        <ErrorSummary items=errors.summary() />
                        <h1 class="heading-l">{t!(i18n, deletion.confirm_title)}</h1>
                        <p class="lead">{t!(i18n, deletion.confirm_lead)}</p>
                        <ActionForm action=submit attr:class="form" attr:novalidate=true>
                            <TextField
                                name="password"
                                label=text(|l| td_string!(l, deletion.password_label))
                                input_type="password"
                                autocomplete="current-password"
                                error=errors.field("password")
                            />
                            {o.second_factor.then(|| view! {
                                <TextField
                                    name="code"
                                    label=text(|l| td_string!(l, deletion.code_label))
                                    autocomplete="one-time-code"
                                    inputmode="numeric"
                                    error=errors.field("code")
                                />
                            })}
                            <Checkbox
                                name="confirm"
                                label=text(|l| td_string!(l, deletion.confirm_label))
                                error=errors.field("confirm")
                            />
                            <div class="button-group">
                                <Button kind=ButtonKind::Warning busy=submit.pending()>{t!(i18n, deletion.submit)}</Button>
                                <a href="/cabinet" data-testid="deletion-cancel">{t!(i18n, deletion.cancel)}</a>
                            </div>
                        </ActionForm>
                    </CabinetLayout>
                }.into_any())
            })}
        </Suspense>
    }
}

/// `/account/deleted`: the receipt, shown signed out to the browser that deleted.
#[component]
pub fn DeletionReceiptPage() -> impl IntoView {
    let i18n = use_i18n();
    let receipt = Resource::new_blocking(|| (), |_| my_receipt());
    view! {
        <PageLayout title=text(|l| td_string!(l, deletion.receipt_title))>
            <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    match receipt.await {
                        Ok(Some(r)) => {
                            let shown = r.clone();
                            let until = r.retain_until.clone();
                            view! {
                                <NotificationBanner kind=BannerKind::Success title=text(|l| td_string!(l, deletion.receipt_title))>
                                    <p>{t!(i18n, deletion.receipt_lead)}</p>
                                </NotificationBanner>
                                <h1 class="heading-l">{t!(i18n, deletion.receipt_title)}</h1>
                                <dl class="summary-list" data-testid="receipt">
                                    <div class="summary-list__row">
                                        <dt class="summary-list__key">{t!(i18n, deletion.receipt_reference)}</dt>
                                        <dd class="summary-list__value" data-testid="receipt-reference">{r.reference.clone()}</dd>
                                    </div>
                                    <div class="summary-list__row">
                                        <dt class="summary-list__key">{t!(i18n, deletion.receipt_time)}</dt>
                                        <dd class="summary-list__value">{r.deleted_at.clone()}</dd>
                                    </div>
                                    <div class="summary-list__row">
                                        <dt class="summary-list__key">{t!(i18n, deletion.receipt_pseudonym)}</dt>
                                        <dd class="summary-list__value hash">{r.pseudonym.clone()}</dd>
                                    </div>
                                </dl>
                                <h2 class="heading-m">{t!(i18n, deletion.receipt_erased)}</h2>
                                <ul class="list list--bullet" data-testid="receipt-erased">
                                    {move || erased_lines(i18n.get_locale(), &shown).into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
                                </ul>
                                <h2 class="heading-m">{move || td_string!(i18n.get_locale(), deletion.receipt_kept).replace("{date}", &until)}</h2>
                                <ul class="list list--bullet" data-testid="receipt-kept">
                                    {move || kept_lines(i18n.get_locale(), &r).into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
                                </ul>
                                <p>
                                    <a class="button" href="/account/deleted/receipt.txt" rel="external" download data-testid="receipt-download">
                                        {t!(i18n, deletion.receipt_download)}
                                    </a>
                                </p>
                                <p>{t!(i18n, deletion.register_again)}" "<a href="/register">{t!(i18n, deletion.register_link)}</a></p>
                            }.into_any()
                        }
                        Ok(None) | Err(_) => view! {
                            <h1 class="heading-l">{t!(i18n, deletion.receipt_gone_title)}</h1>
                            <p data-testid="receipt-gone">{t!(i18n, deletion.receipt_gone)}</p>
                            <p><a href="/">{t!(i18n, deletion.home_link)}</a></p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </PageLayout>
    }
}
