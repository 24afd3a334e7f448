//! Holding the asked rate at real providers' latencies, on a paused clock: the in-memory
//! provider answers after a scripted latency, and every wait moves the clock on at once. The
//! rate holds with default settings; a concurrency cap below what the rate needs at that
//! latency is named with the number it needs; a provider throttling above its own rate slows
//! the campaign down to about that rate, not recipient by recipient.

use super::*;
use std::sync::Mutex;
use std::time::Duration;

/// A Cloud API text campaign to `n` recipients, with `delivery`.
fn campaign(n: usize, delivery: &str) -> String {
    let list: Vec<String> = (0..n).map(|i| format!("\"+2547{:08}\"", 10_000_000 + i)).collect();
    format!(
        "version: 1\nid: pace-test\nprovider:\n  kind: cloud_api\n  base_url: http://127.0.0.1:9\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\nrecipients:\n  list: [{}]\nmessage:\n  type: text\n  text: \"Hello\"\ndelivery: {{ {delivery} }}\n",
        list.join(", ")
    )
}

/// Sends `campaign` in `s` to `memory` on a paused clock, without a journal (its thread would
/// let the clock run on while it writes); how long it took by that clock.
fn send(s: &Scratch, campaign: &str, memory: Memory) -> (Ran, Duration) {
    let plan = crate::engine::plan(s, campaign);
    let options = session::Options { journal: None, no_journal: true, ..options(s) };
    let deps = Deps {
        transport: Arc::new(memory.on_one_lane()),
        tokens: Secret::new(TOKEN).into(),
        clock: Clock::system(),
        cancel: CancellationToken::new(),
    };
    session_paused(&plan, options, deps)
}

/// A log-normal-ish spread around `median` (p99 about 3×), the same for every run.
fn spread(median: Duration) -> impl Fn(usize) -> Duration + Send + Sync {
    move |n| {
        let x = ((n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11) as f64 / (1u64 << 53) as f64;
        median.mul_f64((0.47 * (2.0 * x - 1.0) * 2.33).exp())
    }
}

#[test]
fn eighty_a_second_holds_at_300_ms_with_default_settings() {
    let s = Scratch::new();
    let memory = Memory::new(|n, _| ok(n)).answering_after(spread(Duration::from_millis(300)));
    let (ran, took) = send(&s, &campaign(2_000, "max_failure_rate: 1%"), memory);
    assert_eq!(ran.ended().exit_code(), 0, "{:?}", ran.summaries);
    // 2,000 at the Cloud API's 80/s: 25 s, whatever the latency.
    assert!(took >= Duration::from_secs(24) && took <= Duration::from_secs(27), "{took:?}");
    let pace = &ran.json[0]["pace"];
    assert_eq!(pace["asked_per_second"], 80.0);
    assert!(pace["achieved_per_second"].as_f64().unwrap() >= 76.0, "{pace}");
    assert_eq!(pace["held"], true, "{pace}");
    assert!(!ran.summaries[0].contains("pace:"), "a held rate needs no words: {}", ran.summaries[0]);
}

#[test]
fn a_concurrency_cap_below_what_the_rate_needs_is_named_with_the_number_it_needs() {
    let s = Scratch::new();
    let memory = Memory::new(|n, _| ok(n)).answering_after(|_| Duration::from_millis(300));
    let (ran, took) = send(&s, &campaign(400, "concurrency: 4"), memory);
    assert_eq!(ran.ended().exit_code(), 0);
    // 4 in flight at 300 ms: 13.3/s, not 80.
    assert!(took >= Duration::from_secs(29), "{took:?}");
    let pace = &ran.json[0]["pace"];
    assert_eq!(pace["limited_by"], "concurrency", "{pace}");
    let achieved = pace["achieved_per_second"].as_f64().unwrap();
    assert!((12.5..=14.0).contains(&achieved), "{pace}");
    let line = ran.summaries[0].lines().find(|l| l.starts_with("pace:")).expect("a pace line");
    assert!(line.contains("asked 80/s") && line.contains("about 24 in flight"), "{line}");
    assert!(line.contains("raise `delivery.concurrency`"), "{line}");
}

/// A provider taking `per_sec` requests a second (a token bucket, one token of burst),
/// answering the rest 429 with Meta's 130429 and `Retry-After` until the next token; whether
/// each attempt was refused, by arrival.
fn throttling(per_sec: f64, refused: Arc<Mutex<Vec<(Duration, bool)>>>) -> Memory {
    let next = Mutex::new(Duration::ZERO);
    Memory::new(move |n, r| {
        let mut next = next.lock().unwrap();
        let period = Duration::from_secs_f64(1.0 / per_sec);
        let refuse = r.at < *next;
        refused.lock().unwrap().push((r.at, refuse));
        if refuse {
            let wait = *next - r.at;
            let mut reply = meta_error(429, 130429);
            if let Reply::Answer { retry_after, .. } = &mut reply {
                *retry_after = Some(wait);
            }
            return reply;
        }
        *next = r.at.max(*next) + period;
        ok(n)
    })
    .answering_after(|_| Duration::from_millis(50))
}

#[test]
fn a_provider_throttling_above_fifty_a_second_slows_the_campaign_to_about_fifty() {
    let s = Scratch::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let memory = throttling(50.0, seen.clone());
    let (ran, took) = send(&s, &campaign(2_000, "rate: 100/s"), memory);
    assert_eq!(ran.ended().exit_code(), 0, "{:?}", ran.summaries);
    let seen = seen.lock().unwrap();
    // After the first 10 s: taken at about 50/s, and few refused.
    let later: Vec<_> = seen.iter().filter(|(at, _)| *at >= Duration::from_secs(10)).collect();
    let refused = later.iter().filter(|(_, r)| *r).count();
    let span = later.last().unwrap().0 - later[0].0;
    let taken = (later.len() - refused) as f64 / span.as_secs_f64();
    assert!((45.0..=55.0).contains(&taken), "taken at {taken:.1}/s over {span:?}");
    assert!(refused * 100 < later.len() * 5, "{refused} of {} refused after 10 s", later.len());
    assert!(took <= Duration::from_secs(46), "{took:?}");
    let pace = &ran.json[0]["pace"];
    assert_eq!(pace["limited_by"], "provider", "{pace}");
    assert!(pace["slowdowns"].as_u64().unwrap() >= 1 && pace["throttled"].as_u64().unwrap() >= 1, "{pace}");
    let line = ran.summaries[0].lines().find(|l| l.starts_with("pace:")).expect("a pace line");
    assert!(line.contains("asked 100/s") && line.contains("the provider throttled"), "{line}");
}
