//! `/cabinet/services`: the services this account has used, with first and last use, and
//! the partial termination the agreement allows ("stop using my account for this service",
//! and back). `/services/:code` stands in for a state service until the real ones are
//! connected (product.md §7): it records the use, or refuses a stopped account.

use leptos::{form::ActionForm, prelude::*};
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::{
    components::{BannerKind, Button, ButtonKind, NotificationBanner},
    error::AppError,
    i18n::{Locale, t, td_string, use_i18n},
    pages::cabinet::{CabinetLayout, signed_in_or_login},
    text::text,
};

/// A catalog service as this account sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceItem {
    pub code: String,
    /// `portal` or `state`.
    pub kind: String,
    pub provider: String,
    /// In ky, ru, en.
    pub names: [String; 3],
    /// Bishkek time, when used.
    pub first_used: Option<String>,
    pub last_used: Option<String>,
    pub stopped: Option<String>,
    pub can_stop: bool,
}

impl ServiceItem {
    pub fn name(&self, locale: Locale) -> &str {
        match locale {
            Locale::ky => &self.names[0],
            Locale::ru => &self.names[1],
            Locale::en => &self.names[2],
        }
    }
}

#[cfg(feature = "ssr")]
async fn items(account_id: i64) -> Result<Vec<ServiceItem>, AppError> {
    use crate::server::{self, local_time};

    let context = server::server_context()?;
    let catalog = domain::services::catalog(&context.db)
        .await
        .map_err(server::internal)?;
    let links = domain::services::links(&context.db, account_id)
        .await
        .map_err(server::internal)?;
    let time = |at| local_time(at, "%Y-%m-%d %H:%M");
    Ok(catalog
        .into_iter()
        .map(|service| {
            let link = links.iter().find(|l| l.service_code == service.code);
            ServiceItem {
                can_stop: link.is_some() && service.code != domain::services::CABINET,
                first_used: link.map(|l| time(l.first_used_at)),
                last_used: link.map(|l| time(l.last_used_at)),
                stopped: link.and_then(|l| l.terminated_at).map(time),
                code: service.code,
                kind: service.kind,
                provider: service.provider,
                names: [service.name_ky, service.name_ru, service.name_en],
            }
        })
        .collect())
}

#[server(endpoint = "cabinet/services")]
pub async fn load_services() -> Result<Vec<ServiceItem>, AppError> {
    let session = crate::server::require_session()?;
    items(session.account_id).await
}

/// Stops (`stop` = "1") or resumes using the account for a service.
#[server(endpoint = "cabinet/services/set")]
pub async fn set_service(code: String, stop: Option<String>) -> Result<(), AppError> {
    use domain::{
        history::Requester,
        services::{ServiceError, set_terminated},
    };

    use crate::server;

    let session = server::require_session()?;
    let context = server::server_context()?;
    let address = server::client_address();
    let user_agent = server::user_agent();
    let stop = stop.as_deref() == Some("1");
    let outcome = set_terminated(
        &context.db,
        Requester {
            account_id: session.account_id,
            address: &address,
            user_agent: &user_agent,
        },
        &code,
        stop,
        chrono::Utc::now(),
    )
    .await;
    match outcome {
        Ok(_) => {
            let done = if stop { "stopped" } else { "resumed" };
            let code: String = code
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            server::redirect(&format!("/cabinet/services?{done}={code}"));
            Ok(())
        }
        Err(ServiceError::NotFound | ServiceError::NotTerminable) => Err(AppError::NotFound),
        Err(ServiceError::Database(error)) => Err(server::internal(error)),
    }
}

/// A demonstration state service as the account sees it (reading records nothing).
#[server(endpoint = "services/show")]
pub async fn load_service(code: String) -> Result<ServiceItem, AppError> {
    let session = crate::server::require_session()?;
    items(session.account_id)
        .await?
        .into_iter()
        .find(|item| item.code == code && item.kind == "state")
        .ok_or(AppError::NotFound)
}

/// Uses a demonstration state service: records the use and comes back to its page, or
/// refuses a stopped account.
#[server(endpoint = "services/use")]
pub async fn use_service(code: String) -> Result<(), AppError> {
    use crate::server;

    let session = server::require_session()?;
    let context = server::server_context()?;
    let found = domain::services::find(&context.db, &code)
        .await
        .map_err(server::internal)?
        .filter(|s| s.kind == "state")
        .ok_or(AppError::NotFound)?;
    domain::services::record_use(
        &context.db,
        session.account_id,
        &found.code,
        chrono::Utc::now(),
    )
    .await
    .map_err(server::internal)?
    .map_err(|_| AppError::ServiceStopped)?;
    server::redirect(&format!("/services/{}?used=1", found.code));
    Ok(())
}

