//! The throughput limit over real connections: every provider answers a request over it with
//! its own throttling answer and `Retry-After`, and herald's classifier reads that as a retry.

use super::{client, send, start, text_request};
use crate::providers::testing::kind;
use crate::providers::{Outcome, ProviderKind, Response};
use crate::sandbox::{Config, Throughput};
use serde_json::Value;
use std::time::Duration;

/// `body` without Meta's per-answer trace id, which differs on every answer.
fn without_trace(mut body: Value) -> Value {
    if let Some(error) = body.get_mut("error").and_then(Value::as_object_mut) {
        error.remove("fbtrace_id");
    }
    body
}

#[tokio::test]
async fn over_the_limit_every_provider_answers_its_own_throttling_which_herald_retries() {
    // One request per 1000 s: the second is over the limit however slow the machine is.
    let sandbox = start(Config { throughput: Throughput::PerSec(0.001), ..Config::default() }).await;
    let client = client();
    for &kind in ProviderKind::ALL {
        let request = text_request(&sandbox, kind);
        assert_eq!(send(&client, kind, &request).await.0 / 100, 2, "{kind}: the first passes");
        let (status, retry_after, body) = send(&client, kind, &request).await;
        assert_eq!((status, retry_after.as_deref()), (429, Some("1000")), "{kind}");
        let documented = kind.imitation().throttled().json_body().cloned().map(without_trace);
        assert_eq!(Some(without_trace(body.clone())), documented, "{kind}: its own throttling answer");
        let text = body.to_string();
        let answer =
            Response { status, retry_after: Some(Duration::from_secs(1000)), body: text.as_bytes(), recipients: 1 };
        let outcome = kind.provider().classify(&answer);
        assert!(
            matches!(outcome, Outcome::Throttled { after: Some(after), .. } if after == Duration::from_secs(1000)),
            "{kind}: herald must slow down and retry a throttled request, not fail it: {outcome:?}"
        );
    }
    let stats = sandbox.stats();
    let n = ProviderKind::ALL.len() as u64;
    assert_eq!((stats.accepted, stats.faults), (n, n));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_cloud_api_throttles_with_metas_130429() {
    let sandbox = start(Config { throughput: Throughput::PerSec(0.001), ..Config::default() }).await;
    let (client, cloud) = (client(), kind("cloud_api"));
    let request = text_request(&sandbox, cloud);
    assert_eq!(send(&client, cloud, &request).await.0, 200);
    let (status, _, body) = send(&client, cloud, &request).await;
    assert_eq!(status, 429);
    assert_eq!(body["error"]["code"], 130429);
    assert_eq!(body["error"]["type"], "OAuthException");
    assert_eq!(body["error"]["message"], "(#130429) Rate limit hit");
    sandbox.shutdown().await;
}
