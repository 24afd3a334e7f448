//! A scripted HTTP server on loopback for exact fault tests: each request gets the reply the
//! script names for its sequence number: a status and body, accept-then-drop, never answer, or
//! a body that trickles or never ends.
//! It records every request and fails the test if it was never called.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What to answer.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Status, body, extra headers.
    Answer(u16, String, Vec<(&'static str, String)>),
    /// Read the request, then close the connection without answering.
    Drop,
    /// Read the request, then never answer (until the test ends).
    Hang,
    /// Answer 200 with a long body, one byte every 100 ms.
    Trickle,
    /// Answer 200 with a body that never ends, as fast as the client reads (up to 64 MiB).
    Endless,
}

/// One received request.
#[derive(Clone, Debug)]
pub struct Seen {
    /// Headers, lower-cased names.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
}

type Script = dyn Fn(usize, &Seen) -> Reply + Send + Sync;

/// The server.
pub struct Server {
    /// Where it listens.
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    /// Starts a server answering request *n* (0-based) with `script(n, request)`.
    pub fn start(script: impl Fn(usize, &Seen) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script: Arc<Script> = Arc::new(script);
        let state = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (seen, script) = (state.clone(), script.clone());
                std::thread::spawn(move || serve(stream, seen, script));
            }
        });
        Server { addr, seen }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The `to` of every Cloud API request so far, sorted (repeats kept).
    pub fn numbers(&self) -> Vec<String> {
        let to =
            |r: &Seen| serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["to"].as_str().unwrap().to_string();
        let mut numbers: Vec<String> = self.seen().iter().map(to).collect();
        numbers.sort();
        numbers
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            assert!(!self.seen().is_empty(), "the test server was never called");
        }
    }
}

fn serve(stream: TcpStream, seen: Arc<Mutex<Vec<Seen>>>, script: Arc<Script>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut headers = Vec::new();
        let mut length = 0;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_string());
                if k == "content-length" {
                    length = v.parse().unwrap_or(0);
                }
                headers.push((k, v));
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let request = Seen { headers, body: String::from_utf8_lossy(&body).into_owned() };
        let n = {
            let mut s = seen.lock().unwrap();
            s.push(request.clone());
            s.len() - 1
        };
        match script(n, &request) {
            Reply::Answer(status, body, extra) => {
                let mut head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
                    body.len()
                );
                for (k, v) in extra {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                if out.write_all(format!("{head}\r\n{body}").as_bytes()).is_err() {
                    return;
                }
            }
            Reply::Drop => return,
            Reply::Hang => {
                std::thread::sleep(Duration::from_secs(20));
                return;
            }
            Reply::Trickle => {
                let _ = out.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 200\r\n\r\n");
                for _ in 0..200 {
                    if out.write_all(b" ").and_then(|()| out.flush()).is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                return;
            }
            Reply::Endless => {
                let _ = out.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1099511627776\r\n\r\n");
                let chunk = vec![b'x'; 64 * 1024];
                for _ in 0..1024 {
                    if out.write_all(&chunk).is_err() {
                        return;
                    }
                }
                return;
            }
        }
    }
}

/// Meta's success body for a Cloud API send.
pub fn cloud_ok(n: usize) -> Reply {
    Reply::Answer(
        200,
        format!(r#"{{"messaging_product":"whatsapp","contacts":[],"messages":[{{"id":"wamid.{n}"}}]}}"#),
        vec![],
    )
}

/// A Meta error body.
pub fn cloud_error(status: u16, code: i64) -> Reply {
    Reply::Answer(
        status,
        format!(r#"{{"error":{{"message":"(#{code}) error","type":"OAuthException","code":{code}}}}}"#),
        vec![],
    )
}
