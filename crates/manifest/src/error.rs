//! Errors that name the file, line and field.

use std::fmt;

/// One problem in one row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line in the file (0 for the file as a whole).
    pub line: u64,
    /// Column or JSON field.
    pub field: String,
    /// What was expected and what was found.
    pub message: String,
}

/// Every problem found in a file; the file was not applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileErrors {
    /// File name as given.
    pub file: String,
    /// The first problems, in file order.
    pub errors: Vec<RowError>,
    /// Problems found beyond those reported.
    pub more: usize,
}

impl FileErrors {
    pub(crate) fn new(file: &str) -> Self {
        FileErrors {
            file: file.to_string(),
            errors: Vec::new(),
            more: 0,
        }
    }

    /// A problem with the file as a whole (size, encoding, header).
    pub fn whole_file(file: &str, message: impl Into<String>) -> Self {
        let mut e = FileErrors::new(file);
        e.push(0, "file", message);
        e
    }

    pub(crate) fn push(&mut self, line: u64, field: &str, message: impl Into<String>) {
        if self.errors.len() < crate::MAX_REPORTED_ERRORS {
            self.errors.push(RowError {
                line,
                field: field.to_string(),
                message: message.into(),
            });
        } else {
            self.more += 1;
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Total problems found.
    pub fn count(&self) -> usize {
        self.errors.len() + self.more
    }
}

impl fmt::Display for FileErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}:{}: {}: {}", self.file, e.line, e.field, e.message)?;
        }
        if self.more > 0 {
            write!(f, "\n{}: ... and {} more problems", self.file, self.more)?;
        }
        Ok(())
    }
}

impl std::error::Error for FileErrors {}
