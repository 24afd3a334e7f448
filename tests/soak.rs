//! A short fault soak (the long one is `bench/soak.py`): a campaign sent through `herald
//! sandbox`'s faults (500s, 429s with Retry-After, accepted-then-dropped and hung requests)
//! while `herald send` is SIGKILLed at several moments and restarted. Whenever the kills land,
//! nobody may be accepted twice, everyone must end `sent` or `unknown`, and the report must
//! agree with what the sandbox recorded.

use crate::common::*;
use std::process::Stdio;
use std::time::Duration;

const TOKEN: &str = "EAASandboxCloudApiToken";

// spawns: kill
#[test]
fn kills_under_faults_never_send_twice_or_lose_anyone() {
    let s = Scratch::new();
    let faults = ["--seed", "3", "--fail-rate", "10%", "--throttle-rate", "5%", "--retry-after", "1"];
    let mut server = sandbox_server(&s, &[&faults[..], &["--drop-rate", "3%", "--hang-rate", "2%"]].concat());
    let n = 300;
    let csv: String = (0..n).map(|i| format!("+2547{:08},N{i}\n", 50_000_000 + i)).collect();
    s.write("people.csv", format!("phone,name\n{csv}"));
    s.write(
        "c.yaml",
        format!(
            "version: 1\nid: soak\nprovider:\n  kind: cloud_api\n  base_url: {}\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\nrecipients:\n  csv: people.csv\nmessage:\n  type: text\n  text: \"Hi {{{{ name }}}}\"\ndelivery: {{ rate: 1000/s, concurrency: 8, timeout: 300ms, max_attempts: 10, max_failure_rate: 100%, breaker: 100% }}\n",
            server.url
        ),
    );
    let send = || {
        herald(s.path())
            .args(["send", "c.yaml", "--yes", "--quiet", "--report", "out"])
            .env("WA_TOKEN", TOKEN)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // Killed after growing spells of work; the last run goes to the end.
    for ms in [50, 150, 300, 500, 800] {
        let mut child = send();
        std::thread::sleep(Duration::from_millis(ms));
        let _ = child.kill();
        child.wait().unwrap();
    }
    let last = herald(s.path())
        .args(["send", "c.yaml", "--yes", "--quiet", "--report", "out"])
        .env("WA_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert!(matches!(last.status.code(), Some(0 | 1)), "the last run ended {:?}: {}", last.status, stderr(&last));
    let term = std::process::Command::new("kill").args(["-INT", &server.child.id().to_string()]).status().unwrap();
    assert!(term.success());
    server.child.wait().unwrap();
    let report = run(s.path(), &["report", "c.yaml", "--format", "csv"]);
    assert_eq!(report.status.code(), Some(0), "{}", stderr(&report));
    assert_report_agrees(&s, &report.stdout, n);
}
