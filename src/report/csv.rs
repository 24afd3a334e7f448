//! `results.csv`: one row per recipient.

use super::Report;

/// The CSV text.
pub fn results_csv(r: &Report) -> std::io::Result<String> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record([
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
    ])?;
    for rec in &r.records {
        let opt = |v: Option<String>| v.unwrap_or_default();
        w.write_record([
            rec.recipient.clone(),
            opt(rec.csv_line.map(|l| l.to_string())),
            rec.status.as_str().to_string(),
            opt(rec.message_id.clone()),
            opt(rec.http_status.map(|s| s.to_string())),
            opt(rec.error_code.clone()),
            opt(rec.error_message.clone()),
            rec.attempts.to_string(),
            opt(rec.latency_ms.map(|l| l.to_string())),
            rec.timestamp.clone(),
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8(bytes).expect("written from strings"))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::report;
    use super::*;

    #[test]
    fn one_row_per_recipient_with_quoting() {
        let text = results_csv(&report()).unwrap();
        let mut rows = ::csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<_> = rows.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 5);
        assert_eq!(&rows[1][2], "failed");
        assert_eq!(&rows[1][6], "error 131026, with \"quotes\", <tags> & commas");
        assert!(text.starts_with(
            "phone,csv_line,status,message_id,http_status,error_code,error_message,attempts,latency_ms,timestamp\n"
        ));
    }
}
