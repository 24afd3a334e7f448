//! A worker: takes its sender's pacer slot (and, with jitter, its turn), then a request from
//! that sender's queue, makes one attempt, and reports the step to the engine.

use super::*;

/// What every worker shares.
pub(super) struct Shared<T> {
    /// One per sender.
    pub(super) pacers: Vec<Pacer>,
    /// One per sender.
    pub(super) pauses: Vec<Pauses>,
    pub(super) transport: Arc<T>,
    pub(super) tokens: Tokens,
    pub(super) plan: Arc<Plan>,
}

pub(super) async fn work<T: Transport>(
    shared: Arc<Shared<T>>,
    lane: usize,
    sender: usize,
    queues: Arc<Queues<Request>>,
    done: mpsc::UnboundedSender<Finished>,
    stop_tx: Arc<Vec<watch::Sender<bool>>>,
    counters: Arc<Counters>,
) {
    let mut stop = stop_tx[sender].subscribe();
    let (queue, pacer, pauses) = (queues.of(sender), &shared.pacers[sender], &shared.pauses[sender]);
    let cx = deliver::Context {
        provider: shared.plan.provider,
        delivery: &shared.plan.delivery,
        transport: &*shared.transport,
        lane,
        secret: shared.tokens.of(sender),
        pacer,
        counters: &counters,
    };
    // The pacer slot comes first, the request after: a worker waiting for its slot leaves the
    // request queued, where the engine counts it against the claims it runs ahead.
    // With jitter, the sender's turn (after the pacer's slot) lasts until the attempt ends:
    // one message at a time, a pause between.
    let mut turns = 0u64;
    while let Some(reserved) = queue.reserve().await {
        turns += 1;
        let seed = jitter::seed(lane, turns);
        let (stopped, turn) = tokio::select! {
            turn = async { pacer.wait().await; pauses.turn(seed).await } => (false, Some(turn)),
            _ = stop.wait_for(|s| *s) => (true, None),
        };
        let stopped = stopped || *stop.borrow();
        let Some(mut request) = reserved.take() else { continue };
        let step = if stopped {
            Step::Done(Box::new(deliver::stopped(&request)))
        } else {
            deliver::attempt(&cx, &mut request).await
        };
        drop(turn);
        // Stop the other workers now, not when the engine gets to this record: those of this
        // sender only when the provider refused its account and others send on.
        match &step {
            Step::Done(d) if matches!(d.stop, Some(StopReason::Provider(_))) && stop_tx.len() > 1 => {
                stop_tx[sender].send_replace(true);
            }
            Step::Done(d) if d.stop.is_some() => stop_tx.iter().for_each(|s| {
                s.send_replace(true);
            }),
            _ => {}
        }
        if done.send(Finished { request, step }).is_err() {
            return;
        }
    }
}
