//! `herald track FILE`: asks the provider what became of each message it accepted that has no
//! final receipt yet (delivered, read or failed), where its docs describe a way to ask
//! ([`crate::providers::StatusPoll`]), and records the answers in the journal as a webhook's
//! would be: the way to receipts when no webhook can reach `herald listen`. The journal is read
//! a page at a time, so memory does not grow with the audience; polls go at each sender's rate
//! (or `--rate`), a few at once, slowing down when the provider throttles.

use super::Output;
use crate::error::Error;
use crate::exit;
use crate::journal::{self, Awaiting, Delivery, Journal, Receipt};
use crate::plan::Plan;
use crate::providers::{MessageStatus, Polled, Response, Settings, StatusPoll};
use crate::receipts::Funnel;
use crate::request::HttpRequest;
use crate::run::Pacer;
use crate::secret::Secret;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// Messages read from the journal, polled and recorded at a time.
const PAGE: usize = 500;

/// Polls in flight at once.
const IN_FLIGHT: usize = 16;

/// Tries per message before it is left for the next `herald track`.
const TRIES: u32 = 3;

/// The wait before trying again when the provider does not say how long.
const BACKOFF: Duration = Duration::from_secs(1);

/// A poll's timeout.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Options for `track`.
#[derive(Clone)]
pub struct Options {
    /// One JSON object instead of the text.
    pub json: bool,
    /// Campaign file.
    pub file: PathBuf,
    /// Journal file or URL.
    pub journal: Option<PathBuf>,
    /// Polls a second, over each sender's rate.
    pub rate: Option<f64>,
    /// Global opt-out lists (`$HERALD_SUPPRESS`, `--suppress`), so the campaign loads as `send`
    /// loads it.
    pub opt_out: Vec<crate::plan::OptOutList>,
    /// `$HERALD_RATE_CARD`: the rate card priced by when the campaign names none.
    pub rate_card: Option<PathBuf>,
    /// `--file-root`.
    pub file_root: Option<PathBuf>,
}

/// Runs `track`.
pub fn run(o: &Options, out: &Output) -> u8 {
    super::block_on(track(o, out)).unwrap_or_else(|e| out.error(&e))
}

/// What the polls came to.
#[derive(Debug, Default)]
struct Tally {
    polled: usize,
    new: usize,
    repeated: usize,
    /// Messages the provider has no status of.
    unknown: usize,
    /// The provider's words for the first of them.
    unknown_why: Option<String>,
    /// Messages whose polls went unanswered every try.
    unanswered: usize,
}

async fn track(o: &Options, out: &Output) -> Result<u8, Error> {
    let Some(plan) = super::status::load(&o.file, &o.opt_out, o.rate_card.as_deref(), o.file_root.as_deref(), out)
    else {
        return Ok(exit::INVALID);
    };
    let provider = plan.provider.provider();
    let Some(poll) = provider.status_poll() else {
        return Err(Error::NoPoll {
            provider: provider.info().name,
            pollable: crate::providers::names_where(|p| p.status_poll().is_some()),
            webhook: provider.status_webhook().is_some(),
        });
    };
    let path = journal::default_location(&o.file, o.journal.as_deref(), false)?;
    if Journal::open_read(&path)?.is_none() {
        return Err(Error::NoJournal { path, id: plan.id.clone(), sandbox: false, other: None });
    }
    let mut j = Journal::open_listener(&path)?;
    let senders = Senders::of(&plan, o.rate)?;
    let client = crate::run::client(TIMEOUT, IN_FLIGHT)?;
    let started = Instant::now();
    let mut tally = Tally::default();
    let mut after: Option<String> = None;
    loop {
        let page = j.awaiting(&plan.id, after.as_deref(), PAGE)?;
        let Some(last) = page.last() else { break };
        after = Some(last.recipient.clone());
        let (receipts, refused) = poll_page(&plan, poll, &senders, &client, page, &mut tally).await;
        let recorded = j.record_receipts(&receipts)?;
        (tally.new, tally.repeated) = (tally.new + recorded.new, tally.repeated + recorded.repeated);
        if let Some(error) = refused {
            return Err(Error::PollRefused { provider: provider.info().name, error, needs: poll.needs });
        }
        eprintln!(
            "track: {} polled, {} new receipt{} ({:.0}s)",
            tally.polled,
            tally.new,
            if tally.new == 1 { "" } else { "s" },
            started.elapsed().as_secs_f64()
        );
    }
    let funnel = j.funnel(&plan.id)?;
    super::print(&if o.json { json(&plan, &tally, &funnel).to_string() + "\n" } else { text(&plan, &tally, &funnel) })?;
    Ok(exit::OK)
}

/// Each sender's settings, token and pacer, in [`Plan::senders`] order.
struct Senders {
    tokens: Vec<Secret>,
    pacers: Vec<Arc<Pacer>>,
}

impl Senders {
    fn of(plan: &Plan, rate: Option<f64>) -> Result<Senders, Error> {
        let mut senders = Senders { tokens: Vec::new(), pacers: Vec::new() };
        for sender in &plan.senders {
            let name = &sender.token_env;
            let secret = Secret::from_env(name).ok_or_else(|| Error::MissingToken(name.clone()))?;
            if !secret.expose().chars().all(|c| c == '\t' || (' '..='~').contains(&c)) {
                return Err(Error::TokenNotHeader(name.clone()));
            }
            senders.tokens.push(secret);
            senders.pacers.push(Arc::new(Pacer::new(rate.unwrap_or(sender.rate_per_sec), 1)));
        }
        Ok(senders)
    }
}

