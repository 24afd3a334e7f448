//! The suppression list: numbers never to message (opt-outs). A CSV with a phone column, or a
//! plain file with one number per line (blank lines and `#` comments ignored).

use super::csv_rows::{io_reason, parse_csv};
use crate::phone::{Phone, normalize};
use rlibphonenumber::Region;
use std::collections::HashSet;
use std::path::Path;

/// Numbers read from one suppression file, and the lines that held no valid number.
#[derive(Debug, Default)]
pub struct Suppression {
    /// Normalised numbers.
    pub numbers: HashSet<Phone>,
    /// Lines that could not be read as a number: line, reason.
    pub invalid: Vec<(u64, String)>,
}

/// Reads a suppression file. `phone_column` names the column when the file is a CSV.
pub fn read_suppression(path: &Path, phone_column: &str, region: Option<Region>) -> Result<Suppression, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {}", path.display(), io_reason(&e)))?;
    let text = String::from_utf8_lossy(&bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let first = text.lines().find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let is_csv = first.is_some_and(|l| l.split(',').any(|c| c.trim().trim_matches('"') == phone_column));
    let mut out = Suppression::default();
    let mut add = |line: u64, raw: &str| match normalize(raw, region) {
        Ok(p) => {
            out.numbers.insert(p);
        }
        Err(why) => out.invalid.push((line, why)),
    };
    if is_csv {
        let table = parse_csv(text.as_bytes())?;
        let col = table.column(phone_column).expect("checked above");
        for row in &table.rows {
            if let Some(raw) = &row.values[col] {
                add(row.line, raw);
            }
        }
    } else {
        for (i, line) in text.lines().enumerate() {
            let raw = line.trim();
            if !raw.is_empty() && !raw.starts_with('#') {
                add(i as u64 + 1, raw);
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
        assert_eq!(s.numbers.len(), 2);
        assert!(s.numbers.contains(&normalize("+254712345679", None).unwrap()));
        assert_eq!(s.invalid.len(), 1);
        assert_eq!(s.invalid[0].0, 5);
    }

    #[test]
    fn reads_csv_with_a_phone_column() {
        let s = read("name,phone\nA,+254712345678\nB,\n");
        assert_eq!(s.numbers.len(), 1);
    }
}
