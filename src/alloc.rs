//! The allocator's two settings made at run time: how long freed memory is kept for
//! reuse, and the memory a `run`'s ingest freed handed back to the system before a
//! large evaluation begins.
//!
//! mimalloc (v3, the version linked) keeps freed pages for a while before it returns
//! them, in case they are wanted again (`purge_delay`, 1,000 ms by default). The
//! evaluation frees in waves (a scan's buffers, a join's hash table) and allocates the
//! next wave at once, and it reuses the pages it keeps: at 100x the sample city a large
//! evaluation with the default delay took 2.81-3.00 s with a peak of 806-841 MB (eight
//! runs), where returning freed memory at once (a delay of 0, which this module used
//! to set) took 3.43 s, 645,000 page faults against 208,000 and 1.6 s of system time
//! against 0.65, for a peak of 729-733 MB (docs/PERFORMANCE.md). The peak is within the
//! 1 GiB a national evaluation is held to either way; the evaluation's earlier forms,
//! which held more at once, went above it with the default (1,097-1,418 MiB).
//!
//! The ingest frees a file's buffers (its earlier figures, its Parquet writer's
//! pages) file after file, at sizes that move with the counties' files, and with a
//! second's delay much of what it freed was returned and faulted in again: a 100x
//! `run` took 535,000-591,000 page faults. With 10 s ([`keep_freed_memory`]):
//! 390,000-409,000 and 0.3-0.55 s less system time; six alternated 100x `run` pairs,
//! each faster: 9.27-9.61 s against 9.50-9.90 s, for a peak of 847-873 MB against
//! 800-853 (docs/PERFORMANCE.md; an earlier round, whose ingest held more, saw no gain).
//!
//! An operator's `MIMALLOC_PURGE_DELAY` (read by mimalloc before `main`) still sets
//! the delay, e.g. 0 on a machine short of memory.

use std::os::raw::c_long;

/// How long freed memory is kept for reuse before it is returned, in milliseconds.
const PURGE_DELAY_MS: c_long = 10_000;

/// `mi_option_purge_delay` in the linked mimalloc v3's `mi_option_t` (its sixteenth
/// option; the bindings name v2's options only). A test pins it by its default.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keeps freed memory [`PURGE_DELAY_MS`] for reuse, unless the operator set the delay.
/// Called once, at the start of a command (not in the workbook reader's child, which
/// reads one workbook within its memory limit).
pub(crate) fn keep_freed_memory() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: `mi_option_set` takes no pointer; options may be set at any time.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS);
    }
}

/// Hands the memory freed so far back to the system. A large evaluation calls it
/// before it starts: in a `run`, the pages the ingest's workers freed were still held
/// when a 100× evaluation began its own peak, and the whole run peaked at up to
/// 1,022 MiB where the ingest alone peaked at 651 MB and the evaluation at 785 MB
/// (docs/PERFORMANCE.md).
pub(crate) fn release_freed_memory() {
    // SAFETY: `mi_collect` takes no pointer; it frees what mimalloc holds unused and
    // may be called at any time from any thread.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The option set is the purge delay: its default (1,000 ms, mimalloc's
    /// `options.c`) is no neighbour's.
    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        #[allow(unsafe_code)]
        // SAFETY: reading an option takes no pointer.
        let default = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(default, 1_000);
    }
}
