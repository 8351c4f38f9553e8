//! The allocator's one setting made at run time: freed memory handed back to the
//! system at once while a large evaluation runs.
//!
//! mimalloc keeps freed pages for a while before it returns them, in case they are
//! wanted again (v3, the version linked: `purge_delay` 1,000 ms, and at its expiry
//! every page freed until then goes back at once). The evaluation frees in large
//! waves (a scan's buffers, a join's hash table) and allocates the next wave at once,
//! so the kept pages add up: at 100× the sample city (7.2 million report rows) the
//! evaluation peaked at 1,097–1,418 MiB (median about 1,195) with the default and at
//! 741–943 MiB with no delay, over 21 runs each, for 2–3 s more of its 18 s. A delay
//! of 10 ms still went over 1 GiB in one run of four.
//!
//! A dataset that is not large (up to 750,000 report rows, `clusterkpi_engine::is_large`)
//! keeps the default: a 10× evaluation is far from the limit, and returning pages at
//! once cost it about a fifth of its CPU time (user and system, six alternated runs:
//! 2.2–2.5 s against 1.5–2.0 s; wall 1.2–1.7 s against 1.1–1.4 s) for a peak of
//! 321–346 MB against 386–479 MB.
//!
//! The setting is made here rather than by `MIMALLOC_PURGE_DELAY`, which mimalloc reads
//! before `main`; an operator's own `MIMALLOC_PURGE_DELAY` wins.

/// `mi_option_purge_delay` in mimalloc v3's `mimalloc.h` (the version libmimalloc-sys
/// builds by default), which the bindings name no constant for.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// From here on, freed memory goes back to the system at once.
pub(crate) fn return_freed_memory_at_once() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: `mi_option_set` stores a number in mimalloc's option table, read on the
    // next purge; it takes no pointer and any value is valid for this option.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
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
    #[allow(unsafe_code)]
    fn purge_delay() -> std::ffi::c_long {
        // SAFETY: reads a number from mimalloc's option table.
        unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) }
    }

    /// The option number is the purge delay: a child of this test binary started with
    /// `MIMALLOC_PURGE_DELAY=7` reads 7 under that number.
    #[test]
    fn the_option_number_is_the_purge_delay() {
        if std::env::var_os("CLUSTERKPI_ALLOC_CHILD").is_some() {
            assert_eq!(purge_delay(), 7);
            return;
        }
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "alloc::tests::the_option_number_is_the_purge_delay",
            ])
            .env("CLUSTERKPI_ALLOC_CHILD", "1")
            .env("MIMALLOC_PURGE_DELAY", "7")
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// After the call, freed memory is returned at once (unless the operator set the
    /// delay).
    #[test]
    fn the_delay_is_zero_after_the_call() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        super::return_freed_memory_at_once();
        assert_eq!(purge_delay(), 0);
    }
}
