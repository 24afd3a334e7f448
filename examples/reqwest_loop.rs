//! Benchmark reference line: a bare reqwest client loop, the ceiling of the HTTP library herald
//! sends through. It POSTs one body N times to one URL with a fixed number of requests in flight
//! (as many tasks, each sending its next request when its answer has been read), on a
//! multi-threaded tokio runtime with one client built like herald's (rustls with ring, no
//! redirects, the same timeouts and user agent), and prints one JSON line: requests, 2xx answers, seconds, requests
//! a second. `bench/run.sh` runs it next to `herald send` and oha. Not a test: it prints numbers.
//!
//! Usage: `cargo run --release --example reqwest_loop -- URL COUNT CONCURRENCY BODY_FILE
//! [HEADER: VALUE]...`

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What the command line asks for.
struct Args {
    url: String,
    count: usize,
    concurrency: usize,
    body: bytes::Bytes,
    headers: HeaderMap,
}

fn args() -> Result<Args, String> {
    let usage = "usage: reqwest_loop URL COUNT CONCURRENCY BODY_FILE [HEADER: VALUE]...";
    let mut it = std::env::args().skip(1);
    let mut next = |what: &str| it.next().ok_or_else(|| format!("error: {what} is missing\n{usage}"));
    let url = next("URL")?;
    let count = next("COUNT")?.parse().map_err(|e| format!("error: COUNT: {e}"))?;
    let concurrency: usize = next("CONCURRENCY")?.parse().map_err(|e| format!("error: CONCURRENCY: {e}"))?;
    let path = next("BODY_FILE")?;
    let body = std::fs::read(&path).map_err(|e| format!("error: {path}: {e}"))?.into();
    let mut headers = HeaderMap::new();
    for h in std::env::args().skip(5) {
        let (name, value) = h.split_once(':').ok_or_else(|| format!("error: header {h:?} is not NAME: VALUE"))?;
        let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|e| format!("error: header name: {e}"))?;
        let value = HeaderValue::from_str(value.trim()).map_err(|e| format!("error: header value: {e}"))?;
        headers.insert(name, value);
    }
    Ok(Args { url, count, concurrency: concurrency.max(1), body, headers })
}

fn main() {
    let args = match args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    let (ok, seconds) = runtime.block_on(run(args.url, args.count, args.concurrency, args.body, args.headers));
    let count = args.count;
    println!(
        "{{\"requests\":{count},\"ok\":{ok},\"seconds\":{seconds:.6},\"requests_per_second\":{:.1}}}",
        count as f64 / seconds
    );
}

/// Sends `count` requests, `concurrency` at a time; the 2xx answers and the seconds it took.
async fn run(url: String, count: usize, concurrency: usize, body: bytes::Bytes, headers: HeaderMap) -> (usize, f64) {
    let timeout = Duration::from_secs(30);
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("rustls's default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let client = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(concurrency)
        .user_agent(concat!("herald/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("a reqwest client");
    let next = Arc::new(AtomicUsize::new(0));
    let ok = Arc::new(AtomicUsize::new(0));
    let url = Arc::new(url);
    let start = Instant::now();
    let tasks: Vec<_> = (0..concurrency.min(count.max(1)))
        .map(|_| {
            let (client, next, ok, url, body, headers) =
                (client.clone(), next.clone(), ok.clone(), url.clone(), body.clone(), headers.clone());
            tokio::spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < count {
                    let sent = client.post(url.as_str()).headers(headers.clone()).body(body.clone()).send().await;
                    if let Ok(response) = sent {
                        let success = response.status().is_success();
                        if response.bytes().await.is_ok() && success {
                            ok.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a sending task");
    }
    (ok.load(Ordering::Relaxed), start.elapsed().as_secs_f64())
}
