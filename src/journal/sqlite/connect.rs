//! Opening the SQLite journal with herald's settings: WAL, so readers never block the writer
//! and a killed process leaves committed transactions intact. A sender brings the tables up to
//! date (see [`super::schema`]); a reader never writes a byte.

use super::schema::{VERSION, has_campaigns, migrate};
use crate::journal::JournalError;
use rusqlite::Connection;
use std::path::Path;

/// `synchronous` for the journal: `NORMAL` by default, which in WAL mode keeps every committed
/// transaction through any crash of the process (kill -9, panic, out of memory); `FULL`
/// (`HERALD_JOURNAL_SYNC=full`) also through a power cut or OS crash, at an fsync per commit.
pub fn sync_mode() -> &'static str {
    match std::env::var("HERALD_JOURNAL_SYNC").as_deref() {
        Ok("full" | "FULL") => "FULL",
        _ => "NORMAL",
    }
}

/// Opens the database with herald's settings and brings its tables to [`VERSION`]. A journal
/// written by a newer herald is refused, not rewritten; so is a file that exists but is empty
/// or not herald's (a truncated copy must never pass for a fresh journal).
pub fn open(path: &Path) -> Result<Connection, JournalError> {
    let failed = |e: rusqlite::Error| JournalError::Open { journal: path.display().to_string(), source: e.into() };
    if !check_existing(path)? {
        create(path, migrate)?;
    }
    let mut conn = settings(path).map_err(failed)?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(failed)?;
    if version > VERSION {
        return Err(JournalError::Newer { journal: path.display().to_string(), version });
    }
    if version == 0 && !has_campaigns(&conn).map_err(failed)? {
        return Err(JournalError::Foreign { path: path.to_path_buf(), why: "it has no herald tables" });
    }
    migrate(&mut conn).map_err(failed)?;
    Ok(conn)
}

/// Opens an existing journal to read it without writing a byte, on a read-only mount too. A
/// journal of version 4 to 8 is read as it is (see [`super::schema::has_files`],
/// [`super::schema::has_receipt_times`] and [`super::schema::read_as_is`]), so a read never upgrades a journal an older herald
/// shares; only a sender migrates it. Older ones (version 1 to 3) are still brought up to
/// date first.
pub fn open_read(path: &Path) -> Result<Connection, JournalError> {
    use rusqlite::OpenFlags;
    let failed = |e: rusqlite::Error| JournalError::Open { journal: path.display().to_string(), source: e.into() };
    check_existing(path)?;
    let read_only = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let uri = |extra: &str| format!("file:{}?mode=ro{extra}", uri_path(path));
    let conn = Connection::open_with_flags(uri(""), read_only)
        .and_then(|c| c.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0)).map(|v| (c, v)))
        // A read-only folder: SQLite cannot make the WAL's shared-memory file; read the file as is.
        .or_else(|_| {
            let c = Connection::open_with_flags(uri("&immutable=1"), read_only)?;
            let v = c.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))?;
            Ok((c, v))
        });
    let (conn, version) = conn.map_err(failed)?;
    if version > VERSION {
        return Err(JournalError::Newer { journal: path.display().to_string(), version });
    }
    if version == 0 && !has_campaigns(&conn).map_err(failed)? {
        return Err(JournalError::Foreign { path: path.to_path_buf(), why: "it has no herald tables" });
    }
    if version < 4 {
        drop(conn);
        return open(path);
    }
    conn.busy_timeout(std::time::Duration::from_secs(60)).map_err(failed)?;
    super::schema::read_as_is(&conn).map_err(failed)?;
    Ok(conn)
}

