//! Benchmark load for `herald listen`: posts Meta Cloud API status webhooks, as Meta sends them
//! (herald's own Cloud API webhook writer, signed `X-Hub-Signature-256` with the App Secret in
//! `$HERALD_CLOUD_API_APP_SECRET`), for every message id in a file: a `sent`, a `delivered` and
//! a `read` status per message (Meta's usual three), each in its own post, with a fixed number
//! of posts in flight. Prints one JSON line: posts, 2xx answers, receipts, seconds, receipts a
//! second, and the 50th/99th percentile post latency. `bench/listen.sh` runs it. Not a test.
//!
//! Usage: `cargo run --release --example webhook_load -- URL IDS_FILE CONCURRENCY [PER_POST]`
//! (`PER_POST`: statuses per post, default 1; Meta batches up to about a thousand).

use herald::providers::{MessageStatus, ProviderKind, StatusEvent, signature};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Why the load cannot run.
#[derive(Debug, thiserror::Error)]
enum LoadError {
    #[error("usage: webhook_load URL IDS_FILE CONCURRENCY [PER_POST]")]
    Usage,
    #[error("{0}: {1}")]
    Ids(String, #[source] std::io::Error),
    #[error("HERALD_CLOUD_API_APP_SECRET is not set")]
    Secret,
}

/// One signed post.
struct Post {
    body: bytes::Bytes,
    signature: String,
    receipts: usize,
}

fn posts(ids: &str, per_post: usize, secret: &[u8]) -> Vec<Post> {
    let cloud_api = ProviderKind::named("cloud_api").expect("the Cloud API is a provider");
    let webhook = cloud_api.provider().status_webhook().expect("the Cloud API has status webhooks");
    let at = jiff::Timestamp::now();
    let mut events = Vec::new();
    for status in [MessageStatus::Sent, MessageStatus::Delivered, MessageStatus::Read] {
        for id in ids.lines().map(str::trim).filter(|l| !l.is_empty()) {
            events.push(StatusEvent {
                message_id: id.into(),
                account: None,
                status,
                at: Some(at),
                error: None,
                pricing: None,
            });
        }
    }
    events
        .chunks(per_post.max(1))
        .map(|chunk| {
            let body = (webhook.post)(chunk);
            Post { signature: signature::sign(secret, &body), body: body.into(), receipts: chunk.len() }
        })
        .collect()
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), LoadError> {
    // reqwest is built without a default TLS provider here, as in herald; plain HTTP needs one
    // all the same.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, ids, concurrency, rest @ ..] = args.as_slice() else { return Err(LoadError::Usage) };
    let concurrency: usize = concurrency.parse().map_err(|_| LoadError::Usage)?;
    let per_post: usize = rest.first().map_or(Ok(1), |p| p.parse()).map_err(|_| LoadError::Usage)?;
    let secret = std::env::var("HERALD_CLOUD_API_APP_SECRET").map_err(|_| LoadError::Secret)?;
    let text = std::fs::read_to_string(ids).map_err(|e| LoadError::Ids(ids.clone(), e))?;
    let posts = Arc::new(posts(&text, per_post, secret.as_bytes()));
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    let (ok, seconds, mut latencies) = runtime.block_on(load(url.clone(), posts.clone(), concurrency.max(1)));
    latencies.sort_unstable();
    let pct = |p: f64| latencies.get(((latencies.len() as f64 - 1.0) * p) as usize).copied().unwrap_or_default();
    let receipts: usize = posts.iter().map(|p| p.receipts).sum();
    println!(
        "{{\"posts\":{},\"ok\":{ok},\"receipts\":{receipts},\"seconds\":{seconds:.3},\"receipts_per_second\":{:.0},\"p50_ms\":{:.1},\"p99_ms\":{:.1}}}",
        posts.len(),
        receipts as f64 / seconds,
        pct(0.5).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0
    );
    Ok(())
}

/// Sends every post, `concurrency` at a time; the 2xx answers, the seconds and each latency.
async fn load(url: String, posts: Arc<Vec<Post>>, concurrency: usize) -> (usize, f64, Vec<Duration>) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a reqwest client");
    let next = Arc::new(AtomicUsize::new(0));
    let ok = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let tasks: Vec<_> = (0..concurrency.min(posts.len().max(1)))
        .map(|_| {
            let (client, next, ok, url, posts) = (client.clone(), next.clone(), ok.clone(), url.clone(), posts.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(post) = posts.get(i) else { return latencies };
                    let sent = Instant::now();
                    let answer = client
                        .post(url.as_str())
                        .header("content-type", "application/json")
                        .header("x-hub-signature-256", &post.signature)
                        .body(post.body.clone())
                        .send()
                        .await;
                    if let Ok(response) = answer {
                        let success = response.status().is_success();
                        if response.bytes().await.is_ok() && success {
                            ok.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    latencies.push(sent.elapsed());
                }
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(posts.len());
    for task in tasks {
        latencies.extend(task.await.expect("a posting task"));
    }
    (ok.load(Ordering::Relaxed), start.elapsed().as_secs_f64(), latencies)
}
