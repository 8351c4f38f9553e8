//! The county loop's workbooks: what the city sends out each quarter and what it sends
//! back.
//!
//! ```text
//!  roster + declaration (clusterkpi_ingest::schema) + last quarter (lake)
//!      ─template::write─▶ <county>_<quarter>_企业季度报表.xlsx   (filled by the county)
//!  a file as read by clusterkpi_ingest::process ─▶ FileResult
//!      ─feedback::write─▶ <file>.反馈.xlsx                      (sent back to the county)
//! ```
//!
//! Both workbooks are written from the same column declaration the validator reads, so
//! a template filled as its validations allow is accepted as it is, and the feedback
//! points at the very cells the validator refused.

pub mod feedback;
pub mod previous;
pub mod roster;
pub mod template;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

pub use clusterkpi_model::Language;

/// Why a workbook could not be written.
#[derive(Debug, thiserror::Error)]
pub enum FormsError {
    #[error("cannot write workbook {}: {source}", path.display())]
    Xlsx {
        path: PathBuf,
        #[source]
        source: rust_xlsxwriter::XlsxError,
    },
    #[error("cannot create {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("reading the dataset: {0}")]
    Lake(#[from] clusterkpi_lake::LakeError),
    #[error("the dataset's {table} table has no column {column:?} of the expected type")]
    Schema {
        table: &'static str,
        column: &'static str,
    },
}

pub type Result<T, E = FormsError> = std::result::Result<T, E>;

/// A file name without the characters no file system or Excel accepts.
#[must_use]
pub fn safe_file_name(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect()
}

/// Columns a text takes in a sheet: two for a Chinese character, one for a Latin one
/// (for row heights of wrapped text).
pub(crate) fn display_width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}
