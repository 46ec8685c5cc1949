//! `/cabinet`: the signed-in home, and what every cabinet page shares: the layout with the
//! Exit button, and the guard that sends signed-out visitors to sign in.

use leptos::{form::ActionForm, prelude::*};
use leptos_router::hooks::use_location;
use serde::{Deserialize, Serialize};

use crate::{
    components::{Button, ButtonKind, PageLayout},
    error::AppError,
    i18n::{t, td_string, use_i18n},
    pages::guard::redirect_to_login,
    text::{TextKey, text},
};

/// Ends this session on the server, forgets the cookie, and goes to the sign-in page.
#[server(endpoint = "account/exit")]
pub async fn exit() -> Result<(), AppError> {
    use crate::server;

    let context = server::server_context()?;
    if let Some(session) = server::current_session() {
        domain::sessions::revoke_session(
            &context.db,
            session.account_id,
            session.session_id,
            "exit",
            chrono::Utc::now(),
        )
        .await
        .map_err(server::internal)?;
        // Drafts of this session's forms (recovery codes, contacts) go with it.
        domain::form_draft::forget_session(&context.db, session.session_id)
            .await
            .map_err(server::internal)?;
        server::record_event(
            &context,
            session.account_id,
            domain::history::EventKind::Exit,
            serde_json::json!({ "session_id": session.session_id }),
        )
        .await?;
    }
    server::clear_session_cookie();
    server::redirect("/login?exited=1");
    Ok(())
}

/// The Exit button: a form, so it works without JavaScript too.
#[component]
pub fn ExitButton() -> impl IntoView {
    let i18n = use_i18n();
    let exit = ServerAction::<Exit>::new();
    view! {
        <ActionForm action=exit attr:class="exit-form">
            <Button kind=ButtonKind::Secondary busy=exit.pending()>
                {t!(i18n, cabinet.exit)}
            </Button>
        </ActionForm>
    }
}

/// The header's link to the inbox, with the number of unread messages.
#[component]
fn InboxLink() -> impl IntoView {
    let i18n = use_i18n();
    let unread = Resource::new(|| (), |_| crate::pages::inbox::unread_count());
    view! {
        <a class="header__link" href="/cabinet/inbox" data-testid="header-inbox">
            {t!(i18n, inbox.title)}
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    unread.await.ok().filter(|count| *count > 0).map(|count| view! {
                        " "<span class="count" data-testid="header-unread">{count}</span>
                        <span class="visually-hidden">" "{t!(i18n, inbox.unread_hidden)}</span>
                    })
                })}
            </Suspense>
        </a>
    }
}

/// A signed-in page: the portal layout with the Exit button.
#[component]
pub fn CabinetLayout(
    title: TextKey,
    /// Whether the page shows form errors ("Error:" in the title).
    #[prop(optional, into)]
    has_errors: Signal<bool>,
    children: Children,
) -> impl IntoView {
    view! {
        <PageLayout title=text(title) has_errors account_actions=std::sync::Arc::new(|| view! { <InboxLink /><ExitButton /> }.into_any())>
            {children()}
            <crate::idle::IdleWarning />
        </PageLayout>
    }
}

/// Renders `view` with the loaded value, or sends a signed-out visitor to sign in and back.
pub fn signed_in_or_login<T, V>(loaded: Result<T, AppError>, view: impl FnOnce(T) -> V) -> AnyView
where
    V: IntoView + 'static,
{
    match loaded {
        Ok(value) => view(value).into_any(),
        Err(AppError::Unauthorized) => {
            let location = use_location();
            redirect_to_login(&location.pathname.get_untracked());
            ().into_any()
        }
        // The server sends page loads to the gate itself; this is for pages reached by
        // navigating inside the app, whose data calls the gate refuses.
        Err(AppError::AgreementPending) => {
            let location = use_location();
            crate::pages::guard::redirect_to(&crate::pages::agreement_update::gate_url(
                &location.pathname.get_untracked(),
            ));
            ().into_any()
        }
        Err(AppError::NotFound) => {
            crate::pages::not_found::respond_not_found();
            let i18n = use_i18n();
            view! {
                <CabinetLayout title=|l| td_string!(l, not_found.title)>
                    <h1 class="heading-l">{t!(i18n, not_found.title)}</h1>
                    <p><a href="/cabinet">{t!(i18n, cabinet.back)}</a></p>
                </CabinetLayout>
            }
            .into_any()
        }
        Err(_) => {
            let i18n = use_i18n();
            view! { <p class="error-message">{move || td_string!(i18n.get_locale(), errors.internal)}</p> }.into_any()
        }
    }
}

