//! Reading a recipients CSV as a stream: UTF-8 with or without BOM, CRLF or LF, quoted fields
//! with commas and newlines, blank lines skipped, each record with the line it starts on.
//! Nothing but the record being read is held in memory, whatever the size of the file, and a
//! record (or a line of a plain list) longer than [`MAX_RECORD`] is an error: an unclosed quote
//! or a hostile file would otherwise be read whole as one field.

use memchr::memchr2_iter;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// The longest record read; a recipient's row takes a few hundred bytes.
pub const MAX_RECORD: u64 = 1 << 20;

/// Why a CSV file cannot be used at all.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    /// The file cannot be opened or read.
    #[error("cannot read {}: {}", .path.display(), io_reason(.source))]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
    /// The file has no header line.
    #[error("the file is empty: the first line must name the columns, e.g. `phone,first_name`")]
    Empty,
    /// The header line is not UTF-8.
    #[error("the header line is not valid UTF-8; save the file as UTF-8 (CSV UTF-8 in Excel)")]
    HeaderNotUtf8,
    /// A record is longer than [`MAX_RECORD`].
    #[error(
        "{}: the record starting on line {line} is longer than {} MiB; a row takes a few hundred bytes (is a quote left open?)",
        .path.display(),
        MAX_RECORD >> 20
    )]
    TooLong {
        /// The file.
        path: PathBuf,
        /// Where the record starts.
        line: u64,
    },
}

/// A short reason for an I/O error, without the OS error number.
pub fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::IsADirectory => "it is a directory".into(),
        _ => e.to_string(),
    }
}

/// A CSV file opened for reading, its header already read.
pub struct CsvReader {
    path: PathBuf,
    reader: csv::Reader<Tracked<File>>,
    headers: Vec<String>,
    /// Line breaks counted before the position of the last record found.
    newlines: u64,
}

/// One record as raw fields, with the line it starts on.
pub struct CsvRecord<'a> {
    /// 1-based line of the record's first byte.
    pub line: u64,
    /// The fields, not yet checked for UTF-8.
    pub fields: &'a csv::ByteRecord,
}

