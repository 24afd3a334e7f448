//! Finding duplicate phone numbers in bounded memory, however many rows and however many of them
//! repeat. The scan pushes every valid number as a compact key with its row's position; pairs
//! are sorted in fixed-size chunks (spilled to temporary files) and merged, which lines up each
//! number's rows. Every row after a number's first is then a duplicate of that first row: those
//! (row, first row) pairs are sorted by row the same way into a file, which later passes read in
//! step with the rows.

use super::spool::read_exact_at;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::sync::Arc;

/// Pairs sorted in memory before a chunk is spilled: 2 MiB (10M rows make 80 runs, each read
/// back through an 8 KiB buffer).
const CHUNK: usize = 128 * 1024;

/// Bytes per pair on disk.
const PAIR: usize = 16;

/// Sorts `(u64, u64)` pairs in bounded memory.
pub struct Sorter {
    chunk: Vec<(u64, u64)>,
    runs: Vec<File>,
    capacity: usize,
}

impl Default for Sorter {
    fn default() -> Sorter {
        Sorter::with_chunk(CHUNK)
    }
}

impl Sorter {
    /// A sorter that spills every `capacity` pairs.
    pub fn with_chunk(capacity: usize) -> Sorter {
        Sorter { chunk: Vec::new(), runs: Vec::new(), capacity: capacity.max(1) }
    }

    /// Adds a pair.
    pub fn push(&mut self, pair: (u64, u64)) -> io::Result<()> {
        if self.chunk.len() == self.capacity {
            self.spill()?;
        }
        self.chunk.push(pair);
        Ok(())
    }

    fn spill(&mut self) -> io::Result<()> {
        self.chunk.sort_unstable();
        let mut file = BufWriter::new(tempfile::tempfile()?);
        for (a, b) in &self.chunk {
            file.write_all(&a.to_le_bytes())?;
            file.write_all(&b.to_le_bytes())?;
        }
        let mut file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.seek(SeekFrom::Start(0))?;
        self.runs.push(file);
        self.chunk.clear();
        Ok(())
    }

    /// Every pair pushed, in order.
    pub fn finish(mut self) -> io::Result<Merged> {
        self.chunk.sort_unstable();
        let mut runs: Vec<Run> = self.runs.into_iter().map(|f| Run::File(BufReader::new(f))).collect();
        runs.push(Run::Memory(std::mem::take(&mut self.chunk).into_iter()));
        let mut heap = BinaryHeap::new();
        for (i, run) in runs.iter_mut().enumerate() {
            if let Some(pair) = run.next()? {
                heap.push(Reverse((pair, i)));
            }
        }
        Ok(Merged { runs, heap })
    }
}

/// The sorted runs of a [`Sorter`], merged.
pub struct Merged {
    runs: Vec<Run>,
    heap: BinaryHeap<Reverse<((u64, u64), usize)>>,
}

impl Merged {
    /// The next pair in order.
    pub fn next(&mut self) -> io::Result<Option<(u64, u64)>> {
        let Some(Reverse((pair, i))) = self.heap.pop() else { return Ok(None) };
        if let Some(next) = self.runs[i].next()? {
            self.heap.push(Reverse((next, i)));
        }
        Ok(Some(pair))
    }
}

/// One sorted run.
enum Run {
    File(BufReader<File>),
    Memory(std::vec::IntoIter<(u64, u64)>),
}

impl Run {
    fn next(&mut self) -> io::Result<Option<(u64, u64)>> {
        match self {
            Run::Memory(pairs) => Ok(pairs.next()),
            Run::File(file) => {
                let mut bytes = [0; PAIR];
                match file.read_exact(&mut bytes) {
                    Ok(()) => Ok(Some(split(&bytes))),
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
                    Err(e) => Err(e),
                }
            }
        }
    }
}

fn split(bytes: &[u8]) -> (u64, u64) {
    let word = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap_or_default());
    (word(&bytes[..8]), word(&bytes[8..PAIR]))
}

