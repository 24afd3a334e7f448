//! The SQLite journal's delivery receipts (see [`crate::journal::receipt`] for how they fold):
//! a batch recorded in one transaction, the sweep of receipts matching no recipient, and the
//! funnel and the list of messages awaiting a receipt, counted by SQLite. A receipt's message
//! is looked for among the keyed rows (indexed by message id) and, for a send under way, in
//! its log (`pending`, unindexed: scanned once per batch, for the receipts not found first).

use crate::journal::millis;
use crate::journal::receipt::{self, Awaiting, Delivery, Fate, MATCHED, Receipt, UPSERT, fate, sql, times};
use crate::receipts::Funnel;
use rusqlite::{Connection, TransactionBehavior, params};
use std::collections::HashSet;

/// Records `receipts` in one transaction; what became of each, in their order.
pub fn record(conn: &mut Connection, receipts: &[Receipt]) -> rusqlite::Result<Vec<Fate>> {
    let now = millis(jiff::Timestamp::now());
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let matched = matched(&tx, receipts)?;
    let mut fates = Vec::with_capacity(receipts.len());
    {
        let mut upsert = tx.prepare_cached(&sql(UPSERT, true))?;
        for r in receipts {
            let known = matched.contains(r.message_id.as_str());
            let failed = r.delivery == Delivery::Failed;
            let [delivered_at, read_at, failed_at] = times(r);
            let changed = upsert.execute(params![
                r.message_id,
                delivered_at,
                read_at,
                failed_at,
                r.error_code.as_ref().filter(|_| failed),
                r.error.as_ref().filter(|_| failed),
                now,
                (!known).then_some(now),
            ])?;
            fates.push(fate(known, changed));
        }
    }
    tx.commit()?;
    Ok(fates)
}

/// The message ids of `receipts` that some recipient's row holds.
fn matched<'a>(conn: &Connection, receipts: &'a [Receipt]) -> rusqlite::Result<HashSet<&'a str>> {
    let mut found = HashSet::new();
    let mut missed = HashSet::new();
    let mut kept = conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM recipients WHERE message_id = ?1)")?;
    for r in receipts {
        if kept.query_row([&r.message_id], |row| row.get(0))? {
            found.insert(r.message_id.as_str());
        } else {
            missed.insert(r.message_id.as_str());
        }
    }
    if missed.is_empty() {
        return Ok(found);
    }
    let ids = serde_json::to_string(&missed).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let mut logged = conn.prepare_cached(
        "SELECT DISTINCT message_id FROM pending WHERE message_id IN (SELECT value FROM json_each(?1))",
    )?;
    for id in logged.query_map([ids], |row| row.get::<_, String>(0))? {
        if let Some(id) = missed.get(id?.as_str()) {
            found.insert(id);
        }
    }
    Ok(found)
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