#[component]
fn ServiceCard(service: ServiceItem, set: ServerAction<SetService>) -> impl IntoView {
    let i18n = use_i18n();
    let named = service.clone();
    let stopped = service.stopped.is_some();
    let code = service.code.clone();
    let form_code = service.code.clone();
    view! {
        <li class="records__item" data-testid="service" data-code=code>
            <h2 class="heading-s">{move || named.name(i18n.get_locale()).to_owned()}</h2>
            <dl class="summary-list">
                {(!service.provider.is_empty()).then(|| view! {
                    <div class="summary-list__row">
                        <dt>{t!(i18n, services.provider)}</dt>
                        <dd>{service.provider.clone()}</dd>
                    </div>
                })}
                <div class="summary-list__row">
                    <dt>{t!(i18n, services.first_used)}</dt>
                    <dd>{service.first_used.clone().unwrap_or_else(|| "—".into())}</dd>
                </div>
                <div class="summary-list__row">
                    <dt>{t!(i18n, services.last_used)}</dt>
                    <dd>{service.last_used.clone().unwrap_or_else(|| "—".into())}</dd>
                </div>
                {service.stopped.clone().map(|since| view! {
                    <div class="summary-list__row">
                        <dt>{t!(i18n, services.stopped_since)}</dt>
                        <dd data-testid="stopped-since"><strong class="tag">{t!(i18n, services.stopped_tag)}</strong>" "{since}</dd>
                    </div>
                })}
            </dl>
            {(service.kind == "state" && !stopped).then(|| view! {
                <p><a href=format!("/services/{}", service.code)>{t!(i18n, services.open)}</a></p>
            })}
            {service.can_stop.then(|| view! {
                <ActionForm action=set>
                    <input type="hidden" name="code" value=form_code.clone() />
                    {if stopped {
                        view! { <Button kind=ButtonKind::Secondary busy=set.pending()>{t!(i18n, services.resume)}</Button> }.into_any()
                    } else {
                        view! {
                            <input type="hidden" name="stop" value="1" />
                            <Button kind=ButtonKind::Secondary busy=set.pending()>{t!(i18n, services.stop)}</Button>
                        }.into_any()
                    }}
                </ActionForm>
            })}
        </li>
    }
}

#[component]
pub fn ServicesPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    // One action for every card, so that the list loads again after each stop or resume
    // (with JavaScript the page stays mounted).
    let set = ServerAction::<SetService>::new();
    let services = Resource::new_blocking(move || set.version().get(), |_| load_services());
    view! {
        // A Transition, not a Suspense: the forms stay mounted while the list reloads.
        <Transition fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                signed_in_or_login(services.await, move |services| {
                    let named = services.clone();
                    let done = move || query.with(|q| {
                        let name = |code: &str| named.iter().find(|s| s.code == code).map(|s| s.name(i18n.get_locale()).to_owned());
                        q.get("stopped").and_then(|c| name(&c)).map(|n| td_string!(i18n.get_locale(), services.stopped).replace("{name}", &n))
                            .or_else(|| q.get("resumed").and_then(|c| name(&c)).map(|n| td_string!(i18n.get_locale(), services.resumed).replace("{name}", &n)))
                    });
                    view! {
                        <CabinetLayout title=|l| td_string!(l, services.title)>
                            {move || done().map(|message| view! {
                                <NotificationBanner kind=BannerKind::Success title=text(|l| td_string!(l, security.done_title))>
                                    <p data-testid="service-done">{message}</p>
                                </NotificationBanner>
                            })}
                            <h1 class="heading-l">{t!(i18n, services.title)}</h1>
                            <p class="lead">{t!(i18n, services.lead)}</p>
                            <ul class="records">
                                {services.into_iter().map(|service| view! { <ServiceCard service set /> }).collect_view()}
                            </ul>
                            <p><a href="/cabinet/delete">{t!(i18n, services.leave_entirely)}</a></p>
                        </CabinetLayout>
                    }
                    .into_any()
                })
            })}
        </Transition>
    }
}

/// `/services/:code`: a demonstration state service: what it is, and a button that uses
/// it (a POST: opening the page records nothing).
#[component]
pub fn ServiceUsePage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let code = move || params.with(|p| p.get("code")).unwrap_or_default();
    let just_used = move || query.with(|q| q.get("used").is_some());
    let service = Resource::new_blocking(code, load_service);
    let use_it = ServerAction::<UseService>::new();
    let refused = move || matches!(use_it.value().get(), Some(Err(AppError::ServiceStopped)));
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                signed_in_or_login(service.await, move |service| {
                    let stopped = service.stopped.is_some();
                    let code = service.code.clone();
                    view! {
                        <CabinetLayout title=|l| td_string!(l, services.title)>
                            <h1 class="heading-l">{move || service.name(i18n.get_locale()).to_owned()}</h1>
                            {move || (just_used() && !stopped).then(|| view! {
                                <p data-testid="service-used">{t!(i18n, services.demo)}</p>
                            })}
                            {move || (stopped || refused()).then(|| view! {
                                <p data-testid="service-refused">{t!(i18n, errors.service_stopped)}</p>
                            })}
                            {(!stopped).then(|| view! {
                                <ActionForm action=use_it attr:class="form">
                                    <input type="hidden" name="code" value=code.clone() />
                                    <Button busy=use_it.pending()>{t!(i18n, services.use_button)}</Button>
                                </ActionForm>
                            })}
                            <p><a href="/cabinet/services">{t!(i18n, services.back)}</a></p>
                        </CabinetLayout>
                    }
                    .into_any()
                })
            })}
        </Suspense>
    }
}
