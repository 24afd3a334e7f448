//! Chunks of work done on every core, results taken in order: the validation passes normalise
//! numbers and render messages this way, while reading the files and collecting results stays
//! on the calling thread, in file order. At most a few chunks are in flight, so memory stays
//! bounded whatever the input.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, channel};

/// Chunks in flight per worker thread.
const AHEAD: usize = 2;

/// Worker threads: one per core but the caller's (which reads and collects), at least one.
pub fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get).max(2) - 1
}

/// Applies `work` to every chunk `next` yields, on worker threads, and hands each result to
/// `take` in the order of the chunks. Stops at the first error of `next` or `take`.
pub fn ordered<T, R, E>(
    mut next: impl FnMut() -> Result<Option<T>, E>,
    work: impl Fn(T) -> R + Sync,
    mut take: impl FnMut(R) -> Result<(), E>,
) -> Result<(), E>
where
    T: Send,
    R: Send,
{
    let workers = workers();
    let (job_tx, job_rx) = channel::<(usize, T)>();
    let job_rx = Mutex::new(job_rx);
    std::thread::scope(|s| {
        let job_tx = job_tx;
        let (done_tx, done_rx) = channel::<(usize, R)>();
        for _ in 0..workers {
            let (job_rx, done_tx, work) = (&job_rx, done_tx.clone(), &work);
            s.spawn(move || {
                while let Some((i, chunk)) = take_job(job_rx) {
                    if done_tx.send((i, work(chunk))).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        let (mut sent, mut taken) = (0, 0);
        let mut waiting: BTreeMap<usize, R> = BTreeMap::new();
        let mut more = true;
        loop {
            while more && sent - taken < workers * AHEAD {
                match next()? {
                    Some(chunk) => {
                        if job_tx.send((sent, chunk)).is_err() {
                            more = false;
                        }
                        sent += 1;
                    }
                    None => more = false,
                }
            }
            if taken == sent {
                return Ok(());
            }
            let Ok((i, result)) = done_rx.recv() else { return Ok(()) };
            waiting.insert(i, result);
            while let Some(result) = waiting.remove(&taken) {
                taken += 1;
                take(result)?;
            }
        }
    })
}

fn take_job<T>(jobs: &Mutex<Receiver<(usize, T)>>) -> Option<(usize, T)> {
    jobs.lock().ok()?.recv().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order_and_errors_stop_early() {
        let mut chunks = (0..100u64).map(|i| vec![i; 3]);
        let mut seen = Vec::new();
        let r: Result<(), ()> = ordered(
            || Ok(chunks.next()),
            |c: Vec<u64>| c.iter().sum::<u64>(),
            |sum| {
                seen.push(sum);
                Ok(())
            },
        );
        assert!(r.is_ok());
        assert_eq!(seen, (0..100u64).map(|i| i * 3).collect::<Vec<_>>());
        let mut taken = 0;
        let endless = ordered(
            || Ok(Some(1)),
            |x: i32| x,
            |_| {
                taken += 1;
                if taken <= 5 { Ok(()) } else { Err("enough") }
            },
        );
        assert_eq!((endless, taken), (Err("enough"), 6));
    }
}
