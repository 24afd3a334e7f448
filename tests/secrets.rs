//! The secret audit: every subcommand, run with `-vv` and a known token in the environment,
//! leaves the token out of every byte it writes: stdout, stderr, reports, the journal (and its
//! WAL, caught by killing a send), the CI step summary, and `herald sandbox`'s output. A password or
//! key written into `base_url` is refused without being echoed, and so never reaches any of
//! them either.

use crate::common::*;
use crate::server::*;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const TOKEN: &str = "EAAGs3cr3tAud1tT0k3nQ9x";

/// The token, or any 8 characters of it in a row (a hint such as `EAAG…Q9x` would be a leak
/// too, and would show here).
fn leak(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let chars: Vec<char> = TOKEN.chars().collect();
    chars.windows(8).map(|w| w.iter().collect::<String>()).find(|w| text.contains(w.as_str()))
}

/// Every file under `dir`.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() { files(&path, out) } else { out.push(path) }
    }
}

/// A folder where commands run with the token set and `-vv`, keeping all they print.
struct Audit {
    scratch: Scratch,
    printed: Vec<(String, Vec<u8>)>,
    scanned: Vec<String>,
}

impl Audit {
    fn new() -> Audit {
        Audit { scratch: Scratch::new(), printed: Vec::new(), scanned: Vec::new() }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = herald(self.scratch.path());
        c.arg("-vv").args(args).env("WA_TOKEN", TOKEN);
        c.env("GITHUB_STEP_SUMMARY", self.scratch.path().join("step-summary.md"));
        c
    }

    /// Runs `herald -vv args…` and keeps its output.
    fn run(&mut self, args: &[&str]) -> Output {
        let o = self.command(args).stdin(Stdio::null()).output().expect("herald runs");
        self.keep(args, &o);
        o
    }

    fn keep(&mut self, args: &[&str], o: &Output) {
        self.printed.push((format!("stdout of {args:?}"), o.stdout.clone()));
        self.printed.push((format!("stderr of {args:?}"), o.stderr.clone()));
    }

    /// Checks everything printed so far and every file in the folder now.
    fn check(&mut self) {
        for (what, bytes) in &self.printed {
            assert_eq!(leak(bytes), None, "the secret is in the {what}:\n{}", String::from_utf8_lossy(bytes));
        }
        let mut all = Vec::new();
        files(self.scratch.path(), &mut all);
        for path in all {
            let bytes = std::fs::read(&path).unwrap_or_default();
            assert_eq!(leak(&bytes), None, "the secret is in {}", path.display());
            let name = path.strip_prefix(self.scratch.path()).unwrap_or(&path).display().to_string();
            if !self.scanned.contains(&name) {
                self.scanned.push(name);
            }
        }
    }

    fn scanned(&self, suffix: &str) -> bool {
        self.scanned.iter().any(|f| f.ends_with(suffix))
    }
}

/// A cloud_api text campaign `id` to four listed numbers at `base_url`.
fn campaign(id: &str, base_url: &str) -> String {
    CAMPAIGN
        .replace("id: test-campaign", &format!("id: {id}"))
        .replace("  token_env: WA_TOKEN", &format!("  base_url: {base_url}\n  token_env: WA_TOKEN"))
        .replace(
            "  csv: data.csv",
            "  list: [\"+254712000001\", \"+254712000002\", \"+254712000003\", \"+254712000004\"]",
        )
        .replace("Hi {{ name }}", "Hi {{ recipient }}")
        .replace("  default_country: KE\n", "")
        + "delivery: { rate: 100/s, concurrency: 1, max_failure_rate: 100% }\n"
}

/// `herald sandbox` on a free port, its output drained as it comes; its cloud_api base URL.
fn sandbox(audit: &Audit, extra: &[&str]) -> (Child, String, std::thread::JoinHandle<Vec<u8>>) {
    let mut child = audit
        .command(&[&["sandbox", "--port", "0"], extra].concat())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the sandbox starts");
    let mut out = BufReader::new(child.stdout.take().expect("piped"));
    let mut first = String::new();
    out.read_line(&mut first).expect("the sandbox prints where it listens");
    let url = first.trim().rsplit(' ').next().unwrap_or_default().to_string();
    let mut err = child.stderr.take().expect("piped");
    let drained = std::thread::spawn(move || {
        let mut bytes = first.into_bytes();
        let _ = out.read_to_end(&mut bytes);
        let _ = err.read_to_end(&mut bytes);
        bytes
    });
    (child, format!("{url}/cloud_api/v23.0"), drained)
}

/// Stops a sandbox as Ctrl-C would and keeps what it printed.
fn stop(audit: &mut Audit, mut child: Child, drained: std::thread::JoinHandle<Vec<u8>>, what: &str) {
    let signalled = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    assert!(signalled.is_ok_and(|s| s.success()));
    child.wait().expect("the sandbox stops");
    audit.printed.push((format!("output of the {what} sandbox"), drained.join().unwrap_or_default()));
}