impl CsvReader {
    /// The field separator, read off the header line (the first line that is not blank, nor a
    /// comment where `comment` starts them): a comma, or the semicolon or tab a spreadsheet in
    /// many locales saves with when the header has no comma.
    fn delimiter(path: &Path, comment: Option<u8>) -> io::Result<u8> {
        let mut reader = io::BufReader::new(File::open(path)?);
        let mut header = Vec::new();
        while read_line(&mut reader, &mut header)? {
            let text = header.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&header).trim_ascii();
            if !text.is_empty() && comment.is_none_or(|c| text.first() != Some(&c)) {
                break;
            }
        }
        let count = |b: u8| header.iter().filter(|c| **c == b).count();
        Ok(match (count(b','), count(b';'), count(b'\t')) {
            (0, semi, tab) if semi > 0 && semi >= tab => b';',
            (0, _, tab) if tab > 0 => b'\t',
            _ => b',',
        })
    }

    /// Opens `path` and reads its header line.
    pub fn open(path: &Path) -> Result<CsvReader, CsvError> {
        CsvReader::open_as(path, None)
    }

    /// Opens `path`, where lines starting with `#` are comments, and reads its header line.
    pub fn open_with_comments(path: &Path) -> Result<CsvReader, CsvError> {
        CsvReader::open_as(path, Some(b'#'))
    }

    fn open_as(path: &Path, comment: Option<u8>) -> Result<CsvReader, CsvError> {
        let read = |source| CsvError::Read { path: path.to_path_buf(), source };
        let delimiter = Self::delimiter(path, comment).map_err(read)?;
        let file = File::open(path).map_err(read)?;
        let tracked = Tracked {
            inner: file,
            offset: 0,
            breaks: VecDeque::new(),
            bom_checked: false,
            limit: MAX_RECORD,
            overlong: false,
        };
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .comment(comment)
            .delimiter(delimiter)
            .from_reader(tracked);
        let header = match reader.byte_headers().cloned() {
            Ok(header) => header,
            Err(_) if reader.get_ref().overlong => return Err(CsvError::TooLong { path: path.to_path_buf(), line: 1 }),
            Err(e) => return Err(read(io::Error::other(e))),
        };
        if header.is_empty() || header.iter().all(<[u8]>::is_empty) {
            return Err(CsvError::Empty);
        }
        let headers = header
            .iter()
            .map(|f| std::str::from_utf8(f).map(|s| s.trim().to_string()).map_err(|_| CsvError::HeaderNotUtf8))
            .collect::<Result<_, _>>()?;
        Ok(CsvReader { path: path.to_path_buf(), reader, headers, newlines: 0 })
    }

    /// The column names, trimmed.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The index of a column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// Reads the next non-blank record into `record`; `Ok(None)` at the end of the file.
    pub fn next<'a>(&mut self, record: &'a mut csv::ByteRecord) -> Result<Option<CsvRecord<'a>>, CsvError> {
        loop {
            let from = self.reader.position().byte();
            self.reader.get_mut().limit = from + MAX_RECORD;
            let more = match self.reader.read_byte_record(record) {
                Ok(more) => more,
                Err(_) if self.reader.get_ref().overlong => {
                    return Err(CsvError::TooLong { path: self.path.clone(), line: self.line_at(from) });
                }
                Err(e) => return Err(CsvError::Read { path: self.path.clone(), source: io::Error::other(e) }),
            };
            if !more {
                return Ok(None);
            }
            let start = record.position().map_or(0, csv::Position::byte);
            let line = self.line_at(start);
            if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
                continue;
            }
            return Ok(Some(CsvRecord { line, fields: record }));
        }
    }

    /// The 1-based line of a record whose parse started at byte `offset`: the line breaks
    /// before it, plus those it starts with (the csv parser resumes on the break ending the
    /// previous record, and skips blank lines). CRLF, LF and a lone CR (classic-Mac files, which
    /// the csv parser reads as line ends too) each end one line.
    fn line_at(&mut self, offset: u64) -> u64 {
        let breaks = &mut self.reader.get_mut().breaks;
        // Whether the break at the front ends a line: all but the CR of a CRLF do. The LF of a
        // CRLF is always read by then: the parser has read past any break before `offset`, and
        // a record starting on a CR holds the byte after it.
        let ends_line =
            |breaks: &VecDeque<(u64, bool)>, at: u64, newline: bool| newline || breaks.get(1) != Some(&(at + 1, true));
        while let Some(&(at, newline)) = breaks.front() {
            if at >= offset {
                break;
            }
            self.newlines += u64::from(ends_line(breaks, at, newline));
            breaks.pop_front();
        }
        let mut at = offset;
        while let Some(&(pos, newline)) = breaks.front() {
            if pos != at {
                break;
            }
            self.newlines += u64::from(ends_line(breaks, at, newline));
            breaks.pop_front();
            at += 1;
        }
        self.newlines + 1
    }
}

/// Reads the next line of `reader` into `line` (cleared first, without its end); `false` at
/// the end of the input. A line ends at LF, CRLF or a lone CR (classic-Mac line ends). At most
/// [`MAX_RECORD`] + 1 bytes are kept: a longer line comes back that long, for the caller to
/// refuse, and the rest of it is not read.
pub fn read_line(reader: &mut impl io::BufRead, line: &mut Vec<u8>) -> io::Result<bool> {
    line.clear();
    let cap = MAX_RECORD as usize + 1;
    let mut read_any = false;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(read_any);
        }
        read_any = true;
        let end = buf.iter().position(|b| matches!(b, b'\n' | b'\r'));
        let take = end.unwrap_or(buf.len());
        line.extend_from_slice(&buf[..take.min(cap.saturating_sub(line.len()))]);
        let Some(end) = end else {
            reader.consume(take);
            if line.len() >= cap {
                return Ok(true);
            }
            continue;
        };
        let cr = buf[end] == b'\r';
        reader.consume(end + 1);
        if cr && reader.fill_buf()?.first() == Some(&b'\n') {
            reader.consume(1);
        }
        return Ok(true);
    }
}

