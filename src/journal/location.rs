//! Where a journal lives: an SQLite file (the default), or a PostgreSQL database named by a
//! `postgres://` URL. A location prints without the URL's password, so it can go into any
//! message, report or log.

use super::JournalError;
use std::fmt;
use std::path::{Path, PathBuf};

/// The PostgreSQL schema of real sends.
pub const SCHEMA: &str = "herald";

/// The PostgreSQL schema of `send --sandbox` rehearsals: the same database, other tables.
pub const SANDBOX_SCHEMA: &str = "herald_sandbox";

/// A journal's place.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// An SQLite file.
    File(PathBuf),
    /// A PostgreSQL database, and the schema holding herald's tables.
    Postgres {
        /// The connection URL, password included: never print it (see [`redact`]).
        url: String,
        /// [`SCHEMA`] or [`SANDBOX_SCHEMA`].
        schema: &'static str,
    },
}

impl Location {
    /// A `--journal` or `$HERALD_JOURNAL` value: a `postgres://` (or `postgresql://`) URL, or a
    /// path. A value that starts like a URL but is not one (`postgres:/host/db`) is refused, not
    /// taken for a file that would start an empty journal.
    pub fn parse(value: &Path, sandbox: bool) -> Result<Location, JournalError> {
        let text = value.to_str().unwrap_or_default();
        if is_url(text) {
            let schema = if sandbox { SANDBOX_SCHEMA } else { SCHEMA };
            return Ok(Location::Postgres { url: text.to_string(), schema });
        }
        let lower = text.to_ascii_lowercase();
        if lower.starts_with("postgres:") || lower.starts_with("postgresql:") {
            return Err(JournalError::NotAUrl(without_credentials(text)));
        }
        if !sandbox {
            return Ok(Location::File(value.to_path_buf()));
        }
        let stem = value.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "journal".into());
        Ok(Location::File(value.with_file_name(format!("{stem}.sandbox.db"))))
    }

    /// Whether a journal is there already; a database server always counts as one.
    pub fn exists(&self) -> bool {
        match self {
            Location::File(path) => path.exists(),
            Location::Postgres { .. } => true,
        }
    }

    /// The file, for an SQLite journal.
    pub fn file(&self) -> Option<&Path> {
        match self {
            Location::File(path) => Some(path),
            Location::Postgres { .. } => None,
        }
    }
}

impl From<&Path> for Location {
    fn from(path: &Path) -> Location {
        Location::File(path.to_path_buf())
    }
}

impl From<&PathBuf> for Location {
    fn from(path: &PathBuf) -> Location {
        Location::File(path.clone())
    }
}

impl From<&Location> for Location {
    fn from(location: &Location) -> Location {
        location.clone()
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File(path) => write!(f, "{}", path.display()),
            Location::Postgres { url, schema: SCHEMA } => f.write_str(&redact(url)),
            Location::Postgres { url, schema } => write!(f, "{} (schema {schema})", redact(url)),
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Whether `value` names a PostgreSQL database.
fn is_url(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// A mistyped URL as it may be printed: what comes before an `@` (the credentials) is left out.
fn without_credentials(text: &str) -> String {
    let (scheme, rest) = text.split_once(':').unwrap_or((text, ""));
    let path = rest.trim_start_matches('/');
    let slashes = &rest[..rest.len() - path.len()];
    match path.split_once('@') {
        Some((_, host)) => format!("{scheme}:{slashes}…@{host}"),
        None => text.to_string(),
    }
}

/// `url` with its password, in the user part or a `password=` parameter, written `***`.
pub fn redact(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    // The driver takes everything up to the first `@` as the credentials, `/` and `?`
    // included (a base64 password may hold a `/`): so does this.
    let (credentials, rest) = match rest.split_once('@') {
        Some((user, rest)) => match user.split_once(':') {
            Some((name, _)) => (format!("{name}:***@"), rest),
            None => (format!("{user}@"), rest),
        },
        None => (String::new(), rest),
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (host, tail) = rest.split_at(authority_end);
    let authority = format!("{credentials}{host}");
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let params: Vec<String> = query
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => p.to_string(),
                })
                .collect();
            format!("{path}?{}", params.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_prints_without_its_password() {
        let at =
            Location::parse(Path::new("postgres://herald:s3cr%40t@db.example:5432/h?sslmode=require"), false).unwrap();
        assert_eq!(at.to_string(), "postgres://herald:***@db.example:5432/h?sslmode=require");
        let at = Location::parse(Path::new("postgresql://db/h?user=u&password=s3cret&sslmode=require"), true).unwrap();
        assert_eq!(at.to_string(), "postgresql://db/h?user=u&password=***&sslmode=require (schema herald_sandbox)");
        assert_eq!(redact("postgres://u@db/h"), "postgres://u@db/h");
        assert_eq!(redact("postgres://herald:ab/cd?e@db/h"), "postgres://herald:***@db/h");
    }

    #[test]
    fn a_path_is_a_file_and_a_rehearsal_gets_its_own() {
        assert_eq!(Location::parse(Path::new("x/j.db"), false).unwrap(), Location::File("x/j.db".into()));
        assert_eq!(Location::parse(Path::new("x/j.db"), true).unwrap(), Location::File("x/j.sandbox.db".into()));
    }

    #[test]
    fn a_mistyped_url_is_refused_not_taken_for_a_file() {
        let err = Location::parse(Path::new("postgres:/herald:pw@db/h"), false).unwrap_err().to_string();
        assert!(err.contains("`postgres:/…@db/h`") && err.contains("postgres://user"), "{err}");
        assert!(matches!(Location::parse(Path::new("PostgreSQL://db/h"), false), Ok(Location::Postgres { .. })));
    }
}
