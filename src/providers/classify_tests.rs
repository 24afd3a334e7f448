//! Every provider's answers, as documented, classified as accepted, retry, failed or stop.

use super::*;
use crate::providers::testing::kind;
use std::time::Duration;

fn classify(kind: ProviderKind, status: u16, body: &str) -> Outcome {
    kind.provider().classify(&Response { status, retry_after: None, body: body.as_bytes(), recipients: 1 })
}

fn accepted(id: Option<&str>) -> Outcome {
    Outcome::accepted(id.map(str::to_string))
}

fn noted(id: Option<&str>, code: Option<&str>, message: &str) -> Outcome {
    Outcome::Accepted {
        message_id: id.map(str::to_string),
        note: Some(ProviderError::new(code.map(str::to_string), message)),
    }
}

fn kind_of(o: &Outcome) -> &'static str {
    match o {
        Outcome::Accepted { .. } => "accepted",
        Outcome::Retry { .. } => "retry",
        Outcome::Throttled { .. } => "throttled",
        Outcome::Failed(_) => "failed",
        Outcome::Ambiguous(_) => "ambiguous",
        Outcome::Stop(_) => "stop",
    }
}

#[test]
fn cloud_api_judges_by_meta_error_code() {
    let ok = r#"{"messaging_product":"whatsapp","contacts":[{"input":"+16505551234","wa_id":"16505551234"}],"messages":[{"id":"wamid.HBgL","message_status":"accepted"}]}"#;
    assert_eq!(classify(kind("cloud_api"), 200, ok), accepted(Some("wamid.HBgL")));
    let err = |code: i64| {
        format!(r#"{{"error":{{"message":"(#{code}) x","type":"OAuthException","code":{code},"fbtrace_id":"A"}}}}"#)
    };
    assert_eq!(kind_of(&classify(kind("cloud_api"), 400, &err(130429))), "throttled");
    assert_eq!(kind_of(&classify(kind("cloud_api"), 401, &err(190))), "stop");
    assert_eq!(kind_of(&classify(kind("cloud_api"), 400, &err(131026))), "failed");
    let Outcome::Failed(e) = classify(kind("cloud_api"), 400, &err(131026)) else { panic!() };
    assert_eq!(e.code.as_deref(), Some("131026"));
    assert_eq!(kind_of(&classify(kind("cloud_api"), 503, "<html>unavailable</html>")), "ambiguous");
    assert_eq!(kind_of(&classify(kind("cloud_api"), 502, "<html>bad gateway</html>")), "ambiguous");
    assert_eq!(kind_of(&classify(kind("cloud_api"), 301, "")), "stop");
}

#[test]
fn cloud_api_reports_a_message_held_or_paused() {
    let answer = |status: &str| {
        format!(r#"{{"messaging_product":"whatsapp","messages":[{{"id":"wamid.H","message_status":"{status}"}}]}}"#)
    };
    assert_eq!(
        classify(kind("cloud_api"), 200, &answer("held_for_quality_assessment")),
        noted(
            Some("wamid.H"),
            Some("held_for_quality_assessment"),
            "Meta is holding the message for a quality assessment before delivering it"
        )
    );
    assert_eq!(
        classify(kind("cloud_api"), 200, &answer("paused")),
        noted(Some("wamid.H"), Some("paused"), "Meta has paused delivery of this message")
    );
    assert_eq!(classify(kind("cloud_api"), 200, &answer("accepted")), accepted(Some("wamid.H")));
}

#[test]
fn cloud_api_stops_on_a_template_parameter_mismatch_and_retries_transient_errors() {
    let mismatch = r#"{"error":{"message":"(#132000) Number of parameters does not match the expected number of params","type":"OAuthException","code":132000,"fbtrace_id":"A"}}"#;
    assert_eq!(kind_of(&classify(kind("cloud_api"), 400, mismatch)), "stop");
    let transient = r#"{"error":{"message":"An unknown error occurred","type":"OAuthException","code":131000,"is_transient":true,"fbtrace_id":"A"}}"#;
    assert_eq!(kind_of(&classify(kind("cloud_api"), 400, transient)), "retry");
    let unknown_5xx = r#"{"error":{"message":"Service temporarily unavailable","code":987654,"fbtrace_id":"A"}}"#;
    assert_eq!(kind_of(&classify(kind("cloud_api"), 503, unknown_5xx)), "ambiguous");
}

#[test]
fn evolution_judges_success_by_key_id_even_on_201() {
    let ok = r#"{"key":{"remoteJid":"553198296801@s.whatsapp.net","fromMe":true,"id":"BAE58DA6CBC941BC"},"status":"PENDING"}"#;
    assert_eq!(classify(kind("evolution"), 201, ok), accepted(Some("BAE58DA6CBC941BC")));
    let meta_in_201 = r#"{"error":{"message":"(#131026) Message undeliverable","code":131026}}"#;
    assert_eq!(kind_of(&classify(kind("evolution"), 201, meta_in_201)), "failed");
    let not_on_wa = r#"{"status":400,"error":"Bad Request","response":{"message":[{"jid":"5511@s.whatsapp.net","exists":false,"number":"5511"}]}}"#;
    let Outcome::Failed(e) = classify(kind("evolution"), 400, not_on_wa) else { panic!() };
    assert_eq!(e.code.as_deref(), Some("not_on_whatsapp"));
    let closed = r#"{"status":400,"error":"Bad Request","response":{"message":["Error: Connection Closed"]}}"#;
    assert_eq!(kind_of(&classify(kind("evolution"), 400, closed)), "retry");
    let closed_500 = r#"{"status":500,"error":"Internal Server Error","response":{"message":"Connection Closed"}}"#;
    assert_eq!(kind_of(&classify(kind("evolution"), 500, closed_500)), "retry");
    let overlimit = r#"{"status":400,"error":"Bad Request","response":{"message":["Error: rate-overlimit"]}}"#;
    assert_eq!(kind_of(&classify(kind("evolution"), 400, overlimit)), "throttled");
    let invalid =
        r#"{"status":400,"error":"Bad Request","response":{"message":[["instance requires property \"text\""]]}}"#;
    let Outcome::Failed(e) = classify(kind("evolution"), 400, invalid) else { panic!() };
    assert_eq!(e.message, "instance requires property \"text\"");
    let unauthorized = r#"{"status":401,"error":"Unauthorized","response":{"message":"Unauthorized"}}"#;
    assert_eq!(kind_of(&classify(kind("evolution"), 401, unauthorized)), "stop");
    let no_instance =
        r#"{"status":404,"error":"Not Found","response":{"message":["The \"x\" instance does not exist"]}}"#;
    assert_eq!(kind_of(&classify(kind("evolution"), 404, no_instance)), "stop");
}

/// Meta's error object as Evolution's Cloud-API channel returns it: the whole 201 body.
fn evolution_relayed_meta_error(code: i64) -> Outcome {
    let body = format!(
        r#"{{"message":"(#{code}) x","type":"OAuthException","code":{code},"error_data":{{"messaging_product":"whatsapp","details":"d"}},"fbtrace_id":"AbC"}}"#
    );
    classify(kind("evolution"), 201, &body)
}

#[test]
fn evolution_reads_meta_errors_relayed_flat_in_a_201() {
    assert_eq!(kind_of(&evolution_relayed_meta_error(130429)), "throttled");
    assert_eq!(kind_of(&evolution_relayed_meta_error(190)), "stop");
    assert_eq!(kind_of(&evolution_relayed_meta_error(132001)), "stop");
    let Outcome::Failed(e) = evolution_relayed_meta_error(131026) else { panic!() };
    assert_eq!((e.code.as_deref(), e.message.as_str()), (Some("131026"), "(#131026) x: d"));
}

#[test]
fn evolution_stops_when_a_whatsapp_web_instance_is_asked_for_a_template() {
    let body = r#"{"status":500,"error":"Internal Server Error","response":{"message":"Method not available in the Baileys service"}}"#;
    let Outcome::Stop(e) = classify(kind("evolution"), 500, body) else { panic!() };
    assert!(e.message.starts_with("Method not available in the Baileys service: templates need"), "{}", e.message);
    let other_500 = r#"{"status":500,"error":"Internal Server Error","response":{"message":"boom"}}"#;
    assert_eq!(kind_of(&classify(kind("evolution"), 500, other_500)), "ambiguous");
}

#[test]
fn communiktor_reads_its_envelope() {
    assert_eq!(
        classify(kind("communiktor"), 200, r#"{"message":"ok","success":true,"code":200,"data":{"id":"m1"}}"#),
        accepted(Some("m1"))
    );
    assert_eq!(classify(kind("communiktor"), 200, r#"{"message":"ok","success":true}"#), accepted(None));
    assert_eq!(kind_of(&classify(kind("communiktor"), 200, r#"{"message":"bad receiver","success":false}"#)), "failed");
    assert_eq!(
        kind_of(&classify(kind("communiktor"), 401, r#"{"message":"Invalid API key","success":false,"code":401}"#)),
        "stop"
    );
    assert_eq!(kind_of(&classify(kind("communiktor"), 429, "")), "throttled");
    assert_eq!(kind_of(&classify(kind("communiktor"), 422, r#"{"message":"bad","success":false}"#)), "failed");
}

#[test]
fn whautochat_reads_error_even_on_200() {
    assert_eq!(classify(kind("whautochat"), 200, r#"{"id":"w1","status":"queued","error":""}"#), accepted(Some("w1")));
    let Outcome::Failed(e) =
        classify(kind("whautochat"), 200, r#"{"id":"","status":"error","error":"unknown contact"}"#)
    else {
        panic!()
    };
    assert_eq!(e.message, "unknown contact");
    assert_eq!(kind_of(&classify(kind("whautochat"), 401, r#"{"error":"Invalid API key"}"#)), "stop");
    assert_eq!(kind_of(&classify(kind("whautochat"), 429, "")), "throttled");
    assert_eq!(
        classify(kind("whautochat"), 200, r#"{"id":"w2","status":"queued","error":"","message":"Queued"}"#),
        accepted(Some("w2"))
    );
    let Outcome::Failed(e) = classify(kind("whautochat"), 200, r#"{"id":"w3","status":"failed","error":""}"#) else {
        panic!()
    };
    assert_eq!(e.message, "WhautoChat answered status \"failed\"");
    assert_eq!(kind_of(&classify(kind("whautochat"), 200, r#"{"id":"w4","status":"FAILED"}"#)), "failed");
}

#[test]
fn autokonnect_stops_on_channel_key_and_template_codes() {
    assert_eq!(
        classify(kind("autokonnect"), 200, r#"{"message":"Message queued for sending","recipients_count":1}"#),
        noted(None, None, "queued for 1 recipient")
    );
    assert_eq!(
        classify(kind("autokonnect"), 200, r#"{"message":"Message queued for sending","recipients_count":3}"#),
        noted(None, None, "queued for 3 recipients")
    );
    let Outcome::Failed(e) =
        classify(kind("autokonnect"), 200, r#"{"message":"Message queued for sending","recipients_count":0}"#)
    else {
        panic!()
    };
    assert_eq!(e.code.as_deref(), Some("no_valid_recipients"));
    for code in [
        "reconnect_waba",
        "invalid_api_key",
        "invalid_auth_header",
        "credential_resource_mismatch",
        "template_not_found",
        "template_not_approved",
    ] {
        let o = classify(kind("autokonnect"), 400, &format!(r#"{{"code":"{code}","message":"m"}}"#));
        assert_eq!(kind_of(&o), "stop", "{code}");
    }
    assert_eq!(kind_of(&classify(kind("autokonnect"), 404, "")), "stop");
    let Outcome::Failed(e) = classify(
        kind("autokonnect"),
        400,
        r#"{"code":"missing_message","message":"message is required for text type"}"#,
    ) else {
        panic!()
    };
    assert_eq!((e.code.as_deref(), e.message.as_str()), (Some("missing_message"), "message is required for text type"));
    assert_eq!(kind_of(&classify(kind("autokonnect"), 500, "Internal server error")), "ambiguous");
    // A batch: queued for all its numbers is taken; for fewer, some members were left out and
    // the answer does not say which.
    let batch = |count: u64, recipients: usize| {
        let body = format!(r#"{{"message":"Message queued for sending","recipients_count":{count}}}"#);
        let r = Response { status: 200, retry_after: None, body: body.as_bytes(), recipients };
        kind("autokonnect").provider().classify(&r)
    };
    assert_eq!(batch(100, 100), noted(None, None, "queued for 100 recipients"));
    let Outcome::Ambiguous(e) = batch(98, 100) else { panic!() };
    assert_eq!(e.code.as_deref(), Some("partial_batch"));
    assert_eq!(e.message, "AutoKonnect queued the message for 98 of the batch's 100 numbers and does not say which");
    assert_eq!(kind_of(&batch(0, 100)), "failed");
}

#[test]
fn flowiq_reads_its_envelope_and_meta_pass_through() {
    let ok = r#"{"success":true,"message":"Message sent successfully","data":{"message_id":"wamid.X","recipient":"27123456789","message_type":"text"}}"#;
    assert_eq!(classify(kind("flowiq"), 200, ok), accepted(Some("wamid.X")));
    let Outcome::Failed(e) =
        classify(kind("flowiq"), 400, r#"{"error":"Missing required field","message":"text is required"}"#)
    else {
        panic!()
    };
    assert_eq!((e.code.as_deref(), e.message.as_str()), (Some("Missing required field"), "text is required"));
    assert_eq!(
        kind_of(&classify(kind("flowiq"), 400, r#"{"error":{"code":131047,"message":"Re-engagement"}}"#)),
        "failed"
    );
    assert_eq!(kind_of(&classify(kind("flowiq"), 401, r#"{"error":"Unauthorized"}"#)), "stop");
    let Outcome::Failed(e) =
        classify(kind("flowiq"), 200, r#"{"error":"Template not found","message":"no template hello_world"}"#)
    else {
        panic!()
    };
    assert_eq!(e.message, "no template hello_world");
    assert_eq!(kind_of(&classify(kind("flowiq"), 200, r#"{"success":false,"message":"m"}"#)), "failed");
}

#[test]
fn a_429_slows_the_campaign_and_its_retry_after_is_passed_on() {
    let r = Response { status: 429, retry_after: Some(Duration::from_secs(7)), body: b"", recipients: 1 };
    for &kind in ProviderKind::ALL {
        match kind.provider().classify(&r) {
            Outcome::Throttled { after, .. } => assert_eq!(after, Some(Duration::from_secs(7)), "{kind}"),
            other => panic!("{kind}: {other:?}"),
        }
    }
}

#[test]
fn a_5xx_no_doc_calls_unprocessed_is_ambiguous_never_retried_or_failed() {
    // None of these providers' docs say a 500 or 503 means the message was not processed, so
    // it may have gone out: resending could deliver twice.
    let answers: [(ProviderKind, &str); 6] = [
        (kind("communiktor"), r#"{"message":"Internal server error","success":false,"code":500,"data":null}"#),
        (kind("whautochat"), r#"{"id":"","status":"error","error":"Internal server error"}"#),
        (kind("flowiq"), r#"{"error":"Internal server error","message":"Failed to send WhatsApp message"}"#),
        (kind("evolution"), r#"{"status":500,"error":"Internal Server Error","response":{"message":"boom"}}"#),
        (kind("cloud_api"), "<html>Service Unavailable</html>"),
        (kind("cloud_api"), r#"{"error":{"message":"Something odd","code":987654,"fbtrace_id":"A"}}"#),
    ];
    for (kind, body) in answers {
        for status in [500, 503] {
            assert_eq!(kind_of(&classify(kind, status, body)), "ambiguous", "{kind} {status} {body}");
        }
        assert_eq!(kind_of(&classify(kind, 503, "")), "ambiguous", "{kind} 503 without a body");
    }
    // What a provider documents as transient, or as thrown before sending, is still retried.
    let meta = |code: i64, transient: bool| {
        format!(r#"{{"error":{{"message":"m","code":{code},"is_transient":{transient},"fbtrace_id":"A"}}}}"#)
    };
    for body in [meta(1, false), meta(2, false), meta(987654, true)] {
        assert_eq!(kind_of(&classify(kind("cloud_api"), 500, &body)), "retry", "{body}");
        assert_eq!(kind_of(&classify(kind("flowiq"), 503, &body)), "retry", "{body}");
    }
    let closed = r#"{"status":500,"error":"Internal Server Error","response":{"message":"Connection Closed"}}"#;
    assert_eq!(kind_of(&classify(kind("evolution"), 500, closed)), "retry");
    // 429 and 408 say the request was not taken; 429 also says to slow down.
    for &kind in ProviderKind::ALL {
        assert_eq!(kind_of(&classify(kind, 429, "")), "throttled", "{kind}");
        assert_eq!(kind_of(&classify(kind, 408, "")), "retry", "{kind}");
    }
}

#[test]
fn an_evolution_2xx_without_a_readable_key_id_is_sent_without_an_id() {
    // A 201 says the message was created: an answer herald cannot read does not undo that.
    let created = noted(
        None,
        Some("no_message_id"),
        "Evolution API answered 201 (created) without a readable key.id; the message was sent, its id is unknown",
    );
    for body in ["", "   ", "<html>Created</html>", "{}", r#"{"status":"PENDING"}"#, "[]"] {
        assert_eq!(classify(kind("evolution"), 201, body), created, "{body:?}");
    }
    // An answer cut off at the 1 MiB read cap still carries the id in its first bytes.
    let mut big = String::from(
        r#"{"key":{"remoteJid":"553198296801@s.whatsapp.net","fromMe":true,"id":"BAE5BIG"},"status":"PENDING","message":{"base64":""#,
    );
    big.push_str(&"A".repeat(crate::run::http::MAX_ANSWER - big.len()));
    assert_eq!(classify(kind("evolution"), 201, &big), accepted(Some("BAE5BIG")));
    // Only the record's own key counts, not one nested further in (a reaction's target).
    let nested = r#"{"pushName":"","message":{"reactionMessage":{"key":{"id":"TARGET"},"text":"#;
    assert_eq!(classify(kind("evolution"), 201, nested), created);
    // A record Evolution stored with status ERROR was not sent, id or not.
    let error = r#"{"key":{"remoteJid":"5511@s.whatsapp.net","fromMe":true,"id":"BAE5ERR"},"status":"ERROR"}"#;
    let Outcome::Failed(e) = classify(kind("evolution"), 201, error) else { panic!() };
    assert_eq!(e.code.as_deref(), Some("ERROR"));
    assert_eq!(kind_of(&classify(kind("evolution"), 201, r#"{"status":"ERROR"}"#)), "failed");
    // Evolution's own error envelope is a refusal whatever the status.
    let envelope = r#"{"status":400,"error":"Bad Request","response":{"message":["boom"]}}"#;
    assert_eq!(kind_of(&classify(kind("evolution"), 201, envelope)), "failed");
}

#[test]
fn evolution_fails_a_missing_group_for_that_recipient_and_stops_for_a_missing_instance() {
    let not_found = |message: &str| {
        let body = format!(r#"{{"status":404,"error":"Not Found","response":{{"message":{message}}}}}"#);
        classify(kind("evolution"), 404, &body)
    };
    let Outcome::Failed(e) = not_found(r#"["Group not found"]"#) else { panic!() };
    assert_eq!((e.code.as_deref(), e.message.as_str()), (Some("group_not_found"), "Group not found"));
    let Outcome::Failed(e) = not_found(r#"["Number not found"]"#) else { panic!() };
    assert_eq!(e.code.as_deref(), Some("not_found"));
    let Outcome::Stop(e) = not_found(r#"["The \"shop\" instance does not exist"]"#) else { panic!() };
    assert_eq!(
        e.message,
        "The \"shop\" instance does not exist: check `provider.instance` (the instance's name, not its id)"
    );
    let Outcome::Stop(e) = not_found(r#"["Instance not found"]"#) else { panic!("a missing instance stops") };
    assert_eq!(e.message, "Instance not found: check `provider.instance` (the instance's name, not its id)");
    let Outcome::Stop(e) = not_found(r#"["Cannot POST /message/sendText/shop"]"#) else { panic!() };
    assert_eq!(e.message, "Cannot POST /message/sendText/shop: check `provider.base_url`");
    // A 404 that is not Evolution's (a proxy's page) says the host is wrong, for everyone.
    let Outcome::Stop(e) = classify(kind("evolution"), 404, "<html>Not Found</html>") else { panic!() };
    assert_eq!(e.message, "HTTP 404: <html>Not Found</html>: check `provider.base_url`");
}

#[test]
fn communiktor_stops_at_once_for_an_instance_it_does_not_know() {
    let body = r#"{"message":"Instance not found","success":false,"code":404,"data":null}"#;
    let Outcome::Stop(e) = classify(kind("communiktor"), 404, body) else { panic!() };
    assert_eq!(
        (e.code.as_deref(), e.message.as_str()),
        (Some("404"), "Instance not found: check `provider.instance` (and `provider.base_url`)")
    );
    let Outcome::Stop(e) = classify(kind("communiktor"), 404, "") else { panic!() };
    assert_eq!(e.message, "HTTP 404: check `provider.instance` (and `provider.base_url`)");
}
