//! Exit codes for scheduled runs (outputs.md) and the errors that map to them.

use clusterkpi_lake::LakeError;

/// The outcome of a command, as an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Complete: everything written from complete data.
    Complete = 0,
    /// Any other failure; nothing half-written is left behind.
    Failure = 1,
    /// Report written, but the data is partial (coverage below 100% or rows quarantined).
    Partial = 3,
    /// Input data rejected: nothing ingested from at least one file.
    Rejected = 65,
    /// Another run holds the dataset lock; retry later.
    Locked = 75,
}

impl Exit {
    /// The more serious of two outcomes (rejection outranks partial data).
    #[must_use]
    pub(crate) fn max(self, other: Exit) -> Exit {
        let rank = |e: Exit| match e {
            Exit::Complete => 0,
            Exit::Partial => 1,
            Exit::Rejected => 2,
            Exit::Failure => 3,
            Exit::Locked => 4,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e as u8)
    }
}

/// The exit code an error stands for.
pub(crate) fn classify(err: &anyhow::Error) -> Exit {
    for cause in err.chain() {
        // Another writer holds the folder's lock, or published first on object storage.
        let busy = |e: &LakeError| matches!(e, LakeError::Locked(_) | LakeError::Raced(..));
        if cause.downcast_ref::<LakeError>().is_some_and(busy) {
            return Exit::Locked;
        }
        if let Some(clusterkpi_engine::EngineError::Lake(e)) =
            cause.downcast_ref::<clusterkpi_engine::EngineError>()
            && busy(e)
        {
            return Exit::Locked;
        }
    }
    Exit::Failure
}
