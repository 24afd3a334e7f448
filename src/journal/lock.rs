//! One sender per campaign: an exclusive OS file lock beside the database, one file per
//! campaign (`journal.<campaign>.lock`), so campaigns sharing a folder's journal send side by
//! side. The OS drops it when the process ends, however it ends, so a crash never leaves it
//! stuck.

use super::JournalError;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

/// The held lock; released on drop or process exit.
pub struct Lock {
    _file: File,
}

impl Lock {
    /// Takes the lock for `campaign` in `journal`, or says who holds it. Campaign ids are
    /// lowercase letters, digits, `-` and `_`, so they are safe in a file name.
    pub fn acquire(journal: &Path, campaign: &str) -> Result<Lock, JournalError> {
        let path = journal.with_extension(format!("{campaign}.lock"));
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|source| JournalError::File { what: "open", path: path.clone(), source })?;
        match file.try_lock() {
            Ok(()) => {
                use std::io::Write;
                let _ = file.set_len(0);
                let _ = (&file).write_all(format!("{}\n", std::process::id()).as_bytes());
                Ok(Lock { _file: file })
            }
            Err(TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(&path).ok().and_then(|h| h.trim().parse().ok());
                Err(JournalError::Busy { holder, campaign: campaign.to_string(), path: journal.to_path_buf() })
            }
            Err(TryLockError::Error(source)) => Err(JournalError::File { what: "lock", path, source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("journal.db");
        let first = Lock::acquire(&journal, "spring").unwrap();
        let err = Lock::acquire(&journal, "spring").err().unwrap().to_string();
        assert!(err.contains("another herald") && err.contains(&std::process::id().to_string()), "{err}");
        assert!(err.contains("spring") && err.contains("--journal"), "{err}");
        drop(first);
        assert!(Lock::acquire(&journal, "spring").is_ok());
    }

    #[test]
    fn campaigns_sharing_a_journal_hold_locks_of_their_own() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("journal.db");
        let _spring = Lock::acquire(&journal, "spring").unwrap();
        assert!(Lock::acquire(&journal, "autumn").is_ok());
        assert!(dir.path().join("journal.spring.lock").exists());
    }
}
