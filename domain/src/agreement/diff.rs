//! Comparing two agreement texts clause by clause. Clauses are matched by number, as a
//! reader cites them ("clause 4.3 now says ..."); a changed clause is compared word by word.

use similar::{ChangeTag, TextDiff};

use super::document::{Chapter, Document};

/// A run of words that both texts share, or that only one of them has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Same(String),
    Added(String),
    Removed(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Added,
    Removed,
    Changed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClauseDiff {
    pub number: String,
    pub status: Status,
    pub segments: Vec<Segment>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChapterDiff {
    pub number: String,
    /// `None` when the chapter is in both texts with the same heading.
    pub status: Option<Status>,
    /// The heading, word by word against the other text's.
    pub heading: Vec<Segment>,
    /// Clauses added, removed or changed, in order.
    pub clauses: Vec<ClauseDiff>,
    /// Numbers of the clauses that did not change.
    pub unchanged: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentDiff {
    pub title: Vec<Segment>,
    pub chapters: Vec<ChapterDiff>,
}

impl DocumentDiff {
    /// Whether the two texts say the same thing.
    pub fn is_empty(&self) -> bool {
        self.title.iter().all(|s| matches!(s, Segment::Same(_)))
            && self.chapters.iter().all(|c| c.status.is_none())
    }
}

/// Word-level differences between `old` and `new`, adjacent runs merged.
pub fn words(old: &str, new: &str) -> Vec<Segment> {
    let mut segments: Vec<Segment> = Vec::new();
    for change in TextDiff::from_words(old, new).iter_all_changes() {
        let value = change.value();
        match (change.tag(), segments.last_mut()) {
            (ChangeTag::Equal, Some(Segment::Same(run)))
            | (ChangeTag::Insert, Some(Segment::Added(run)))
            | (ChangeTag::Delete, Some(Segment::Removed(run))) => run.push_str(value),
            (ChangeTag::Equal, _) => segments.push(Segment::Same(value.to_owned())),
            (ChangeTag::Insert, _) => segments.push(Segment::Added(value.to_owned())),
            (ChangeTag::Delete, _) => segments.push(Segment::Removed(value.to_owned())),
        }
    }
    segments
}

fn one_sided(chapter: &Chapter, status: Status) -> ChapterDiff {
    let wrap = |text: &str| match status {
        Status::Removed => Segment::Removed(text.to_owned()),
        _ => Segment::Added(text.to_owned()),
    };
    ChapterDiff {
        number: chapter.number.clone(),
        status: Some(status),
        heading: vec![wrap(&chapter.heading)],
        clauses: chapter
            .clauses
            .iter()
            .map(|clause| ClauseDiff {
                number: clause.number.clone(),
                status,
                segments: vec![wrap(&clause.text)],
            })
            .collect(),
        unchanged: Vec::new(),
    }
}

fn compare_chapters(old: &Chapter, new: &Chapter) -> ChapterDiff {
    let mut clauses = Vec::new();
    let mut unchanged = Vec::new();
    let count = old.clauses.len().max(new.clauses.len());
    for i in 0..count {
        match (old.clauses.get(i), new.clauses.get(i)) {
            (Some(a), Some(b)) if a.text == b.text => unchanged.push(a.number.clone()),
            (Some(a), Some(b)) => clauses.push(ClauseDiff {
                number: b.number.clone(),
                status: Status::Changed,
                segments: words(&a.text, &b.text),
            }),
            (Some(a), None) => clauses.push(ClauseDiff {
                number: a.number.clone(),
                status: Status::Removed,
                segments: vec![Segment::Removed(a.text.clone())],
            }),
            (None, Some(b)) => clauses.push(ClauseDiff {
                number: b.number.clone(),
                status: Status::Added,
                segments: vec![Segment::Added(b.text.clone())],
            }),
            (None, None) => {}
        }
    }
    let changed = old.heading != new.heading || !clauses.is_empty();
    ChapterDiff {
        number: new.number.clone(),
        status: changed.then_some(Status::Changed),
        heading: words(&old.heading, &new.heading),
        clauses,
        unchanged,
    }
}

/// What changed from `old` to `new`, chapter by chapter and clause by clause.
pub fn compare(old: &Document, new: &Document) -> DocumentDiff {
    let count = old.chapters.len().max(new.chapters.len());
    let chapters = (0..count)
        .filter_map(|i| match (old.chapters.get(i), new.chapters.get(i)) {
            (Some(a), Some(b)) => Some(compare_chapters(a, b)),
            (Some(a), None) => Some(one_sided(a, Status::Removed)),
            (None, Some(b)) => Some(one_sided(b, Status::Added)),
            (None, None) => None,
        })
        .collect();
    DocumentDiff {
        title: words(&old.title, &new.title),
        chapters,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agreement::document::parse;

    #[test]
    fn clauses_are_compared_by_number_and_word_by_word() {
        let old = parse("# T\n## 1. A\n1.1. Keep.\n1.2. The operator may send messages.\n1.3. Gone.\n## 2. B\n2.1. Old chapter.\n").unwrap();
        let new =
            parse("# T\n## 1. A\n1.1. Keep.\n1.2. The operator may send informational messages.\n")
                .unwrap();
        let diff = compare(&old, &new);
        assert!(!diff.is_empty());
        let first = &diff.chapters[0];
        assert_eq!(first.status, Some(Status::Changed));
        assert_eq!(first.unchanged, ["1.1"]);
        assert_eq!(first.clauses[0].number, "1.2");
        assert_eq!(first.clauses[0].status, Status::Changed);
        assert_eq!(
            first.clauses[0].segments,
            [
                Segment::Same("The operator may send ".into()),
                Segment::Added("informational ".into()),
                Segment::Same("messages.".into()),
            ]
        );
        assert_eq!(first.clauses[1].status, Status::Removed);
        assert_eq!(diff.chapters[1].status, Some(Status::Removed));
        assert_eq!(
            diff.chapters[1].clauses[0].segments,
            [Segment::Removed("Old chapter.".into())]
        );
    }

    #[test]
    fn a_text_compared_with_itself_has_no_changes() {
        let text = parse("# T\n## 1. A\n1.1. Keep.\n").unwrap();
        let diff = compare(&text, &text);
        assert!(diff.is_empty());
        assert_eq!(diff.chapters[0].unchanged, ["1.1"]);
    }
}
