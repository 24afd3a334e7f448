//! Tests over every provider at once, and of the shared helpers.

use super::testing::{card, out, settings, to};
use super::*;
use crate::providers::testing::kind;
use serde_json::json;

#[test]
fn every_provider_supports_exactly_the_types_its_docs_list_and_has_a_sample_of_each() {
    for &kind in ProviderKind::ALL {
        let (provider, fixture) = (kind.provider(), kind.fixture());
        let documented = fixture.documented_types();
        let samples: Vec<MessageType> = fixture.samples().iter().map(|(_, m)| m.message_type()).collect();
        for message_type in MessageType::ALL {
            let supported = provider.supports(message_type);
            assert_eq!(supported, documented.contains(&message_type), "{kind} {message_type}");
            assert!(
                !supported || samples.contains(&message_type),
                "{kind} claims {message_type} messages but its fixture has no sample of one: \
                 add one to src/providers/{kind}/fixture.rs"
            );
            assert!(supported || !samples.contains(&message_type), "{kind}: a sample of unsupported {message_type}");
        }
    }
}

#[test]
fn schedules_matches_the_reference_and_nobody_else_takes_a_time() {
    // Communiktor's `sendsAt` is on every endpoint; WhautoChat's `scheduleDateTime` is on
    // `sendtext` and `sendmedia` only. The rest document no server-side scheduling.
    let scheduling: Vec<(ProviderKind, MessageType)> = ProviderKind::ALL
        .iter()
        .flat_map(|&kind| MessageType::ALL.into_iter().map(move |t| (kind, t)))
        .filter(|(kind, t)| kind.provider().schedules(*t))
        .collect();
    use MessageType as T;
    let communiktor = [T::Text, T::Image, T::Video, T::Audio, T::Voice, T::Document, T::Location, T::Contact];
    let whautochat = [T::Text, T::Image, T::Video, T::Audio, T::Document];
    let expected: Vec<(ProviderKind, MessageType)> = communiktor
        .into_iter()
        .map(|t| (kind("communiktor"), t))
        .chain(whautochat.into_iter().map(|t| (kind("whautochat"), t)))
        .collect();
    assert_eq!(scheduling, expected);
    let outgoing = out(Message::Text { body: "x".into(), preview_url: None });
    for kind in ProviderKind::ALL.iter().copied().filter(|k| !k.provider().schedules(MessageType::Text)) {
        let provider = kind.provider();
        let later = Settings { send_at: Some(jiff::Timestamp::UNIX_EPOCH), ..settings(provider, "1") };
        let refused = provider.request(&later, &to(), &outgoing);
        assert!(matches!(refused, Err(Unsupported::Schedule { message_type: T::Text, .. })), "{kind}: {refused:?}");
    }
}

#[test]
fn auth_base_url_and_account_key_per_provider() {
    let table = [
        (kind("communiktor"), "X-API-KEY", "", Some("https://api.communiktor.com"), "instance"),
        (kind("evolution"), "apikey", "", None, "instance"),
        (kind("whautochat"), "x-api-key", "", Some("https://api.whauto.chat"), "workspace_id"),
        (kind("autokonnect"), "Authorization", "Bearer ", Some("https://app.autokonnect.co.ke"), "channel_id"),
        (kind("flowiq"), "Authorization", "Bearer ", Some("https://api.flowiq.live"), "tenant_id"),
        (kind("cloud_api"), "Authorization", "Bearer ", Some("https://graph.facebook.com/v23.0"), "phone_number_id"),
    ];
    for (kind, header, prefix, base_url, account_key) in table {
        let provider = kind.provider();
        assert_eq!(provider.auth(), Auth { header, prefix }, "{kind}");
        assert_eq!(provider.default_base_url(), base_url, "{kind}");
        assert_eq!(provider.account_key(), account_key, "{kind}");
        assert_eq!(provider.supports_tags(), kind.as_str() == "autokonnect", "{kind}");
    }
}

