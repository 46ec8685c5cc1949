//! The user agreement's public pages (no sign-in needed): `/agreement` (the version in
//! force, printable), `/agreement/versions` (the history), `/agreement/versions/N`,
//! and `/agreement/diff?from=A&to=B` (clause by clause).
//!
//! A text can be read in another language than the page's with `?text=ky|ru|en`: the
//! consents page links to exactly the text a user accepted.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::{
    components::PageLayout,
    error::AppError,
    i18n::{t, td_string, use_i18n},
    pages::not_found::respond_not_found,
    text::text,
};

/// One version's text in one language, parsed into chapters and clauses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementDocument {
    pub version: i32,
    /// The language of the text (`lang` of the article).
    pub language: String,
    pub title: String,
    /// Shown in the header (the demo text says what it is here).
    pub note: Vec<String>,
    pub chapters: Vec<ChapterText>,
    pub sha256: String,
    /// Bishkek date and time from which it is in force.
    pub effective: String,
    pub in_force: bool,
    pub summary: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChapterText {
    pub number: String,
    pub heading: String,
    pub clauses: Vec<(String, String)>,
}

/// A run of words in a diff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Words {
    Same(String),
    Added(String),
    Removed(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    Added,
    Removed,
    Changed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClauseChange {
    pub number: String,
    pub change: Change,
    pub words: Vec<Words>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChapterChange {
    pub number: String,
    pub change: Option<Change>,
    pub heading: Vec<Words>,
    pub clauses: Vec<ClauseChange>,
    pub unchanged: Vec<String>,
}

/// What changed from version `from` to version `to`, in one language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementDiff {
    pub from: i32,
    pub to: i32,
    pub language: String,
    pub chapters: Vec<ChapterChange>,
}

impl AgreementDiff {
    pub fn is_empty(&self) -> bool {
        self.chapters.iter().all(|c| c.change.is_none())
    }
}

/// A version in the history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionItem {
    pub version: i32,
    pub title: String,
    pub summary: String,
    pub effective: String,
    pub published: String,
    pub in_force: bool,
    pub upcoming: bool,
}

#[cfg(feature = "ssr")]
pub mod load {
    //! Reading versions for the pages (server only).

    use domain::agreement::{self, diff, document};

    use super::*;
    use crate::server;

    /// `requested` if it is one of the portal's languages, else the page's language.
    pub fn text_language(requested: Option<&str>) -> String {
        requested
            .filter(|l| agreement::LANGUAGES.contains(l))
            .map_or_else(|| server::request_locale().to_string(), str::to_owned)
    }

    pub fn effective_text(moment: chrono::DateTime<chrono::Utc>) -> String {
        server::local_time(moment, "%Y-%m-%d %H:%M")
    }

    /// Published versions never change (there is no way to edit one): each version's text
    /// in each language is read and parsed once per server and kept, so the public
    /// agreement page costs one question to the database (which version is in force now;
    /// another server may just have published one) instead of three and a parse.
    /// The texts read so far, by (version, language).
    type Texts = std::collections::HashMap<(i32, String), std::sync::Arc<CachedText>>;

    #[derive(Clone, Debug, Default)]
    pub struct TextCache(std::sync::Arc<std::sync::RwLock<Texts>>);

    /// A version's text as pages show it (`in_force` set per request) and parsed.
    #[derive(Debug)]
    pub struct CachedText {
        pub view: AgreementDocument,
        pub parsed: document::Document,
    }

    impl TextCache {
        fn get(&self, version: i32, language: &str) -> Option<std::sync::Arc<CachedText>> {
            let texts = self
                .0
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            texts.get(&(version, language.to_owned())).cloned()
        }

        fn keep(
            &self,
            version: i32,
            language: &str,
            text: CachedText,
        ) -> std::sync::Arc<CachedText> {
            let text = std::sync::Arc::new(text);
            let mut texts = self
                .0
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            texts.insert((version, language.to_owned()), text.clone());
            text
        }
    }

