//! Helpers: run the real binary with a clean environment, write campaigns into temp folders,
//! compare against golden files (set `HERALD_BLESS=1` to rewrite them after a reviewed change).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Every token variable the examples name; cleared so the developer's shell cannot leak in.
pub const TOKEN_VARS: [&str; 6] = [
    "WA_TOKEN",
    "COMMUNIKTOR_API_KEY",
    "EVOLUTION_API_KEY",
    "WHAUTOCHAT_API_KEY",
    "AUTOKONNECT_API_KEY",
    "FLOWIQ_API_KEY",
];

/// The registered provider named `id` in campaigns.
#[track_caller]
pub fn kind(id: &str) -> herald::providers::ProviderKind {
    herald::providers::ProviderKind::named(id).unwrap_or_else(|| panic!("no provider `{id}` is registered"))
}

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A `herald` command run from `dir`, colour off, token variables, global opt-out lists and the
/// rate card unset.
pub fn herald(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_herald"));
    c.current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("HERALD_SUPPRESS")
        .env_remove("HERALD_RATE_CARD");
    // The runner's own CI variables would add herald's CI warning to outputs the tests compare.
    for v in ["CI", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "CIRCLECI", "JENKINS_URL", "TF_BUILD", "HERALD_JOURNAL"]
    {
        c.env_remove(v);
    }
    for v in TOKEN_VARS {
        c.env_remove(v);
    }
    c
}

/// Runs `herald args…` in `dir`.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    herald(dir).args(args).output().expect("herald runs")
}

/// stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A temp folder holding files written by a test.
pub struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    /// An empty folder.
    pub fn new() -> Scratch {
        Scratch { dir: tempfile::tempdir().expect("temp dir") }
    }

    /// Writes `contents` at `name` (folders created) and returns the path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// A valid cloud_api text campaign over `data.csv`; tests replace parts of it.
pub const CAMPAIGN: &str = "\
version: 1
id: test-campaign
provider:
  kind: cloud_api
  token_env: WA_TOKEN
  phone_number_id: \"1234567890\"
recipients:
  csv: data.csv
  default_country: KE
message:
  type: text
  text: \"Hi {{ name }}\"
";

/// Asserts `actual` equals the golden file `tests/golden/<name>`, or rewrites it under
/// `HERALD_BLESS=1`.
pub fn golden(name: &str, actual: &str) {
    let path = root().join("tests/golden").join(name);
    if std::env::var_os("HERALD_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("missing golden file {}", path.display()));
    assert_eq!(actual, expected, "output differs from {}", path.display());
}

/// Runs `herald args…` in `dir` with its stdout closed after `read` bytes (as `| head` does).
pub fn into_closed_pipe(dir: &Path, args: &[&str], read: usize) -> Output {
    let mut child = herald(dir)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("herald runs");
    let mut first = vec![0u8; read];
    std::io::Read::read_exact(child.stdout.as_mut().expect("piped"), &mut first).expect("output before the close");
    drop(child.stdout.take());
    child.wait_with_output().expect("herald ends")
}

/// Reads `child`'s stderr until a line containing `needle`, and returns that line and the rest
/// of the stream; panics if the process ends first.
pub fn await_line(
    child: &mut std::process::Child,
    needle: &str,
) -> (String, std::io::BufReader<std::process::ChildStderr>) {
    let mut err = std::io::BufReader::new(child.stderr.take().expect("stderr piped"));
    let mut line = String::new();
    while !line.contains(needle) {
        line.clear();
        let read = std::io::BufRead::read_line(&mut err, &mut line).unwrap();
        assert!(read > 0, "herald ended before printing `{needle}`");
    }
    (line, err)
}

/// Sends SIGTERM to `child`, as CI does on cancel.
pub fn terminate(child: &std::process::Child) {
    let term = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(term.success());
}

/// `herald sandbox` on a free loopback port, recording what it accepts in `dir`'s
/// `accepted.jsonl`; killed when dropped, so a failing test leaves no server behind.
pub struct SandboxServer {
    /// The process.
    pub child: std::process::Child,
    /// Its Cloud API base URL.
    pub url: String,
}

impl Drop for SandboxServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a [`SandboxServer`] in `dir` with `args` (faults).
pub fn sandbox_server(dir: &Scratch, args: &[&str]) -> SandboxServer {
    let mut child = herald(dir.path())
        .args(["sandbox", "--port", "0", "--quiet", "--record", "accepted.jsonl"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = std::io::BufReader::new(child.stdout.take().unwrap());
    let url = std::io::BufRead::lines(out)
        .map(Result::unwrap)
        .find_map(|l| l.split_whitespace().skip_while(|w| *w != "cloud_api").nth(2).map(str::to_string))
        .expect("the sandbox printed its addresses");
    SandboxServer { child, url }
}

/// How many messages the sandbox started by [`sandbox_server`] accepted, per recipient.
pub fn accepted(dir: &Scratch) -> std::collections::HashMap<String, usize> {
    let mut accepted = std::collections::HashMap::new();
    for line in std::fs::read_to_string(dir.path().join("accepted.jsonl")).unwrap_or_default().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        *accepted.entry(v["recipient"].as_str().unwrap().to_string()).or_default() += 1;
    }
    accepted
}

/// Checks a report (`report --format csv`) of `n` recipients against what the sandbox of
/// [`sandbox_server`] accepted: nobody twice, everyone `sent` (accepted once) or `unknown`.
pub fn assert_report_agrees(dir: &Scratch, report_csv: &[u8], n: usize) {
    let mut rows = csv::Reader::from_reader(report_csv);
    let states: std::collections::HashMap<String, String> =
        rows.records().map(Result::unwrap).map(|r| (r[0].to_string(), r[2].to_string())).collect();
    assert_eq!(states.len(), n, "the report covers everyone");
    assert_states_agree(&states, &accepted(dir), "");
}

/// Checks the journal's final states (by recipient) against the messages a server took (by
/// recipient): nobody twice, `sent` taken once, `unknown` at most once, nothing else;
/// `context` starts each failure's message.
pub fn assert_states_agree(
    states: &std::collections::HashMap<String, String>,
    taken: &std::collections::HashMap<String, usize>,
    context: &str,
) {
    let twice: Vec<_> = taken.iter().filter(|(_, c)| **c > 1).collect();
    assert!(twice.is_empty(), "{context}taken twice: {twice:?}");
    for (phone, state) in states {
        let got = taken.get(phone).copied().unwrap_or(0);
        match state.as_str() {
            "sent" => assert_eq!(got, 1, "{context}{phone} is sent but the server took {got}"),
            "unknown" => assert!(got <= 1, "{context}{phone} is unknown but the server took {got}"),
            other => panic!("{context}{phone} ended {other}"),
        }
    }
}

/// The rows of the report's `results.csv` in `s`'s `out/` folder.
pub fn report_rows(s: &Scratch) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(s.path().join("out/results.csv")).unwrap();
    r.records().map(Result::unwrap).collect()
}

/// The report's `summary.json` in `s`'s `out/` folder.
pub fn report_summary(s: &Scratch) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(s.path().join("out/summary.json")).unwrap()).unwrap()
}
