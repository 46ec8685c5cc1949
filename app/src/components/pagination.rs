//! Links to the previous and next page of a long list, with where the reader is.

use leptos::prelude::*;

use crate::i18n::{t, td_string, use_i18n};

/// Pages `1..=pages`, at `page`; `base` is the list's address ending in `?` or `&`, to
/// which `page=N` is added. Nothing is shown for a single page.
///
/// ```ignore
/// <Pagination page=2 pages=5 base="/cabinet/history?kind=documents&".to_owned() />
/// ```
#[component]
pub fn Pagination(page: u64, pages: u64, base: String) -> impl IntoView {
    let i18n = use_i18n();
    (pages > 1).then(|| {
        let previous = (page > 1).then(|| format!("{base}page={}", page - 1));
        let next = (page < pages).then(|| format!("{base}page={}", page + 1));
        view! {
            <nav class="pagination" aria-label=move || td_string!(i18n.get_locale(), common.pages)>
                {previous.map(|href| view! {
                    <a class="pagination__link" href=href rel="prev" data-testid="previous-page">{t!(i18n, common.previous_page)}</a>
                })}
                <span class="pagination__where" aria-current="page">
                    {move || td_string!(i18n.get_locale(), common.page_of)
                        .replace("{page}", &page.to_string())
                        .replace("{pages}", &pages.to_string())}
                </span>
                {next.map(|href| view! {
                    <a class="pagination__link" href=href rel="next" data-testid="next-page">{t!(i18n, common.next_page)}</a>
                })}
            </nav>
        }
    })
}
