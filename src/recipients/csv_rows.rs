//! Reading a recipients CSV: UTF-8 with or without BOM, CRLF or LF, quoted fields with commas
//! and newlines, blank lines skipped, ragged and non-UTF-8 rows reported by line.

use std::path::Path;

/// A CSV file read into memory, records kept with their line numbers.
#[derive(Debug, Clone, Default)]
pub struct CsvTable {
    /// Column names, trimmed.
    pub headers: Vec<String>,
    /// Records that could be read.
    pub rows: Vec<CsvRow>,
    /// Records that could not be read: line and why.
    pub bad_rows: Vec<(u64, String)>,
    /// Records whose field count differs from the header's: line, fields found.
    pub ragged: Vec<(u64, usize)>,
}

/// One readable record.
#[derive(Debug, Clone)]
pub struct CsvRow {
    /// 1-based line where the record starts.
    pub line: u64,
    /// Values aligned with the headers; `None` for empty or missing cells.
    pub values: Vec<Option<String>>,
}

impl CsvTable {
    /// The index of a column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }
}

/// Reads a CSV file. The error is a sentence for the user (unreadable file or header).
pub fn read_csv(path: &Path) -> Result<CsvTable, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {}", path.display(), io_reason(&e)))?;
    parse_csv(&bytes)
}

/// A short reason for an I/O error, without the OS error number.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "it is a directory".into(),
        _ => e.to_string(),
    }
}

/// Parses CSV bytes.
pub fn parse_csv(bytes: &[u8]) -> Result<CsvTable, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).has_headers(true).from_reader(bytes);
    let header = reader.byte_headers().map_err(|e| format!("cannot read the header line: {e}"))?.clone();
    if header.is_empty() || header.iter().all(<[u8]>::is_empty) {
        return Err("the file is empty: the first line must name the columns, e.g. `phone,first_name`".into());
    }
    let mut table = CsvTable::default();
    for field in header.iter() {
        let name = std::str::from_utf8(field).map_err(|_| {
            "the header line is not valid UTF-8; save the file as UTF-8 (CSV UTF-8 in Excel)".to_string()
        })?;
        table.headers.push(name.trim().to_string());
    }
    let mut record = csv::ByteRecord::new();
    // The csv crate's own line numbers skip blank lines and CRLF endings; count newlines up
    // to each record's first byte instead.
    let (mut counted_to, mut newlines) = (0usize, 0u64);
    let mut line_at = |offset: u64| {
        // The offset is where parsing resumed: step over the line breaks before the record.
        let mut offset = (offset as usize).min(bytes.len());
        while offset < bytes.len() && matches!(bytes[offset], b'\r' | b'\n') {
            offset += 1;
        }
        newlines += bytes[counted_to..offset].iter().filter(|&&b| b == b'\n').count() as u64;
        counted_to = offset;
        newlines + 1
    };
    loop {
        let line = line_at(reader.position().byte());
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                table.bad_rows.push((line, format!("cannot be read as CSV: {e}")));
                continue;
            }
        }
        let line = record.position().map_or(line, |p| line_at(p.byte()));
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        if record.len() != table.headers.len() {
            table.ragged.push((line, record.len()));
        }
        let mut values = Vec::with_capacity(table.headers.len());
        let mut utf8_ok = true;
        for i in 0..table.headers.len() {
            let value = match record.get(i).map(std::str::from_utf8) {
                Some(Ok(s)) => Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_string),
                Some(Err(_)) => {
                    utf8_ok = false;
                    None
                }
                None => None,
            };
            values.push(value);
        }
        if !utf8_ok {
            table.bad_rows.push((line, "is not valid UTF-8; save the file as UTF-8 (CSV UTF-8 in Excel)".into()));
            continue;
        }
        table.rows.push(CsvRow { line, values });
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_bom_crlf_quotes_newlines_blank_lines() {
        let src =
            "\u{feff}phone,name,note\r\n+254712345678,\"Doe, Jane\",\"two\r\nlines\"\r\n\r\n+254712345679,Bob,\r\n";
        let t = parse_csv(src.as_bytes()).unwrap();
        assert_eq!(t.headers, ["phone", "name", "note"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].values[1].as_deref(), Some("Doe, Jane"));
        assert_eq!(t.rows[0].values[2].as_deref(), Some("two\r\nlines"));
        assert_eq!(t.rows[1].line, 5);
        assert_eq!(t.rows[1].values[2], None);
    }

    #[test]
    fn reports_ragged_and_non_utf8_rows_by_line() {
        let mut src = b"phone,name\n+254712345678\n+254712345679,a,b\n".to_vec();
        src.extend_from_slice(b"+254712345670,\xff\xfe\n");
        let t = parse_csv(&src).unwrap();
        assert_eq!(t.ragged, [(2, 1), (3, 3)]);
        assert_eq!(t.rows[0].values, [Some("+254712345678".into()), None]);
        assert_eq!(t.bad_rows.len(), 1);
        assert_eq!(t.bad_rows[0].0, 4);
    }

    #[test]
    fn refuses_an_empty_file_or_binary_header() {
        assert!(parse_csv(b"").unwrap_err().contains("empty"));
        assert!(parse_csv(b"ph\xffone\n1\n").unwrap_err().contains("UTF-8"));
    }

    proptest::proptest! {
        #[test]
        fn any_field_round_trips_through_csv_quoting(s in "[^\\x00]{0,40}") {
            let mut w = csv::Writer::from_writer(vec![]);
            w.write_record(["phone", "v"]).unwrap();
            w.write_record(["+254712345678", s.as_str()]).unwrap();
            let t = parse_csv(&w.into_inner().unwrap()).unwrap();
            let want = Some(s.trim()).filter(|x| !x.is_empty()).map(str::to_string);
            proptest::prop_assert_eq!(&t.rows[0].values[1], &want);
        }
    }
}
