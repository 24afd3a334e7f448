//! A real PostgreSQL for the tests, one per test process: `initdb` in a temporary folder and
//! `postgres` on a free loopback port, run as `nobody` when the tests run as root (PostgreSQL
//! refuses root). Each test gets a database of its own. The server stops, and its folder goes,
//! when the test process exits: a shell holding the server reads the process's pipe, which the
//! OS closes at exit however the process ends. Shared by the unit tests (included by path) and
//! the integration tests.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// The running server: its port, and the shell holding it (kept so its pipe stays open).
struct Server {
    port: u16,
    _holder: Mutex<Child>,
}

/// PostgreSQL's programs: `$HERALD_PG_BIN`, else the newest Debian install, else `$PATH`.
fn bin_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("HERALD_PG_BIN") {
        return Some(dir.into());
    }
    let mut installed: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|d| d.join("initdb").exists())
        .collect();
    installed.sort_by_key(|d| d.parent().and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok()).unwrap_or(0));
    installed.pop().or_else(|| {
        let out = Command::new("pg_config").arg("--bindir").output().ok()?;
        Some(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
    })
}

/// `program args…`, as `nobody` when this process is root.
fn command(program: &Path, root: bool) -> Command {
    if root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

// The holder is never waited for: it outlives this process on purpose, to stop the server.
#[allow(clippy::zombie_processes)]
fn start() -> Server {
    let bin = bin_dir().expect("PostgreSQL is installed (apt-get install postgresql), or HERALD_PG_BIN is set");
    let root = std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false);
    let dir = std::env::temp_dir().join(format!("herald-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // Made by the server's user, so the server's shell can remove it when done.
    let made = command(Path::new("/bin/mkdir"), root).arg("-m").arg("700").arg(&dir).status();
    assert!(made.is_ok_and(|s| s.success()), "cannot make {}", dir.display());
    let data = dir.join("data");
    let init = command(&bin.join("initdb"), root)
        .args(["-D"])
        .arg(&data)
        .args(["-U", "herald", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"])
        .output()
        .expect("initdb runs");
    assert!(init.status.success(), "initdb failed: {}", String::from_utf8_lossy(&init.stderr));
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    // The shell starts the server, waits for this process's pipe to close, then stops it and
    // removes the folder.
    let script = format!(
        "{} -D '{}' -k '{}' -p {port} -h 127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 >'{}/log' 2>&1 & pg=$!; echo started; cat >/dev/null; kill -INT $pg; wait $pg; rm -rf '{}'",
        bin.join("postgres").display(),
        data.display(),
        dir.display(),
        dir.display(),
        dir.display()
    );
    let mut holder = command(Path::new("/bin/sh"), root)
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let mut line = String::new();
    BufReader::new(holder.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let ready = bin.join("pg_isready");
    for _ in 0..300 {
        let ok = Command::new(&ready).args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "herald", "-q"]).status();
        if ok.is_ok_and(|s| s.success()) {
            return Server { port, _holder: Mutex::new(holder) };
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("PostgreSQL did not start: {}", std::fs::read_to_string(dir.join("log")).unwrap_or_default());
}

/// The URL of a new, empty database on the test server.
pub fn database() -> String {
    static SERVER: OnceLock<Server> = OnceLock::new();
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let server = SERVER.get_or_init(start);
    let name = format!("t{}", NEXT.fetch_add(1, Ordering::Relaxed));
    let admin = format!("postgres://herald@127.0.0.1:{}/postgres", server.port);
    let create = format!("CREATE DATABASE {name}");
    // The client runs a runtime of its own: not on a thread inside the test's.
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&admin, postgres::NoTls).expect("the test server answers");
        client.batch_execute(&create).unwrap();
    })
    .join()
    .unwrap();
    format!("postgres://herald:secret-pw@127.0.0.1:{}/{name}", server.port)
}
