//! The real transport against a real HTTP server on loopback: each way an attempt can end is
//! sorted by what it means for safety, and redirects are never followed.

use crate::server::*;
use herald::request::Header;
use herald::run::Http;
use herald::run::transport::{Attempt, FailureKind, Transport, Wire};
use herald::secret::Secret;
use std::time::Duration;

fn wire(url: String) -> Wire {
    Wire {
        url,
        headers: vec![
            Header { name: "Authorization", value: "Bearer ".into(), secret: true },
            Header { name: "Content-Type", value: "application/json".into(), secret: false },
        ],
        body: bytes::Bytes::from_static(b"{\"to\":\"+254712345678\"}"),
    }
}

fn attempt(url: String, timeout: Duration) -> Attempt {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let http = Http::new(timeout, 1).unwrap();
        http.send(0, &wire(url), &Secret::new("tok-123")).await
    })
}

#[test]
fn an_answer_is_read_with_its_retry_after_and_the_secret_goes_only_on_the_wire() {
    let server = Server::start(|_, _| Reply::Answer(429, "{\"slow\":1}".into(), vec![("retry-after", "7".into())]));
    let a = attempt(format!("{}/send", server.url()), Duration::from_secs(5));
    assert_eq!(
        a,
        Attempt::Answered { status: 429, retry_after: Some(Duration::from_secs(7)), body: "{\"slow\":1}".into() }
    );
    let seen = &server.seen()[0];
    assert!(seen.headers.contains(&("authorization".into(), "Bearer tok-123".into())));
    assert_eq!(seen.body, "{\"to\":\"+254712345678\"}");
}

#[test]
fn no_answer_and_a_timeout_are_ambiguous_a_refused_connection_is_not_sent() {
    let dropping = Server::start(|_, _| Reply::Drop);
    let a = attempt(dropping.url(), Duration::from_secs(5));
    assert!(matches!(&a, Attempt::Ambiguous(f) if f.kind == FailureKind::NoAnswer), "{a:?}");
    let hanging = Server::start(|_, _| Reply::Hang);
    let a = attempt(hanging.url(), Duration::from_millis(300));
    assert!(matches!(&a, Attempt::Ambiguous(f) if f.kind == FailureKind::Timeout), "{a:?}");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let a = attempt(format!("http://{closed}"), Duration::from_secs(5));
    assert!(matches!(&a, Attempt::NotSent(f) if f.kind == FailureKind::Connect), "{a:?}");
}

#[test]
fn a_redirect_is_returned_not_followed() {
    let server = Server::start(|_, _| Reply::Answer(302, String::new(), vec![("location", "/elsewhere".into())]));
    let a = attempt(server.url(), Duration::from_secs(5));
    assert!(matches!(a, Attempt::Answered { status: 302, .. }), "{a:?}");
    assert_eq!(server.seen().len(), 1);
    // A 307 keeps the method and body: followed, it would carry the key to another host.
    let elsewhere = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    elsewhere.set_nonblocking(true).unwrap();
    let target = format!("http://{}/steal", elsewhere.local_addr().unwrap());
    let server = Server::start(move |_, _| Reply::Answer(307, String::new(), vec![("location", target.clone())]));
    let a = attempt(server.url(), Duration::from_secs(5));
    assert!(matches!(a, Attempt::Answered { status: 307, .. }), "{a:?}");
    assert_eq!(server.seen().len(), 1);
    assert!(elsewhere.accept().is_err(), "the other host was never contacted");
}

#[test]
fn an_answer_is_read_up_to_a_cap() {
    let server = Server::start(|_, _| Reply::Endless);
    let started = std::time::Instant::now();
    let a = attempt(server.url(), Duration::from_secs(20));
    let Attempt::Answered { status: 200, body, .. } = &a else { panic!("{a:?}") };
    assert_eq!(body.len(), herald::run::http::MAX_ANSWER);
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
}

#[test]
fn an_answer_that_trickles_in_is_cut_off_by_the_timeout() {
    let server = Server::start(|_, _| Reply::Trickle);
    let started = std::time::Instant::now();
    let a = attempt(server.url(), Duration::from_millis(500));
    assert!(matches!(&a, Attempt::Ambiguous(f) if f.kind == FailureKind::Timeout), "{a:?}");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}
