//! The allocator's one call made at run time: the memory a `run`'s ingest freed handed
//! back to the system before a large evaluation begins.
//!
//! mimalloc (v3, the version linked) keeps freed pages for a while before it returns
//! them, in case they are wanted again (`purge_delay`, 1,000 ms). The evaluation frees
//! in waves (a scan's buffers, a join's hash table) and allocates the next wave at
//! once, and it reuses the pages it keeps: at 100x the sample city a large evaluation
//! with the default delay took 2.81-3.00 s with a peak of 806-841 MB (eight runs),
//! where returning freed memory at once (a delay of 0, which this module used to set)
//! took 3.43 s, 645,000 page faults against 208,000 and 1.6 s of system time against
//! 0.65, for a peak of 729-733 MB (docs/PERFORMANCE.md). The peak is within the 1 GiB
//! a national evaluation is held to either way; the evaluation's earlier forms, which
//! held more at once, went above it with the default (1,097-1,418 MiB).
//!
//! An operator's `MIMALLOC_PURGE_DELAY` (read by mimalloc before `main`) still sets
//! the delay, e.g. 0 on a machine short of memory.

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