/// The fields of a record as text aligned with `width` columns: `None` for empty or missing
/// cells, `Err(())` when a field is not UTF-8.
pub fn values(fields: &csv::ByteRecord, width: usize) -> Result<Vec<Option<String>>, NotUtf8> {
    (0..width).map(|i| field(fields, i)).collect()
}

/// One field as trimmed text; `None` when empty or missing.
pub fn field(fields: &csv::ByteRecord, i: usize) -> Result<Option<String>, NotUtf8> {
    match fields.get(i).map(std::str::from_utf8) {
        Some(Ok(s)) => Ok(Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_string)),
        Some(Err(_)) => Err(NotUtf8),
        None => Ok(None),
    }
}

/// A record with a field that is not UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotUtf8;

/// Whether every field of a record is UTF-8.
pub fn is_utf8(fields: &csv::ByteRecord) -> bool {
    fields.iter().all(|f| std::str::from_utf8(f).is_ok())
}

/// A reader that strips a UTF-8 BOM and remembers where the line breaks are in what it has
/// handed to the csv parser but the caller has not yet passed, so each record gets its true line.
struct Tracked<R> {
    inner: R,
    /// Bytes handed out so far.
    offset: u64,
    /// Offsets of `\r` (false) and `\n` (true) bytes not yet counted.
    breaks: VecDeque<(u64, bool)>,
    bom_checked: bool,
    /// Nothing is handed out past this offset: the record being read would be too long.
    limit: u64,
    /// Whether a read was refused for the limit.
    overlong: bool,
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let room = self.limit.saturating_sub(self.offset);
        if room == 0 {
            self.overlong = true;
            return Err(io::Error::new(io::ErrorKind::InvalidData, "the record is too long"));
        }
        let take = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let buf = &mut buf[..take];
        let mut n = self.inner.read(buf)?;
        if !self.bom_checked {
            // A BOM arrives whole in the first read of a file (reads are ≥ 3 bytes here).
            self.bom_checked = true;
            if buf[..n].starts_with(b"\xEF\xBB\xBF") {
                buf.copy_within(3..n, 0);
                n -= 3;
            }
        }
        for i in memchr2_iter(b'\r', b'\n', &buf[..n]) {
            self.breaks.push_back((self.offset + i as u64, buf[i] == b'\n'));
        }
        self.offset += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Headers, readable rows with their line, and lines of rows that are not UTF-8.
    type Read = (Vec<String>, Vec<(u64, Vec<Option<String>>)>, Vec<u64>);

