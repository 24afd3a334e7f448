//! The note that `.herald/` belongs in `.gitignore`: printed once, when a send creates its
//! journal in a `.herald/` folder that git would track. git itself decides (every
//! `.gitignore`, `.git/info/exclude`, the global excludes file), so no pattern is missed.

use std::path::Path;
use std::process::{Command, Stdio};

/// Prints the note for a journal just created at `journal`, when it lies in a `.herald/`
/// folder and git says it is not ignored. A journal elsewhere was placed on purpose, and
/// outside a git work tree (or without git) there is no `.gitignore` to add it to.
pub fn note_created(journal: &Path) {
    let Some(dir) = journal.parent().filter(|d| d.file_name().is_some_and(|n| n == ".herald")) else { return };
    let Some(name) = journal.file_name() else { return };
    if ignored(dir, name.as_ref()) == Some(false) {
        eprintln!("note: created the journal {}; add `.herald/` to your .gitignore", journal.display());
    }
}

/// Whether git ignores `name` in `dir`: `None` outside a work tree or without git.
fn ignored(dir: &Path, name: &Path) -> Option<bool> {
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["check-ignore", "-q", "--"])
        .arg(name)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    match status.code() {
        Some(0) => Some(true),
        Some(1) => Some(false),
        _ => None,
    }
}
