//! Which files a campaign may name. A campaign file is written by whoever can commit to its
//! repository, so the files it names (`recipients.csv`, `recipients.suppress`,
//! `message.text_file`) must stay inside that repository: the git work tree holding the
//! campaign (the first folder above it with a `.git` folder or file), or the campaign's own
//! folder when no work tree holds it. `--file-root DIR` puts another tree in its place. Paths
//! are resolved with symlinks followed, so neither `..` nor a link can lead out.
//!
//! Files read whole (the campaign file, `text_file`) are read up to a size, so a huge one is an
//! error instead of a load on memory.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// The largest campaign file read: settings and templates take a few kilobytes, and recipients
/// belong in `recipients.csv`.
pub const MAX_CAMPAIGN: u64 = 4 << 20;

/// The largest `text_file` read: a message is at most a few thousand characters.
pub const MAX_TEXT_FILE: u64 = 1 << 20;

/// Why a file cannot be read whole.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The OS refused.
    #[error("cannot read {}: {}", .path.display(), crate::recipients::io_reason(.source))]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
    /// It is larger than the most that is read.
    #[error("{} is larger than {} MiB", .path.display(), .max >> 20)]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The most read, in bytes.
        max: u64,
    },
}

/// Reads `path` whole when it holds at most `max` bytes.
pub fn read_at_most(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    let io = |source| ReadError::Io { path: path.to_path_buf(), source };
    let mut bytes = Vec::new();
    std::fs::File::open(path).and_then(|f| f.take(max + 1).read_to_end(&mut bytes)).map_err(io)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge { path: path.to_path_buf(), max });
    }
    Ok(bytes)
}

/// The tree a campaign's files must lie in, resolved.
#[derive(Debug, Clone)]
pub struct FileRoot {
    /// The tree, canonical.
    dir: PathBuf,
    /// How it was chosen.
    chosen: Chosen,
}

/// How the file root was chosen, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chosen {
    /// The git work tree holding the campaign.
    WorkTree,
    /// The campaign's folder: no work tree holds it.
    Folder,
    /// `--file-root`.
    Given,
}

/// Why the file root cannot be found.
#[derive(Debug, thiserror::Error)]
pub enum RootError {
    /// `--file-root` names nothing usable.
    #[error("cannot use --file-root {}: {}", .dir.display(), crate::recipients::io_reason(.source))]
    Given {
        /// As given.
        dir: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
    /// `--file-root` names a file.
    #[error("cannot use --file-root {}: it is not a folder", .0.display())]
    NotAFolder(PathBuf),
    /// The campaign's folder cannot be resolved.
    #[error("cannot resolve the campaign's folder {}: {}", .dir.display(), crate::recipients::io_reason(.source))]
    Folder {
        /// The folder.
        dir: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
}

/// A path that leads out of the file root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outside {
    /// Where it leads, resolved.
    pub resolved: PathBuf,
}

impl FileRoot {
    /// The root for a campaign in `folder`: `given` (`--file-root`) when there is one, else the
    /// git work tree holding `folder`, else `folder` itself.
    pub fn find(folder: &Path, given: Option<&Path>) -> Result<FileRoot, RootError> {
        if let Some(dir) = given {
            let resolved = dir.canonicalize().map_err(|source| RootError::Given { dir: dir.into(), source })?;
            if !resolved.is_dir() {
                return Err(RootError::NotAFolder(dir.into()));
            }
            return Ok(FileRoot { dir: resolved, chosen: Chosen::Given });
        }
        let folder = if folder.as_os_str().is_empty() { Path::new(".") } else { folder };
        let resolved = folder.canonicalize().map_err(|source| RootError::Folder { dir: folder.into(), source })?;
        // `.git` is a folder in a clone and a file in a linked worktree or submodule.
        let tree = resolved.ancestors().find(|d| std::fs::symlink_metadata(d.join(".git")).is_ok());
        Ok(match tree {
            Some(tree) => FileRoot { dir: tree.to_path_buf(), chosen: Chosen::WorkTree },
            None => FileRoot { dir: resolved, chosen: Chosen::Folder },
        })
    }

    /// Checks where `path` leads. A path that cannot be resolved (it does not exist) passes:
    /// reading it reports why.
    pub fn check(&self, path: &Path) -> Result<(), Outside> {
        match path.canonicalize() {
            Ok(resolved) if !resolved.starts_with(&self.dir) => Err(Outside { resolved }),
            _ => Ok(()),
        }
    }