    /// Version `version` (the one in force if `None`) in `language`, with its text parsed.
    pub async fn document(
        version: Option<i32>,
        language: &str,
    ) -> Result<Option<(AgreementDocument, std::sync::Arc<CachedText>)>, AppError> {
        let context = server::server_context()?;
        let now = chrono::Utc::now();
        let in_force = agreement::version_in_force(&context.db, now)
            .await
            .map_err(server::internal)?;
        let Some(version) = version.or(in_force) else {
            return Ok(None);
        };
        let cached = match context.agreement_texts.get(version, language) {
            Some(cached) => cached,
            None => {
                let Some(text) = read(&context.db, version, language).await? else {
                    return Ok(None);
                };
                context.agreement_texts.keep(version, language, text)
            }
        };
        let mut view = cached.view.clone();
        view.in_force = Some(version) == in_force;
        Ok(Some((view, cached)))
    }

    /// Reads and parses a version's text from the database.
    async fn read(
        db: &domain::DatabaseConnection,
        version: i32,
        language: &str,
    ) -> Result<Option<CachedText>, AppError> {
        let Some(row) = agreement::find_version(db, version)
            .await
            .map_err(server::internal)?
        else {
            return Ok(None);
        };
        let Some(text) = agreement::text_of(db, version, language)
            .await
            .map_err(server::internal)?
        else {
            return Ok(None);
        };
        let parsed = document::parse(&text.body).map_err(server::internal)?;
        let view = AgreementDocument {
            version,
            language: text.language,
            title: parsed.title.clone(),
            note: parsed.note.clone(),
            chapters: parsed
                .chapters
                .iter()
                .map(|c| ChapterText {
                    number: c.number.clone(),
                    heading: c.heading.clone(),
                    clauses: c
                        .clauses
                        .iter()
                        .map(|cl| (cl.number.clone(), cl.text.clone()))
                        .collect(),
                })
                .collect(),
            sha256: text.sha256,
            effective: effective_text(row.effective_from),
            in_force: false,
            summary: text.summary,
        };
        Ok(Some(CachedText { view, parsed }))
    }

    fn words(segments: Vec<diff::Segment>) -> Vec<Words> {
        segments
            .into_iter()
            .map(|s| match s {
                diff::Segment::Same(t) => Words::Same(t),
                diff::Segment::Added(t) => Words::Added(t),
                diff::Segment::Removed(t) => Words::Removed(t),
            })
            .collect()
    }

    fn change(status: diff::Status) -> Change {
        match status {
            diff::Status::Added => Change::Added,
            diff::Status::Removed => Change::Removed,
            diff::Status::Changed => Change::Changed,
        }
    }

    /// The clause-by-clause comparison of two parsed texts.
    pub fn compare(
        from: i32,
        to: i32,
        language: String,
        old: &document::Document,
        new: &document::Document,
    ) -> AgreementDiff {
        let compared = diff::compare(old, new);
        AgreementDiff {
            from,
            to,
            language,
            chapters: compared
                .chapters
                .into_iter()
                .map(|c| ChapterChange {
                    number: c.number,
                    change: c.status.map(change),
                    heading: words(c.heading),
                    clauses: c
                        .clauses
                        .into_iter()
                        .map(|cl| ClauseChange {
                            number: cl.number,
                            change: change(cl.status),
                            words: words(cl.segments),
                        })
                        .collect(),
                    unchanged: c.unchanged,
                })
                .collect(),
        }
    }
}

/// A version's text (the one in force without `version`), in the page's language or `text`.
#[server(endpoint = "agreement/text")]
pub async fn load_agreement(
    version: Option<i32>,
    text: Option<String>,
) -> Result<Option<AgreementDocument>, AppError> {
    let language = load::text_language(text.as_deref());
    Ok(load::document(version, &language)
        .await?
        .map(|(view, _)| view))
}

/// The number of the version in force (registration shows and records it).
#[server(endpoint = "agreement/in-force")]
pub async fn load_version_in_force() -> Result<Option<i32>, AppError> {
    use crate::server;

    let context = server::server_context()?;
    domain::agreement::version_in_force(&context.db, chrono::Utc::now())
        .await
        .map_err(server::internal)
}

