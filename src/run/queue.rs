//! The jobs waiting for a worker: a queue many workers take from. A batch goes in with one
//! lock and one wake-up call; a worker waits until a job is there for it, may then wait for
//! something else (its pacer slot) while the job stays queued, and takes it. With several
//! senders, each has a queue of its own ([`Queues`]), so a worker waits for the pacer of the
//! sender whose job it will take.

use std::collections::VecDeque;
use std::sync::Mutex;
use tokio::sync::Semaphore;

/// A multi-consumer queue.
pub struct Queue<T> {
    items: Mutex<VecDeque<T>>,
    /// One permit per queued item.
    ready: Semaphore,
}

impl<T> Default for Queue<T> {
    fn default() -> Queue<T> {
        Queue { items: Mutex::new(VecDeque::new()), ready: Semaphore::new(0) }
    }
}

impl<T> Queue<T> {
    fn items(&self) -> std::sync::MutexGuard<'_, VecDeque<T>> {
        self.items.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds items, waking as many waiting workers.
    pub fn push(&self, items: Vec<T>) {
        let n = items.len();
        self.items().extend(items);
        self.ready.add_permits(n);
    }

    /// Waits until an item is there for the caller alone (it stays queued, and counted, until
    /// taken); `None` once the queue is closed.
    pub async fn reserve(&self) -> Option<Reserved<'_, T>> {
        self.ready.acquire().await.ok()?.forget();
        Some(Reserved { queue: self })
    }

    /// Items queued, reserved ones included.
    pub fn len(&self) -> usize {
        self.items().len()
    }

    /// Wakes every waiting worker with `None`; call once nothing more will be queued.
    pub fn close(&self) {
        self.ready.close();
    }
}

/// One queue per key (a sender): each item goes to the queue its key names.
pub struct Queues<T>(Vec<Queue<T>>);

impl<T> Queues<T> {
    /// `n` queues (at least one).
    pub fn new(n: usize) -> Queues<T> {
        Queues((0..n.max(1)).map(|_| Queue::default()).collect())
    }

    /// The queue of `key` (the last one past the end).
    pub fn of(&self, key: usize) -> &Queue<T> {
        &self.0[key.min(self.0.len() - 1)]
    }

    /// Adds each item to the queue of its `key`, in order.
    pub fn push(&self, items: Vec<T>, key: impl Fn(&T) -> usize) {
        if let [queue] = &self.0[..] {
            return queue.push(items);
        }
        let mut by_key: Vec<Vec<T>> = self.0.iter().map(|_| Vec::new()).collect();
        for item in items {
            let k = key(&item).min(by_key.len() - 1);
            by_key[k].push(item);
        }
        for (queue, items) in self.0.iter().zip(by_key).filter(|(_, items)| !items.is_empty()) {
            queue.push(items);
        }
    }

    /// Items queued in all of them.
    pub fn len(&self) -> usize {
        self.0.iter().map(Queue::len).sum()
    }

    /// Closes every queue.
    pub fn close(&self) {
        self.0.iter().for_each(Queue::close);
    }
}

/// An item reserved for one taker.
pub struct Reserved<'a, T> {
    queue: &'a Queue<T>,
}

impl<T> Reserved<'_, T> {
    /// Takes the oldest item (every reservation stands for one queued item).
    pub fn take(self) -> Option<T> {
        self.queue.items().pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn hands_out_each_item_once_then_ends() {
        let q = Arc::new(Queue::default());
        let takers: Vec<_> = (0..4)
            .map(|_| {
                let q = q.clone();
                tokio::spawn(async move {
                    let mut got = vec![];
                    while let Some(i) = q.reserve().await.and_then(Reserved::take) {
                        got.push(i);
                        tokio::task::yield_now().await;
                    }
                    got
                })
            })
            .collect();
        q.push((0..100).collect());
        while q.len() > 0 {
            tokio::task::yield_now().await;
        }
        q.close();
        assert!(q.reserve().await.is_none(), "a closed queue ends every taker");
        let mut all: Vec<i32> = vec![];
        for t in takers {
            all.extend(t.await.unwrap());
        }
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn each_item_goes_to_the_queue_of_its_key() {
        let qs: Queues<usize> = Queues::new(2);
        qs.push(vec![1, 2, 3, 4, 5], |i| i % 2);
        assert_eq!(qs.len(), 5);
        let take = |q: &Queue<usize>| std::iter::from_fn(|| q.items().pop_front()).collect::<Vec<_>>();
        assert_eq!(take(qs.of(0)), vec![2, 4]);
        assert_eq!(take(qs.of(1)), vec![1, 3, 5]);
    }
}