    /// `path` relative to the root, `/`-separated: the same in every clone of a repository.
    /// Only the file name when it cannot be resolved inside the root.
    pub fn relative(&self, path: &Path) -> String {
        let resolved = path.canonicalize().ok();
        let inside = resolved.as_deref().and_then(|p| p.strip_prefix(&self.dir).ok());
        let parts: Vec<String> = match inside {
            Some(rel) => rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect(),
            None => path.file_name().map(|n| n.to_string_lossy().into_owned()).into_iter().collect(),
        };
        parts.join("/")
    }

    /// The tree, and what it is, for messages: "the campaign's repository (/src/app)".
    pub fn describe(&self) -> String {
        let what = match self.chosen {
            Chosen::WorkTree => "the campaign's repository",
            Chosen::Folder => "the campaign's folder",
            Chosen::Given => "--file-root",
        };
        format!("{what} ({})", self.dir.display())
    }

    /// What to do about a path outside the root.
    pub fn help(&self) -> &'static str {
        match self.chosen {
            Chosen::WorkTree => {
                "a campaign may name only files inside the git work tree holding it; move the file there, or allow another tree with --file-root DIR"
            }
            Chosen::Folder => {
                "outside a git work tree, a campaign may name only files in its own folder and below; move the file there, or allow another tree with --file-root DIR"
            }
            Chosen::Given => "move the file under --file-root, or give a --file-root that holds it",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_work_tree_holding_the_campaign_is_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join("campaigns/deep")).unwrap();
        std::fs::write(repo.join(".git"), "gitdir: elsewhere\n").unwrap();
        std::fs::write(repo.join("data.csv"), "phone\n").unwrap();
        std::fs::write(dir.path().join("secret.csv"), "phone\n").unwrap();
        let root = FileRoot::find(&repo.join("campaigns/deep"), None).unwrap();
        assert_eq!(root.chosen, Chosen::WorkTree);
        let folder = repo.join("campaigns/deep");
        assert_eq!(root.check(&folder.join("../../data.csv")), Ok(()));
        assert!(root.check(&folder.join("../../../secret.csv")).is_err());
        assert_eq!(root.check(&folder.join("../../../missing.csv")), Ok(()), "a missing file is left to the reader");
        std::fs::write(folder.join("c.yaml"), "").unwrap();
        assert_eq!(root.relative(&folder.join("../deep/c.yaml")), "campaigns/deep/c.yaml");
        assert!(root.check(Path::new("/etc/passwd")).is_err());
    }

    #[test]
    fn files_are_read_up_to_a_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.txt");
        std::fs::write(&path, vec![b'x'; 2 << 20]).unwrap();
        assert_eq!(read_at_most(&path, 2 << 20).unwrap().len(), 2 << 20);
        let e = read_at_most(&path, 1 << 20).unwrap_err();
        assert_eq!(e.to_string(), format!("{} is larger than 1 MiB", path.display()));
        let e = read_at_most(&dir.path().join("nope"), 1).unwrap_err();
        assert!(e.to_string().ends_with("nope: no such file"), "{e}");
    }

    #[test]
    fn without_a_work_tree_the_folder_is_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("c");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(dir.path().join("outside.csv"), "phone\n").unwrap();
        std::fs::write(folder.join("in.csv"), "phone\n").unwrap();
        let root = FileRoot::find(&folder, None).unwrap();
        assert_eq!(root.chosen, Chosen::Folder);
        assert_eq!(root.check(&folder.join("in.csv")), Ok(()));
        assert!(root.check(&folder.join("../outside.csv")).is_err());
        let wider = FileRoot::find(&folder, Some(dir.path())).unwrap();
        assert_eq!(wider.check(&folder.join("../outside.csv")), Ok(()));
        assert!(matches!(FileRoot::find(&folder, Some(&folder.join("in.csv"))), Err(RootError::NotAFolder(_))));
        assert!(matches!(FileRoot::find(&folder, Some(&folder.join("nope"))), Err(RootError::Given { .. })));
    }

    #[cfg(unix)]
    #[test]
    fn a_link_leading_out_is_outside() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("c");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(dir.path().join("outside.csv"), "phone\n").unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside.csv"), folder.join("link.csv")).unwrap();
        std::os::unix::fs::symlink(dir.path(), folder.join("up")).unwrap();
        let root = FileRoot::find(&folder, None).unwrap();
        assert!(root.check(&folder.join("link.csv")).is_err());
        assert!(root.check(&folder.join("up/outside.csv")).is_err());
    }
}
