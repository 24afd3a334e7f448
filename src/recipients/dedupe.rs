//! Finding duplicate phone numbers in bounded memory. Every number is pushed as a compact key
//! (an E.164 number fits in a `u64`); keys are sorted in fixed-size chunks, chunks beyond the
//! first are spilled to temporary files, and a merge of the sorted runs yields the keys seen more
//! than once. Memory is one chunk whatever the audience; the result holds only the duplicated keys.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};

/// Keys sorted in memory before a chunk is spilled: 4 MiB.
const CHUNK: usize = 512 * 1024;

/// Collects keys and finds the ones pushed more than once.
pub struct Dedupe {
    chunk: Vec<u64>,
    runs: Vec<File>,
    capacity: usize,
}

/// Keys pushed more than once, with how many times each was pushed.
pub type Duplicates = HashMap<u64, u32>;

impl Default for Dedupe {
    fn default() -> Dedupe {
        Dedupe::with_chunk(CHUNK)
    }
}

impl Dedupe {
    /// A collector that spills every `capacity` keys.
    pub fn with_chunk(capacity: usize) -> Dedupe {
        Dedupe { chunk: Vec::new(), runs: Vec::new(), capacity: capacity.max(1) }
    }

    /// Adds a key.
    pub fn push(&mut self, key: u64) -> io::Result<()> {
        if self.chunk.len() == self.capacity {
            self.spill()?;
        }
        self.chunk.push(key);
        Ok(())
    }

    fn spill(&mut self) -> io::Result<()> {
        self.chunk.sort_unstable();
        let mut file = BufWriter::new(tempfile::tempfile()?);
        for k in &self.chunk {
            file.write_all(&k.to_le_bytes())?;
        }
        let mut file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.seek(SeekFrom::Start(0))?;
        self.runs.push(file);
        self.chunk.clear();
        Ok(())
    }

    /// The keys pushed more than once.
    pub fn finish(mut self) -> io::Result<Duplicates> {
        self.chunk.sort_unstable();
        let mut runs: Vec<Run> = self.runs.into_iter().map(|f| Run::File(BufReader::new(f))).collect();
        runs.push(Run::Memory(std::mem::take(&mut self.chunk).into_iter()));
        let mut heap = BinaryHeap::new();
        for (i, run) in runs.iter_mut().enumerate() {
            if let Some(k) = run.next()? {
                heap.push(Reverse((k, i)));
            }
        }
        let mut duplicates = Duplicates::new();
        let mut last: Option<(u64, u32)> = None;
        while let Some(Reverse((key, i))) = heap.pop() {
            if let Some(k) = runs[i].next()? {
                heap.push(Reverse((k, i)));
            }
            last = match last {
                Some((k, n)) if k == key => Some((k, n + 1)),
                other => {
                    if let Some((k, n)) = other.filter(|(_, n)| *n > 1) {
                        duplicates.insert(k, n);
                    }
                    Some((key, 1))
                }
            };
        }
        if let Some((k, n)) = last.filter(|(_, n)| *n > 1) {
            duplicates.insert(k, n);
        }
        Ok(duplicates)
    }
}

/// One sorted run.
enum Run {
    File(BufReader<File>),
    Memory(std::vec::IntoIter<u64>),
}

impl Run {
    fn next(&mut self) -> io::Result<Option<u64>> {
        match self {
            Run::Memory(keys) => Ok(keys.next()),
            Run::File(file) => {
                let mut bytes = [0; 8];
                match file.read_exact(&mut bytes) {
                    Ok(()) => Ok(Some(u64::from_le_bytes(bytes))),
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
                    Err(e) => Err(e),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dups(keys: &[u64], chunk: usize) -> Vec<(u64, u32)> {
        let mut d = Dedupe::with_chunk(chunk);
        for k in keys {
            d.push(*k).unwrap();
        }
        let mut v: Vec<_> = d.finish().unwrap().into_iter().collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn finds_repeats_in_memory_and_across_spilled_runs() {
        let keys = [5, 3, 9, 3, 1, 5, 5, 7, 2, 8, 8];
        let want = vec![(3, 2), (5, 3), (8, 2)];
        assert_eq!(dups(&keys, 1000), want);
        assert_eq!(dups(&keys, 2), want);
        assert_eq!(dups(&keys, 1), want);
        assert_eq!(dups(&[], 1), vec![]);
        assert_eq!(dups(&[4, 4], 1), vec![(4, 2)]);
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_a_hash_map(keys in proptest::collection::vec(0u64..50, 0..300), chunk in 1usize..40) {
            let mut counts: HashMap<u64, u32> = HashMap::new();
            for k in &keys {
                *counts.entry(*k).or_default() += 1;
            }
            let mut want: Vec<_> = counts.into_iter().filter(|(_, n)| *n > 1).collect();
            want.sort_unstable();
            proptest::prop_assert_eq!(dups(&keys, chunk), want);
        }
    }
}