/// Every string value anywhere in `value`.
fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::String(s) => vec![s],
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        Value::Object(map) => map.values().flat_map(strings).collect(),
        _ => vec![],
    }
}

#[test]
fn text_passes_through_verbatim() {
    let text = "She said \"hi\" & left\\n\nLine 2 \u{1F44B}🏽 {{ name }} {{1}} <b>'</b>\t";
    for &kind in ProviderKind::ALL {
        let provider = kind.provider();
        let outgoing = out(Message::Text { body: text.into(), preview_url: None });
        let mut findings = Vec::new();
        provider.check(&outgoing, &mut findings);
        assert_eq!(findings, [], "{kind}");
        let request = provider.build(&settings(provider, "acct"), &to(), &outgoing).unwrap();
        assert!(strings(&request.body).contains(&text), "{kind}: {}", request.body);
        let wire = serde_json::to_string(&request.body).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&wire).unwrap(), request.body, "{kind}");
    }
}

#[test]
fn single_recipient_providers_refuse_tags_and_unsupported_types() {
    let outgoing = out(Message::Text { body: "x".into(), preview_url: None });
    for kind in ProviderKind::ALL.iter().copied().filter(|k| !k.provider().supports_tags()) {
        let provider = kind.provider();
        let refused = provider.build(
            &settings(provider, "1"),
            &Target::Tags(Bulk { tags: vec!["42".into()], numbers: vec![] }),
            &outgoing,
        );
        assert!(matches!(refused, Err(Unsupported::Tags { .. })), "{kind}");
    }
    let reaction = out(Message::Reaction(crate::message::Reaction {
        message_id: "wamid.1".into(),
        emoji: "👍".into(),
        from_me: false,
    }));
    let provider = kind("communiktor").provider();
    let refused = provider.build(&settings(provider, "1"), &to(), &reaction).unwrap_err();
    assert_eq!(refused.to_string(), "Communiktor cannot send reaction messages");
}

#[test]
fn components_are_percent_encoded() {
    assert_eq!(encode_component("Az09-._~"), "Az09-._~");
    assert_eq!(encode_component("a b/c?d&e=é"), "a%20b%2Fc%3Fd%26e%3D%C3%A9");
}

#[test]
fn one_emoji_means_one_emoji() {
    for yes in ["👍", "❤️", "❤", "👍🏿", "👩‍💻", "👨‍👩‍👧‍👦", "🇰🇪", "1️⃣", "#⃣", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "☕", "⭐"]
    {
        assert!(is_one_emoji(yes), "{yes}");
    }
    for no in ["", "a", "👍👍", "👍 ", "🇰", "🇰🇪🇰", "1", "🏽", "👍\u{200D}", "\u{200D}👍", ":)"]
    {
        assert!(!is_one_emoji(no), "{no:?}");
    }
}

#[test]
fn groups_are_addressed_as_each_provider_documents() {
    let text = out(Message::Text { body: "Hi all".into(), preview_url: None });
    let group = |id: &str| Target::Group(id.into());
    let build = |kind: ProviderKind, to: &Target| kind.provider().build(&settings(kind.provider(), "acct"), to, &text);
    let communiktor = build(kind("communiktor"), &group("team-42")).unwrap();
    assert_eq!((&communiktor.body["receiver"], &communiktor.body["group"]), (&json!("team-42"), &json!(true)));
    let evolution = build(kind("evolution"), &group("120363025246125486@g.us")).unwrap();
    assert_eq!(evolution.body["number"], "120363025246125486@g.us");
    let cloud = build(kind("cloud_api"), &group("Y2FwaV9ncm91cDox")).unwrap();
    assert_eq!((&cloud.body["recipient_type"], &cloud.body["to"]), (&json!("group"), &json!("Y2FwaV9ncm91cDox")));
    for request in [&communiktor, &evolution, &cloud] {
        super::testing::assert_meets_contract(request);
    }
    for &kind in ProviderKind::ALL {
        let supported = kind.provider().supports_groups();
        assert_eq!(supported, build(kind, &group("g")).is_ok(), "{kind}");
        if !supported {
            assert!(matches!(build(kind, &group("g")), Err(Unsupported::Groups { .. })), "{kind}");
        }
    }
    let reaction =
        Message::Reaction(crate::message::Reaction { message_id: "BAE5".into(), emoji: "👍".into(), from_me: false });
    let on_group = kind("evolution")
        .provider()
        .build(&settings(kind("evolution").provider(), "shop"), &group("120363025246125486@g.us"), &out(reaction))
        .unwrap();
    assert_eq!(on_group.body["key"]["remoteJid"], "120363025246125486@g.us");
}

