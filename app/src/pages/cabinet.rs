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
    }
    server::clear_session_cookie(&context);
    leptos_axum::redirect("/login?exited=1");
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
        <PageLayout title=text(title) has_errors account_actions=std::sync::Arc::new(|| view! { <ExitButton /> }.into_any())>
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
}

#[server(endpoint = "cabinet/overview")]
pub async fn load_cabinet_overview() -> Result<CabinetOverview, AppError> {
    use crate::server;

    let session = server::require_session()?;
    let context = server::server_context()?;
    let account = domain::accounts::find_account(&context.db, session.account_id)
        .await
        .map_err(server::internal)?
        .ok_or(AppError::Unauthorized)?;
    let announcements = domain::agreement::announcements(&context.db, session.account_id, 5)
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
    Ok(CabinetOverview {
        full_name: account.full_name,
        organization_name: account.organization_name,
        announcements,
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
                        <ul class="list">
                            <li>
                                <a href="/cabinet/security">{t!(i18n, cabinet.security_link)}</a>
                            </li>
                            <li>
                                <a href="/cabinet/consents">{t!(i18n, cabinet.consents_link)}</a>
                            </li>
                            <li>
                                <a href="/agreement">{t!(i18n, cabinet.agreement_link)}</a>
                            </li>
                        </ul>
                    </CabinetLayout>
                })
            })}
        </Suspense>
    }
}
