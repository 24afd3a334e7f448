//! The release dist builds is the one the GitHub Action installs: `dist-workspace.toml` targets
//! the five platforms `action/install.sh` maps runners to, keeps dist's archive names and
//! checksums (`herald-<target>.tar.xz`, `.zip` for Windows, each with a `.sha256`: what
//! install.sh downloads and `cargo binstall` finds), and the release workflow dist generated for
//! the pinned dist version is in `.github/workflows/`, where tests/ci.rs lints it.
//! `scripts/dist-check.sh` builds the archive for real; this keeps the files in step.

use crate::common::*;

/// The file's text, relative to the project root.
fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The value of `key = …` in dist-workspace.toml's `[dist]` table, as written.
fn dist_setting(key: &str) -> Option<String> {
    let text = read("dist-workspace.toml");
    let table = text.split("\n[dist]\n").nth(1)?.split("\n[").next()?.to_string();
    let prefix = format!("{key} = ");
    table.lines().find_map(|l| l.strip_prefix(&prefix)).map(str::to_string)
}

/// The quoted strings of a value such as `["a", "b"]`, sorted.
fn quoted(value: &str) -> Vec<String> {
    let mut out: Vec<String> = value.split('"').skip(1).step_by(2).map(str::to_string).collect();
    out.sort();
    out
}

/// The target triples install.sh maps runners to (`…) target=TRIPLE ;;`), sorted.
fn install_sh_targets() -> Vec<String> {
    let text = read("action/install.sh");
    let mut out: Vec<String> =
        text.lines().filter_map(|l| l.split_once(") target=")?.1.strip_suffix(" ;;").map(str::to_string)).collect();
    out.sort();
    out
}

#[test]
fn dist_builds_for_the_platforms_the_action_installs_on() {
    let targets = dist_setting("targets").expect("dist-workspace.toml sets [dist] targets");
    let expected = [
        "aarch64-apple-darwin",
        "aarch64-unknown-linux-gnu",
        "x86_64-apple-darwin",
        "x86_64-pc-windows-msvc",
        "x86_64-unknown-linux-gnu",
    ];
    assert_eq!(quoted(&targets), expected);
    assert_eq!(install_sh_targets(), expected);
}

#[test]
fn dist_keeps_the_archive_names_and_checksums_install_sh_downloads() {
    // install.sh fetches `herald-<target>.tar.xz` (`.zip` on Windows) and its `.sha256`.
    assert_eq!(dist_setting("checksum").as_deref(), Some("\"sha256\""));
    for key in ["unix-archive", "windows-archive", "formula", "bin-aliases"] {
        assert_eq!(dist_setting(key), None, "dist-workspace.toml's {key} would change what install.sh downloads");
    }
    assert_eq!(quoted(&dist_setting("installers").unwrap()), ["powershell", "shell"]);
    let install = read("action/install.sh");
    assert!(install.contains("archive=herald-$target.$ext"), "install.sh names the archive as dist does");
}

#[test]
fn the_release_workflow_is_dist_s_for_the_pinned_version() {
    let pin = dist_setting("cargo-dist-version").expect("dist-workspace.toml pins cargo-dist-version");
    let pin = pin.trim_matches('"');
    let workflow = read(".github/workflows/release.yml");
    assert!(
        workflow.contains(&format!("/v{pin}/cargo-dist-installer.sh")),
        "release.yml installs dist {pin}: regenerate it with `dist generate` after changing the pin"
    );
    let check = read("scripts/dist-check.sh");
    assert!(check.contains("cargo-dist-version"), "dist-check.sh installs the pinned dist");
}