#[test]
fn a_reply_quotes_the_message_where_the_provider_can_and_warns_where_it_cannot() {
    let reply = |message| Outgoing {
        message,
        metadata: None,
        reply_to: Some("wamid.HBgLMjU0".into()),
        mentions: Mentions::default(),
    };
    let text = reply(Message::Text { body: "Thanks!".into(), preview_url: None });
    let build = |kind: ProviderKind, out: &Outgoing| {
        let request = kind.provider().build(&settings(kind.provider(), "acct"), &to(), out).unwrap();
        super::testing::assert_meets_contract(&request);
        request.body
    };
    assert_eq!(build(kind("cloud_api"), &text)["context"], json!({ "message_id": "wamid.HBgLMjU0" }));
    assert_eq!(build(kind("flowiq"), &text)["context_message_id"], "wamid.HBgLMjU0");
    assert_eq!(build(kind("evolution"), &text)["quoted"], json!({ "key": { "id": "wamid.HBgLMjU0" } }));
    let warned = |kind: ProviderKind, out: &Outgoing| {
        let mut found = Vec::new();
        kind.provider().check(out, &mut found);
        found.iter().any(|f| f.pointer == "/message/reply_to" && f.severity == Severity::Warning)
    };
    for &kind in ProviderKind::ALL {
        assert_eq!(warned(kind, &text), !kind.provider().info().replies, "{kind}");
    }
    let reaction = reply(Message::Reaction(crate::message::Reaction {
        message_id: "wamid.X".into(),
        emoji: "👍".into(),
        from_me: false,
    }));
    assert!(warned(kind("cloud_api"), &reaction));
    assert_eq!(build(kind("cloud_api"), &reaction).get("context"), None);
    assert_eq!(build(kind("evolution"), &reaction).get("quoted"), None);
}

#[test]
fn stickers_polls_and_media_by_uploaded_id() {
    let sticker =
        out(Message::Media(super::testing::media(crate::message::MediaKind::Sticker, "https://x.example/s.webp")));
    let build = |kind: ProviderKind, out: &Outgoing| {
        let request = kind.provider().build(&settings(kind.provider(), "acct"), &to(), out).unwrap();
        super::testing::assert_meets_contract(&request);
        request
    };
    let cloud = build(kind("cloud_api"), &sticker);
    assert_eq!(
        (&cloud.body["type"], &cloud.body["sticker"]),
        (&json!("sticker"), &json!({ "link": "https://x.example/s.webp" }))
    );
    let evolution = build(kind("evolution"), &sticker);
    assert!(evolution.url.ends_with("/message/sendSticker/acct"), "{}", evolution.url);
    assert_eq!(evolution.body, json!({ "number": "254712345678", "sticker": "https://x.example/s.webp" }));
    let poll = out(Message::Poll(crate::message::Poll {
        name: "Lunch?".into(),
        options: vec!["Rice".into(), "Ugali".into()],
        selectable: 1,
    }));
    let evolution = build(kind("evolution"), &poll);
    assert!(evolution.url.ends_with("/message/sendPoll/acct"));
    assert_eq!(
        evolution.body,
        json!({ "number": "254712345678", "name": "Lunch?", "selectableCount": 1, "values": ["Rice", "Ugali"] })
    );
    let mut uploaded = super::testing::media(crate::message::MediaKind::Image, "");
    uploaded.source = crate::message::MediaSource::Id("1203458".into());
    let uploaded = out(Message::Media(uploaded));
    assert_eq!(build(kind("cloud_api"), &uploaded).body["image"], json!({ "id": "1203458" }));
    for kind in ProviderKind::ALL.iter().copied().filter(|k| k.as_str() != "cloud_api") {
        let mut found = Vec::new();
        kind.provider().check(&uploaded, &mut found);
        assert!(found.iter().any(|f| f.pointer == "/message/media/id" && f.severity == Severity::Error), "{kind}");
        let built = kind.provider().build(&settings(kind.provider(), "acct"), &to(), &uploaded);
        assert!(matches!(built, Err(Unsupported::Feature { .. })), "{kind}");
    }
}