/// What the cabinet's home shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CabinetOverview {
    pub full_name: String,
    pub organization_name: Option<String>,
    /// New agreement versions announced to this user: (version, in force from).
    pub announcements: Vec<(i32, String)>,
    pub unread: u64,
    pub documents: u64,
    /// The nearest date a document may be deleted after its retention period (Bishkek).
    pub nearest_retention: Option<String>,
    /// The sign-in before this session's: (when, device, address).
    pub last_sign_in: Option<(String, String, String)>,
}

#[server(endpoint = "cabinet/overview")]
pub async fn load_cabinet_overview() -> Result<CabinetOverview, AppError> {
    use crate::server;

    let session = server::require_session()?;
    let context = server::server_context()?;
    let db = &context.db;
    let account = domain::accounts::find_account(db, session.account_id)
        .await
        .map_err(server::internal)?
        .ok_or(AppError::Unauthorized)?;
    let announcements = domain::agreement::announcements(db, session.account_id, 5)
        .await
        .map_err(server::internal)?
        .into_iter()
        .map(|a| {
            (
                a.version,
                server::local_time(a.effective_from, "%Y-%m-%d %H:%M"),
            )
        })
        .collect();
    let (documents, nearest_retention) = domain::documents::summary(db, session.account_id)
        .await
        .map_err(server::internal)?;
    // The newest sign-in is this session's own; the one before it is "last time".
    let last_sign_in = domain::history::latest_of(
        db,
        session.account_id,
        domain::history::EventKind::SignedIn,
        1,
    )
    .await
    .map_err(server::internal)?
    .map(|event| {
        (
            server::local_time(event.created_at, "%Y-%m-%d %H:%M"),
            server::describe_device(&event.user_agent),
            event.address,
        )
    });
    Ok(CabinetOverview {
        full_name: account.full_name,
        organization_name: account.organization_name,
        announcements,
        unread: server::unread_count(db, session.account_id).await?,
        documents,
        nearest_retention: nearest_retention.map(|at| server::local_time(at, "%Y-%m-%d")),
        last_sign_in,
    })
}

#[component]
pub fn CabinetPage() -> impl IntoView {
    let i18n = use_i18n();
    let overview = Resource::new_blocking(|| (), |_| load_cabinet_overview());
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                signed_in_or_login(overview.await, move |overview| view! {
                    <CabinetLayout title=|l| td_string!(l, cabinet.title)>
                        <h1 class="heading-l">
                            {t!(i18n, cabinet.greeting)}" "
                            <span data-testid="account-name">{overview.full_name.clone()}</span>
                        </h1>
                        <p class="lead" data-testid="account-kind">
                            {match overview.organization_name.clone() {
                                Some(name) => view! { {t!(i18n, cabinet.kind_organization)}": "{name} }.into_any(),
                                None => view! { {t!(i18n, cabinet.kind_individual)} }.into_any(),
                            }}
                        </p>
                        {(!overview.announcements.is_empty()).then(|| view! {
                            <section class="messages" aria-labelledby="messages-title">
                                <h2 class="heading-m" id="messages-title">{t!(i18n, cabinet.messages_title)}</h2>
                                <ul class="list">
                                    {overview.announcements.clone().into_iter().map(|(version, from)| view! {
                                        <li data-testid="announcement">
                                            {move || td_string!(i18n.get_locale(), cabinet.agreement_announcement)
                                                .replace("{version}", &version.to_string())
                                                .replace("{date}", &from)}" "
                                            <a href=format!("/agreement/versions/{version}")>{t!(i18n, cabinet.read_version)}</a>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            </section>
                        })}
                        <Dashboard overview=overview.clone() />
                    </CabinetLayout>
                })
            })}
        </Suspense>
    }
}