// spawns: terminal output
#[test]
fn no_subcommand_writes_the_token_anywhere() {
    assert!(leak(format!("key …{}…", &TOKEN[9..17]).as_bytes()).is_some(), "the search finds a piece of the token");
    let mut audit = Audit::new();
    // The loopback provider: one refusal, then successes; it holds its answers while `hold` is
    // set, so a send can be killed mid-run with its journal's WAL still on disk.
    let hold = Arc::new(AtomicBool::new(false));
    let held = hold.clone();
    let server = Server::start(move |n, _| {
        while held.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(5));
        }
        if n == 0 { cloud_error(400, 131026) } else { cloud_ok(n) }
    });
    audit.scratch.write("c.yaml", campaign("audit", &server.url()));

    for args in [
        &["validate", "c.yaml"][..],
        &["validate", "c.yaml", "--format", "json"],
        &["preview", "c.yaml"],
        &["preview", "c.yaml", "--format", "json"],
        &["preview", "c.yaml", "--chat"],
        &["send", "c.yaml", "--dry-run"],
        &["send", "c.yaml", "--dry-run", "--report", "dry"],
        &["send", "c.yaml", "--sandbox", "--yes", "--report", "rehearsal"],
        &["status", "c.yaml", "--sandbox"],
        &["report", "c.yaml", "--sandbox", "--format", "json"],
    ] {
        let o = audit.run(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    }

    // A real send, killed while its first request waits for an answer.
    hold.store(true, Ordering::SeqCst);
    let args = ["send", "c.yaml", "--yes", "--report", "killed"];
    let mut child = audit.command(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("herald runs");
    while server.seen().is_empty() {
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(300));
    let _ = child.kill();
    let o = child.wait_with_output().expect("herald ends");
    audit.keep(&args, &o);
    hold.store(false, Ordering::SeqCst);
    audit.check();
    assert!(audit.scanned(".herald/journal.db-wal"), "no WAL to search: {:?}", audit.scanned);

    // The re-run finishes it (the kill left everyone claimed `unknown`); then every way of
    // looking at it.
    let o = audit.run(&["send", "c.yaml", "--yes", "--retry-unknown", "--report", "out", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let log = stderr(&o);
    assert!(log.contains("DEBUG request recipient=+254"), "-vv logs each request: {log}");
    for args in [
        &["status", "c.yaml"][..],
        &["status", "c.yaml", "--format", "json"],
        &["report", "c.yaml"],
        &["report", "c.yaml", "--format", "csv"],
        &["report", "c.yaml", "--format", "json"],
        &["report", "c.yaml", "--format", "junit"],
        &["report", "c.yaml", "--out", "rebuilt"],
    ] {
        let o = audit.run(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    }
    let bearer = format!("Bearer {TOKEN}");
    assert!(server.seen().iter().all(|r| r.headers.iter().any(|(k, v)| k == "authorization" && *v == bearer)));

    // `herald sandbox`: one refuses the token (the run stops, exit 3), one takes anything.
    let (child, url, drained) = sandbox(&audit, &[]);
    audit.scratch.write("refused.yaml", campaign("audit-refused", &url));
    // The same message to the same people as `audit`, on purpose: a new campaign.
    let o = audit.run(&["send", "refused.yaml", "--yes", "--new-id", "--report", "refused"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    stop(&mut audit, child, drained, "refusing");
    let (child, url, drained) = sandbox(&audit, &["--canned"]);
    audit.scratch.write("canned.yaml", campaign("audit-canned", &url));
    let o = audit.run(&["send", "canned.yaml", "--yes", "--new-id", "--report", "canned"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stop(&mut audit, child, drained, "canned");

    audit.check();
    for file in [
        ".herald/journal.db",
        ".herald/sandbox-journal.db",
        "out/results.csv",
        "out/summary.json",
        "out/summary.md",
        "out/junit.xml",
        "out/report.html",
        "rebuilt/results.csv",
        "rebuilt/report.html",
        "killed/results.csv",
        "rehearsal/summary.json",
        "dry/results.csv",
        "refused/summary.json",
        "step-summary.md",
    ] {
        assert!(audit.scanned(file), "{file} was not written, so not searched: {:?}", audit.scanned);
    }
}

// spawns: terminal output
#[test]
fn a_password_in_base_url_is_refused_and_never_printed() {
    const PASSWORD: &str = "Pa55w0rdDBx";
    let mut audit = Audit::new();
    for url in [format!("http://herald:{PASSWORD}@127.0.0.1:9"), format!("https://h.example/v1?key={PASSWORD}")] {
        audit.scratch.write("c.yaml", campaign("audit-url", &url));
        for args in [
            &["validate", "c.yaml"][..],
            &["validate", "c.yaml", "--format", "json"],
            &["preview", "c.yaml", "--format", "json"],
            &["preview", "c.yaml", "--chat"],
            &["send", "c.yaml", "--yes"],
            &["send", "c.yaml", "--dry-run", "--report", "dry"],
            &["send", "c.yaml", "--sandbox", "--yes"],
            &["status", "c.yaml"],
            &["report", "c.yaml"],
        ] {
            let o = audit.run(args);
            assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
            let said = stdout(&o) + &stderr(&o);
            assert!(said.contains("`base_url` holds a"), "{args:?}: {said}");
            assert!(said.contains("c.yaml:5:13") || said.contains(r#""line":5,"col":13"#), "{args:?}: {said}");
        }
    }
    for (what, bytes) in &audit.printed {
        assert!(!String::from_utf8_lossy(bytes).contains(PASSWORD), "the password is in the {what}");
    }
    let mut all = Vec::new();
    files(audit.scratch.path(), &mut all);
    for path in all {
        let bytes = std::fs::read(&path).unwrap_or_default();
        assert!(!String::from_utf8_lossy(&bytes).contains(PASSWORD) || path.ends_with("c.yaml"), "{}", path.display());
    }
}