/// Every published version, newest first.
#[server(endpoint = "agreement/versions")]
pub async fn load_versions() -> Result<Vec<VersionItem>, AppError> {
    use crate::server;

    let context = server::server_context()?;
    let now = chrono::Utc::now();
    let language = server::request_locale().to_string();
    let in_force = domain::agreement::version_in_force(&context.db, now)
        .await
        .map_err(server::internal)?;
    let versions = domain::agreement::versions(&context.db, &language)
        .await
        .map_err(server::internal)?;
    Ok(versions
        .into_iter()
        .map(|v| VersionItem {
            version: v.version,
            title: v.title,
            summary: v.summary,
            effective: load::effective_text(v.effective_from),
            published: load::effective_text(v.published_at),
            in_force: Some(v.version) == in_force,
            upcoming: v.effective_from > now,
        })
        .collect())
}

/// What changed from `from` to `to`, in the page's language or `text`.
#[server(endpoint = "agreement/diff")]
pub async fn load_diff(
    from: i32,
    to: i32,
    text: Option<String>,
) -> Result<Option<AgreementDiff>, AppError> {
    let language = load::text_language(text.as_deref());
    let (Some((_, old)), Some((_, new))) = (
        load::document(Some(from), &language).await?,
        load::document(Some(to), &language).await?,
    ) else {
        return Ok(None);
    };
    Ok(Some(load::compare(
        from,
        to,
        language,
        &old.parsed,
        &new.parsed,
    )))
}

/// A version's full text: header with version, date and hash, then chapters and clauses.
#[component]
pub fn AgreementText(document: AgreementDocument) -> impl IntoView {
    let i18n = use_i18n();
    let AgreementDocument {
        version,
        language,
        title,
        note,
        chapters,
        sha256,
        effective,
        ..
    } = document;
    let header = view! {
        <header class="agreement__header">
            <h1 class="heading-l" data-testid="agreement-title">{title}</h1>
            {(!note.is_empty()).then(|| view! {
                <div class="agreement__note" role="note" data-testid="agreement-note">
                    {note.into_iter().map(|line| view! { <p>{line}</p> }).collect_view()}
                </div>
            })}
            <dl class="summary-list agreement__facts">
                <div class="summary-list__row">
                    <dt>{t!(i18n, agreement.version_label)}</dt>
                    <dd data-testid="agreement-version">{version}</dd>
                </div>
                <div class="summary-list__row">
                    <dt>{t!(i18n, agreement.effective_label)}</dt>
                    <dd>{effective}</dd>
                </div>
                <div class="summary-list__row">
                    <dt>{t!(i18n, agreement.hash_label)}</dt>
                    <dd class="hash" data-testid="agreement-hash">{sha256}</dd>
                </div>
            </dl>
        </header>
    }
    .into_any();
    let chapters = chapters
        .into_iter()
        .map(|chapter| {
            let clauses = chapter
                .clauses
                .into_iter()
                .map(|(number, text)| {
                    let id = format!("clause-{number}");
                    view! {
                        <p class="agreement__clause" id=id>
                            <span class="agreement__number">{number}"."</span>" "{text}
                        </p>
                    }
                })
                .collect_view();
            view! {
                <section class="agreement__chapter">
                    <h2 class="heading-m">{chapter.number}". "{chapter.heading}</h2>
                    {clauses}
                </section>
            }
            .into_any()
        })
        .collect_view();
    view! { <article class="agreement" lang=language>{header}{chapters}</article> }.into_any()
}

/// Words of a diff: additions and removals are marked by more than colour (underline,
/// strike-through, and words for screen readers).
#[component]
fn DiffWords(words: Vec<Words>) -> impl IntoView {
    let i18n = use_i18n();
    words
        .into_iter()
        .map(|w| match w {
            Words::Same(text) => view! { <span>{text}</span> }.into_any(),
            Words::Added(text) => view! {
                <ins><span class="visually-hidden">"[" {t!(i18n, agreement.added)} ": "</span>{text}<span class="visually-hidden">"]"</span></ins>
            }
            .into_any(),
            Words::Removed(text) => view! {
                <del><span class="visually-hidden">"[" {t!(i18n, agreement.removed)} ": "</span>{text}<span class="visually-hidden">"]"</span></del>
            }
            .into_any(),
        })
        .collect_view()
}