/// Creates a journal at `path` whole or not at all: `make` builds its tables in a file beside
/// it, which then takes `path`'s name unless another process created the journal meanwhile
/// (then that one is used). Made in place, a process killed between SQLite creating the file
/// and committing the tables left a file without them, which the next run refused as foreign.
/// The file is readable by its owner only: it lists the campaign's phone numbers. A path that
/// is a symbolic link to a file not made yet (a CI cache, a mounted volume) gets the journal at
/// the link's target, as SQLite would have made it.
fn create(path: &Path, make: impl FnOnce(&mut Connection) -> rusqlite::Result<()>) -> Result<(), JournalError> {
    let target = link_target(path);
    let path = target.as_path();
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let file_error = |what, source| JournalError::File { what, path: path.to_path_buf(), source };
    let temp = tempfile::Builder::new()
        .prefix(".herald-journal-")
        .suffix(".creating")
        .tempfile_in(dir)
        .map_err(|e| file_error("create", e))?;
    let failed = |e: rusqlite::Error| JournalError::Open { journal: path.display().to_string(), source: e.into() };
    let mut conn = settings(temp.path()).map_err(failed)?;
    make(&mut conn).map_err(failed)?;
    // Closing the last connection checkpoints the WAL into the file and removes it.
    conn.close().map_err(|(_, e)| failed(e))?;
    match temp.persist_noclobber(path) {
        Ok(_) => Ok(()),
        // Another process made it meanwhile: opening it checks it is a journal.
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        // A file system with neither hard links nor a rename that refuses to replace.
        Err(e) if !path.exists() => e.file.persist(path).map(drop).map_err(|e| file_error("create", e.error)),
        Err(e) => Err(file_error("create", e.error)),
    }
}

/// Where `path` leads through symbolic links (at most 40, as the OS follows), whether or not
/// the file at the end exists.
fn link_target(path: &Path) -> std::path::PathBuf {
    let mut at = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::read_link(&at) {
            Ok(next) => at = at.parent().map_or(next.clone(), |dir| dir.join(&next)),
            Err(_) => break,
        }
    }
    at
}

/// Whether `path` is an existing journal; an empty file is refused.
fn check_existing(path: &Path) -> Result<bool, JournalError> {
    match std::fs::metadata(path) {
        Ok(m) if m.len() == 0 => Err(JournalError::Foreign { path: path.to_path_buf(), why: "the file is empty" }),
        Ok(_) => Ok(true),
        Err(_) => Ok(false),
    }
}

/// A path as an SQLite URI path: `%`, `?` and `#` escaped.
fn uri_path(path: &Path) -> String {
    path.to_string_lossy().replace('%', "%25").replace('?', "%3f").replace('#', "%23")
}

fn settings(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    // Campaigns sharing a journal take turns to write; a fold of a large run takes seconds.
    conn.busy_timeout(std::time::Duration::from_secs(60))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", sync_mode())?;
    // Fewer, larger checkpoints while a run writes; a page cache of fixed size (8 MB), so
    // memory does not grow with the journal.
    conn.pragma_update(None, "wal_autocheckpoint", 10_000)?;
    conn.pragma_update(None, "cache_size", -8_000)?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_creation_that_dies_half_way_leaves_no_journal_and_the_next_open_makes_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db");
        let died = create(&path, |conn| {
            conn.execute_batch("CREATE TABLE campaigns (id INTEGER PRIMARY KEY)")?;
            Err(rusqlite::Error::InvalidQuery)
        });
        assert!(died.is_err());
        assert!(!path.exists(), "a half-made journal took the journal's name");
        let conn = open(&path).unwrap();
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version, VERSION);
        drop(conn);
        let left: Vec<String> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
        assert!(left.iter().all(|n| !n.contains(".creating")), "{left:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_journal_path_linking_to_a_file_not_made_yet_gets_the_journal_at_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let kept = dir.path().join("cache");
        std::fs::create_dir(&kept).unwrap();
        let path = dir.path().join("journal.db");
        std::os::unix::fs::symlink("cache/journal.db", &path).unwrap();
        drop(open(&path).unwrap());
        assert!(kept.join("journal.db").is_file(), "the journal is made where the link leads");
        assert!(std::fs::symlink_metadata(&path).unwrap().file_type().is_symlink(), "the link is kept");
        drop(open(&path).expect("the journal opens again through the link"));
    }
}
