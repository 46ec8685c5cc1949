//! `/cabinet/history`: the account's activity, newest first, a page at a time, filtered by
//! kind: the user's own actions and the operator's actions on the account with the
//! operator's reason. Events someone else could have done offer "this wasn't me".

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::{
    components::Pagination,
    error::AppError,
    i18n::{Locale, t, td_string, use_i18n},
    pages::cabinet::{CabinetLayout, signed_in_or_login},
};

/// Events on one page.
pub const PER_PAGE: u64 = 20;

/// The filter's choices, as the query string names them.
pub const GROUPS: [&str; 5] = ["sign_ins", "security", "consents", "documents", "operator"];

/// One event as the account's owner sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryItem {
    pub id: i64,
    pub kind: String,
    /// `user`, `operator` or `system`.
    pub actor: String,
    /// Bishkek time.
    pub when: String,
    pub address: String,
    pub device: String,
    /// What the event was about: a document's name, an agreement version...
    pub subject: Option<String>,
    /// The operator's stated reason.
    pub reason: Option<String>,
    /// Someone else holding the account could have done this.
    pub could_be_intruder: bool,
}

/// One page of the history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryList {
    pub items: Vec<HistoryItem>,
    pub group: Option<String>,
    pub page: u64,
    pub pages: u64,
}

#[cfg(feature = "ssr")]
pub(crate) fn item(event: domain::entities::account_event::Model) -> HistoryItem {
    use crate::server::{describe_device, local_time};

    let details: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&event.details).unwrap_or_default();
    let subject = ["name", "version", "incident"]
        .into_iter()
        .find_map(|key| details.get(key))
        .map(|value| match value {
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        });
    let kind = domain::history::EventKind::parse(&event.kind);
    HistoryItem {
        id: event.id,
        kind: event.kind,
        actor: event.actor,
        when: local_time(event.created_at, "%Y-%m-%d %H:%M:%S"),
        address: event.address,
        device: describe_device(&event.user_agent),
        subject,
        reason: event.reason,
        could_be_intruder: kind.is_some_and(domain::history::EventKind::could_be_intruder),
    }
}

#[server(endpoint = "cabinet/history")]
pub async fn load_history(group: Option<String>, page: u64) -> Result<HistoryList, AppError> {
    use crate::server;

    let session = server::require_session()?;
    let context = server::server_context()?;
    // An unknown filter shows everything rather than failing.
    let group = group.as_deref().and_then(domain::history::Group::parse);
    let found = domain::history::page(&context.db, session.account_id, group, page, PER_PAGE)
        .await
        .map_err(server::internal)?;
    Ok(HistoryList {
        items: found.events.into_iter().map(item).collect(),
        group: group.map(|g| g.as_str().to_owned()),
        page: found.page,
        pages: found.pages,
    })
}

/// The event's name in `locale`.
pub fn kind_label(locale: Locale, kind: &str) -> &'static str {
    match kind {
        "registered" => td_string!(locale, history.registered),
        "signed_in" => td_string!(locale, history.signed_in),
        "sign_in_failed" => td_string!(locale, history.sign_in_failed),
        "exit" => td_string!(locale, history.exit),
        "session_revoked" => td_string!(locale, history.session_revoked),
        "password_changed" => td_string!(locale, history.password_changed),
        "contact_changed" => td_string!(locale, history.contact_changed),
        "two_factor_on" => td_string!(locale, history.two_factor_on),
        "two_factor_off" => td_string!(locale, history.two_factor_off),
        "agreement_accepted" => td_string!(locale, history.agreement_accepted),
        "agreement_declined" => td_string!(locale, history.agreement_declined),
        "document_uploaded" => td_string!(locale, history.document_uploaded),
        "document_downloaded" => td_string!(locale, history.document_downloaded),
        "document_deleted" => td_string!(locale, history.document_deleted),
        "document_integrity_failed" => td_string!(locale, history.document_integrity_failed),
        "operator_blocked" => td_string!(locale, history.operator_blocked),
        "operator_unblocked" => td_string!(locale, history.operator_unblocked),
        "operator_message" => td_string!(locale, history.operator_message),
        "retention_deleted" => td_string!(locale, history.retention_deleted),
        "unauthorized_access_reported" => td_string!(locale, history.unauthorized_access_reported),
        "service_terminated" => td_string!(locale, history.service_terminated),
        "service_resumed" => td_string!(locale, history.service_resumed),
        "data_exported" => td_string!(locale, history.data_exported),
        _ => td_string!(locale, history.other),
    }
}

