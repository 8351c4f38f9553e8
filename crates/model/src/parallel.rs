//! Work on every item of a list on several threads, results in the list's order.
//!
//! For independent pieces of one step whose results must not depend on which thread
//! finished first: hashing and peeking at every input file before the ingest
//! validates them, checking the dataset's files before they are read, drawing every
//! chart of a report.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// `f` of every item, on `threads` threads (at least one), in the items' order.
pub fn map<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let out: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, items.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    *out[i]
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(r);
                }
            });
        }
    });
    out.into_iter()
        .map(|r| {
            r.into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .expect("every item is mapped")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_items_order_whatever_the_threads() {
        let items: Vec<u64> = (0..1000).collect();
        for threads in [0, 1, 2, 7, 5000] {
            let out = super::map(&items, threads, |n| {
                // Uneven work, so threads finish out of order.
                (0..n % 17).fold(*n, |a, _| a.wrapping_mul(3))
            });
            let expected: Vec<u64> = items
                .iter()
                .map(|n| (0..n % 17).fold(*n, |a, _| a.wrapping_mul(3)))
                .collect();
            assert_eq!(out, expected, "{threads} threads");
        }
        assert!(super::map(&Vec::<u8>::new(), 2, |_| 1).is_empty());
    }
}
