//! The structure of an agreement text: a title, an optional note, and chapters of numbered
//! clauses. Texts are plain UTF-8 files in a small, strict format, so that the operator can
//! write them in any editor and the portal can render, print and compare them clause by
//! clause:
//!
//! ```text
//! # User Agreement of the State e-Services Portal
//! > Shown in the page header, e.g. that this is a demonstration text.
//!
//! ## 1. General provisions
//! 1.1. A clause. It may go on
//! over several lines until a blank line or the next clause.
//! 1.2. Another clause.
//!
//! ## 2. Registration
//! 2.1. ...
//! ```

use std::fmt;

/// A parsed agreement text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    pub title: String,
    /// Lines starting with `> ` before the first chapter: a note for the page header.
    pub note: Vec<String>,
    pub chapters: Vec<Chapter>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chapter {
    /// "1", "2", ...
    pub number: String,
    pub heading: String,
    pub clauses: Vec<Clause>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clause {
    /// "1.1", "1.2", ... (without the trailing dot).
    pub number: String,
    pub text: String,
}

/// Why a text is not a well-formed agreement; `line` counts from 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormatProblem {
    /// The text does not start with a `# ` title line.
    NoTitle,
    NoChapters,
    /// A line that is not a chapter heading, clause, note or continuation.
    OutsideClause {
        line: usize,
    },
    /// A `## ` line without a number ("## 3. Heading").
    ChapterNumber {
        line: usize,
    },
    /// Chapters must be numbered 1, 2, 3, ... in order.
    ChapterOrder {
        line: usize,
        expected: u32,
    },
    /// A clause must be numbered within its chapter: 2.1, 2.2, ... in order.
    ClauseNumber {
        line: usize,
        expected: String,
    },
    /// A chapter without clauses.
    EmptyChapter {
        line: usize,
    },
}

impl fmt::Display for FormatProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoTitle => write!(f, "the text must start with a title line: \"# Title\""),
            Self::NoChapters => write!(f, "the text has no chapters (\"## 1. Heading\")"),
            Self::OutsideClause { line } => write!(
                f,
                "line {line}: text outside a numbered clause (clauses start like \"1.2. \")"
            ),
            Self::ChapterNumber { line } => write!(
                f,
                "line {line}: a chapter heading needs its number: \"## 3. Heading\""
            ),
            Self::ChapterOrder { line, expected } => {
                write!(f, "line {line}: expected chapter {expected} here")
            }
            Self::ClauseNumber { line, expected } => {
                write!(f, "line {line}: expected clause {expected}. here")
            }
            Self::EmptyChapter { line } => {
                write!(f, "line {line}: this chapter has no clauses")
            }
        }
    }
}

/// The form in which texts are stored and hashed: Unix line ends, no trailing spaces, no
/// leading or trailing blank lines, one final newline.
pub fn normalize(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let mut out = lines.join("\n").trim_matches('\n').to_owned();
    out.push('\n');
    out
}

/// `"12. Heading"` → `(12, "Heading")`.
fn numbered(rest: &str) -> Option<(u32, &str)> {
    let (number, heading) = rest.split_once(". ")?;
    let number: u32 = number.trim().parse().ok()?;
    Some((number, heading.trim()))
}

/// `"2.3. Text"` → `("2.3", "Text")` when the line starts with a clause number.
fn clause_start(line: &str) -> Option<(&str, &str)> {
    let (number, text) = line.split_once(". ")?;
    let mut parts = number.split('.');
    let chapter = parts.next()?;
    let clause = parts.next()?;
    let is_number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (parts.next().is_none() && is_number(chapter) && is_number(clause))
        .then_some((number, text.trim()))
}

