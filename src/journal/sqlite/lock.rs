//! One sender per campaign: an exclusive OS file lock beside the database, one file per
//! campaign (`journal.<campaign>.lock`), so campaigns sharing a folder's journal send side by
//! side. The OS drops it when the process ends, however it ends, so a crash never leaves it
//! stuck.

use crate::journal::JournalError;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

/// The held lock; released on drop or process exit.
pub struct Lock {
    file: File,
}

impl Drop for Lock {
    /// Empties the file before letting go, so a process that is still running (a send waiting
    /// for its schedule) is never named as the holder after it.
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
    }
}

impl Lock {
    /// Takes the lock for `campaign` in `journal`, or says who holds it. Campaign ids are
    /// lowercase letters, digits, `-` and `_`, so they are safe in a file name.
    pub fn acquire(journal: &Path, campaign: &str) -> Result<Lock, JournalError> {
        // The real file's lock: a journal reached through a symlink is the same journal.
        let path = real(journal).with_extension(format!("{campaign}.lock"));
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|source| JournalError::File { what: "open", path: path.clone(), source })?;
        match file.try_lock() {
            Ok(()) => {
                use std::io::{Seek, Write};
                // Overwritten in place, then cut to length: the file is never seen empty.
                let pid = format!("{}\n", std::process::id());
                let _ = (&file).seek(std::io::SeekFrom::Start(0)).and_then(|_| (&file).write_all(pid.as_bytes()));
                let _ = file.set_len(pid.len() as u64);
                Ok(Lock { file })
            }
            Err(TryLockError::WouldBlock) => Err(JournalError::Busy {
                holder: holder(&path),
                campaign: campaign.to_string(),
                path: journal.to_path_buf(),
            }),
            Err(TryLockError::Error(source)) => Err(JournalError::File { what: "lock", path, source }),
        }
    }
}

/// The holder's process id. A holder that has just taken the lock may not have written it
/// yet, and the file may still name a sender that crashed: a PID counts once it is a running
/// process, after a few short tries; else the holder goes unnamed.
fn holder(lock: &Path) -> Option<u32> {
    (0..20).find_map(|i| {
        if i > 0 {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        std::fs::read_to_string(lock).ok().and_then(|h| h.trim().parse().ok()).filter(|pid| alive(*pid))
    })
}

/// Whether process `pid` is running: `/proc` where there is one, else `kill -0`.
fn alive(pid: u32) -> bool {
    if Path::new("/proc/self").exists() {
        return Path::new("/proc").join(pid.to_string()).exists();
    }
    std::process::Command::new("kill")
        .args(["-0", &pid.to_string()])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `journal` with symlinks resolved (its folder's, when the file does not exist yet).
fn real(journal: &Path) -> std::path::PathBuf {
    if let Ok(real) = std::fs::canonicalize(journal) {
        return real;
    }
    match (journal.parent().filter(|p| !p.as_os_str().is_empty()).map(std::fs::canonicalize), journal.file_name()) {
        (Some(Ok(dir)), Some(name)) => dir.join(name),
        _ => journal.to_path_buf(),
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

    /// Holds `journal`'s lock for `campaign` as a holder that has not written its PID yet
    /// does, the file still holding `stale`.
    fn held_without_a_pid(journal: &Path, campaign: &str, stale: &str) -> File {
        let path = journal.with_extension(format!("{campaign}.lock"));
        std::fs::write(&path, stale).unwrap();
        let file = OpenOptions::new().read(true).write(true).open(&path).unwrap();
        file.try_lock().unwrap();
        file
    }

    #[test]
    fn a_stale_pid_is_never_named_as_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("journal.db");
        // A sender that has ended: its PID is left in the file.
        let mut ended = std::process::Command::new("true").spawn().unwrap();
        let dead = ended.id();
        ended.wait().unwrap();
        let _held = held_without_a_pid(&journal, "spring", &format!("{dead}\n"));
        let err = Lock::acquire(&journal, "spring").err().unwrap();
        assert!(matches!(err, JournalError::Busy { holder: None, .. }), "{err}");
        assert!(err.to_string().starts_with("another herald process is sending the campaign `spring`"), "{err}");
    }

    #[test]
    fn a_released_lock_leaves_no_pid_behind() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("journal.db");
        // This process, alive, held the lock and let go (as a send waiting for its schedule does).
        drop(Lock::acquire(&journal, "spring").unwrap());
        let path = journal.with_extension("spring.lock");
        let file = OpenOptions::new().read(true).write(true).open(&path).unwrap();
        file.try_lock().unwrap();
        let err = Lock::acquire(&journal, "spring").err().unwrap();
        assert!(matches!(err, JournalError::Busy { holder: None, .. }), "{err}");
    }

    #[test]
    fn a_journal_reached_through_a_symlink_shares_the_real_files_lock() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("journal.db");
        std::fs::write(&journal, b"x").unwrap();
        let link = dir.path().join("link.db");
        std::os::unix::fs::symlink(&journal, &link).unwrap();
        let _held = Lock::acquire(&journal, "spring").unwrap();
        assert!(matches!(Lock::acquire(&link, "spring"), Err(JournalError::Busy { holder: Some(_), .. })));
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
