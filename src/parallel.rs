//! Work spread over the cores while a rulebook is checked and compiled:
//! building its regexes is most of the start-up time.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Threads at most: start-up work is short, and regex builds allocate.
const MAX_THREADS: usize = 4;

/// The threads a rulebook is built with: `asked`, or every core when it is
/// 0; [`MAX_THREADS`] at most.
pub(crate) fn threads(asked: usize) -> usize {
    match asked {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .min(MAX_THREADS)
}

/// `items.iter().map(f).collect()`, with the items shared out among up to
/// `threads` threads (see [`threads`]; the calling one included) as each
/// becomes free. The results come back in the order of `items`. A panic in
/// `f` is passed on to the caller.
pub(crate) fn map_in_order<T, R, F>(items: &[T], threads: usize, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    let threads = self::threads(threads).min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut mine = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                return mine;
            };
            mine.push((i, f(item)));
        }
    };
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let others: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut done = work();
        for other in others {
            done.extend(
                other
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        done
    });
    done.sort_unstable_by_key(|&(i, _)| i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Uneven work, so that threads finish items out of order.
    fn work(i: u64) -> u64 {
        let spin = if i % 7 == 0 { 20_000 } else { 10 };
        (0..spin).fold(i, |acc, k| acc.wrapping_mul(31).wrapping_add(k)) ^ i << 40
    }

    #[test]
    fn results_keep_the_order_of_the_items() {
        let items: Vec<u64> = (0..500).collect();
        let want: Vec<u64> = items.iter().map(|&i| work(i)).collect();
        assert_eq!(map_in_order(&items, 0, |&i| work(i)), want);
    }

    #[test]
    fn one_thread_asked_is_the_calling_one() {
        let items: Vec<u64> = (0..64).collect();
        let me = std::thread::current().id();
        let ids = map_in_order(&items, 1, |_| std::thread::current().id());
        assert!(ids.iter().all(|&id| id == me));
        assert_eq!(threads(1), 1);
        assert_eq!(threads(64), MAX_THREADS);
        assert!((1..=MAX_THREADS).contains(&threads(0)));
    }

    #[test]
    fn no_items_and_one_item() {
        assert!(map_in_order(&[] as &[u8], 0, |&b| b).is_empty());
        assert_eq!(map_in_order(&["a"], 0, |s| s.len()), vec![1]);
    }

    #[test]
    #[should_panic(expected = "item 3")]
    fn a_panic_reaches_the_caller() {
        let items: Vec<usize> = (0..8).collect();
        map_in_order(&items, 0, |&i| {
            if i == 3 {
                panic!("item 3");
            }
            i
        });
    }
}
