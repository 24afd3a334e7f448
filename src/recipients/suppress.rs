//! The suppression list: numbers never to message (opt-outs). A CSV with a phone column, or a
//! plain file with one number per line; blank lines and `#` comments are ignored in both.
//! Numbers are kept as compact keys, so even a large opt-out list costs 8 bytes a number.

use super::csv_rows::{CsvError, CsvReader, MAX_RECORD, field, read_line};
use crate::phone::{PhoneError, normalize};
use rlibphonenumber::Region;
use std::collections::HashSet;
use std::io::BufReader;
use std::path::Path;

/// Numbers read from one suppression file, and the lines that held no valid number.
#[derive(Debug, Default)]
pub struct Suppression {
    /// Compact keys of the numbers.
    pub keys: HashSet<u64>,
    /// Lines that could not be read as a number.
    pub invalid: Vec<(u64, PhoneError)>,
}

/// A line as text, without a BOM or surrounding blanks; `None` when blank or a `#` comment.
fn content(line: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(line);
    let text = text.trim_start_matches('\u{feff}').trim();
    (!text.is_empty() && !text.starts_with('#')).then(|| text.to_string())
}

/// Reads a suppression file. `phone_column` names the column when the file is a CSV.
pub fn read_suppression(path: &Path, phone_column: &str, region: Option<Region>) -> Result<Suppression, CsvError> {
    let read = |source| CsvError::Read { path: path.to_path_buf(), source };
    let open = || std::fs::File::open(path).map(BufReader::new).map_err(read);
    let mut is_csv = false;
    let too_long = |line| CsvError::TooLong { path: path.to_path_buf(), line };
    let mut line = Vec::new();
    let mut n = 0;
    let mut reader = open()?;
    while read_line(&mut reader, &mut line).map_err(read)? {
        n += 1;
        if line.len() as u64 > MAX_RECORD {
            return Err(too_long(n));
        }
        if let Some(text) = content(&line) {
            // A spreadsheet saves with commas, or semicolons or tabs in many locales.
            is_csv = text.split([',', ';', '\t']).any(|c| c.trim().trim_matches('"') == phone_column);
            break;
        }
    }
    let mut out = Suppression::default();
    let mut add = |line: u64, raw: &str| match normalize(raw, region) {
        Ok(p) => {
            out.keys.insert(p.key());
        }
        Err(why) => out.invalid.push((line, why)),
    };
    if is_csv {
        let mut csv = CsvReader::open_with_comments(path)?;
        let col = csv.column(phone_column).unwrap_or(0);
        let mut record = csv::ByteRecord::new();
        while let Some(rec) = csv.next(&mut record)? {
            if let Ok(Some(raw)) = field(rec.fields, col) {
                add(rec.line, &raw);
            }
        }
    } else {
        let mut reader = open()?;
        let mut n = 0;
        while read_line(&mut reader, &mut line).map_err(read)? {
            n += 1;
            if line.len() as u64 > MAX_RECORD {
                return Err(too_long(n));
            }
            if let Some(raw) = content(&line) {
                add(n, &raw);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::parse_region;

    fn read(text: &str) -> Suppression {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.txt");
        std::fs::write(&path, text).unwrap();
        read_suppression(&path, "phone", parse_region("KE")).unwrap()
    }

    #[test]
    fn reads_plain_lists_with_comments() {
        let s = read("# opted out\n+254712345678\n\n0712 345 679\nnot a number\n");
        assert_eq!(s.keys.len(), 2);
        assert!(s.keys.contains(&normalize("+254712345679", None).unwrap().key()));
        assert_eq!(s.invalid.len(), 1);
        assert_eq!(s.invalid[0].0, 5);
    }

    #[test]
    fn a_line_without_end_is_refused_not_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.txt");
        let mut text = b"+254712345678\n".to_vec();
        text.resize(3 << 20, b'7');
        std::fs::write(&path, text).unwrap();
        let e = read_suppression(&path, "phone", None).unwrap_err();
        assert!(matches!(e, CsvError::TooLong { line: 2, .. }), "{e}");
        text = b"phone\n+254712345678\n".to_vec();
        text.resize(3 << 20, b'7');
        std::fs::write(&path, text).unwrap();
        let e = read_suppression(&path, "phone", None);
        assert!(matches!(e, Err(CsvError::TooLong { line: 3, .. })), "{e:?}");
    }

    #[test]
    fn reads_lists_with_classic_mac_line_ends() {
        // Every number on one "line" once made the whole list one invalid number.
        let s = read("# opted out\r+254712345678\r\r0712 345 679\r\nnot a number\r");
        assert_eq!(s.keys.len(), 2);
        assert_eq!(s.invalid.len(), 1);
        assert_eq!(s.invalid[0].0, 5);
        assert_eq!(read("name,phone\rA,+254712345678\rB,0712 345 679\r").keys.len(), 2);
    }

    #[test]
    fn reads_csv_with_a_phone_column() {
        let s = read("name,phone\nA,+254712345678\nB,\n");
        assert_eq!(s.keys.len(), 1);
    }

    #[test]
    fn reads_csv_separated_by_semicolons_or_tabs() {
        // Such a list once read as plain lines, each an invalid number: nobody was suppressed.
        for text in [
            "phone;reason\n+254712345678;STOP\n0712 345 679;\n",
            "# exported by the CRM\nphone\treason\n+254712345678\tSTOP\n0712 345 679\t\n",
        ] {
            let s = read(text);
            assert_eq!((s.keys.len(), s.invalid.len()), (2, 0), "{text:?}");
        }
    }

    #[test]
    fn a_csv_may_start_with_comments() {
        let s = read(
            "# exported 2026-11-01\n# by the CRM\nname,phone\nA,+254712345678\n# B opted back in\nC,+254712345679\n",
        );
        assert_eq!(s.keys.len(), 2);
        assert!(s.invalid.is_empty());
    }
}
