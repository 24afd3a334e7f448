//! The PostgreSQL journal's delivery receipts (see [`crate::journal::receipt`] for how they
//! fold): a batch recorded in one transaction, the sweep of receipts matching no recipient,
//! and the funnel and the list of messages awaiting a receipt, counted by the database. Any
//! number of listeners may record at once: a batch is written in message id order, so two
//! batches touching the same messages wait for each other instead of deadlocking.

use crate::journal::receipt::{self, Awaiting, Delivery, Fate, MATCHED, Receipt, UPSERT, fate, sql, times};
use crate::journal::{JournalError, millis};
use crate::receipts::Funnel;
use postgres::Client;
use std::collections::HashSet;

/// Records `receipts` in one transaction; what became of each, in their order.
pub fn record(client: &mut Client, receipts: &[Receipt]) -> Result<Vec<Fate>, JournalError> {
    let now = millis(jiff::Timestamp::now());
    let mut order: Vec<usize> = (0..receipts.len()).collect();
    order.sort_by(|a, b| receipts[*a].message_id.cmp(&receipts[*b].message_id));
    let ids: Vec<&str> = order.iter().map(|i| receipts[*i].message_id.as_str()).collect();
    let mut tx = client.transaction()?;
    let matched: HashSet<String> = tx
        .query("SELECT DISTINCT message_id FROM recipients WHERE message_id = ANY($1)", &[&ids])?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let upsert = tx.prepare(&sql(UPSERT, false))?;
    let mut fates = vec![Fate::Unknown; receipts.len()];
    for i in order {
        let r = &receipts[i];
        let known = matched.contains(&r.message_id);
        let failed = r.delivery == Delivery::Failed;
        let [delivered_at, read_at, failed_at] = times(r);
        let (code, error) = (r.error_code.as_ref().filter(|_| failed), r.error.as_ref().filter(|_| failed));
        let unmatched = (!known).then_some(now);
        let changed = tx
            .execute(&upsert, &[&r.message_id, &delivered_at, &read_at, &failed_at, &code, &error, &now, &unmatched])?;
        fates[i] = fate(known, usize::try_from(changed).unwrap_or(1));
    }
    tx.commit()?;
    Ok(fates)
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

/// Up to `limit` of `campaign`'s accepted messages with no final receipt, after `after`.
pub fn awaiting(client: &mut Client, campaign: &str, after: &str, limit: usize) -> Result<Vec<Awaiting>, JournalError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = client.query(&receipt::awaiting("recipients r"), &[&campaign, &after, &limit])?;
    Ok(rows.iter().map(|r| Awaiting { recipient: r.get(0), message_id: r.get(1), sender: r.get(2) }).collect())
}
