//! Status polls over loopback: a message the sandbox accepted is polled with herald's own
//! poll request, authenticated like a send, and answered in the provider's shape with what the
//! receipt planner has happen to it by then.

use super::{client, send, start, text_request};
use crate::providers::{MessageStatus, Outcome, Polled, ProviderKind, Response, Settings};
use crate::sandbox::receipts::Options;
use crate::sandbox::{Config, token};
use std::time::Duration;

#[tokio::test]
async fn a_polled_message_reads_its_planned_receipts_and_a_wrong_key_is_refused() {
    let polls =
        Options { delay: Duration::from_millis(100), read_rate: 1.0, async_fail_rate: 0.0, ..Options::default() };
    let sandbox = start(Config { polls, ..Config::default() }).await;
    let client = client();
    for provider in ["cloud_api", "evolution"] {
        let kind = ProviderKind::named(provider).unwrap();
        let (status, _, answer) = send(&client, kind, &text_request(&sandbox, kind)).await;
        assert!((200..300).contains(&status), "{provider}: {answer}");
        let text = answer.to_string();
        let r = Response { status, retry_after: None, body: text.as_bytes(), recipients: 1 };
        let Outcome::Accepted { message_id: Some(message_id), .. } = kind.provider().classify(&r) else {
            panic!("{provider}: an id in {answer}")
        };
        let poll = kind.provider().status_poll().unwrap();
        let settings = Settings {
            base_url: sandbox.base_url(kind),
            account: kind.fixture().account().into(),
            send_at: None,
            typing: false,
        };
        let request = (poll.request)(&settings, &message_id);
        let ask = |secret: &'static str| {
            let mut builder = client.request(request.method.parse().unwrap(), &request.url);
            for header in &request.headers {
                builder = builder.header(header.name, header.with_secret(secret));
            }
            if !request.body.is_null() {
                builder = builder.body(request.body.to_string());
            }
            builder.send()
        };
        let refused = ask("not-the-key").await.unwrap();
        assert_eq!(refused.status().as_u16(), 401, "{provider}");
        // Everything planned happens within 2.5 times the delay (`sent`, delivered, read).
        tokio::time::sleep(Duration::from_millis(400)).await;
        let answered = ask(token(kind)).await.unwrap();
        let status = answered.status().as_u16();
        let body = answered.bytes().await.unwrap();
        let Polled::Events(events) =
            (poll.read)(&message_id, &Response { status, retry_after: None, body: &body, recipients: 1 })
        else {
            panic!("{provider}: {}", String::from_utf8_lossy(&body))
        };
        let statuses: Vec<MessageStatus> = events.iter().map(|e| e.status).collect();
        assert!(statuses.contains(&MessageStatus::Read), "{provider}: {statuses:?}");
    }
    assert_eq!(sandbox.stats().polls, 2);
    assert_eq!(sandbox.stats().accepted, 2, "polls are not sends");
}