#[test]
fn round_video_notes_and_gifs_where_the_provider_has_them() {
    let mut note = super::testing::media(crate::message::MediaKind::Video, "https://x.example/v.mp4");
    note.note = Some(true);
    let note = out(Message::Media(note));
    let build = |kind: ProviderKind, out: &Outgoing| {
        let request = kind.provider().build(&settings(kind.provider(), "acct"), &to(), out).unwrap();
        super::testing::assert_meets_contract(&request);
        request
    };
    let evolution = build(kind("evolution"), &note);
    assert!(evolution.url.ends_with("/message/sendPtv/acct"), "{}", evolution.url);
    assert_eq!(evolution.body, json!({ "number": "254712345678", "video": "https://x.example/v.mp4" }));
    assert_eq!(build(kind("communiktor"), &note).body["asNote"], true);
    let mut gif = super::testing::media(crate::message::MediaKind::Video, "https://x.example/v.mp4");
    gif.gif = Some(true);
    let gif = out(Message::Media(gif));
    assert_eq!(build(kind("communiktor"), &gif).body["asGif"], true);
    let mut found = Vec::new();
    kind("cloud_api").provider().check(&note, &mut found);
    assert!(found.iter().any(|f| f.pointer == "/message/media/note" && f.severity == Severity::Warning), "{found:?}");
}

#[test]
fn mentions_reach_evolution_groups_and_are_warned_about_elsewhere() {
    let mentions = Mentions { numbers: vec!["254712345678".into()], everyone: true };
    let text = Outgoing {
        message: Message::Text { body: "Meeting at 5".into(), preview_url: None },
        metadata: None,
        reply_to: None,
        mentions,
    };
    let group = Target::Group("120363025246125486@g.us".into());
    let request =
        kind("evolution").provider().build(&settings(kind("evolution").provider(), "shop"), &group, &text).unwrap();
    super::testing::assert_meets_contract(&request);
    assert_eq!(
        (&request.body["mentioned"], &request.body["mentionsEveryOne"]),
        (&json!(["254712345678"]), &json!(true))
    );
    for &kind in ProviderKind::ALL {
        let mut found = Vec::new();
        kind.provider().check(&text, &mut found);
        let warned = found.iter().any(|f| f.pointer == "/message/mentions");
        assert_eq!(warned, kind.as_str() != "evolution", "{kind}");
    }
}

#[test]
fn whautochat_contacts_are_addressed_by_id_and_no_one_else_takes_contact_ids() {
    let text = out(Message::Text { body: "Hi".into(), preview_url: None });
    let contact = Target::Contact("c-17".into());
    for &kind in ProviderKind::ALL {
        let built = kind.provider().build(&settings(kind.provider(), "ws"), &contact, &text);
        assert_eq!(built.is_ok(), kind.provider().supports_contact_ids(), "{kind}");
        match built {
            Ok(request) => {
                super::testing::assert_meets_contract(&request);
                assert_eq!(
                    request.body,
                    json!({ "contact": { "id": "c-17" }, "workspace": { "id": "ws" }, "textMessage": "Hi" })
                );
            }
            Err(e) => assert!(matches!(e, Unsupported::Contacts { .. }), "{kind}: {e}"),
        }
    }
}

