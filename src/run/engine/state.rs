//! The engine's bookkeeping: what it offers the gate, what becomes of each admitted row, each
//! worker's result, and what it hands the journal and the progress display each tick.

use super::*;

impl Engine<'_> {
    pub(super) fn stop(&mut self, why: StopReason) {
        if self.stopped.is_none() {
            self.stopped = Some(why);
        }
        for s in self.stop_tx.iter() {
            s.send_replace(true);
        }
        self.render.store(false, Ordering::Relaxed);
    }

    /// Takes a batch from the feed: skipped rows are recorded now, the rest offered to the gate.
    pub(super) fn offer(&mut self, rows: Vec<Fed>) -> Option<(Offer, Admitting)> {
        let mut jobs = Vec::with_capacity(rows.len());
        let mut candidates = Vec::with_capacity(rows.len());
        let keep_bodies = self.gate.keeps_bodies();
        for row in rows {
            match row {
                Fed::Skipped(s) if matches!(s.reason, SkipReason::Suppressed) => {
                    let csv_line = s.origin.csv_line();
                    candidates.push(Candidate {
                        recipient: s.recipient.clone(),
                        csv_line,
                        request_hash: None,
                        body: None,
                        sender: None,
                    });
                    jobs.push(Slot::Suppressed(s.record()));
                }
                Fed::Skipped(s) => (self.record)(&s.record()),
                Fed::Failed(e) => self.stop(StopReason::Plan(e)),
                Fed::Unrendered { recipient, csv_line } => {
                    candidates.push(Candidate { recipient, csv_line, request_hash: None, body: None, sender: None });
                    jobs.push(Slot::Unrendered);
                }
                Fed::Held { recipient, csv_line, opens, local } => {
                    // Looked up (the journal may have them sent already), never claimed.
                    candidates.push(Candidate { recipient, csv_line, request_hash: None, body: None, sender: None });
                    jobs.push(Slot::Held(opens, local));
                }
                Fed::Rendered(job) => {
                    let body = keep_bodies.then(|| String::from_utf8_lossy(&job.wire.body).into_owned());
                    candidates.push(Candidate {
                        recipient: job.recipient.clone(),
                        csv_line: job.csv_line,
                        request_hash: Some(job.hash),
                        body,
                        sender: self.account(job.sender),
                    });
                    jobs.push(Slot::Send(*job));
                }
            }
        }
        if candidates.is_empty() {
            return None;
        }
        if matches!(self.stopped, Some(StopReason::Journal(_))) {
            // The journal cannot be asked any more: the rest are recorded as not sent.
            for (job, candidate) in jobs.into_iter().zip(candidates) {
                self.admitted(job, candidate, Admission::Unclaimed);
            }
            return None;
        }
        let claiming = self.stopped.is_none() && self.setup.action == Action::Send;
        let budget = if claiming { self.budget } else { 0 };
        self.hand_over();
        let admitting = self.gate.admit(candidates.clone(), self.setup.policy, budget);
        Some((Offer::Rows(jobs, candidates), admitting))
    }

    /// The requests a batch the gate answered turns into.
    pub(super) fn admitted_offer(
        &mut self,
        offer: Offer,
        admitted: Result<Admitted, JournalError>,
        batching: Option<crate::providers::Batching>,
    ) -> Vec<Request> {
        match (offer, admitted) {
            (Offer::Rows(jobs, candidates), Ok(admitted)) => {
                let claimed: Vec<Job> = jobs
                    .into_iter()
                    .zip(candidates)
                    .zip(admitted)
                    .filter_map(|((job, candidate), admission)| self.admitted(job, candidate, admission))
                    .collect();
                self.dispatched += claimed.len();
                batch::requests(claimed, self.plan.batch, batching)
            }
            (Offer::Rows(jobs, candidates), Err(err)) => {
                // Nothing of the batch was claimed: every row is recorded as not sent.
                self.stop(StopReason::Journal(err));
                for (job, candidate) in jobs.into_iter().zip(candidates) {
                    self.admitted(job, candidate, Admission::Unclaimed);
                }
                Vec::new()
            }
            (Offer::Retries(requests), Ok(admitted)) => requests
                .into_iter()
                .zip(admitted)
                .filter_map(|(request, admission)| match admission {
                    Admission::Claimed => Some(request),
                    // Someone else's now (another runner sent it, or holds it): not ours to send.
                    Admission::Kept(r) => {
                        self.ended_unsent(request, Some(*r));
                        None
                    }
                    Admission::Unclaimed => {
                        self.ended_unsent(request, None);
                        None
                    }
                })
                .collect(),
            (Offer::Retries(requests), Err(err)) => {
                self.stop(StopReason::Journal(err));
                requests.into_iter().for_each(|r| self.ended_unsent(r, None));
                Vec::new()
            }
        }
    }

    /// What becomes of one admitted row: a job to send, or a record now.
    pub(super) fn admitted(&mut self, slot: Slot, c: Candidate, admission: Admission) -> Option<Job> {
        match admission {
            Admission::Claimed => {
                if let Slot::Send(job) = &slot
                    && let Some(r) = self.beyond_sender(job)
                {
                    // Claimed, but this sender sends no more in this run: back as it was.
                    self.releases.push(r.recipient.clone());
                    (self.record)(&r);
                    return None;
                }
                self.budget = self.budget.saturating_sub(1);
                if self.budget == 0 {
                    self.render.store(false, Ordering::Relaxed);
                }
                return match slot {
                    Slot::Send(job) => {
                        if let Some(Some((left, _))) = self.caps.get_mut(job.sender) {
                            *left -= 1;
                        }
                        Some(job)
                    }
                    Slot::Unrendered | Slot::Held(..) | Slot::Suppressed(_) => None,
                };
            }
            Admission::Kept(r) => (self.record)(&r),
            Admission::Unclaimed if let Slot::Suppressed(skip) = slot => (self.record)(&skip),
            Admission::Unclaimed if let Slot::Held(opens, local) = slot => {
                self.tally.hold(opens);
                let message = format!("outside their sending window until {local}");
                let sender = self.pinned_account(&c);
                (self.record)(&Record { sender, ..Record::skipped(c.recipient, c.csv_line, Code::Held, message) });
            }
            Admission::Unclaimed => {
                let sender = self.pinned_account(&c);
                let mut r = match (self.setup.action, &self.stopped, matches!(slot, Slot::Send(_))) {
                    (Action::DryRun, None, true) if self.budget > 0 => {
                        self.budget -= 1;
                        if self.budget == 0 {
                            self.render.store(false, Ordering::Relaxed);
                        }
                        self.tally.record(Status::DryRun);
                        Record::new(c.recipient, c.csv_line, Status::DryRun)
                    }
                    (_, Some(why), _) => Record::skipped(
                        c.recipient,
                        c.csv_line,
                        Code::NotSent,
                        format!("not sent: the campaign stopped ({why})"),
                    ),
                    (Action::Rebuild, ..) => {
                        Record::skipped(c.recipient, c.csv_line, Code::Pending, "not sent yet".into())
                    }
                    _ => self.setup.limited_by.record(c.recipient, c.csv_line),
                };
                r.sender = sender;
                (self.record)(&r);
            }
        }
        None
    }

    /// A worker's result: every recipient its request carried ends the same way, or the
    /// request waits for its next attempt.
    pub(super) fn finish(&mut self, f: Finished) {
        let sender = f.request.sender;
        let sending = self.stopped.is_none() && self.senders_stopped.get(sender).is_none_or(Option::is_none);
        let delivered = match f.step {
            Step::Done(delivered) => *delivered,
            Step::Wait(after) if sending => return self.park(f.request, after),
            Step::Wait(_) => deliver::stopped(&f.request),
        };
        let Delivered { mut record, untouched, stop } = delivered;
        match stop {
            Some(StopReason::Provider(error)) if self.plan.senders.len() > 1 => self.stop_sender(sender, error),
            Some(why) => self.stop(why),
            None => {}
        }
        // Claimed, but surely not delivered: back to how it was, so a re-run sends it.
        let release = record.status == Status::Skipped && untouched;
        if release && let Some(r) = self.sender_stopped_record(sender, record.recipient.clone(), record.csv_line) {
            record = Record { attempts: record.attempts, http_status: record.http_status, ..r };
        }
        record.sender = self.account(sender);
        for record in f.request.records(record) {
            self.finished += 1;
            self.tally.record(record.status);
            if release {
                self.releases.push(record.recipient.clone());
            }
            (self.record)(&record);
            if record.status != Status::Skipped {
                self.outcomes.push(record);
            }
        }
        if self.stopped.is_none() && self.tally.breaker_tripped(self.plan.delivery.breaker) {
            let (rate, max) = (self.tally.recent_failure_rate(), self.plan.delivery.breaker);
            self.stop(StopReason::FailureRate { rate, max });
        }
        if self.outcomes.len() >= OUTCOME_BATCH {
            self.gate.done(std::mem::take(&mut self.outcomes));
        }
    }

    /// Hands buffered outcomes and releases to the journal, which commits them with its next
    /// batch of claims or on its own shortly.
    pub(super) fn hand_over(&mut self) {
        if !self.outcomes.is_empty() {
            self.gate.done(std::mem::take(&mut self.outcomes));
        }
        if !self.releases.is_empty() {
            self.gate.release(std::mem::take(&mut self.releases));
        }
    }

    /// Sends buffered outcomes and releases to the journal, judges the pace (`more`: there are
    /// requests to come) and shows progress.
    pub(super) fn flush(
        &mut self,
        counters: &Counters,
        pacers: &[Pacer],
        more: bool,
        elapsed: Duration,
        progress: &mut (dyn FnMut(&Tally, Duration) + Send),
    ) {
        self.hand_over();
        self.tally.requests = counters.requests.load(Ordering::Relaxed);
        self.tally.retrying = self.retries.len();
        self.tally.total = self.tally.total.max(self.dispatched);
        if self.setup.action == Action::Send {
            self.tally.pace = self.meter.sample(Sample {
                at: elapsed,
                requests: self.tally.requests,
                in_flight: counters.in_flight.load(Ordering::Relaxed).max(0) as usize,
                retrying: self.tally.retrying,
                answers: counters.answers.load(Ordering::Relaxed),
                waited: Duration::from_micros(counters.waited_us.load(Ordering::Relaxed)),
                more,
                slowdowns: pacers.iter().map(Pacer::slowdowns).reduce(crate::pace::Slowdowns::and).unwrap_or_default(),
                throttled: counters.throttled.load(Ordering::Relaxed),
            });
        }
        progress(&self.tally, elapsed);
    }
}
