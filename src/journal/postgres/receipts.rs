//! The PostgreSQL journal's delivery receipts (see [`crate::journal::receipt`] for how they
//! fold): a batch recorded in one transaction, the sweep of receipts matching no recipient,
//! and the funnel and the list of messages awaiting a receipt, counted by the database. Any
//! number of listeners may record at once: a batch locks and writes its messages in id order,
//! so two batches touching the same messages wait for each other instead of deadlocking.

use crate::journal::receipt::{self, Awaiting, Delivery, Fate, MATCHED, Receipt, UPSERT_ALL, fate, sql};
use crate::journal::{JournalError, millis};
use crate::receipts::{Funnel, Receipts};
use postgres::Client;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Records `receipts` in one transaction of three statements whatever their number: which
/// messages are known, what their rows hold (locked, so the fates below are exact against
/// another listener's rows already there), and every message's row written at once.
pub fn record(client: &mut Client, receipts: &[Receipt]) -> Result<Vec<Fate>, JournalError> {
    let now = millis(jiff::Timestamp::now());
    let all: Vec<&str> = receipts.iter().map(|r| r.message_id.as_str()).collect();
    let mut tx = client.transaction()?;
    // The campaigns (by their sender, `cloud_api:42`) holding each message.
    let mut senders: HashMap<String, Vec<Option<String>>> = HashMap::new();
    for row in tx.query(
        "SELECT r.message_id, c.sender FROM recipients r JOIN campaigns c ON c.id = r.campaign WHERE r.message_id = ANY($1)",
        &[&all],
    )? {
        senders.entry(row.get(0)).or_default().push(row.get(1));
    }
    // Another provider's message: counted, never written.
    let foreign = |r: &Receipt| {
        senders
            .get(&r.message_id)
            .is_some_and(|s| !s.iter().any(|s| receipt::from_its_provider(r.provider, s.as_deref())))
    };
    let matched: HashSet<String> = senders.keys().cloned().collect();
    // One row per message, each kind at its first report in the batch, in id order.
    let mut folded: BTreeMap<&str, Receipts> = BTreeMap::new();
    for r in receipts.iter().filter(|r| !foreign(r)) {
        let k = folded.entry(&r.message_id).or_default();
        k.add(r.delivery, r.at, r.error_code.as_deref(), r.error.as_deref());
        k.price(r.pricing.as_ref());
    }
    let ids: Vec<&str> = folded.keys().copied().collect();
    let held: HashMap<String, [bool; 4]> = tx
        .query(
            "SELECT message_id, delivered_at IS NOT NULL, read_at IS NOT NULL, failed_at IS NOT NULL, billable IS NOT NULL
             FROM receipts WHERE message_id = ANY($1) ORDER BY message_id FOR UPDATE",
            &[&ids],
        )?
        .iter()
        .map(|r| (r.get(0), [r.get(1), r.get(2), r.get(3), r.get(4)]))
        .collect();
    let column = |f: fn(&Receipts) -> Option<jiff::Timestamp>| -> Vec<Option<i64>> {
        folded.values().map(|k| f(k).map(millis)).collect()
    };
    let (delivered, read, failed) = (column(|k| k.delivered_at), column(|k| k.read_at), column(|k| k.failed_at));
    let codes: Vec<Option<&str>> = folded.values().map(|k| k.error_code.as_deref()).collect();
    let errors: Vec<Option<&str>> = folded.values().map(|k| k.error.as_deref()).collect();
    let unmatched: Vec<Option<i64>> = ids.iter().map(|id| (!matched.contains(*id)).then_some(now)).collect();
    let pricing: Vec<_> = folded.values().map(|k| receipt::pricing(k.pricing.as_ref())).collect();
    let billable: Vec<Option<i32>> = pricing.iter().map(|p| p.0).collect();
    let categories: Vec<Option<&str>> = pricing.iter().map(|p| p.1).collect();
    let types: Vec<Option<&str>> = pricing.iter().map(|p| p.2).collect();
    tx.execute(
        UPSERT_ALL,
        &[&ids, &delivered, &read, &failed, &codes, &errors, &now, &unmatched, &billable, &categories, &types],
    )?;
    tx.commit()?;
    // Each receipt's fate, in order: news the first time its kind, or a pricing, is reported.
    let mut seen: HashMap<&str, [bool; 4]> = HashMap::new();
    Ok(receipts
        .iter()
        .map(|r| {
            if foreign(r) {
                return Fate::Unknown;
            }
            let kinds =
                seen.entry(&r.message_id).or_insert_with(|| held.get(&r.message_id).copied().unwrap_or_default());
            let kind = &mut kinds[kind(r.delivery)];
            let mut changed = usize::from(!*kind);
            *kind = true;
            if r.pricing.is_some() && !kinds[3] {
                kinds[3] = true;
                changed = 1;
            }
            fate(matched.contains(&r.message_id), changed)
        })
        .collect())
}

/// A delivery's place among a row's times (delivered, read, failed).
fn kind(d: Delivery) -> usize {
    match d {
        Delivery::Delivered => 0,
        Delivery::Read => 1,
        Delivery::Failed => 2,
    }
}

/// Deletes the receipts unmatched since before `before` (Unix milliseconds) that still match
/// no row; returns how many.
pub fn sweep(client: &mut Client, before: i64) -> Result<usize, JournalError> {
    let mut tx = client.transaction()?;
    let swept = tx.execute(&sql(&receipt::sweep(false), false), &[&before])?;
    tx.execute(MATCHED, &[&before])?;
    tx.commit()?;
    Ok(usize::try_from(swept).unwrap_or(usize::MAX))
}

/// `campaign`'s funnel.
pub fn funnel(client: &mut Client, campaign: &str) -> Result<Funnel, JournalError> {
    let r = client.query_one(&receipt::funnel("recipients r"), &[&campaign])?;
    let n = |i| usize::try_from(r.get::<_, i64>(i)).unwrap_or(0);
    let mut funnel = Funnel {
        accepted: n(0),
        delivered: n(1),
        read: n(2),
        failed: n(3),
        no_receipt: n(4),
        conflicts: n(5),
        ..Funnel::default()
    };
    let failures = client.query(&receipt::failures("recipients r"), &[&campaign])?;
    receipt::add_failures(&mut funnel, failures.iter().map(|r| (r.get(0), r.get(1), r.get(2))));
    Ok(funnel)
}

/// `campaign`'s billable messages.
pub fn charges(client: &mut Client, campaign: &str) -> Result<crate::cost::Charges, JournalError> {
    let mut charges = crate::cost::Charges::default();
    for row in client.query(&receipt::billed("recipients r"), &[&campaign])? {
        charges.count(&row.get::<_, String>(0), row.get(1));
    }
    Ok(charges)
}

/// Up to `limit` of `campaign`'s accepted messages with no final receipt, after `after`.
pub fn awaiting(client: &mut Client, campaign: &str, after: &str, limit: usize) -> Result<Vec<Awaiting>, JournalError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = client.query(&receipt::awaiting("recipients r"), &[&campaign, &after, &limit])?;
    Ok(rows.iter().map(|r| Awaiting { recipient: r.get(0), message_id: r.get(1), sender: r.get(2) }).collect())
}