fn group_label(locale: Locale, group: &str) -> &'static str {
    match group {
        "sign_ins" => td_string!(locale, history.group_sign_ins),
        "security" => td_string!(locale, history.group_security),
        "consents" => td_string!(locale, history.group_consents),
        "documents" => td_string!(locale, history.group_documents),
        _ => td_string!(locale, history.group_operator),
    }
}

fn actor_label(locale: Locale, actor: &str) -> &'static str {
    match actor {
        "operator" => td_string!(locale, history.by_operator),
        "system" => td_string!(locale, history.by_portal),
        _ => td_string!(locale, history.by_you),
    }
}

#[component]
fn Filter(group: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <form class="filter" method="get" action="/cabinet/history">
            <div class="form-group">
                <label class="label" for="group">{t!(i18n, history.filter_label)}</label>
                <select class="select" id="group" name="group">
                    <option value="" selected=group.is_none()>{t!(i18n, history.group_all)}</option>
                    {GROUPS.into_iter().map(|g| view! {
                        <option value=g selected=group.as_deref() == Some(g)>{move || group_label(i18n.get_locale(), g)}</option>
                    }).collect_view()}
                </select>
            </div>
            <button class="button button--secondary" type="submit">{t!(i18n, history.filter_submit)}</button>
        </form>
    }
}

#[component]
fn EventCard(event: HistoryItem) -> impl IntoView {
    let i18n = use_i18n();
    let kind = event.kind.clone();
    let actor = event.actor.clone();
    view! {
        <li class="records__item" data-testid="event" data-kind=event.kind.clone()>
            <h2 class="heading-s">
                {move || kind_label(i18n.get_locale(), &kind)}
                {event.subject.clone().map(|s| view! { ": "<span data-testid="event-subject">{s}</span> })}
            </h2>
            <p class="hint">
                {event.when.clone()}" · "{move || actor_label(i18n.get_locale(), &actor)}
                {(!event.device.is_empty()).then(|| format!(" · {}", event.device))}
                " · "{event.address.clone()}
            </p>
            {event.reason.clone().map(|reason| view! {
                <p><strong>{t!(i18n, history.reason)}</strong>" "{reason}</p>
            })}
            {event.could_be_intruder.then(|| view! {
                <p><a href=format!("/cabinet/security/report?event={}", event.id) data-testid="not-me">{t!(i18n, history.not_me)}</a></p>
            })}
        </li>
    }
}

#[component]
pub fn HistoryPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let request = move || {
        query.with(|q| {
            (
                q.get("group").filter(|g| !g.is_empty()),
                q.get("page")
                    .and_then(|p| p.parse::<u64>().ok())
                    .unwrap_or(1),
            )
        })
    };
    let list = Resource::new_blocking(request, |(group, page)| load_history(group, page));
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                signed_in_or_login(list.await, move |list| {
                    let base = list
                        .group
                        .as_ref()
                        .map_or_else(|| "/cabinet/history?".to_owned(), |g| format!("/cabinet/history?group={g}&"));
                    view! {
                        <CabinetLayout title=|l| td_string!(l, history.title)>
                            <h1 class="heading-l">{t!(i18n, history.title)}</h1>
                            <p class="lead">{t!(i18n, history.lead)}</p>
                            <Filter group=list.group.clone() />
                            {list.items.is_empty().then(|| view! { <p>{t!(i18n, history.none)}</p> })}
                            <ol class="records">
                                {list.items.into_iter().map(|event| view! { <EventCard event /> }).collect_view()}
                            </ol>
                            <Pagination page=list.page pages=list.pages base />
                        </CabinetLayout>
                    }
                    .into_any()
                })
            })}
        </Suspense>
    }
}