#[test]
fn several_contacts_go_in_one_message_where_the_provider_takes_a_list() {
    let two = out(Message::Contact(crate::message::Contacts {
        cards: vec![card("Ann", "+14155552671"), card("Bo", "+254712345678")],
        listed: true,
    }));
    let build = |kind: ProviderKind| kind.provider().build(&settings(kind.provider(), "acct"), &to(), &two);
    for (kind, pointer) in
        [(kind("cloud_api"), "/contacts"), (kind("evolution"), "/contact"), (kind("flowiq"), "/contacts")]
    {
        let request = build(kind).unwrap();
        super::testing::assert_meets_contract(&request);
        assert_eq!(request.body.pointer(pointer).and_then(Value::as_array).map(Vec::len), Some(2), "{kind}");
    }
    let mut found = Vec::new();
    kind("communiktor").provider().check(&two, &mut found);
    assert_eq!(found.iter().map(|f| f.pointer.as_str()).collect::<Vec<_>>(), ["/message/contacts"]);
    assert!(matches!(build(kind("communiktor")), Err(Unsupported::Feature { .. })));
    let six =
        out(Message::Contact(crate::message::Contacts { cards: vec![card("A", "+14155552671"); 6], listed: true }));
    let mut found = Vec::new();
    kind("cloud_api").provider().check(&six, &mut found);
    assert_eq!(found.iter().map(|f| f.pointer.as_str()).collect::<Vec<_>>(), ["/message/contacts"]);
}

#[test]
fn every_default_rate_keeps_to_the_published_limit() {
    for &kind in ProviderKind::ALL {
        let info = kind.provider().info();
        assert!(info.default_rate > 0.0, "{kind}");
        if let Some(limit) = info.rate_limit {
            assert!(info.default_rate <= limit.per_sec, "{kind}: {} above {}", info.default_rate, limit.what);
        }
    }
    assert_eq!(kind("whautochat").provider().info().default_rate, 100.0 / 60.0);
    assert_eq!(kind("cloud_api").provider().info().default_rate, 80.0);
}

#[test]
fn the_providers_that_document_status_events_read_them() {
    // WhautoChat documents no status events and AutoKonnect returns no message id; Communiktor
    // documents `message.sent` and `message.sent.failed` but no message id, so its events are
    // matched by herald's id in the request's `metadata`.
    let reading: Vec<&str> = ProviderKind::ALL
        .iter()
        .filter(|k| k.provider().status_webhook().is_some())
        .map(|k| k.provider().info().id)
        .collect();
    assert_eq!(reading, ["communiktor", "evolution", "flowiq", "cloud_api"]);
    for kind in ProviderKind::ALL.iter().filter(|k| k.provider().status_webhook().is_some()) {
        let webhook = kind.provider().status_webhook().unwrap();
        assert!(matches!((webhook.read)(b"not json"), Err(crate::providers::WebhookError::NotJson(_))), "{kind}");
        let meta = kind.provider().info().id == "cloud_api";
        assert_eq!(webhook.signing == crate::providers::Signing::Meta, meta, "{kind}: only Meta signs");
    }
}

#[test]
fn what_the_sandbox_posts_for_a_provider_reads_back_as_the_same_events() {
    use crate::providers::{MessageStatus, StatusEvent};
    let at = "2026-12-05T10:00:00Z".parse().ok();
    for kind in ProviderKind::ALL.iter().filter(|k| k.provider().status_webhook().is_some()) {
        let webhook = kind.provider().status_webhook().unwrap();
        let account = (kind.provider().info().id != "flowiq").then(|| "acct-1".to_string());
        let sent = webhook.reports_sent.then_some(MessageStatus::Sent);
        for status in sent.into_iter().chain([MessageStatus::Delivered, MessageStatus::Read, MessageStatus::Failed]) {
            let error = (status == MessageStatus::Failed).then(|| webhook.failures[0].error());
            let event =
                StatusEvent { message_id: "m-1".into(), account: account.clone(), status, at, error, pricing: None };
            let read = (webhook.read)(&(webhook.post)(std::slice::from_ref(&event)));
            assert_eq!(read, Ok(vec![event]), "{kind} {status:?}");
        }
    }
}
