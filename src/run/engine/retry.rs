//! Requests waiting for their next attempt, in the engine rather than a worker: parked (a
//! single recipient's claim released meanwhile), claimed again through the gate when due, or
//! ended when the run stops.

use super::*;

impl Engine<'_> {
    /// Up to `most` requests due for a retry: those whose claims were released go to the gate
    /// to be claimed again (returned as an offer being admitted), the rest straight back to
    /// the queue (returned).
    pub(super) fn due(&mut self, most: usize) -> (Option<(Offer, Admitting)>, Vec<Request>) {
        let (mut again, mut kept) = (Vec::new(), Vec::new());
        for Parked { request, released } in self.retries.due(tokio::time::Instant::now(), most) {
            if released { again.push(request) } else { kept.push(request) }
        }
        if again.is_empty() {
            return (None, kept);
        }
        let keep_bodies = self.gate.keeps_bodies();
        let candidates = again
            .iter()
            .flat_map(|r| {
                r.members.iter().map(|m| Candidate {
                    recipient: m.recipient.clone(),
                    csv_line: m.csv_line,
                    request_hash: Some(m.hash),
                    body: keep_bodies.then(|| String::from_utf8_lossy(&r.wire.body).into_owned()),
                    sender: self.account(r.sender),
                })
            })
            .collect::<Vec<_>>();
        // Claimed once already in this run: `--limit` counted them then.
        let budget = candidates.len();
        self.hand_over();
        let admitting = self.gate.admit(candidates, self.setup.policy, budget);
        (Some((Offer::Retries(again), admitting)), kept)
    }

    /// Ends a released request that is not claimed again: `kept` is the journal's record of it
    /// (another runner's), else it is recorded as not sent by this run.
    pub(super) fn ended_unsent(&mut self, request: Request, kept: Option<Record>) {
        let record = kept.unwrap_or_else(|| {
            let first = request.members.first();
            let (recipient, csv_line) = first.map_or((String::new(), None), |m| (m.recipient.clone(), m.csv_line));
            match &self.stopped {
                Some(why) => Record::skipped(
                    recipient,
                    csv_line,
                    Code::NotSent,
                    format!("not sent: the campaign stopped ({why})"),
                ),
                None => self.setup.limited_by.record(recipient, csv_line),
            }
        });
        for r in request.records(record) {
            self.finished += 1;
            self.tally.record(r.status);
            (self.record)(&r);
        }
    }

    /// The run stopped: requests waiting for a retry end now, as not sent (released ones
    /// already are) or, where an attempt may have delivered, unknown.
    pub(super) fn give_up_retries(&mut self) {
        for Parked { request, released } in self.retries.drain() {
            let mut delivered = deliver::stopped(&request);
            delivered.untouched &= !released;
            self.finish(Finished { request, step: Step::Done(Box::new(delivered)) });
        }
    }

    /// Parks a request until its next attempt. A single recipient's claim is released while
    /// it waits, when no attempt can have delivered it: a crash meanwhile leaves it pending.
    pub(super) fn park(&mut self, request: Request, after: Duration) {
        let released = request.members.len() == 1 && !request.tries.maybe_delivered();
        if released {
            self.gate.release(request.members.iter().map(|m| m.recipient.clone()).collect());
        }
        self.retries.park(Parked { request, released }, tokio::time::Instant::now() + after);
    }
}