fn change_label(locale: crate::i18n::Locale, change: Change) -> &'static str {
    match change {
        Change::Added => td_string!(locale, agreement.change_added),
        Change::Removed => td_string!(locale, agreement.change_removed),
        Change::Changed => td_string!(locale, agreement.change_changed),
    }
}

/// The changed chapters and clauses of a diff; unchanged clauses are listed by number.
#[component]
pub fn AgreementChanges(diff: AgreementDiff) -> impl IntoView {
    let i18n = use_i18n();
    if diff.is_empty() {
        return view! { <p data-testid="diff-empty">{t!(i18n, agreement.no_changes)}</p> }
            .into_any();
    }
    let language = diff.language.clone();
    view! {
        <div class="diff" lang=language data-testid="diff">
            {diff.chapters.into_iter().filter(|c| c.change.is_some()).map(|chapter| {
                let change = chapter.change.unwrap_or(Change::Changed);
                let unchanged = chapter.unchanged.join(", ");
                view! {
                    <section class="diff__chapter">
                        <h3 class="heading-s">
                            {chapter.number}". "<DiffWords words=chapter.heading />
                            " "<span class="tag">{move || change_label(i18n.get_locale(), change)}</span>
                        </h3>
                        {chapter.clauses.into_iter().map(|clause| {
                            let change = clause.change;
                            let testid = format!("diff-clause-{}", clause.number);
                            view! {
                                <div class="diff__clause" data-testid=testid>
                                    <p class="diff__clause-head">
                                        <strong>{clause.number}"."</strong>" "
                                        <span class="tag">{move || change_label(i18n.get_locale(), change)}</span>
                                    </p>
                                    <p><DiffWords words=clause.words /></p>
                                </div>
                            }
                        }).collect_view()}
                        {(!unchanged.is_empty()).then(|| view! {
                            <p class="hint">{t!(i18n, agreement.unchanged)}": "{unchanged}</p>
                        })}
                    </section>
                }
            }).collect_view()}
        </div>
    }
    .into_any()
}

/// Links under a text: the history, and printing.
#[component]
fn AgreementLinks() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <ul class="list agreement__links">
            <li><a href="/agreement/versions">{t!(i18n, agreement.history_link)}</a></li>
        </ul>
    }
}

fn show_document(loaded: Result<Option<AgreementDocument>, AppError>) -> AnyView {
    let i18n = use_i18n();
    match loaded {
        Ok(Some(document)) => view! { <AgreementText document /><AgreementLinks /> }.into_any(),
        Ok(None) => {
            respond_not_found();
            view! {
                <h1 class="heading-l">{t!(i18n, agreement.no_such_version)}</h1>
                <AgreementLinks />
            }
            .into_any()
        }
        Err(_) => {
            // Not a 200: this page is kept rendered for everyone (the server's page cache),
            // and a passing failure must not be kept with it.
            #[cfg(feature = "ssr")]
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                response.set_status(http::StatusCode::SERVICE_UNAVAILABLE);
                response.insert_header(
                    http::header::RETRY_AFTER,
                    http::HeaderValue::from_static("30"),
                );
            }
            view! { <p class="error-message">{t!(i18n, errors.internal)}</p> }.into_any()
        }
    }
}

/// `/agreement` (the version in force) and `/agreement/versions/:version` (any version).
#[component]
pub fn AgreementPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let agreement = Resource::new_blocking(
        move || {
            (
                params.with(|p| p.get("version")),
                query.with(|q| q.get("text")),
            )
        },
        |(version, text)| async move {
            match version.map(|v| v.parse::<i32>()) {
                None => load_agreement(None, text).await,
                Some(Ok(version)) => load_agreement(Some(version), text).await,
                Some(Err(_)) => Ok(None),
            }
        },
    );
    view! {
        <PageLayout title=text(|l| td_string!(l, agreement.title))>
            <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
                {move || Suspend::new(async move { show_document(agreement.await) })}
            </Suspense>
        </PageLayout>
    }
}

