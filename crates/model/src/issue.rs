//! Problems found in input files: the codes of the data contract and the record kept
//! for every quarantined row or warning (file, line, column, code, value, message in
//! Chinese and English).

use std::fmt;

/// A data-contract rule. `E_*` codes quarantine the row (or fail the file, for
/// file-level codes); `W_*` codes are warnings and keep the row.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[allow(non_camel_case_types)]
pub enum Code {
    E_ENCODING,
    E_FORMAT,
    E_EMPTY,
    E_TOO_LARGE,
    E_KIND,
    E_MISSING_COLUMN,
    E_DUPLICATE_COLUMN,
    W_UNKNOWN_COLUMN,
    E_RAGGED,
    E_REQUIRED,
    E_TEXT,
    E_NUMBER,
    E_RANGE,
    E_BOOL,
    E_ENUM,
    E_PERIOD,
    E_CREDIT_CODE,
    E_UNKNOWN_CLUSTER,
    E_UNKNOWN_ENTERPRISE,
    E_UNKNOWN_INDICATOR,
    E_CNC_EXCEEDS,
    E_DUPLICATE_ROW,
    W_YTD_DECREASE,
    E_NO_ROWS,
    /// A reports row that names its enterprise (as the reporting template pre-fills
    /// it) but gives no figure: the enterprise did not report; the row is skipped.
    W_BLANK_ROW,
}

impl Code {
    #[must_use]
    pub fn is_warning(self) -> bool {
        matches!(
            self,
            Code::W_UNKNOWN_COLUMN | Code::W_YTD_DECREASE | Code::W_BLANK_ROW
        )
    }

    /// Codes that fail the whole file rather than one row.
    #[must_use]
    pub fn is_file_level(self) -> bool {
        matches!(
            self,
            Code::E_ENCODING
                | Code::E_FORMAT
                | Code::E_EMPTY
                | Code::E_TOO_LARGE
                | Code::E_KIND
                | Code::E_MISSING_COLUMN
                | Code::E_DUPLICATE_COLUMN
                | Code::E_NO_ROWS
        )
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Code::E_ENCODING => "E_ENCODING",
            Code::E_FORMAT => "E_FORMAT",
            Code::E_EMPTY => "E_EMPTY",
            Code::E_TOO_LARGE => "E_TOO_LARGE",
            Code::E_KIND => "E_KIND",
            Code::E_MISSING_COLUMN => "E_MISSING_COLUMN",
            Code::E_DUPLICATE_COLUMN => "E_DUPLICATE_COLUMN",
            Code::W_UNKNOWN_COLUMN => "W_UNKNOWN_COLUMN",
            Code::E_RAGGED => "E_RAGGED",
            Code::E_REQUIRED => "E_REQUIRED",
            Code::E_TEXT => "E_TEXT",
            Code::E_NUMBER => "E_NUMBER",
            Code::E_RANGE => "E_RANGE",
            Code::E_BOOL => "E_BOOL",
            Code::E_ENUM => "E_ENUM",
            Code::E_PERIOD => "E_PERIOD",
            Code::E_CREDIT_CODE => "E_CREDIT_CODE",
            Code::E_UNKNOWN_CLUSTER => "E_UNKNOWN_CLUSTER",
            Code::E_UNKNOWN_ENTERPRISE => "E_UNKNOWN_ENTERPRISE",
            Code::E_UNKNOWN_INDICATOR => "E_UNKNOWN_INDICATOR",
            Code::E_CNC_EXCEEDS => "E_CNC_EXCEEDS",
            Code::E_DUPLICATE_ROW => "E_DUPLICATE_ROW",
            Code::W_YTD_DECREASE => "W_YTD_DECREASE",
            Code::E_NO_ROWS => "E_NO_ROWS",
            Code::W_BLANK_ROW => "W_BLANK_ROW",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == s)
    }

    pub const ALL: [Code; 25] = [
        Code::E_ENCODING,
        Code::E_FORMAT,
        Code::E_EMPTY,
        Code::E_TOO_LARGE,
        Code::E_KIND,
        Code::E_MISSING_COLUMN,
        Code::E_DUPLICATE_COLUMN,
        Code::W_UNKNOWN_COLUMN,
        Code::E_RAGGED,
        Code::E_REQUIRED,
        Code::E_TEXT,
        Code::E_NUMBER,
        Code::E_RANGE,
        Code::E_BOOL,
        Code::E_ENUM,
        Code::E_PERIOD,
        Code::E_CREDIT_CODE,
        Code::E_UNKNOWN_CLUSTER,
        Code::E_UNKNOWN_ENTERPRISE,
        Code::E_UNKNOWN_INDICATOR,
        Code::E_CNC_EXCEEDS,
        Code::E_DUPLICATE_ROW,
        Code::W_YTD_DECREASE,
        Code::E_NO_ROWS,
        Code::W_BLANK_ROW,
    ];
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

crate::declare_rows! {
    /// One problem in one place of one file.
    #[derive(Debug, Clone, PartialEq, serde::Serialize)]
    pub struct Issue {
        /// The file as it was given.
        pub file: String,
        /// The sheet, for workbooks.
        pub sheet: Option<String>,
        /// Physical line (CSV) or sheet row (xlsx), 1-based; 0 for the file as a whole.
        pub line: u64,
        /// The column as named in the file's header; empty for the row or file as a whole.
        pub column: String,
        pub code: Code,
        /// The offending value as it appeared.
        pub value: String,
        pub message_zh: String,
        pub message_en: String,
        /// The quarter the row reports on, where it could be read: a report for the as-of
        /// quarter with quarantined rows is partial.
        pub period: Option<crate::Period>,
    }
}

impl Issue {
    #[must_use]
    pub fn is_warning(&self) -> bool {
        self.code.is_warning()
    }

    /// `file:line` or `file[sheet]:row`.
    #[must_use]
    pub fn location(&self) -> String {
        match &self.sheet {
            Some(s) => format!("{}[{}]:{}", self.file, s, self.line),
            None => format!("{}:{}", self.file, self.line),
        }
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.location())?;
        if !self.column.is_empty() {
            write!(f, " column {:?}", self.column)?;
        }
        write!(f, ": {} {}", self.code, self.message_en)?;
        if !self.value.is_empty() {
            write!(f, " (value {:?})", self.value)?;
        }
        write!(f, " / {}", self.message_zh)
    }
}
