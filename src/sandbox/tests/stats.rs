//! `GET /_stats`: the counts so far and, second by second, the requests that reached a
//! provider, how many were accepted and how many were refused for the throughput, so a
//! benchmark can judge how a client settles after its first seconds.

use super::{client, send, start, text_request};
use crate::providers::testing::kind;
use crate::sandbox::{Config, Throughput};
use serde_json::{Value, json};

/// The sandbox's `/_stats` answer: status and JSON body.
async fn stats(client: &reqwest::Client, sandbox: &crate::sandbox::Sandbox) -> (u16, Value) {
    let response = client.get(format!("http://{}/_stats", sandbox.addr())).send().await.expect("an answer");
    (response.status().as_u16(), response.json().await.expect("a JSON answer"))
}

#[tokio::test]
async fn stats_count_requests_accepted_and_throttled_by_second() {
    // One request per 1000 s: the first passes, the next two are throttled.
    let sandbox = start(Config { throughput: Throughput::PerSec(0.001), ..Config::default() }).await;
    let (client, cloud) = (client(), kind("cloud_api"));
    let request = text_request(&sandbox, cloud);
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(send(&client, cloud, &request).await.0);
    }
    assert_eq!(seen, [200, 429, 429]);
    let (status, body) = stats(&client, &sandbox).await;
    assert_eq!(status, 200);
    assert_eq!(
        (body["received"].clone(), body["accepted"].clone(), body["faults"].clone()),
        (json!(3), json!(1), json!(2))
    );
    assert_eq!(body["per_provider"]["cloud_api"], 1);
    // The test's three requests take far less than a second, unless the machine stalls
    // across a second's boundary: then they are spread over two.
    let seconds = body["per_second"].as_array().expect("per_second is a list");
    let sum = |key: &str| seconds.iter().map(|s| s[key].as_u64().unwrap()).sum::<u64>();
    assert_eq!((sum("requests"), sum("accepted"), sum("throttled")), (3, 1, 2), "{body}");
    for (i, second) in seconds.iter().enumerate() {
        assert_eq!(second["second"], i, "{body}");
    }
    // Asking for the stats is not a request to any provider.
    assert_eq!(stats(&client, &sandbox).await.1["received"], 3);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_idle_sandbox_has_no_seconds_yet() {
    let sandbox = start(Config::default()).await;
    let (status, body) = stats(&client(), &sandbox).await;
    assert_eq!(status, 200);
    assert_eq!(body["received"], 0);
    assert_eq!(body["per_second"], json!([]));
    sandbox.shutdown().await;
}
