//! Work spread over threads with results consumed in input order.
//!
//! Why `std::thread::scope` and not rayon: the work is a short list of coarse, I/O-bound items
//! (files) whose results must be consumed in order while later items are still being hashed.
//! A shared counter hands out item indices, each item streams its results into its own bounded
//! channel, and the calling thread drains those channels in index order. That is a few dozen
//! lines, bounds the memory held ahead of the consumer, needs no global thread pool (the CLI
//! and the node keep control of threads), and adds no dependency.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Mutex, PoisonError};
use std::thread;

/// Messages each item may have queued ahead of the consumer.
const CHANNEL_CAPACITY: usize = 8;

/// The number of worker threads for a `threads` option (0 = one per available core).
pub(crate) fn worker_count(threads: usize) -> usize {
    if threads > 0 {
        return threads;
    }
    thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

enum Message<M, E> {
    Item(M),
    Done(Result<(), E>),
}

/// An item's sender, taken by the worker that claims the item.
type SenderSlot<M, E> = Mutex<Option<SyncSender<Message<M, E>>>>;

/// Runs `produce(i, emit)` for every `i < n_items` on up to `threads` threads, and calls
/// `consume(i, message)` on the calling thread for every message emitted, in the order of `i`
/// and, within one item, in emission order.
///
/// `emit` returns false once the consumer has stopped (after an error); a producer should then
/// return. The first error, from a producer or the consumer, in consumption order, is returned,
/// and the remaining items are not started.
pub(crate) fn stream_in_order<M, E>(
    n_items: usize,
    threads: usize,
    produce: impl Fn(usize, &mut dyn FnMut(M) -> bool) -> Result<(), E> + Sync,
    mut consume: impl FnMut(usize, M) -> Result<(), E>,
) -> Result<(), E>
where
    M: Send,
    E: Send,
{
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..n_items)
        .map(|_| sync_channel::<Message<M, E>>(CHANNEL_CAPACITY))
        .map(|(sender, receiver)| (Mutex::new(Some(sender)), receiver))
        .unzip();
    let next_item = AtomicUsize::new(0);
    let cancelled = AtomicBool::new(false);
    let n_workers = worker_count(threads).min(n_items);

    thread::scope(|scope| {
        for _ in 0..n_workers {
            scope.spawn(|| {
                work(&senders, &next_item, &cancelled, &produce);
            });
        }
        let result = consume_in_order(receivers, &mut consume);
        if result.is_err() {
            cancelled.store(true, Ordering::Relaxed);
        }
        // `receivers` were moved into `consume_in_order` and are dropped by now, so producers
        // blocked on a full channel wake up with a send error and stop.
        result
    })
}

fn work<M, E>(
    senders: &[SenderSlot<M, E>],
    next_item: &AtomicUsize,
    cancelled: &AtomicBool,
    produce: &(impl Fn(usize, &mut dyn FnMut(M) -> bool) -> Result<(), E> + Sync),
) {
    loop {
        if cancelled.load(Ordering::Relaxed) {
            return;
        }
        let item = next_item.fetch_add(1, Ordering::Relaxed);
        let Some(slot) = senders.get(item) else {
            return;
        };
        let Some(sender) = slot.lock().unwrap_or_else(PoisonError::into_inner).take() else {
            return;
        };
        let mut emit = |message: M| sender.send(Message::Item(message)).is_ok();
        let result = produce(item, &mut emit);
        let failed = result.is_err();
        // A send error means the consumer is gone; nothing is left to tell it.
        let _ = sender.send(Message::Done(result));
        if failed {
            cancelled.store(true, Ordering::Relaxed);
        }
    }
}

fn consume_in_order<M, E>(
    receivers: Vec<Receiver<Message<M, E>>>,
    consume: &mut impl FnMut(usize, M) -> Result<(), E>,
) -> Result<(), E> {
    for (item, receiver) in receivers.iter().enumerate() {
        loop {
            match receiver.recv() {
                Ok(Message::Item(message)) => consume(item, message)?,
                Ok(Message::Done(Ok(()))) => break,
                Ok(Message::Done(Err(error))) => return Err(error),
                // The producer panicked before finishing; `thread::scope` re-raises that panic
                // when it joins the workers, so the value returned here is never observed.
                Err(_) => return Ok(()),
            }
        }
    }
    Ok(())
}

/// Maps every item on up to `threads` threads and returns the results in input order.
pub(crate) fn map_in_order<T, R, E>(
    items: &[T],
    threads: usize,
    map: impl Fn(&T) -> Result<R, E> + Sync,
) -> Result<Vec<R>, E>
where
    T: Sync,
    R: Send,
    E: Send,
{
    let mut results = Vec::with_capacity(items.len());
    stream_in_order(
        items.len(),
        threads,
        |index, emit| {
            let result = map(&items[index])?;
            emit(result);
            Ok(())
        },
        |_, result| {
            results.push(result);
            Ok(())
        },
    )?;
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order_whatever_the_thread_count() {
        let items: Vec<u64> = (0..200).collect();
        for threads in [1, 2, 7] {
            let squares = map_in_order(&items, threads, |x| Ok::<_, ()>(x * x)).unwrap();
            assert_eq!(squares, items.iter().map(|x| x * x).collect::<Vec<_>>());
        }
    }

    #[test]
    fn many_messages_per_item_keep_their_order() {
        let mut seen = Vec::new();
        stream_in_order(
            20,
            3,
            |item, emit| {
                for k in 0..100u64 {
                    if !emit((item as u64) * 1000 + k) {
                        return Ok(());
                    }
                }
                Ok::<_, ()>(())
            },
            |_, value| {
                seen.push(value);
                Ok(())
            },
        )
        .unwrap();
        let expected: Vec<u64> = (0..20u64)
            .flat_map(|item| (0..100).map(move |k| item * 1000 + k))
            .collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn the_first_error_in_order_wins_and_stops_the_rest() {
        let items: Vec<u32> = (0..50).collect();
        let result = map_in_order(&items, 2, |x| if *x == 10 { Err(*x) } else { Ok(*x) });
        assert_eq!(result, Err(10));

        let result = stream_in_order(
            10,
            2,
            |_, emit| {
                for _ in 0..1000 {
                    if !emit(1u8) {
                        break;
                    }
                }
                Ok(())
            },
            |item, _| if item == 3 { Err("stop") } else { Ok(()) },
        );
        assert_eq!(result, Err("stop"));
    }
}