/// The cabinet's sections at a glance: each card says what is there and leads to it.
#[component]
fn Dashboard(overview: CabinetOverview) -> impl IntoView {
    let i18n = use_i18n();
    let unread = overview.unread;
    let documents = overview.documents;
    view! {
        <ul class="dashboard">
            <li class="dashboard__card">
                <h2 class="heading-s"><a href="/cabinet/profile">{t!(i18n, profile.title)}</a></h2>
                <p>{t!(i18n, cabinet.profile_hint)}</p>
            </li>
            <li class="dashboard__card">
                <h2 class="heading-s"><a href="/cabinet/inbox">{t!(i18n, inbox.title)}</a></h2>
                <p data-testid="dashboard-unread">
                    {move || td_string!(i18n.get_locale(), inbox.unread_summary).replace("{count}", &unread.to_string())}
                </p>
            </li>
            <li class="dashboard__card">
                <h2 class="heading-s"><a href="/cabinet/documents">{t!(i18n, documents.title)}</a></h2>
                <p data-testid="dashboard-documents">
                    {move || td_string!(i18n.get_locale(), cabinet.documents_count).replace("{count}", &documents.to_string())}
                </p>
                {overview.nearest_retention.clone().map(|date| view! {
                    <p class="hint">{move || td_string!(i18n.get_locale(), cabinet.nearest_retention).replace("{date}", &date)}</p>
                })}
            </li>
            <li class="dashboard__card">
                <h2 class="heading-s"><a href="/cabinet/history">{t!(i18n, history.title)}</a></h2>
                {match overview.last_sign_in.clone() {
                    Some((when, device, address)) => view! {
                        <p data-testid="last-sign-in">
                            {move || td_string!(i18n.get_locale(), cabinet.last_sign_in)
                                .replace("{date}", &when)
                                .replace("{device}", if device.is_empty() { "?" } else { &device })
                                .replace("{address}", &address)}
                        </p>
                        <p><a href="/cabinet/security/report">{t!(i18n, cabinet.not_me)}</a></p>
                    }.into_any(),
                    None => view! { <p>{t!(i18n, cabinet.first_sign_in)}</p> }.into_any(),
                }}
            </li>
            <li class="dashboard__card">
                <h2 class="heading-s"><a href="/cabinet/security">{t!(i18n, cabinet.security_link)}</a></h2>
                <p>{t!(i18n, cabinet.security_hint)}</p>
            </li>
            <li class="dashboard__card">
                <h2 class="heading-s"><a href="/cabinet/services">{t!(i18n, services.title)}</a></h2>
                <p>{t!(i18n, cabinet.services_hint)}</p>
            </li>
            <li class="dashboard__card">
                <h2 class="heading-s"><a href="/cabinet/export">{t!(i18n, export.title)}</a></h2>
                <p>{t!(i18n, cabinet.export_hint)}</p>
            </li>
            <li class="dashboard__card">
                <h2 class="heading-s"><a href="/cabinet/consents">{t!(i18n, cabinet.consents_link)}</a></h2>
                <p><a href="/agreement">{t!(i18n, cabinet.agreement_link)}</a></p>
            </li>
            <li class="dashboard__card">
                <h2 class="heading-s"><a href="/cabinet/delete" data-testid="dashboard-delete">{t!(i18n, deletion.title)}</a></h2>
                <p>{t!(i18n, deletion.dashboard_hint)}</p>
            </li>
        </ul>
    }
}
