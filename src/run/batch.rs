//! Between the journal's admission and the workers' queue: the recipients claimed for this run
//! become the requests workers send. Usually one request per recipient. When the plan batches
//! ([`crate::plan::Plan::batch`]), claimed recipients go out together, up to the batch size per
//! request, in one body merged from their own rendered bodies ([`Batching::merge`]).
//!
//! Built only after admission, a batch holds exactly the recipients claimed in this run:
//! someone the journal already has as sent was never claimed, so is never in it, and every
//! member's claim is committed before the request leaves. Each member ends the way its request
//! ends ([`Request::records`]): sent with the batch's answer, failed with its error, unknown when
//! its fate is unknown, released when the request surely never reached the provider.

use super::deliver::Tries;
use super::feed::Job;
use super::transport::{Wire, wire_body};
use crate::providers::Batching;
use crate::results::Record;
use std::fmt;

/// One request, and the recipients it carries.
#[derive(Debug)]
pub struct Request {
    /// Who it goes to: one recipient, or the members of a batch in claim order.
    pub members: Vec<Member>,
    /// The request.
    pub wire: Wire,
    /// Its first member's position in the run, to seed retry jitter.
    pub seq: u64,
    /// Its attempts so far.
    pub tries: Tries,
    /// The index in [`crate::plan::Plan::senders`] of the account it goes from.
    pub sender: usize,
}

/// A recipient a request carries.
#[derive(Debug)]
pub struct Member {
    /// The recipient's key (E.164 or `tag:…`).
    pub recipient: String,
    /// Its CSV line.
    pub csv_line: Option<u64>,
    /// The hash of the recipient's own request, to claim it again after a release.
    pub hash: crate::journal::Hash,
}

impl Request {
    /// The request of one recipient, as rendered.
    fn single(job: Job) -> Request {
        Request {
            members: vec![Member { recipient: job.recipient, csv_line: job.csv_line, hash: job.hash }],
            wire: job.wire,
            seq: job.seq,
            tries: Tries::default(),
            sender: job.sender,
        }
    }

    /// Each member's record: `outcome` (the request's, whoever it names) with the member's
    /// recipient and CSV line. The last member takes `outcome` itself, so a request of one
    /// copies nothing.
    pub fn records(self, outcome: Record) -> impl Iterator<Item = Record> {
        let last = self.members.len().saturating_sub(1);
        let mut outcome = Some(outcome);
        self.members.into_iter().enumerate().filter_map(move |(i, m)| {
            let base = if i == last { outcome.take() } else { outcome.clone() }?;
            Some(Record { recipient: m.recipient, csv_line: m.csv_line, ..base })
        })
    }
}

/// For logs: the first recipient, and how many more the request carries.
impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let first = self.members.first().map_or("", |m| m.recipient.as_str());
        match self.members.len() {
            0 | 1 => f.write_str(first),
            n => write!(f, "{first} and {} more", n - 1),
        }
    }
}

/// The requests for `claimed`, in order: batches of up to `size` where `batching` allows,
/// otherwise one each. Members whose bodies cannot be merged (validation would have kept the
/// plan from batching them) go one request each, which is always right.
pub fn requests(claimed: Vec<Job>, size: usize, batching: Option<Batching>) -> Vec<Request> {
    let size = batching.map_or(1, |b| size.min(b.max));
    let Some(batching) = batching.filter(|_| size > 1) else {
        return claimed.into_iter().map(Request::single).collect();
    };
    let mut out = Vec::with_capacity(claimed.len().div_ceil(size));
    // One request goes from one sender: each sender's recipients are batched apart, in order.
    let mut by_sender: Vec<Vec<Job>> = Vec::new();
    for job in claimed {
        if by_sender.len() <= job.sender {
            by_sender.resize_with(job.sender + 1, Vec::new);
        }
        by_sender[job.sender].push(job);
    }
    for chunk in by_sender.into_iter().flat_map(|jobs| chunks(jobs, size)) {
        match merged(&chunk, batching) {
            Some(wire) => {
                let (seq, sender) = (chunk[0].seq, chunk[0].sender);
                let members = chunk
                    .into_iter()
                    .map(|j| Member { recipient: j.recipient, csv_line: j.csv_line, hash: j.hash })
                    .collect();
                out.push(Request { members, wire, seq, tries: Tries::default(), sender });
            }
            None => out.extend(chunk.into_iter().map(Request::single)),
        }
    }
    out
}