    fn read_all(bytes: &[u8]) -> Result<Read, CsvError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        std::fs::write(&path, bytes).unwrap();
        let mut r = CsvReader::open(&path)?;
        let width = r.headers().len();
        let (mut rows, mut bad) = (vec![], vec![]);
        let mut record = csv::ByteRecord::new();
        while let Some(rec) = r.next(&mut record)? {
            match values(rec.fields, width) {
                Ok(v) => rows.push((rec.line, v)),
                Err(NotUtf8) => bad.push(rec.line),
            }
        }
        Ok((r.headers().to_vec(), rows, bad))
    }

    #[test]
    fn handles_bom_crlf_quotes_newlines_blank_lines() {
        let src =
            "\u{feff}phone,name,note\r\n+254712345678,\"Doe, Jane\",\"two\r\nlines\"\r\n\r\n+254712345679,Bob,\r\n";
        let (headers, rows, _) = read_all(src.as_bytes()).unwrap();
        assert_eq!(headers, ["phone", "name", "note"]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].0, 2);
        assert_eq!(rows[0].1[1].as_deref(), Some("Doe, Jane"));
        assert_eq!(rows[0].1[2].as_deref(), Some("two\r\nlines"));
        assert_eq!(rows[1].0, 5);
        assert_eq!(rows[1].1[2], None);
    }

    #[test]
    fn reports_short_rows_as_missing_cells_and_non_utf8_rows_by_line() {
        let mut src = b"phone,name\n+254712345678\n\n\n+254712345679,a,b\n".to_vec();
        src.extend_from_slice(b"+254712345670,\xff\xfe\n");
        let (_, rows, bad) = read_all(&src).unwrap();
        assert_eq!(rows[0], (2, vec![Some("+254712345678".into()), None]));
        assert_eq!(rows[1].0, 5);
        assert_eq!(bad, [6]);
    }

    #[test]
    fn refuses_an_empty_file_or_binary_header() {
        assert!(matches!(read_all(b""), Err(CsvError::Empty)));
        assert!(matches!(read_all(b"ph\xffone\n1\n"), Err(CsvError::HeaderNotUtf8)));
        let missing = CsvReader::open(Path::new("/nonexistent/x.csv")).err().unwrap();
        assert_eq!(missing.to_string(), "cannot read /nonexistent/x.csv: no such file");
    }

    #[test]
    fn a_record_longer_than_the_limit_is_refused_but_a_long_file_is_not() {
        let mut src = b"phone,note\n+254712345678,ok\n+254712345679,\"".to_vec();
        src.resize(src.len() + (2 << 20), b'x');
        let e = read_all(&src).err().unwrap();
        assert!(matches!(e, CsvError::TooLong { line: 3, .. }), "{e}");
        assert!(e.to_string().contains("the record starting on line 3 is longer than 1 MiB"), "{e}");
        let mut header = vec![b'h'; 2 << 20];
        header.extend_from_slice(b"\n1\n");
        assert!(matches!(read_all(&header), Err(CsvError::TooLong { line: 1, .. })));
        let mut many = String::from("phone,note\n");
        while many.len() < 3 << 20 {
            many.push_str("+254712345678,a note of some length to fill the file\n");
        }
        let (_, rows, _) = read_all(many.as_bytes()).unwrap();
        assert_eq!(rows.len(), (many.lines().count() - 1));
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line() {
        // Excel for Mac's "CSV (Macintosh)" ends lines with CR alone: every row was "line 1".
        let (headers, rows, _) = read_all(b"phone;name\r+254712345678;a\r\r+254712345679;\"b\rc\"\r\n1;d\r").unwrap();
        assert_eq!(headers, ["phone", "name"]);
        let lines: Vec<u64> = rows.iter().map(|r| r.0).collect();
        assert_eq!(lines, [2, 4, 6]);
        assert_eq!(rows[1].1[1].as_deref(), Some("b\rc"));
    }

    #[test]
    fn line_numbers_hold_across_buffer_boundaries() {
        let mut src = String::from("phone,note\n");
        for i in 0..5000 {
            if i % 7 == 0 {
                src.push_str("\r\n");
            }
            src.push_str(&format!("+2547{:08},\"a\nb\"\n", 10_000_000 + i));
        }
        let (_, rows, _) = read_all(src.as_bytes()).unwrap();
        let mut expected_line = 2;
        for (i, (line, _)) in rows.iter().enumerate() {
            if i % 7 == 0 {
                expected_line += 1;
            }
            assert_eq!(*line, expected_line, "row {i}");
            expected_line += 2;
        }
    }

    proptest::proptest! {
        #[test]
        fn any_field_round_trips_through_csv_quoting(s in "[^\\x00]{0,40}") {
            let mut w = csv::Writer::from_writer(vec![]);
            w.write_record(["phone", "v"]).unwrap();
            w.write_record(["+254712345678", s.as_str()]).unwrap();
            let (_, rows, _) = read_all(&w.into_inner().unwrap()).unwrap();
            let want = Some(s.trim()).filter(|x| !x.is_empty()).map(str::to_string);
            proptest::prop_assert_eq!(&rows[0].1[1], &want);
        }
    }
}
