//! `/cabinet/inbox`: messages from the operator and the portal, newest first, unread ones
//! marked, a page at a time. Opening a message from the list is a POST that marks it read
//! and leads to `/cabinet/inbox/:id`, which only shows it (a GET changes nothing; an
//! unread message shown there offers "mark as read").

use leptos::{form::ActionForm, prelude::*};
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::{
    components::Pagination,
    error::AppError,
    i18n::{Locale, t, td_string, use_i18n},
    pages::cabinet::{CabinetLayout, signed_in_or_login},
};

/// Messages on one page.
pub const PER_PAGE: u64 = 10;

/// A message as its reader sees it: the kind and display-ready parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxItem {
    pub id: i64,
    pub kind: String,
    pub params: Vec<(String, String)>,
    /// Bishkek time.
    pub received: String,
    pub unread: bool,
}

/// One page of the inbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxList {
    pub items: Vec<InboxItem>,
    pub unread: u64,
    pub page: u64,
    pub pages: u64,
}

#[cfg(feature = "ssr")]
fn item(message: domain::entities::inbox_message::Model) -> InboxItem {
    use crate::server::{describe_device, local_time};

    let params: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&message.params).unwrap_or_default();
    let moment = |value: &str| {
        chrono::DateTime::parse_from_rfc3339(value).map_or_else(
            |_| value.to_owned(),
            |m| local_time(m.with_timezone(&chrono::Utc), "%Y-%m-%d %H:%M"),
        )
    };
    let params = params
        .into_iter()
        .map(|(key, value)| {
            let value = match value {
                serde_json::Value::String(text) => text,
                other => other.to_string(),
            };
            match key.as_str() {
                "effective_from" | "at" => ("date".to_owned(), moment(&value)),
                "until" => (key, moment(&value)),
                "user_agent" => ("device".to_owned(), describe_device(&value)),
                _ => (key, value),
            }
        })
        .collect();
    InboxItem {
        id: message.id,
        kind: message.kind,
        params,
        received: local_time(message.created_at, "%Y-%m-%d %H:%M"),
        unread: message.read_at.is_none(),
    }
}

#[server(endpoint = "cabinet/inbox")]
pub async fn load_inbox(page: u64) -> Result<InboxList, AppError> {
    use crate::server;

    let session = server::require_session()?;
    let context = server::server_context()?;
    let found = domain::inbox::page(&context.db, session.account_id, page, PER_PAGE)
        .await
        .map_err(server::internal)?;
    Ok(InboxList {
        items: found.messages.into_iter().map(item).collect(),
        unread: found.unread,
        page: found.page,
        pages: found.pages,
    })
}

/// One message, as it is (reading marks nothing).
#[server(endpoint = "cabinet/inbox/message")]
pub async fn load_message(id: i64) -> Result<InboxItem, AppError> {
    use crate::server;

    let session = server::require_session()?;
    let context = server::server_context()?;
    domain::inbox::find(&context.db, session.account_id, id)
        .await
        .map_err(server::internal)?
        .map(item)
        .ok_or(AppError::NotFound)
}

/// Opens one message: marks it read and goes to it.
#[server(endpoint = "cabinet/inbox/open")]
pub async fn open_message(id: i64) -> Result<(), AppError> {
    use crate::server;

    let session = server::require_session()?;
    let context = server::server_context()?;
    let found = domain::inbox::mark_read(&context.db, session.account_id, id, chrono::Utc::now())
        .await
        .map_err(server::internal)?;
    if !found {
        return Err(AppError::NotFound);
    }
    server::redirect(&format!("/cabinet/inbox/{id}"));
    Ok(())
}

/// How many messages are unread (for the header).
#[server(endpoint = "cabinet/inbox/unread")]
pub async fn unread_count() -> Result<u64, AppError> {
    use crate::server;

    let session = server::require_session()?;
    let context = server::server_context()?;
    server::unread_count(&context.db, session.account_id).await
}

/// The message's title in `locale`.
pub fn title(locale: Locale, kind: &str) -> &'static str {
    match kind {
        "agreement_published" => td_string!(locale, inbox.agreement_published_title),
        "new_device_sign_in" => td_string!(locale, inbox.new_device_title),
        "password_changed" => td_string!(locale, inbox.password_changed_title),
        "document_integrity" => td_string!(locale, inbox.document_integrity_title),
        "second_factor_locked" => td_string!(locale, inbox.second_factor_locked_title),
        "registration_attempt" => td_string!(locale, inbox.registration_attempt_title),
        _ => td_string!(locale, inbox.other_title),
    }
}