/// The rows that repeat an earlier row's number: (row, first row) pairs, sorted by row.
#[derive(Debug, Clone)]
pub struct Duplicates {
    file: Arc<File>,
    /// How many rows are duplicates.
    pub count: u64,
}

impl Duplicates {
    /// Finds the duplicates among `(key, row)` pairs.
    pub fn find(by_key: Sorter) -> io::Result<Duplicates> {
        let mut pairs = by_key.finish()?;
        let mut later = Sorter::default();
        let mut current: Option<(u64, u64)> = None;
        while let Some((key, row)) = pairs.next()? {
            match current {
                Some((k, first)) if k == key => later.push((row, first))?,
                _ => current = Some((key, row)),
            }
        }
        let mut sorted = later.finish()?;
        let mut file = BufWriter::new(tempfile::tempfile()?);
        let mut count = 0;
        while let Some((row, first)) = sorted.next()? {
            file.write_all(&row.to_le_bytes())?;
            file.write_all(&first.to_le_bytes())?;
            count += 1;
        }
        let file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
        Ok(Duplicates { file: Arc::new(file), count })
    }

    /// Reads the pairs from the start.
    pub fn reader(&self) -> DuplicateReader {
        DuplicateReader { file: self.file.clone(), left: self.count, offset: 0, next: None }
    }
}

/// Reads [`Duplicates`] in row order, one row at a time.
pub struct DuplicateReader {
    file: Arc<File>,
    left: u64,
    offset: u64,
    next: Option<(u64, u64)>,
}

impl DuplicateReader {
    /// The first row `row` repeats, if it is a duplicate. Rows must be asked in increasing order.
    pub fn first_of(&mut self, row: u64) -> io::Result<Option<u64>> {
        loop {
            if self.next.is_none() && self.left > 0 {
                let mut bytes = [0; PAIR];
                read_exact_at(&self.file, &mut bytes, self.offset)?;
                self.offset += PAIR as u64;
                self.left -= 1;
                self.next = Some(split(&bytes));
            }
            match self.next {
                Some((r, first)) if r == row => {
                    self.next = None;
                    return Ok(Some(first));
                }
                Some((r, _)) if r < row => self.next = None,
                _ => return Ok(None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// (row, first row) of every duplicate among `keys` (row i has key keys[i]).
    fn dups(keys: &[u64], chunk: usize) -> Vec<(u64, u64)> {
        let mut s = Sorter::with_chunk(chunk);
        for (row, k) in keys.iter().enumerate() {
            s.push((*k, row as u64)).unwrap();
        }
        let d = Duplicates::find(s).unwrap();
        let mut r = d.reader();
        let found: Vec<_> =
            (0..keys.len() as u64).filter_map(|row| r.first_of(row).unwrap().map(|f| (row, f))).collect();
        assert_eq!(found.len() as u64, d.count);
        found
    }

    #[test]
    fn each_repeat_points_at_the_first_row_in_memory_and_across_spilled_runs() {
        let keys = [5, 3, 9, 3, 1, 5, 5, 7, 2, 8, 8];
        let want = vec![(3, 1), (5, 0), (6, 0), (10, 9)];
        assert_eq!(dups(&keys, 1000), want);
        assert_eq!(dups(&keys, 2), want);
        assert_eq!(dups(&keys, 1), want);
        assert_eq!(dups(&[], 1), vec![]);
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_a_hash_map(keys in proptest::collection::vec(0u64..50, 0..300), chunk in 1usize..40) {
            let mut first: HashMap<u64, u64> = HashMap::new();
            let mut want = Vec::new();
            for (row, k) in keys.iter().enumerate() {
                match first.get(k) {
                    Some(f) => want.push((row as u64, *f)),
                    None => {
                        first.insert(*k, row as u64);
                    }
                }
            }
            proptest::prop_assert_eq!(dups(&keys, chunk), want);
        }
    }
}
