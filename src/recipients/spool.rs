//! The verdict of the audience scan for every row, kept in a temporary file so later passes
//! (rendering, sending, reporting) read it back instead of normalising every number again, and
//! nothing of the size of the audience stays in memory. Each entry is the row's line (to check
//! that later passes read the same rows) and its verdict: a phone key, or why the row is left out.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::sync::Arc;

/// Bytes per entry: a `u32` line and a `u64` verdict.
const ENTRY: usize = 12;

/// The bit that marks an id's hash: phone keys (at most 17 digits, see [`crate::phone::Phone::key`]) never reach it.
const ID: u64 = 1 << 63;

/// The bit that marks a suppressed number's key (below [`ID`], far above any phone key).
const SUPPRESSED: u64 = 1 << 62;

/// What the scan decided about one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Left out by the filter: `tags`, `exclude_tags` or `where`.
    Filtered,
    /// No phone number, or not a valid one.
    Invalid,
    /// On a suppression list, with the number's key (a repeat of it is a duplicate).
    Suppressed(u64),
    /// A field is not UTF-8.
    Unreadable,
    /// A valid number, as its compact key (see [`crate::phone::Phone::key`]).
    Phone(u64),
    /// A provider-side id (a group's, a contact's), as a 63-bit hash of it (duplicates are
    /// found by key, as for numbers).
    Id(u64),
}

impl Verdict {
    /// Keys of real numbers are far above these codes (the shortest E.164 number has 8 digits).
    fn encode(self) -> u64 {
        match self {
            Verdict::Filtered => 0,
            Verdict::Invalid => 1,
            Verdict::Suppressed(key) => SUPPRESSED | key,
            Verdict::Unreadable => 3,
            Verdict::Phone(key) => key,
            Verdict::Id(hash) => ID | hash,
        }
    }

    fn decode(code: u64) -> Verdict {
        match code {
            0 => Verdict::Filtered,
            1 => Verdict::Invalid,
            3 => Verdict::Unreadable,
            hash if hash & ID != 0 => Verdict::Id(hash & !ID),
            key if key & SUPPRESSED != 0 => Verdict::Suppressed(key & !SUPPRESSED),
            key => Verdict::Phone(key),
        }
    }
}

/// Writes a spool.
pub struct SpoolWriter {
    file: BufWriter<File>,
    entries: u64,
}

/// A finished spool, readable any number of times, also from several threads.
#[derive(Debug, Clone)]
pub struct Spool {
    file: Arc<File>,
    entries: u64,
}

impl SpoolWriter {
    /// A new spool in an anonymous temporary file (removed when the last handle closes).
    pub fn new() -> io::Result<SpoolWriter> {
        Ok(SpoolWriter { file: BufWriter::with_capacity(1 << 16, tempfile::tempfile()?), entries: 0 })
    }

    /// Appends the verdict for the row on `line`.
    pub fn push(&mut self, line: u64, verdict: Verdict) -> io::Result<()> {
        let mut entry = [0u8; ENTRY];
        entry[..4].copy_from_slice(&(line as u32).to_le_bytes());
        entry[4..].copy_from_slice(&verdict.encode().to_le_bytes());
        self.entries += 1;
        self.file.write_all(&entry)
    }

    /// Closes the writing side.
    pub fn finish(self) -> io::Result<Spool> {
        let file = self.file.into_inner().map_err(io::IntoInnerError::into_error)?;
        Ok(Spool { file: Arc::new(file), entries: self.entries })
    }
}

impl Spool {
    /// Reads the entries from the start.
    pub fn reader(&self) -> SpoolReader {
        SpoolReader { file: self.file.clone(), offset: 0, buf: Vec::new(), at: 0, left: self.entries }
    }
}

/// Reads a spool front to back with its own position.
pub struct SpoolReader {
    file: Arc<File>,
    offset: u64,
    buf: Vec<u8>,
    at: usize,
    left: u64,
}

impl SpoolReader {
    /// The next entry: the row's line (modulo 2³²) and its verdict; `None` after the last.
    pub fn next(&mut self) -> io::Result<Option<(u32, Verdict)>> {
        if self.left == 0 {
            return Ok(None);
        }
        if self.at == self.buf.len() {
            let n = (self.left as usize).min(4096) * ENTRY;
            self.buf.resize(n, 0);
            read_exact_at(&self.file, &mut self.buf, self.offset)?;
            self.offset += n as u64;
            self.at = 0;
        }
        let entry = &self.buf[self.at..self.at + ENTRY];
        self.at += ENTRY;
        self.left -= 1;
        let line = u32::from_le_bytes(entry[..4].try_into().unwrap_or_default());
        let code = u64::from_le_bytes(entry[4..].try_into().unwrap_or_default());
        Ok(Some((line, Verdict::decode(code))))
    }
}

/// Reads `buf.len()` bytes at `offset`, without moving a shared file position.
#[cfg(unix)]
pub(super) fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

/// Reads `buf.len()` bytes at `offset`, without moving a shared file position.
#[cfg(windows)]
pub(super) fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_what_was_written_with_independent_readers() {
        let mut w = SpoolWriter::new().unwrap();
        let verdicts = [Verdict::Filtered, Verdict::Invalid, Verdict::Unreadable];
        let verdict = |i: u64| match i % 6 {
            3 => Verdict::Suppressed(254_700_000_000 + i),
            4 => Verdict::Phone(254_700_000_000 + i),
            5 => Verdict::Id((u64::MAX >> 1) - i),
            n => verdicts[n as usize],
        };
        for i in 0..10_000u64 {
            w.push(i + 2, verdict(i)).unwrap();
        }
        let spool = w.finish().unwrap();
        let (mut a, mut b) = (spool.reader(), spool.reader());
        for i in 0..10_000u64 {
            let (line, v) = a.next().unwrap().unwrap();
            assert_eq!((u64::from(line), v), (i + 2, verdict(i)));
            assert_eq!(b.next().unwrap().unwrap().1, v);
        }
        assert!(a.next().unwrap().is_none());
    }
}
