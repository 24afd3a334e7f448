//! The SQLite journal's delivery receipts (see [`crate::journal::receipt`] for how they fold):
//! a batch recorded in one transaction, the sweep of receipts matching no recipient, and the
//! funnel and the list of messages awaiting a receipt, counted by SQLite. A receipt's message
//! is looked for among the keyed rows (indexed by message id) and, for a send under way, in
//! its log (`pending`, unindexed: scanned once per batch, for the receipts not found first).

use crate::journal::millis;
use crate::journal::receipt::{self, Awaiting, Delivery, Fate, MATCHED, Receipt, UPSERT, fate, sql, times};
use crate::receipts::Funnel;
use rusqlite::{Connection, TransactionBehavior, params};
use std::collections::{HashMap, HashSet};

/// Records `receipts` in one transaction; what became of each, in their order.
pub fn record(conn: &mut Connection, receipts: &[Receipt]) -> rusqlite::Result<Vec<Fate>> {
    let now = millis(jiff::Timestamp::now());
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (matched, foreign) = matched(&tx, receipts)?;
    let mut fates = Vec::with_capacity(receipts.len());
    {
        let mut upsert = tx.prepare_cached(&sql(UPSERT, true))?;
        for r in receipts {
            if foreign.contains(r.message_id.as_str()) {
                // Another provider's message: counted, never written.
                fates.push(Fate::Unknown);
                continue;
            }
            let known = matched.contains(r.message_id.as_str());
            let failed = r.delivery == Delivery::Failed;
            let [delivered_at, read_at, failed_at] = times(r);
            let (billable, category, kind) = receipt::pricing(r.pricing.as_ref());
            let changed = upsert.execute(params![
                r.message_id,
                delivered_at,
                read_at,
                failed_at,
                r.error_code.as_ref().filter(|_| failed),
                r.error.as_ref().filter(|_| failed),
                now,
                (!known).then_some(now),
                billable,
                category,
                kind,
            ])?;
            fates.push(fate(known, changed));
        }
    }
    tx.commit()?;
    Ok(fates)
}

/// The message ids of `receipts` that a recipient's row holds, sent by a campaign of the
/// receipt's provider; and those only campaigns of another provider sent.
#[allow(clippy::type_complexity)]
fn matched<'a>(conn: &Connection, receipts: &'a [Receipt]) -> rusqlite::Result<(HashSet<&'a str>, HashSet<&'a str>)> {
    let (mut found, mut foreign) = (HashSet::new(), HashSet::new());
    let mut missed: HashMap<&str, &Receipt> = HashMap::new();
    let mut kept = conn.prepare_cached(
        "SELECT c.sender FROM recipients r JOIN campaigns c ON c.id = r.campaign WHERE r.message_id = ?1",
    )?;
    for r in receipts {
        let senders: Vec<Option<String>> =
            kept.query_map([&r.message_id], |row| row.get(0))?.collect::<Result<_, _>>()?;
        sort(r, &senders, &mut found, &mut foreign, &mut missed);
    }
    if missed.is_empty() {
        return Ok((found, foreign));
    }
    let ids: Vec<&str> = missed.keys().copied().collect();
    let ids = serde_json::to_string(&ids).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let mut logged = conn.prepare_cached(
        "SELECT p.message_id, c.sender FROM pending p JOIN campaigns c ON c.id = p.campaign
         WHERE p.message_id IN (SELECT value FROM json_each(?1))",
    )?;
    let mut senders: HashMap<String, Vec<Option<String>>> = HashMap::new();
    for row in logged.query_map([ids], |row| Ok((row.get::<_, String>(0)?, row.get::<_, Option<String>>(1)?)))? {
        let (id, sender) = row?;
        senders.entry(id).or_default().push(sender);
    }
    for (id, r) in missed {
        if let Some(s) = senders.get(id) {
            let mut still = HashMap::new();
            sort(r, s, &mut found, &mut foreign, &mut still);
        }
    }
    Ok((found, foreign))
}

/// Puts `r` with the campaigns' `senders` holding its message id: found (one of its provider),
/// foreign (only others'), or missed (none).
fn sort<'a>(
    r: &'a Receipt,
    senders: &[Option<String>],
    found: &mut HashSet<&'a str>,
    foreign: &mut HashSet<&'a str>,
    missed: &mut HashMap<&'a str, &'a Receipt>,
) {
    let id = r.message_id.as_str();
    if senders.is_empty() {
        missed.insert(id, r);
    } else if senders.iter().any(|s| receipt::from_its_provider(r.provider, s.as_deref())) {
        found.insert(id);
    } else {
        foreign.insert(id);
    }
}

/// Deletes the receipts unmatched since before `before` (Unix milliseconds) that still match
/// no row; returns how many.
pub fn sweep(conn: &mut Connection, before: i64) -> rusqlite::Result<usize> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let swept = tx.execute(&sql(&receipt::sweep(true), true), [before])?;
    tx.execute(&sql(MATCHED, true), [before])?;
    tx.commit()?;
    Ok(swept)
}

/// The rows a reader counts, as `r`: with `live`, its copy of a send under way over the keyed
/// rows it replaces.
fn rows(live: bool) -> &'static str {
    if live {
        "(SELECT campaign, recipient, state, message_id, sender FROM temp.live
          UNION ALL
          SELECT campaign, recipient, state, message_id, sender FROM recipients x
          WHERE NOT EXISTS (SELECT 1 FROM temp.live l WHERE l.campaign = x.campaign AND l.recipient = x.recipient)) r"
    } else {
        "recipients r"
    }
}

/// `campaign`'s funnel.
pub fn funnel(conn: &Connection, campaign: &str, live: bool) -> rusqlite::Result<Funnel> {
    let counts = conn.query_row(&sql(&receipt::funnel(rows(live)), true), [campaign], |r| {
        let n = |i| r.get::<_, usize>(i);
        Ok(Funnel {
            accepted: n(0)?,
            delivered: n(1)?,
            read: n(2)?,
            failed: n(3)?,
            no_receipt: n(4)?,
            conflicts: n(5)?,
            failures: Default::default(),
        })
    })?;
    let mut funnel = counts;
    let mut stmt = conn.prepare(&sql(&receipt::failures(rows(live)), true))?;
    let failures = stmt.query_map([campaign], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    receipt::add_failures(&mut funnel, failures.collect::<rusqlite::Result<Vec<_>>>()?);
    Ok(funnel)
}

/// `campaign`'s billable messages.
pub fn charges(conn: &Connection, campaign: &str, live: bool) -> rusqlite::Result<crate::cost::Charges> {
    let mut charges = crate::cost::Charges::default();
    let mut stmt = conn.prepare(&sql(&receipt::billed(rows(live)), true))?;
    for row in stmt.query_map([campaign], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (recipient, category) = row?;
        charges.count(&recipient, category);
    }
    Ok(charges)
}

/// Up to `limit` of `campaign`'s accepted messages with no final receipt, after `after`.
pub fn awaiting(
    conn: &Connection,
    campaign: &str,
    after: Option<&str>,
    limit: usize,
    live: bool,
) -> rusqlite::Result<Vec<Awaiting>> {
    let mut stmt = conn.prepare_cached(&sql(&receipt::awaiting(rows(live)), true))?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    stmt.query_map(params![campaign, after.unwrap_or_default(), limit], |r| {
        Ok(Awaiting { recipient: r.get(0)?, message_id: r.get(1)?, sender: r.get(2)? })
    })?
    .collect()
}
