//! Global opt-out lists: files of numbers that no campaign may message, named by
//! `$HERALD_SUPPRESS` (several separated like `PATH`) or `--suppress FILE`, and honoured on top
//! of each campaign's own `recipients.suppress`. Their paths are relative to the working
//! directory, not to the campaign, since one list serves every campaign.

use std::ffi::OsStr;
use std::fmt;
use std::path::PathBuf;

/// The environment variable naming global opt-out lists.
pub const ENV: &str = "HERALD_SUPPRESS";

/// The column holding numbers when a global list is a CSV. A campaign's `phone_column` names a
/// column of its own CSV; a list shared by every campaign cannot follow each one.
pub const PHONE_COLUMN: &str = "phone";

/// Who named a global opt-out list, so a problem with it says where to fix it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamedBy {
    /// `$HERALD_SUPPRESS`.
    Env,
    /// `--suppress FILE`.
    Flag,
}

impl fmt::Display for NamedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NamedBy::Env => "$HERALD_SUPPRESS",
            NamedBy::Flag => "--suppress",
        })
    }
}

/// A global opt-out list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptOutList {
    /// The file, relative to the working directory unless absolute.
    pub path: PathBuf,
    /// Who named it.
    pub named_by: NamedBy,
}

impl OptOutList {
    /// The lists `$HERALD_SUPPRESS` names, then those given with `--suppress`: all of them
    /// apply, and neither replaces the other.
    pub fn gather(flags: impl IntoIterator<Item = PathBuf>) -> Vec<OptOutList> {
        gather_from(std::env::var_os(ENV).as_deref(), flags)
    }

    /// What the list is and who named it, for messages: `optout.txt (from $HERALD_SUPPRESS)`.
    pub fn describe(&self) -> String {
        format!("{} (from {})", self.path.display(), self.named_by)
    }
}

/// [`OptOutList::gather`] with the variable's value given; empty entries (`a::b`, a trailing
/// separator, an empty variable) name nothing.
fn gather_from(env: Option<&OsStr>, flags: impl IntoIterator<Item = PathBuf>) -> Vec<OptOutList> {
    let from_env = env.into_iter().flat_map(std::env::split_paths).filter(|p| !p.as_os_str().is_empty());
    let named = |named_by| move |path| OptOutList { path, named_by };
    from_env.map(named(NamedBy::Env)).chain(flags.into_iter().map(named(NamedBy::Flag))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_variable_and_the_flags_both_apply_in_that_order() {
        let lists = gather_from(Some(OsStr::new("/etc/optout.txt::crm.csv:")), [PathBuf::from("more.txt")]);
        let got: Vec<(String, NamedBy)> = lists.iter().map(|l| (l.path.display().to_string(), l.named_by)).collect();
        assert_eq!(
            got,
            [
                ("/etc/optout.txt".to_string(), NamedBy::Env),
                ("crm.csv".to_string(), NamedBy::Env),
                ("more.txt".to_string(), NamedBy::Flag)
            ]
        );
        assert_eq!(lists[2].describe(), "more.txt (from --suppress)");
    }

    #[test]
    fn an_empty_or_missing_variable_names_nothing() {
        assert!(gather_from(Some(OsStr::new("")), []).is_empty());
        assert!(gather_from(None, []).is_empty());
    }
}