/// Polls one page of awaited messages, [`IN_FLIGHT`] at a time; returns their receipts and,
/// when the provider refused the polls for good, its words.
async fn poll_page(
    plan: &Plan,
    poll: StatusPoll,
    senders: &Senders,
    client: &reqwest::Client,
    page: Vec<Awaiting>,
    tally: &mut Tally,
) -> (Vec<Receipt>, Option<String>) {
    let mut receipts = Vec::new();
    let mut refused = None;
    let mut running = JoinSet::new();
    let mut waiting = page.into_iter();
    loop {
        while running.len() < IN_FLIGHT && refused.is_none() {
            let Some(a) = waiting.next() else { break };
            let i = a.sender.as_deref().and_then(|s| plan.sender_index(s)).unwrap_or(0);
            // An account since removed from the campaign is still asked about its own messages
            // (with the campaign's first token).
            let settings = match a.sender.as_deref() {
                Some(account) if plan.sender_index(account).is_none() => {
                    Settings { account: account.to_string(), ..plan.settings_of(0).clone() }
                }
                _ => plan.settings_of(i).clone(),
            };
            let request = (poll.request)(&settings, &a.message_id);
            let (client, pacer, token) = (client.clone(), senders.pacers[i].clone(), senders.tokens[i].clone());
            running.spawn(async move {
                let polled = ask(&client, &pacer, &request, &token, poll, &a.message_id).await;
                (a.message_id, polled)
            });
        }
        let Some(done) = running.join_next().await else { break };
        let Ok((message_id, polled)) = done else { continue };
        tally.polled += 1;
        match polled {
            Polled::Events(events) => {
                let now = jiff::Timestamp::now();
                receipts.extend(events.into_iter().filter_map(|e| {
                    let delivery = match e.status {
                        MessageStatus::Sent => return None,
                        MessageStatus::Delivered => Delivery::Delivered,
                        MessageStatus::Read => Delivery::Read,
                        MessageStatus::Failed => Delivery::Failed,
                    };
                    let (error_code, error) = e.error.map_or((None, None), |e| (e.code, Some(e.message)));
                    let pricing = e.pricing.filter(|_| delivery != Delivery::Failed);
                    Some(Receipt {
                        message_id: message_id.clone(),
                        delivery,
                        at: e.at.unwrap_or(now),
                        error_code,
                        error,
                        provider: None,
                        pricing,
                    })
                }));
            }
            Polled::Unknown(e) => {
                tally.unknown += 1;
                tally.unknown_why.get_or_insert(e.message);
            }
            Polled::Again { .. } => tally.unanswered += 1,
            Polled::Stop(e) => {
                refused.get_or_insert(e.message);
            }
        }
    }
    (receipts, refused)
}

/// One message's poll, tried up to [`TRIES`] times while the provider does not answer.
async fn ask(
    client: &reqwest::Client,
    pacer: &Pacer,
    request: &HttpRequest,
    token: &Secret,
    poll: StatusPoll,
    message_id: &str,
) -> Polled {
    let mut last = None;
    for _ in 0..TRIES {
        pacer.wait().await;
        let sent = Instant::now();
        let polled = match crate::run::http::exchange(client, request, token).await {
            Ok((status, retry_after, body)) => {
                (poll.read)(message_id, &Response { status, retry_after, body: &body, recipients: 1 })
            }
            Err(e) => Polled::Again { error: crate::providers::ProviderError::new(None, e.to_string()), after: None },
        };
        let Polled::Again { after, .. } = &polled else { return polled };
        // A read refused for the pace slows every poll of this sender, and waits as asked.
        pacer.throttled(sent.elapsed(), *after);
        tokio::time::sleep(after.unwrap_or(BACKOFF)).await;
        last = Some(polled);
    }
    last.unwrap_or(Polled::Events(Vec::new()))
}

/// The result for people: what was polled, then the campaign's funnel.
fn text(plan: &Plan, tally: &Tally, funnel: &Funnel) -> String {
    let mut s = format!(
        "campaign {} · polled {} message{} awaiting a receipt · {} new receipt{}\n",
        plan.id,
        tally.polled,
        if tally.polled == 1 { "" } else { "s" },
        tally.new,
        if tally.new == 1 { "" } else { "s" }
    );
    if tally.unknown > 0 {
        let why = tally.unknown_why.as_deref().unwrap_or_default();
        s.push_str(&format!("  {} the provider has no status of: {why}\n", tally.unknown));
    }
    if tally.unanswered > 0 {
        s.push_str(&format!("  {} went unanswered {TRIES} times; run `herald track` again later\n", tally.unanswered));
    }
    s.push_str(&format!(
        "delivery: {} accepted · {} delivered · {} read · {} failed · {} no receipt\n",
        funnel.accepted, funnel.delivered, funnel.read, funnel.failed, funnel.no_receipt
    ));
    for (code, f) in &funnel.failures {
        let code = if code.is_empty() { "no code" } else { code };
        s.push_str(&format!("  failed {code}: {} · {}\n", f.count, f.error.as_deref().unwrap_or("no reason given")));
    }
    s
}

/// The result for scripts.
fn json(plan: &Plan, tally: &Tally, funnel: &Funnel) -> Value {
    let failures: serde_json::Map<String, Value> =
        funnel.failures.iter().map(|(code, f)| (code.clone(), json!({"count": f.count, "error": f.error}))).collect();
    json!({
        "campaign": plan.id,
        "polled": tally.polled,
        "receipts": {"new": tally.new, "repeated": tally.repeated},
        "unknown": tally.unknown,
        "unanswered": tally.unanswered,
        "delivery": {
            "accepted": funnel.accepted,
            "delivered": funnel.delivered,
            "read": funnel.read,
            "failed": funnel.failed,
            "no_receipt": funnel.no_receipt,
            "conflicts": funnel.conflicts,
            "failures": failures,
        },
    })
}
