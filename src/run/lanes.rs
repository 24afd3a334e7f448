//! Where workers run. Lane 0 is the caller's runtime; each further lane is a one-thread runtime
//! on a thread of its own, with its own connection pool (the transport is asked for a lane), so
//! the lanes share nothing they would wake each other for. A run has as many lanes as its
//! transport keeps ([`super::Transport::lanes`]); the HTTP transport keeps [`count`]. Measured on two cores, two lanes send
//! a fifth faster than one, and than one runtime whose threads steal each other's work.

use std::future::Future;
use std::thread::JoinHandle;
use tokio::runtime::Handle;
use tokio::sync::oneshot;

/// The most lanes worth running: one per core, at most 4.
pub fn most() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    cores.clamp(1, 4)
}

/// Lanes for `concurrency` workers: [`most`], never more than workers.
pub fn count(concurrency: usize) -> usize {
    most().min(concurrency.max(1))
}

/// The extra lanes of a run.
pub struct Lanes {
    extra: Vec<(Handle, oneshot::Sender<()>, JoinHandle<()>)>,
}

impl Lanes {
    /// Starts `n - 1` extra lanes (lane 0 is the caller's runtime). A lane that cannot start is
    /// left out: its workers run on lane 0.
    pub fn start(n: usize) -> Lanes {
        let mut extra = Vec::new();
        for lane in 1..n {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { break };
            let handle = runtime.handle().clone();
            let (end, ended) = oneshot::channel::<()>();
            let thread = std::thread::Builder::new().name(format!("herald-lane-{lane}")).spawn(move || {
                runtime.block_on(async {
                    let _ = ended.await;
                });
            });
            match thread {
                Ok(thread) => extra.push((handle, end, thread)),
                Err(_) => break,
            }
        }
        Lanes { extra }
    }

    /// How many lanes run (at least one: the caller's).
    pub fn count(&self) -> usize {
        self.extra.len() + 1
    }

    /// Runs `task` on `lane`.
    pub fn spawn(&self, lane: usize, task: impl Future<Output = ()> + Send + 'static) {
        match lane.checked_sub(1).and_then(|i| self.extra.get(i)) {
            Some((handle, _, _)) => drop(handle.spawn(task)),
            None => drop(tokio::spawn(task)),
        }
    }

    /// Stops the extra lanes once their tasks are done, and waits for their threads.
    pub fn stop(self) {
        for (_, end, thread) in self.extra {
            let _ = end.send(());
            let _ = thread.join();
        }
    }
}