/// Parses a text in the agreement format.
pub fn parse(text: &str) -> Result<Document, FormatProblem> {
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim()));
    let title = loop {
        match lines.next() {
            Some((_, "")) => continue,
            Some((_, line)) => match line.strip_prefix("# ") {
                Some(title) if !title.trim().is_empty() => break title.trim().to_owned(),
                _ => return Err(FormatProblem::NoTitle),
            },
            None => return Err(FormatProblem::NoTitle),
        }
    };
    let mut note = Vec::new();
    let mut chapters: Vec<Chapter> = Vec::new();
    let mut chapter_line = 0;
    // Whether the previous line continues a clause (no blank line since).
    let mut in_clause = false;
    for (number, line) in lines {
        if line.is_empty() {
            in_clause = false;
            continue;
        }
        if let Some(rest) = line.strip_prefix("## ") {
            if let Some(last) = chapters.last()
                && last.clauses.is_empty()
            {
                return Err(FormatProblem::EmptyChapter { line: chapter_line });
            }
            let (n, heading) =
                numbered(rest).ok_or(FormatProblem::ChapterNumber { line: number })?;
            let expected = u32::try_from(chapters.len()).unwrap_or(u32::MAX) + 1;
            if n != expected || heading.is_empty() {
                return Err(FormatProblem::ChapterOrder {
                    line: number,
                    expected,
                });
            }
            chapters.push(Chapter {
                number: n.to_string(),
                heading: heading.to_owned(),
                clauses: Vec::new(),
            });
            chapter_line = number;
            in_clause = false;
            continue;
        }
        if chapters.is_empty() {
            match line.strip_prefix('>') {
                Some(text) => {
                    note.push(text.trim().to_owned());
                    continue;
                }
                None => return Err(FormatProblem::OutsideClause { line: number }),
            }
        }
        let Some(chapter) = chapters.last_mut() else {
            return Err(FormatProblem::OutsideClause { line: number });
        };
        let expected = format!("{}.{}", chapter.number, chapter.clauses.len() + 1);
        match clause_start(line) {
            Some((clause_number, text)) => {
                if clause_number != expected || text.is_empty() {
                    return Err(FormatProblem::ClauseNumber {
                        line: number,
                        expected,
                    });
                }
                chapter.clauses.push(Clause {
                    number: expected,
                    text: text.to_owned(),
                });
                in_clause = true;
            }
            None if in_clause => {
                if let Some(clause) = chapter.clauses.last_mut() {
                    clause.text.push(' ');
                    clause.text.push_str(line);
                }
            }
            None => return Err(FormatProblem::OutsideClause { line: number }),
        }
    }
    match chapters.last() {
        None => Err(FormatProblem::NoChapters),
        Some(last) if last.clauses.is_empty() => {
            Err(FormatProblem::EmptyChapter { line: chapter_line })
        }
        Some(_) => Ok(Document {
            title,
            note,
            chapters,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\u{feff}# Agreement  \r\n> Demo text.\r\n\r\n## 1. General\r\n1.1. First\r\nclause.\r\n1.2. Second.\r\n\r\n## 2. More\r\n2.1. Third.\r\n\r\n";

    #[test]
    fn a_well_formed_text_parses_into_chapters_and_clauses() {
        let document = parse(&normalize(SAMPLE)).unwrap();
        assert_eq!(document.title, "Agreement");
        assert_eq!(document.note, ["Demo text."]);
        assert_eq!(document.chapters.len(), 2);
        assert_eq!(document.chapters[0].heading, "General");
        assert_eq!(
            document.chapters[0].clauses,
            [
                Clause {
                    number: "1.1".into(),
                    text: "First clause.".into()
                },
                Clause {
                    number: "1.2".into(),
                    text: "Second.".into()
                },
            ]
        );
        assert_eq!(document.chapters[1].clauses[0].number, "2.1");
    }

    #[test]
    fn normalizing_fixes_line_ends_and_blank_edges_only() {
        assert_eq!(
            normalize(SAMPLE),
            "# Agreement\n> Demo text.\n\n## 1. General\n1.1. First\nclause.\n1.2. Second.\n\n## 2. More\n2.1. Third.\n"
        );
        assert_eq!(normalize(&normalize(SAMPLE)), normalize(SAMPLE));
    }

    #[test]
    fn malformed_texts_say_what_and_where() {
        let cases = [
            ("Agreement\n## 1. A\n1.1. x\n", FormatProblem::NoTitle),
            ("# A\n", FormatProblem::NoChapters),
            (
                "# A\n## 1. A\n1.1. x\n\nloose text\n",
                FormatProblem::OutsideClause { line: 5 },
            ),
            (
                "# A\n## One\n1.1. x\n",
                FormatProblem::ChapterNumber { line: 2 },
            ),
            (
                "# A\n## 2. A\n2.1. x\n",
                FormatProblem::ChapterOrder {
                    line: 2,
                    expected: 1,
                },
            ),
            (
                "# A\n## 1. A\n1.2. x\n",
                FormatProblem::ClauseNumber {
                    line: 3,
                    expected: "1.1".into(),
                },
            ),
            (
                "# A\n## 1. A\n## 2. B\n2.1. x\n",
                FormatProblem::EmptyChapter { line: 2 },
            ),
            (
                "# A\n## 1. A\n1.1. x\n## 2. B\n",
                FormatProblem::EmptyChapter { line: 4 },
            ),
        ];
        for (text, problem) in cases {
            assert_eq!(parse(text), Err(problem.clone()), "{text:?}");
            assert!(!problem.to_string().is_empty());
        }
    }
}