/// The message's text in `locale`, with its parameters filled in.
pub fn body(locale: Locale, message: &InboxItem) -> String {
    let template = match message.kind.as_str() {
        "agreement_published" => td_string!(locale, inbox.agreement_published_body),
        "new_device_sign_in" => td_string!(locale, inbox.new_device_body),
        "password_changed" => td_string!(locale, inbox.password_changed_body),
        "document_integrity" => td_string!(locale, inbox.document_integrity_body),
        "second_factor_locked" => td_string!(locale, inbox.second_factor_locked_body),
        "registration_attempt" => td_string!(locale, inbox.registration_attempt_body),
        _ => "",
    };
    message
        .params
        .iter()
        .fold(template.to_owned(), |text, (key, value)| {
            text.replace(&format!("{{{key}}}"), value)
        })
}

/// Where the message points the reader, if anywhere: (address, link text).
fn follow_up(locale: Locale, message: &InboxItem) -> Option<(String, &'static str)> {
    match message.kind.as_str() {
        "agreement_published" => {
            message
                .params
                .iter()
                .find(|(key, _)| key == "version")
                .map(|(_, version)| {
                    (
                        format!("/agreement/versions/{version}"),
                        td_string!(locale, cabinet.read_version),
                    )
                })
        }
        "new_device_sign_in" | "password_changed" | "second_factor_locked" => Some((
            "/cabinet/security/report".to_owned(),
            td_string!(locale, inbox.not_me),
        )),
        "document_integrity" => Some((
            "/cabinet/documents".to_owned(),
            td_string!(locale, documents.back),
        )),
        _ => None,
    }
}

#[component]
pub fn InboxPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let page = move || {
        query.with(|q| {
            q.get("page")
                .and_then(|p| p.parse::<u64>().ok())
                .unwrap_or(1)
        })
    };
    let list = Resource::new_blocking(page, load_inbox);
    let open = ServerAction::<OpenMessage>::new();
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                signed_in_or_login(list.await, move |list| view! {
                    <CabinetLayout title=|l| td_string!(l, inbox.title)>
                        <h1 class="heading-l">{t!(i18n, inbox.title)}</h1>
                        <p class="lead" data-testid="unread-count">
                            {move || td_string!(i18n.get_locale(), inbox.unread_summary).replace("{count}", &list.unread.to_string())}
                        </p>
                        {list.items.is_empty().then(|| view! { <p>{t!(i18n, inbox.none)}</p> })}
                        <ul class="message-list">
                            {list.items.into_iter().map(|m| {
                                let kind = m.kind.clone();
                                view! {
                                    <li class=if m.unread { "message-list__item message-list__item--unread" } else { "message-list__item" } data-testid="message">
                                        <ActionForm action=open attr:class="inline-form">
                                            <input type="hidden" name="id" value=m.id />
                                            <button type="submit" class="link-button" data-testid="message-link">
                                                {move || title(i18n.get_locale(), &kind)}
                                            </button>
                                        </ActionForm>
                                        {m.unread.then(|| view! { " "<strong class="tag" data-testid="unread">{t!(i18n, inbox.new_tag)}</strong> })}
                                        <p class="hint">{m.received}</p>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        <Pagination page=list.page pages=list.pages base="/cabinet/inbox?".to_owned() />
                    </CabinetLayout>
                }.into_any())
            })}
        </Suspense>
    }
}

#[component]
pub fn InboxMessagePage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let open = ServerAction::<OpenMessage>::new();
    // Read again once it was marked read (with JavaScript the page stays where it is).
    let message = Resource::new_blocking(
        move || (id(), open.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => load_message(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                signed_in_or_login(message.await, move |message| {
                    let kind = message.kind.clone();
                    let shown = message.clone();
                    let (id, unread) = (message.id, message.unread);
                    view! {
                        <CabinetLayout title=|l| td_string!(l, inbox.title)>
                            <p><a href="/cabinet/inbox">{t!(i18n, inbox.back)}</a></p>
                            <h1 class="heading-l" data-testid="message-title">{move || title(i18n.get_locale(), &kind)}</h1>
                            <p class="hint">{message.received.clone()}</p>
                            <p data-testid="message-body">{move || body(i18n.get_locale(), &shown)}</p>
                            {move || follow_up(i18n.get_locale(), &message).map(|(href, label)| view! {
                                <p><a href=href>{label}</a></p>
                            })}
                            {unread.then(|| view! {
                                <ActionForm action=open attr:class="form">
                                    <input type="hidden" name="id" value=id />
                                    <button type="submit" class="button button--secondary" data-testid="mark-read">
                                        {t!(i18n, inbox.mark_read)}
                                    </button>
                                </ActionForm>
                            })}
                        </CabinetLayout>
                    }
                    .into_any()
                })
            })}
        </Suspense>
    }
}
