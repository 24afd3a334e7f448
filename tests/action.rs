//! herald's GitHub Action does what `action.yml` promises, its steps run here as a runner would
//! run them: `action/install.sh` resolves `latest` and the runner's platform to dist's archive,
//! checks it against its `.sha256` (a loopback server plays GitHub's releases) and puts the
//! binary on the path; `action/run.sh` runs herald, writes the `exit-code` and `report-dir`
//! outputs, appends summary.md to the job summary once, and fails with herald's code unless told
//! not to.

use crate::common::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

/// The `key=value` lines a step wrote to a `$GITHUB_OUTPUT` file.
fn outputs(file: &Path) -> HashMap<String, String> {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    text.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// `action/<script> args…` run by bash, with a runner's files in `runner` and `env` set.
fn step(runner: &Scratch, script: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new("bash");
    c.arg(root().join("action").join(script)).args(args).current_dir(runner.path());
    for (name, file) in [("GITHUB_OUTPUT", "output"), ("GITHUB_STEP_SUMMARY", "summary.md"), ("GITHUB_PATH", "path")] {
        c.env(name, runner.path().join(file));
    }
    c.env("RUNNER_TEMP", runner.path()).env("NO_COLOR", "1");
    for v in TOKEN_VARS.iter().chain(&["HERALD_JOURNAL", "CI", "GITHUB_ACTIONS", "HERALD_RATE_CARD", "HERALD_SUPPRESS"])
    {
        c.env_remove(v);
    }
    c.envs(env.iter().copied()).output().expect("bash runs")
}

/// The run step with herald's binary first on the path.
fn run_step(runner: &Scratch, env: &[(&str, &str)]) -> Output {
    let bin = Path::new(env!("CARGO_BIN_EXE_herald")).parent().unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    step(runner, "run.sh", &[], &[env, &[("PATH", path.as_str())]].concat())
}

// spawns: exit code — the action's run step runs the binary and reports its code
#[test]
fn the_run_step_sends_keeps_the_report_and_sums_it_up_once() {
    let runner = Scratch::new();
    let campaign = root().join("campaigns/spring-sale.cloud_api.yaml");
    let journal = runner.path().join("j.db");
    let command = format!("send {} --sandbox --yes --journal {}", campaign.display(), journal.display());
    let o = run_step(
        &runner,
        &[("HERALD_COMMAND", &command), ("HERALD_WORKING_DIRECTORY", runner.path().to_str().unwrap())],
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = outputs(&runner.path().join("output"));
    assert_eq!(out["exit-code"], "0");
    let report = Path::new(&out["report-dir"]);
    assert!(report.starts_with(runner.path().join("")) && report.is_absolute(), "{out:?}");
    assert!(report.join("junit.xml").is_file(), "no junit.xml in {}", report.display());
    let summary = std::fs::read_to_string(report.join("summary.md")).unwrap();
    assert_eq!(std::fs::read_to_string(runner.path().join("summary.md")).unwrap(), summary, "appended once");
}

// spawns: exit code — the action's run step fails with herald's code, or only reports it
#[test]
fn the_run_step_fails_with_herald_s_code_unless_told_to_only_report_it() {
    let runner = Scratch::new();
    let failing = [("HERALD_COMMAND", "validate missing.yaml")];
    let o = run_step(&runner, &failing);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stdout(&o).contains("::error::herald exited 2"), "{}", stdout(&o));
    assert_eq!(outputs(&runner.path().join("output"))["exit-code"], "2");

    let runner = Scratch::new();
    let o = run_step(&runner, &[("HERALD_COMMAND", "validate 'unclosed.yaml")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("::error::the action's command input is not a shell line"), "{}", stdout(&o));

    let runner = Scratch::new();
    let o = run_step(&runner, &[failing[0], ("HERALD_FAIL_ON_ERROR", "false")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = outputs(&runner.path().join("output"));
    assert_eq!((out["exit-code"].as_str(), out["report-dir"].as_str()), ("2", ""));
}

// spawns: exit code — the action's run step with a report folder of the user's
#[test]
fn the_run_step_finds_a_report_folder_the_command_names() {
    let runner = Scratch::new();
    let campaign = root().join("campaigns/spring-sale.cloud_api.yaml");
    let command = format!("--color never send {} --sandbox --yes --journal j.db --report=out/run", campaign.display());
    let o = run_step(
        &runner,
        &[("HERALD_COMMAND", &command), ("HERALD_WORKING_DIRECTORY", runner.path().to_str().unwrap())],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = outputs(&runner.path().join("output"));
    assert_eq!(Path::new(&out["report-dir"]), runner.path().join("out/run"));
    assert!(runner.path().join("out/run/summary.md").is_file());
}

/// A loopback server playing GitHub's releases page for `files` (path → body): `/releases/latest`
/// redirects to `latest`'s tag; any other path is 404. Returns `http://127.0.0.1:PORT/releases`.
fn releases(latest: &str, files: HashMap<String, Vec<u8>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/releases", listener.local_addr().unwrap());
    let latest = format!("/releases/tag/{latest}");
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            while reader.read_line(&mut request).is_ok_and(|n| n > 2) && !request.ends_with("\r\n\r\n") {}
            let path = request.split_whitespace().nth(1).unwrap_or_default().to_string();
            let (head, body) = match (path.as_str(), files.get(&path)) {
                ("/releases/latest", _) => (format!("302 Found\r\nLocation: {latest}"), Vec::new()),
                (p, _) if p == latest => ("200 OK".to_string(), b"release".to_vec()),
                (_, Some(body)) => ("200 OK".to_string(), body.clone()),
                _ => ("404 Not Found".to_string(), Vec::new()),
            };
            let reply = format!("HTTP/1.1 {head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(reply.as_bytes()).and_then(|()| stream.write_all(&body));
        }
    });
    base
}

/// dist's archive for x86_64 Linux holding a stand-in `herald` that prints `says`, and its
/// `.sha256` line.
fn archive(says: &str) -> (Vec<u8>, String) {
    let work = Scratch::new();
    let bin = work.write("herald-x86_64-unknown-linux-gnu/herald", format!("#!/bin/sh\necho {says}\n"));
    let mut mode = std::fs::metadata(&bin).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut mode, 0o755);
    std::fs::set_permissions(&bin, mode).unwrap();
    let name = "herald-x86_64-unknown-linux-gnu.tar.xz";
    let tar = Command::new("tar")
        .args(["-cJf", name, "herald-x86_64-unknown-linux-gnu"])
        .current_dir(work.path())
        .output()
        .unwrap();
    assert!(tar.status.success(), "{}", stderr(&tar));
    let bytes = std::fs::read(work.path().join(name)).unwrap();
    let sum: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    (bytes, format!("{sum}  {name}\n"))
}

/// The release `v9.9.9` with the archive and the `.sha256` given.
fn release(bytes: Vec<u8>, sha256: String) -> String {
    let at = "/releases/download/v9.9.9/herald-x86_64-unknown-linux-gnu.tar.xz";
    releases("v9.9.9", HashMap::from([(at.to_string(), bytes), (format!("{at}.sha256"), sha256.into_bytes())]))
}

/// The install steps on an x86_64 Linux runner: resolve, then fetch with what it resolved.
fn install(runner: &Scratch, base: &str, version: &str) -> (Output, HashMap<String, String>) {
    let tools = runner.path().join("tools");
    let runner_env = [("RUNNER_OS", "Linux"), ("RUNNER_ARCH", "X64"), ("HERALD_RELEASES", base)];
    let resolve = [("HERALD_VERSION", version), ("HERALD_DIR", tools.to_str().unwrap())];
    let o = step(runner, "install.sh", &["resolve"], &[&runner_env[..], &resolve].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let out = outputs(&runner.path().join("output"));
    let fetch =
        [("HERALD_VERSION", &out["version"]), ("HERALD_TARGET", &out["target"]), ("HERALD_BIN_DIR", &out["dir"])];
    let fetch = fetch.map(|(k, v)| (k, v.as_str()));
    (step(runner, "install.sh", &["fetch"], &[&runner_env[..], &fetch].concat()), out)
}

#[test]
fn the_install_step_puts_the_latest_release_s_checked_binary_on_the_path() {
    let runner = Scratch::new();
    let (bytes, sha256) = archive("herald 9.9.9");
    let (o, out) = install(&runner, &release(bytes, sha256), "latest");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!((out["version"].as_str(), out["target"].as_str()), ("v9.9.9", "x86_64-unknown-linux-gnu"));
    let dir = runner.path().join("tools/v9.9.9/x86_64-unknown-linux-gnu");
    assert_eq!(Path::new(&out["dir"]), dir);
    assert_eq!(std::fs::read_to_string(runner.path().join("path")).unwrap().trim(), dir.to_str().unwrap());
    let ran = Command::new(dir.join("herald")).output().unwrap();
    assert_eq!(stdout(&ran).trim(), "herald 9.9.9");
}

#[test]
fn the_install_step_refuses_an_archive_its_checksum_does_not_match() {
    let runner = Scratch::new();
    let (bytes, _) = archive("herald 9.9.9");
    let (_, other) = archive("someone else");
    let (o, out) = install(&runner, &release(bytes, other), "9.9.9");
    assert_eq!(out["version"], "v9.9.9", "a version without its v is the tag");
    assert!(!o.status.success());
    assert!(stderr(&o).contains("SHA-256") && stderr(&o).contains("not installed"), "{}", stderr(&o));
    assert!(!Path::new(&out["dir"]).join("herald").exists());
    assert!(std::fs::read_to_string(runner.path().join("path")).unwrap_or_default().is_empty());
}

#[test]
fn the_install_step_says_when_there_is_no_release_or_no_binary_for_the_runner() {
    let runner = Scratch::new();
    let none = releases("v9.9.9", HashMap::new());
    let o = step(
        &runner,
        "install.sh",
        &["resolve"],
        &[("RUNNER_OS", "Linux"), ("RUNNER_ARCH", "ARM"), ("HERALD_RELEASES", &none), ("HERALD_DIR", "tools")],
    );
    assert!(stderr(&o).contains("no release binary for Linux/ARM"), "{}", stderr(&o));
    let (o, _) = install(&runner, &none, "v9.9.9");
    assert!(
        stderr(&o).contains("cannot download herald-x86_64-unknown-linux-gnu.tar.xz of herald v9.9.9"),
        "{}",
        stderr(&o)
    );
}
