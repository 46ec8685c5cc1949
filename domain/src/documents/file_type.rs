//! What an uploaded file is, decided from its content, never from its name: the first
//! bytes for PDF, JPEG and PNG; for the ZIP-based office formats, the archive's own
//! directory read by the `zip` crate: an ODF text names its type in its first entry, an
//! Office Open XML file in `[Content_Types].xml`. Macro-enabled documents (a VBA project,
//! a "macroEnabled" main part, ODF `Basic/` or `Scripts/` parts) are refused: a portal that
//! hands documents to state bodies does not pass on code.

use std::io::{Read, Seek};

/// The kinds of file the cabinet accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
    Docx,
    Xlsx,
    Odt,
}

/// The most of an archive's small parts ever read (its type declarations).
const MAX_PART_BYTES: u64 = 256 * 1024;
/// The most entries an office document may have. The `zip` crate reads the whole
/// directory into memory; 20 MB of empty entries would be half a million of them.
const MAX_ENTRIES: u16 = 10_000;

const ODT_MIMETYPE: &str = "application/vnd.oasis.opendocument.text";
const DOCX_MAIN: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml";
const XLSX_MAIN: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml";

impl FileType {
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Odt => "application/vnd.oasis.opendocument.text",
        }
    }

    /// A short label for lists ("PDF", "DOCX"...).
    pub fn label_of(media_type: &str) -> &'static str {
        [
            Self::Pdf,
            Self::Jpeg,
            Self::Png,
            Self::Docx,
            Self::Xlsx,
            Self::Odt,
        ]
        .into_iter()
        .find(|kind| kind.media_type() == media_type)
        .map_or("?", |kind| match kind {
            Self::Pdf => "PDF",
            Self::Jpeg => "JPEG",
            Self::Png => "PNG",
            Self::Docx => "DOCX",
            Self::Xlsx => "XLSX",
            Self::Odt => "ODT",
        })
    }

    /// The type of the file `content` reads, or `None` if it is none of the accepted types
    /// (or a macro-enabled office document). Reads its first bytes, and for a ZIP its
    /// directory and type declarations only.
    pub fn detect(mut content: impl Read + Seek) -> std::io::Result<Option<Self>> {
        let mut magic = [0u8; 8];
        let read = read_up_to(&mut content, &mut magic)?;
        let magic = &magic[..read];
        Ok(if magic.starts_with(b"%PDF-") {
            Some(Self::Pdf)
        } else if magic.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if magic.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if magic.starts_with(b"PK\x03\x04") {
            content.rewind()?;
            office_type(content)
        } else {
            None
        })
    }
}

fn read_up_to(content: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match content.read(&mut buffer[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// The text of the archive's part `name`, if it is there and small.
fn small_part<R: Read + Seek>(archive: &mut zip::ZipArchive<R>, name: &str) -> Option<String> {
    let part = archive.by_name(name).ok()?;
    if part.size() > MAX_PART_BYTES {
        return None;
    }
    let mut text = String::new();
    part.take(MAX_PART_BYTES).read_to_string(&mut text).ok()?;
    Some(text)
}

/// ODT, DOCX or XLSX by the parts the archive declares; `None` for any other archive, a
/// damaged one, or one that carries macros.
fn office_type(mut content: impl Read + Seek) -> Option<FileType> {
    if entries_declared(&mut content)? > MAX_ENTRIES {
        return None;
    }
    content.rewind().ok()?;
    let mut archive = zip::ZipArchive::new(content).ok()?;
    let names: Vec<String> = archive.file_names().map(str::to_owned).collect();
    let has = |name: &str| names.iter().any(|n| n == name);
    let carries_macros = names.iter().any(|name| {
        let lower = name.to_ascii_lowercase();
        lower.ends_with("vbaproject.bin")
            || lower.ends_with("vbadata.xml")
            || lower.starts_with("basic/")
            || lower.starts_with("scripts/")
    });
    if carries_macros {
        return None;
    }
    // An ODF package's first entry is the stored `mimetype`.
    let first_is_mimetype = archive
        .by_index(0)
        .ok()
        .is_some_and(|entry| entry.name() == "mimetype");
    if first_is_mimetype && small_part(&mut archive, "mimetype").as_deref() == Some(ODT_MIMETYPE) {
        return Some(FileType::Odt);
    }
    let types = small_part(&mut archive, "[Content_Types].xml")?;
    if types.to_ascii_lowercase().contains("macroenabled") {
        return None;
    }
    if types.contains(DOCX_MAIN) && has("word/document.xml") {
        Some(FileType::Docx)
    } else if types.contains(XLSX_MAIN) && has("xl/workbook.xml") {
        Some(FileType::Xlsx)
    } else {
        None
    }
}

/// How many entries the archive's end-of-directory record declares, read before the `zip`
/// crate loads the directory. `None` for an archive without one (or a ZIP64 one, whose
/// count does not fit: no office document needs it).
fn entries_declared(content: &mut (impl Read + Seek)) -> Option<u16> {
    use std::io::SeekFrom;
    // The record is 22 bytes, followed by a comment of at most 65,535.
    let size = content.seek(SeekFrom::End(0)).ok()?;
    let tail = size.min(22 + 65_535);
    content.seek(SeekFrom::Start(size - tail)).ok()?;
    let mut end = Vec::new();
    content.take(tail).read_to_end(&mut end).ok()?;
    let at = end.windows(4).rposition(|w| w == b"PK\x05\x06")?;
    let total = end.get(at + 10..at + 12)?;
    let total = u16::from_le_bytes([total[0], total[1]]);
    (total != u16::MAX).then_some(total)
}
