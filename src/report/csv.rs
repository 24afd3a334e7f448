//! `results.csv`: one row per recipient, written as each record arrives.

use crate::results::Record;
use std::io::Write;

/// The columns, in order.
pub const COLUMNS: [&str; 16] = [
    "phone",
    "csv_line",
    "status",
    "message_id",
    "http_status",
    "error_code",
    "error_message",
    "attempts",
    "latency_ms",
    "timestamp",
    "sender",
    "delivery",
    "delivered_at",
    "read_at",
    "delivery_error_code",
    "delivery_error",
];

/// The I/O error under a csv error (so a closed pipe is still seen as one).
fn io(e: ::csv::Error) -> std::io::Error {
    match e.into_kind() {
        ::csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

/// A `results.csv` being written.
pub struct ResultsCsv {
    w: ::csv::Writer<Box<dyn Write + Send>>,
}

impl ResultsCsv {
    /// Starts the file with its header line.
    pub fn new(out: Box<dyn Write + Send>) -> std::io::Result<ResultsCsv> {
        let mut w = ::csv::Writer::from_writer(out);
        w.write_record(COLUMNS).map_err(io)?;
        Ok(ResultsCsv { w })
    }

    /// Appends one recipient's row.
    pub fn write(&mut self, rec: &Record) -> std::io::Result<()> {
        let number = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
        let time = |t: Option<jiff::Timestamp>| t.map(crate::results::timestamp).unwrap_or_default();
        let receipts = rec.receipts.as_ref();
        self.w
            .write_record([
                rec.recipient.as_str(),
                &number(rec.csv_line),
                rec.status.as_str(),
                rec.message_id.as_deref().unwrap_or_default(),
                &number(rec.http_status.map(u64::from)),
                &rec.error_code.as_ref().map(|c| c.as_str().into_owned()).unwrap_or_default(),
                rec.error_message.as_deref().unwrap_or_default(),
                &rec.attempts.to_string(),
                &number(rec.latency_ms),
                &crate::results::timestamp(rec.timestamp),
                rec.sender.as_deref().unwrap_or_default(),
                receipts.and_then(|r| r.delivery()).map_or("", |d| d.as_str()),
                &time(receipts.and_then(|r| r.delivered_at)),
                &time(receipts.and_then(|r| r.read_at)),
                receipts.and_then(|r| r.error_code.as_deref()).unwrap_or_default(),
                receipts.and_then(|r| r.error.as_deref()).unwrap_or_default(),
            ])
            .map_err(io)
    }

    /// Flushes what is buffered.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.w.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::records;
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A destination tests can read back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn one_row_per_recipient_with_quoting() {
        let out = Shared::default();
        let mut csv = ResultsCsv::new(Box::new(out.clone())).unwrap();
        let mut records = records();
        let mut receipts = crate::receipts::Receipts::default();
        let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
        receipts.add(crate::receipts::Delivery::Read, at("2026-11-21T10:05:00Z"), None, None);
        receipts.add(crate::receipts::Delivery::Delivered, at("2026-11-21T10:01:00Z"), None, None);
        records[0].receipts = Some(receipts.clone());
        receipts.add(crate::receipts::Delivery::Failed, at("2026-11-21T10:06:00Z"), Some("131049"), Some("held, back"));
        records[1].status = crate::results::Status::Sent;
        records[1].receipts = Some(receipts);
        for r in records {
            csv.write(&r).unwrap();
        }
        csv.finish().unwrap();
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        let mut rows = ::csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<_> = rows.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 5);
        assert_eq!(&rows[2][2], "failed");
        assert_eq!(&rows[2][6], "error 131026, with \"quotes\", <tags> & commas");
        assert_eq!(
            rows[0].iter().skip(11).collect::<Vec<_>>(),
            ["read", "2026-11-21T10:01:00.000Z", "2026-11-21T10:05:00.000Z", "", ""]
        );
        assert_eq!(
            rows[1].iter().skip(11).collect::<Vec<_>>(),
            ["failed", "2026-11-21T10:01:00.000Z", "2026-11-21T10:05:00.000Z", "131049", "held, back"]
        );
        assert_eq!(rows[2].iter().skip(11).collect::<Vec<_>>(), ["", "", "", "", ""], "no receipt: empty");
        assert_eq!(&rows[0][9], "2026-11-21T10:00:00.000Z");
        assert!(text.starts_with(
            "phone,csv_line,status,message_id,http_status,error_code,error_message,attempts,latency_ms,timestamp,sender,\
             delivery,delivered_at,read_at,delivery_error_code,delivery_error\n"
        ));
    }
}