/// `/agreement/versions`: every version with its dates and summary, and the form that
/// compares two of them (a plain GET form: it works without JavaScript).
#[component]
pub fn AgreementVersionsPage() -> impl IntoView {
    let i18n = use_i18n();
    let versions = Resource::new_blocking(|| (), |_| load_versions());
    view! {
        <PageLayout title=text(|l| td_string!(l, agreement.history_title))>
            <h1 class="heading-l">{t!(i18n, agreement.history_title)}</h1>
            <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    let Ok(versions) = versions.await else {
                        return view! { <p class="error-message">{t!(i18n, errors.internal)}</p> }.into_any();
                    };
                    let numbers: Vec<i32> = versions.iter().map(|v| v.version).collect();
                    let newest = numbers.first().copied().unwrap_or(1);
                    let previous = numbers.get(1).copied().unwrap_or(newest);
                    let options = move |selected: i32| numbers.iter().map(|n| view! {
                        <option value=n.to_string() selected=*n == selected>{*n}</option>
                    }).collect_view();
                    view! {
                        <ol class="versions" reversed>
                            {versions.into_iter().map(|v| view! {
                                <li class="versions__item" data-testid=format!("version-{}", v.version)>
                                    <h2 class="heading-m">
                                        <a href=format!("/agreement/versions/{}", v.version)>
                                            {t!(i18n, agreement.version_label)}" "{v.version}
                                        </a>
                                        {v.in_force.then(|| view! { " "<span class="tag">{t!(i18n, agreement.in_force)}</span> })}
                                        {v.upcoming.then(|| view! { " "<span class="tag">{t!(i18n, agreement.upcoming)}</span> })}
                                    </h2>
                                    <p class="hint">
                                        {t!(i18n, agreement.effective_label)}": "{v.effective}" · "
                                        {t!(i18n, agreement.published_label)}": "{v.published}
                                    </p>
                                    <p>{v.summary}</p>
                                </li>
                            }).collect_view()}
                        </ol>
                        <h2 class="heading-m" id="compare-title">{t!(i18n, agreement.compare_title)}</h2>
                        <form method="get" action="/agreement/diff" class="form form--inline" aria-labelledby="compare-title">
                            <div class="form-group">
                                <label class="label" for="diff-from">{t!(i18n, agreement.compare_from)}</label>
                                <select class="select" id="diff-from" name="from">{options(previous)}</select>
                            </div>
                            <div class="form-group">
                                <label class="label" for="diff-to">{t!(i18n, agreement.compare_to)}</label>
                                <select class="select" id="diff-to" name="to">{options(newest)}</select>
                            </div>
                            <button type="submit" class="button button--secondary">{t!(i18n, agreement.compare_submit)}</button>
                        </form>
                    }.into_any()
                })}
            </Suspense>
        </PageLayout>
    }
}

/// `/agreement/diff?from=A&to=B`: what changed, clause by clause.
#[component]
pub fn AgreementDiffPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let number = move |name: &str| {
        query
            .with(|q| q.get(name))
            .and_then(|v| v.parse::<i32>().ok())
    };
    let diff = Resource::new_blocking(
        move || (number("from"), number("to"), query.with(|q| q.get("text"))),
        |(from, to, text)| async move {
            match (from, to) {
                (Some(from), Some(to)) => load_diff(from, to, text).await,
                _ => Ok(None),
            }
        },
    );
    view! {
        <PageLayout title=text(|l| td_string!(l, agreement.diff_title))>
            <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    match diff.await {
                        Ok(Some(diff)) => view! {
                            <h1 class="heading-l">
                                {t!(i18n, agreement.diff_title)}": "
                                {diff.from}" → "{diff.to}
                            </h1>
                            <AgreementChanges diff />
                            <AgreementLinks />
                        }.into_any(),
                        Ok(None) => {
                            respond_not_found();
                            view! {
                                <h1 class="heading-l">{t!(i18n, agreement.no_such_version)}</h1>
                                <AgreementLinks />
                            }.into_any()
                        }
                        Err(_) => view! { <p class="error-message">{t!(i18n, errors.internal)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </PageLayout>
    }
}
