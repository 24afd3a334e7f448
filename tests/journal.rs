//! The journal: re-running `herald send` never messages anyone twice, whatever happened to the
//! previous run, and `status` / `report` tell the truth afterwards.

use crate::common::*;
use crate::server::*;
use std::collections::HashMap;
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const TOKEN: &str = "EAAG-journal-secret";

fn campaign(base_url: &str, n: usize, text: &str, delivery: &str) -> String {
    let list: Vec<String> = (0..n).map(|i| format!("\"+2547{:08}\"", 40_000_000 + i)).collect();
    format!(
        "version: 1\nid: journal-test\nprovider:\n  kind: cloud_api\n  base_url: {base_url}\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\nrecipients:\n  list: [{}]\nmessage:\n  type: text\n  text: \"{text}\"\ndelivery: {{ {delivery} }}\n",
        list.join(", ")
    )
}

fn send(s: &Scratch, extra: &[&str]) -> Output {
    let mut args = vec!["send", "c.yaml", "--yes", "--quiet", "--report", "out"];
    args.extend_from_slice(extra);
    herald(s.path()).args(&args).env("WA_TOKEN", TOKEN).output().unwrap()
}

/// Starts `herald send` in the background (output discarded), for tests that interrupt it.
fn spawn_send(s: &Scratch, report: &str) -> std::process::Child {
    herald(s.path())
        .args(["send", "c.yaml", "--yes", "--quiet", "--report", report])
        .env("WA_TOKEN", TOKEN)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

fn statuses(s: &Scratch) -> HashMap<String, String> {
    let mut r = csv::Reader::from_path(s.path().join("out/results.csv")).unwrap();
    r.records().map(Result::unwrap).map(|r| (r[0].to_string(), r[2].to_string())).collect()
}

// spawns: kill — a killed holder leaves no stuck lock
#[test]
fn a_second_sender_on_the_same_journal_is_refused() {
    let server = Server::start(|n, _| {
        std::thread::sleep(Duration::from_millis(300));
        cloud_ok(n)
    });
    let s = Scratch::new();
    s.write("c.yaml", campaign(&server.url(), 10, "Hi", "rate: 100/s, concurrency: 1, max_failure_rate: 100%"));
    let first = spawn_send(&s, "out1");
    while server.seen().is_empty() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let o = send(&s, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(&format!(
            "another herald (process {}) is sending the campaign `journal-test` with the journal",
            first.id()
        )),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("--journal PATH"), "{}", stderr(&o));
    let status = run(s.path(), &["status", "c.yaml"]);
    assert!(stdout(&status).contains("a send is running now"), "{}", stdout(&status));
    // The lock is the campaign's, not the folder's: another campaign beside it sends meanwhile.
    let other = campaign(&server.url(), 2, "Other", "rate: 100/s, max_failure_rate: 100%")
        .replace("id: journal-test", "id: other");
    s.write("other.yaml", other);
    let o = herald(s.path())
        .args(["send", "other.yaml", "--yes", "--quiet", "--report", "out-other"])
        .env("WA_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let status = run(s.path(), &["status", "other.yaml"]);
    assert!(!stdout(&status).contains("a send is running now"), "{}", stdout(&status));
    let mut first = first;
    first.kill().unwrap();
    first.wait().unwrap();
    let o = send(&s, &[]);
    assert_eq!(o.status.code(), Some(0), "a killed holder leaves no stuck lock: {}", stderr(&o));
    assert!(stderr(&o).contains("were in flight when an earlier run stopped"), "{}", stderr(&o));
    // Neither campaign's rows were folded into the other's, and none was lost.
    let status = run(s.path(), &["status", "other.yaml", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(json["counts"]["sent"], 2, "{json}");
}

// spawns: terminal output
#[test]
fn status_and_report_tell_the_truth_from_the_journal() {
    let server = Server::start(|n, _| if n == 1 { cloud_error(400, 131026) } else { cloud_ok(n) });
    let s = Scratch::new();
    s.write("c.yaml", campaign(&server.url(), 4, "Hi", "rate: 100/s, concurrency: 1, max_failure_rate: 100%"));
    let o = run(s.path(), &["status", "c.yaml"]);
    assert!(
        stdout(&o).contains("no journal yet") && stdout(&o).contains("a run would send to 4 recipients"),
        "{}",
        stdout(&o)
    );
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&run(s.path(), &["status", "c.yaml", "--format", "json"]))).unwrap();
    assert_eq!(
        (&json["journal_exists"], &json["rerun_would_send"], &json["runs"]),
        (&false.into(), &4.into(), &0.into())
    );
    send(&s, &["--limit", "3"]);
    let o = run(s.path(), &["status", "c.yaml"]);
    let out = stdout(&o);
    assert!(
        out.contains("  sent             2\n  failed           1\n  pending          1   (never attempted)\n"),
        "{out}"
    );
    assert!(out.contains("1 run · last started"), "{out}");
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&run(s.path(), &["status", "c.yaml", "--format", "json"]))).unwrap();
    assert_eq!(
        (&json["counts"]["sent"], &json["counts"]["failed"], &json["counts"]["pending"], &json["rerun_would_send"]),
        (&2.into(), &1.into(), &1.into(), &1.into()),
        "{json}"
    );
    assert_eq!((json["runs"].clone(), json["running"].clone()), (1.into(), false.into()));
    assert_eq!(json["last_run"]["exit_code"], 0);
    assert!(
        out.contains("a re-run would send to 1 recipient, skip 2 already sent, leave 1 failed as they are"),
        "{out}"
    );
    let o = run(s.path(), &["report", "c.yaml", "--format", "csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert_eq!(text.lines().count(), 5, "{text}");
    assert!(text.contains(",failed,") && text.contains(",pending,not sent yet,"), "{text}");
    let o = run(s.path(), &["report", "c.yaml", "--out", "rebuilt"]);
    assert_eq!(o.status.code(), Some(0));
    for f in ["results.csv", "summary.json", "summary.md", "junit.xml", "report.html"] {
        let body = std::fs::read_to_string(s.path().join("rebuilt").join(f)).unwrap();
        assert!(!body.contains(TOKEN), "{f}");
    }
    let db = std::fs::read(s.path().join(".herald/journal.db")).unwrap();
    assert!(!String::from_utf8_lossy(&db).contains(TOKEN), "the journal holds the secret");
    assert!(!String::from_utf8_lossy(&db).contains("\"Hi\""), "the journal holds a body without --keep-bodies");
}

/// Kill `herald send` with SIGKILL at many points, re-run until it finishes, and check that
/// nobody received two messages, everyone ended final, and the journal agrees with the server.
/// Each kill lands at a chosen point of the run, whatever the machine's load: the server holds
/// its answers once it has received that many requests, until the process is dead.
// spawns: kill
#[test]
fn killing_send_at_any_moment_never_sends_twice() {
    let n = 40;
    let kill_at = Arc::new(AtomicUsize::new(usize::MAX));
    let hold = kill_at.clone();
    let server = Server::start(move |i, _| {
        while i + 1 >= hold.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(1));
        }
        cloud_ok(i)
    });
    // Requests received (across all trials) at the kill: none yet, the first batch, the middle,
    // near the end.
    for (trial, at) in [0usize, 1, 2, 5, 9, 14, 20, 27, 33, 38].into_iter().enumerate() {
        let s = Scratch::new();
        let delivery = "rate: 1000/s, concurrency: 4, max_failure_rate: 100%";
        let id = format!("kill-{trial}");
        s.write("c.yaml", campaign(&server.url(), n, &format!("trial {trial}"), delivery).replace("journal-test", &id));
        let before = server.seen().len();
        kill_at.store(before + at, Ordering::SeqCst);
        let mut child = spawn_send(&s, "out");
        while server.seen().len() < before + at && child.try_wait().unwrap().is_none() {
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = child.kill();
        child.wait().unwrap();
        kill_at.store(usize::MAX, Ordering::SeqCst);
        assert!(server.seen().len() >= before + at, "trial {trial}: herald ended before the kill");
        if s.path().join(".herald/journal.db").exists() {
            let report = run(s.path(), &["report", "c.yaml", "--format", "csv"]);
            assert_eq!(report.status.code(), Some(0), "trial {trial}: {}", stderr(&report));
            let lines = stdout(&report).lines().count();
            assert_eq!(lines, n + 1, "trial {trial}: the report after a crash misses recipients");
        }
        let o = send(&s, &[]);
        assert_eq!(o.status.code(), Some(0), "trial {trial}: the re-run failed: {}", stderr(&o));
        let trial_received: HashMap<String, usize> = {
            let mut m = HashMap::new();
            for r in server.seen() {
                let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
                if body["text"]["body"] == format!("trial {trial}") {
                    *m.entry(body["to"].as_str().unwrap().to_string()).or_default() += 1;
                }
            }
            m
        };
        let status = statuses(&s);
        assert_eq!(status.len(), n, "trial {trial}: the report misses recipients");
        assert_states_agree(&status, &trial_received, &format!("trial {trial} (kill at {at}): "));
    }
}

// spawns: terminal output
#[test]
fn a_dry_run_shows_what_a_real_run_would_do() {
    let server = Server::start(|n, _| cloud_ok(n));
    let s = Scratch::new();
    s.write("c.yaml", campaign(&server.url(), 3, "Hi", "rate: 100/s"));
    send(&s, &["--limit", "2"]);
    let o = send(&s, &["--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("a real run would send to 1 recipient, skip 2 already sent"), "{}", stderr(&o));
    let rows = statuses(&s);
    assert_eq!(rows.values().filter(|v| *v == "dry_run").count(), 1, "{rows:?}");
    assert_eq!(rows.values().filter(|v| *v == "sent").count(), 2, "{rows:?}");
    assert_eq!(server.seen().len(), 2);
    // Without --report a dry run writes nothing at all, and a real run's report lands in
    // .herald/reports/ beside the campaign, one folder per run.
    let bare =
        herald(s.path()).args(["send", "c.yaml", "--dry-run", "--quiet"]).env("WA_TOKEN", TOKEN).output().unwrap();
    assert_eq!(bare.status.code(), Some(0), "{}", stderr(&bare));
    assert!(!s.path().join(".herald/reports").exists(), "a dry run wrote a report");
    assert!(!stdout(&bare).contains("report:"), "{}", stdout(&bare));
    for _ in 0..2 {
        let o = herald(s.path()).args(["send", "c.yaml", "--yes", "--quiet"]).env("WA_TOKEN", TOKEN).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let runs = std::fs::read_dir(s.path().join(".herald/reports")).unwrap().count();
    assert_eq!(runs, 2, "two runs share a report folder");
}

// spawns: terminal output — a closed pipe
#[test]
fn report_into_a_closed_pipe_ends_quietly() {
    let server = Server::start(|n, _| cloud_ok(n));
    let s = Scratch::new();
    s.write("c.yaml", campaign(&server.url(), 3000, "Hi", "rate: 1000/s, concurrency: 8"));
    assert_eq!(send(&s, &[]).status.code(), Some(0));
    let o = into_closed_pipe(s.path(), &["report", "c.yaml", "--format", "csv"], 64);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
}

// spawns: exit code
#[test]
fn an_empty_or_foreign_journal_is_refused_never_taken_for_a_fresh_one() {
    let server = Server::start(|n, _| cloud_ok(n));
    let s = Scratch::new();
    s.write("c.yaml", campaign(&server.url(), 3, "Hi", "rate: 100/s"));
    assert_eq!(send(&s, &[]).status.code(), Some(0));
    // A tool truncated it.
    std::fs::write(s.path().join(".herald/journal.db"), b"").unwrap();
    for args in [&["status", "c.yaml"][..], &["report", "c.yaml"], &["send", "c.yaml", "--yes", "--quiet"]] {
        let o = herald(s.path()).args(args).env("WA_TOKEN", TOKEN).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("is not a herald journal (the file is empty)"), "{}", stderr(&o));
    }
    assert_eq!(std::fs::metadata(s.path().join(".herald/journal.db")).unwrap().len(), 0, "nobody wrote into it");
    // Someone else's database.
    rusqlite::Connection::open(s.path().join("other.db")).unwrap().execute_batch("CREATE TABLE t (x)").unwrap();
    let o = send(&s, &["--journal", "other.db"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is not a herald journal (it has no herald tables)"), "{}", stderr(&o));
    assert_eq!(server.seen().len(), 3, "nobody was messaged again");
}

// spawns: exit code — the journal is one whole file once herald has exited
#[test]
fn the_journal_file_alone_is_whole_after_a_send_and_readers_never_write_it() {
    let server = Server::start(|n, _| cloud_ok(n));
    let s = Scratch::new();
    s.write("c.yaml", campaign(&server.url(), 5, "Hi", "rate: 500/s"));
    assert_eq!(send(&s, &[]).status.code(), Some(0));
    // A backup or CI cache that keeps only journal.db.
    let copy = s.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    std::fs::copy(s.path().join(".herald/journal.db"), copy.join("journal.db")).unwrap();
    let before = std::fs::read(copy.join("journal.db")).unwrap();
    let o = run(s.path(), &["status", "c.yaml", "--journal", "copy/journal.db", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["counts"]["sent"], 5, "{json}");
    let report = run(s.path(), &["report", "c.yaml", "--journal", "copy/journal.db", "--format", "csv"]);
    assert_eq!(report.status.code(), Some(0), "{}", stderr(&report));
    assert!(std::fs::read(copy.join("journal.db")).unwrap() == before, "status or report wrote into the journal");
}

// spawns: terminal output
#[test]
fn in_ci_a_journal_on_the_runners_disk_is_warned_about() {
    let server = Server::start(|n, _| cloud_ok(n));
    let s = Scratch::new();
    s.write("c.yaml", campaign(&server.url(), 1, "Hi", "rate: 100/s"));
    let o = herald(s.path())
        .args(["send", "c.yaml", "--yes", "--quiet"])
        .env("WA_TOKEN", TOKEN)
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning: running in CI (GitHub Actions) with the journal on this runner's disk"),
        "{}",
        stderr(&o)
    );
    // A journal placed on purpose is taken as kept.
    let o = herald(s.path())
        .args(["send", "c.yaml", "--yes", "--quiet", "--journal", "kept.db"])
        .env("WA_TOKEN", TOKEN)
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    assert!(!stderr(&o).contains("running in CI"), "{}", stderr(&o));
    // So is one HERALD_JOURNAL names, and the journal goes there.
    let elsewhere = s.path().join("elsewhere/j.db");
    let o = herald(s.path())
        .args(["send", "c.yaml", "--yes", "--quiet"])
        .env("WA_TOKEN", TOKEN)
        .env("GITHUB_ACTIONS", "true")
        .env("HERALD_JOURNAL", &elsewhere)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("running in CI"), "{}", stderr(&o));
    assert!(elsewhere.exists(), "HERALD_JOURNAL was ignored");
}

// spawns: terminal output
#[test]
fn report_after_sandbox_only_sends_says_to_add_sandbox() {
    let s = Scratch::new();
    s.write("c.yaml", campaign("https://graph.facebook.com/v23.0", 2, "Hi", "rate: 100/s"));
    let o = run(s.path(), &["send", "c.yaml", "--yes", "--quiet", "--sandbox", "--report", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(s.path(), &["report", "c.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.starts_with("error: no journal at "), "{err}");
    let hint = "= help: campaign `journal-test` was only rehearsed with `send --sandbox` (journal .herald/sandbox-journal.db): add --sandbox to report those runs";
    assert!(err.contains(hint), "{err}");
    assert!(!err.contains("Error"), "{err}");
    let o = run(s.path(), &["report", "c.yaml", "--sandbox", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(s.path(), &["send", "c.yaml", "--yes", "--quiet", "--sandbox", "--journal", "j.db", "--report", "o2"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(s.path(), &["report", "c.yaml", "--journal", "j.db"]);
    assert!(stderr(&o).contains("(journal j.sandbox.db): add --sandbox"), "{}", stderr(&o));
    let o = run(s.path(), &["report", "c.yaml", "--journal", "nowhere.db", "--sandbox"]);
    assert!(stderr(&o).contains("= help: if it was sent from another machine"), "{}", stderr(&o));
    let fresh = Scratch::new();
    fresh.write("c.yaml", campaign("https://graph.facebook.com/v23.0", 2, "Hi", "rate: 100/s"));
    let o = run(fresh.path(), &["report", "c.yaml"]);
    assert!(
        stderr(&o).contains(
            "= help: if it was sent from another machine or in CI, point --journal (or HERALD_JOURNAL) at that journal"
        ),
        "{}",
        stderr(&o)
    );
}

// spawns: terminal output
#[test]
fn the_gitignore_note_comes_only_when_git_would_track_the_new_journal() {
    let note = "add `.herald/` to your .gitignore";
    let sandbox_send = |s: &Scratch, extra: &[&str]| {
        let mut args = vec!["send", "c.yaml", "--yes", "--quiet", "--sandbox", "--report", "out"];
        args.extend_from_slice(extra);
        stderr(&run(s.path(), &args))
    };
    let repo = || {
        let s = Scratch::new();
        let init = std::process::Command::new("git").arg("init").arg("-q").arg(s.path()).status().unwrap();
        assert!(init.success());
        s.write("c.yaml", campaign("https://graph.facebook.com/v23.0", 2, "Hi", "rate: 100/s"));
        s
    };
    let s = repo();
    let err = sandbox_send(&s, &[]);
    assert!(err.contains(&format!("note: created the journal .herald/sandbox-journal.db; {note}")), "{err}");
    assert!(!sandbox_send(&s, &[]).contains(note), "said again for an existing journal");
    // Ignored by a pattern other than `.herald`, or outside any .gitignore: git knows.
    for (file, pattern) in [(".gitignore", "/.herald/*\n"), (".git/info/exclude", "**/.herald/\n")] {
        let s = repo();
        s.write(file, pattern);
        let err = sandbox_send(&s, &[]);
        assert!(!err.contains(note), "{file}: {err}");
    }
    let s = repo();
    let err = sandbox_send(&s, &["--journal", "state/j.db"]);
    assert!(!err.contains(note), "a journal outside .herald/: {err}");
    let outside = Scratch::new();
    outside.write("c.yaml", campaign("https://graph.facebook.com/v23.0", 2, "Hi", "rate: 100/s"));
    assert!(!sandbox_send(&outside, &[]).contains(note), "outside git there is no .gitignore to add to");
}

// spawns: terminal output
#[test]
fn status_counts_a_suppressed_recipient_already_sent_once() {
    let server = Server::start(|n, _| cloud_ok(n));
    let s = Scratch::new();
    s.write("c.yaml", campaign(&server.url(), 5, "Hi", "rate: 100/s, concurrency: 1"));
    assert_eq!(send(&s, &["--limit", "3"]).status.code(), Some(0));
    // One number sent already and one never sent join an opt-out list.
    s.write("optout.txt", "+254740000000\n+254740000004\n");
    let status = |format: &str| run(s.path(), &["status", "c.yaml", "--suppress", "optout.txt", "--format", format]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&status("json"))).unwrap();
    let counts = &json["counts"];
    assert_eq!(
        (&counts["sent"], &counts["skipped"], &counts["pending"], &json["rerun_would_send"]),
        (&3.into(), &1.into(), &1.into(), &1.into()),
        "five recipients, each counted once: {json:#}"
    );
    let text = stdout(&status("pretty"));
    assert!(text.contains("a re-run would send to 1 recipient, skip 3 already sent\n"), "{text}");
}

// spawns: terminal output
#[test]
fn status_report_and_a_dry_run_read_a_version_4_journal_without_writing_it() {
    use std::os::unix::fs::PermissionsExt;
    let server = Server::start(|n, _| cloud_ok(n));
    let s = Scratch::new();
    s.write("c.yaml", campaign(&server.url(), 6, "Hi", "rate: 100/s"));
    assert_eq!(send(&s, &["--limit", "4"]).status.code(), Some(0));
    // The journal as herald wrote it before campaigns had a file (schema version 4).
    let dir = s.path().join(".herald");
    let path = dir.join("journal.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("ALTER TABLE campaigns DROP COLUMN file; DROP TABLE receipts; PRAGMA user_version = 4;")
        .unwrap();
    drop(conn);
    let before = std::fs::read(&path).unwrap();
    let mode = |p: &std::path::Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    mode(&path, 0o444);
    mode(&dir, 0o555);
    let outputs = [
        run(s.path(), &["status", "c.yaml"]),
        run(s.path(), &["report", "c.yaml", "--format", "csv"]),
        herald(s.path()).args(["send", "c.yaml", "--dry-run"]).env("WA_TOKEN", TOKEN).output().unwrap(),
    ];
    mode(&dir, 0o755);
    mode(&path, 0o644);
    for o in &outputs {
        assert_eq!(o.status.code(), Some(0), "{}", stderr(o));
    }
    assert!(stdout(&outputs[0]).contains('4'), "{}", stdout(&outputs[0]));
    assert!(std::fs::read(&path).unwrap() == before, "a reader wrote to the journal");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, 4, "a reader migrated the journal");
}
