//! The error summary at the top of a form: it takes focus when errors appear and links to
//! each field in error. The page title gets the "Error:" prefix through [`PageLayout`].
//!
//! [`PageLayout`]: super::PageLayout

use leptos::{html, prelude::*};

use crate::i18n::{t, use_i18n};

/// One line of the summary: the message and the id of the field it links to (none for an
/// error that concerns the whole form).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SummaryItem {
    pub field: Option<String>,
    pub message: String,
}

/// Renders nothing while `items` is empty.
///
/// ```ignore
/// <ErrorSummary items=Signal::derive(move || vec![SummaryItem {
///     field: Some("message".into()), message: "Enter your message".into() }]) />
/// ```
#[component]
pub fn ErrorSummary(#[prop(into)] items: Signal<Vec<SummaryItem>>) -> impl IntoView {
    let i18n = use_i18n();
    let summary = NodeRef::<html::Div>::new();
    // With JavaScript, move focus to the summary whenever a new set of errors appears;
    // without it, `autofocus` does the same on the re-rendered page.
    Effect::new(move |_| {
        if !items.with(Vec::is_empty)
            && let Some(element) = summary.get()
        {
            let _ = element.focus();
        }
    });
    move || {
        let list = items.get();
        (!list.is_empty()).then(|| {
            let lines = list
                .into_iter()
                .map(|item| match item.field {
                    Some(field) => view! {
                        <li>
                            <a href=format!("#{field}")>{item.message}</a>
                        </li>
                    }
                    .into_any(),
                    None => view! { <li>{item.message}</li> }.into_any(),
                })
                .collect_view();
            view! {
                <div
                    class="error-summary"
                    node_ref=summary
                    tabindex="-1"
                    autofocus=true
                    role="alert"
                    aria-labelledby="error-summary-title"
                >
                    <h2 class="error-summary__title" id="error-summary-title">
                        {t!(i18n, common.there_is_a_problem)}
                    </h2>
                    <ul class="error-summary__list">{lines}</ul>
                </div>
            }
        })
    }
}