/// `jobs` in chunks of up to `size`, in order.
fn chunks(jobs: Vec<Job>, size: usize) -> Vec<Vec<Job>> {
    let mut jobs = jobs.into_iter().peekable();
    let mut out = Vec::new();
    while jobs.peek().is_some() {
        out.push(jobs.by_ref().take(size).collect());
    }
    out
}

/// One wire for the whole chunk, when it has several members bound for the same URL whose bodies
/// differ in nothing but the number.
fn merged(chunk: &[Job], batching: Batching) -> Option<Wire> {
    let [first, rest @ ..] = chunk else { return None };
    if rest.is_empty() || rest.iter().any(|j| j.wire.url != first.wire.url) {
        return None;
    }
    let Some(body) = batching.merge(chunk.iter().map(|j| &j.wire.body[..])) else {
        tracing::warn!(recipients = chunk.len(), first = %first.recipient, "requests differ beyond the number; sent one by one");
        return None;
    };
    Some(Wire { url: first.wire.url.clone(), headers: first.wire.headers.clone(), body: wire_body(&body) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::Status;
    use serde_json::{Value, json};

    const BATCHING: Batching = Batching { field: "phone_number", max: 3 };

    fn job(seq: u64, phone: &str, text: &str) -> Job {
        let body = json!({ "phone_number": phone, "type": "text", "message": text });
        Job {
            recipient: phone.into(),
            csv_line: Some(seq + 1),
            wire: Wire { url: "http://127.0.0.1:9/m".into(), headers: vec![], body: wire_body(&body) },
            hash: [0; 32],
            seq,
            sender: 0,
        }
    }

    fn jobs(n: u64) -> Vec<Job> {
        (0..n).map(|i| job(i, &format!("+25470000000{i}"), "Sale")).collect()
    }

    fn numbers(r: &Request) -> Value {
        serde_json::from_slice::<Value>(&r.wire.body).unwrap()["phone_number"].clone()
    }

    #[test]
    fn claimed_recipients_go_in_batches_of_the_size_each_once() {
        let out = requests(jobs(7), 3, Some(BATCHING));
        let sizes: Vec<usize> = out.iter().map(|r| r.members.len()).collect();
        assert_eq!(sizes, [3, 3, 1]);
        assert_eq!(numbers(&out[0]), json!(["+254700000000", "+254700000001", "+254700000002"]));
        assert_eq!(out[1].seq, 3);
        assert_eq!(out[1].to_string(), "+254700000003 and 2 more");
        // A batch of one goes as the recipient's own request.
        assert_eq!(numbers(&out[2]), json!("+254700000006"));
        assert_eq!(out[2].to_string(), "+254700000006");
    }

    #[test]
    fn no_batching_without_the_fact_or_above_the_providers_limit() {
        assert!(requests(jobs(4), 100, None).iter().all(|r| r.members.len() == 1));
        assert!(requests(jobs(4), 1, Some(BATCHING)).iter().all(|r| r.members.len() == 1));
        let capped: Vec<usize> = requests(jobs(4), 100, Some(BATCHING)).iter().map(|r| r.members.len()).collect();
        assert_eq!(capped, [3, 1], "never more than the provider takes");
    }

    #[test]
    fn requests_that_differ_go_one_by_one() {
        let claimed = vec![job(0, "+254700000000", "Hi Ann"), job(1, "+254700000001", "Hi Bo")];
        let out = requests(claimed, 3, Some(BATCHING));
        assert_eq!(out.len(), 2);
        assert_eq!(numbers(&out[1]), json!("+254700000001"));
    }

    #[test]
    fn every_member_ends_the_way_its_request_ends() {
        let request = requests(jobs(2), 3, Some(BATCHING)).remove(0);
        let mut outcome = Record::new("whoever".into(), None, Status::Failed);
        outcome.error_message = Some("refused".into());
        let records: Vec<Record> = request.records(outcome).collect();
        let who: Vec<(&str, Option<u64>)> = records.iter().map(|r| (r.recipient.as_str(), r.csv_line)).collect();
        assert_eq!(who, [("+254700000000", Some(1)), ("+254700000001", Some(2))]);
        assert!(records.iter().all(|r| r.status == Status::Failed && r.error_message.as_deref() == Some("refused")));
        let single = requests(jobs(1), 3, Some(BATCHING)).remove(0);
        let records: Vec<Record> = single.records(Record::new("whoever".into(), None, Status::Sent)).collect();
        assert_eq!(records.len(), 1);
        assert_eq!((records[0].recipient.as_str(), records[0].status), ("+254700000000", Status::Sent));
    }
}
