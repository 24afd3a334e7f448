//! The message record Evolution API stores and returns with `201` on success: the key, the
//! status, and `messageType` with the `message` object for each send route, as
//! `prepareMessage()` lays them out.

use crate::providers::imitation::api::{Endpoint, unix_now};
use crate::providers::imitation::ids::{hash, mix};
use serde_json::{Map, Value, json};

/// The whole success body for a valid `body` sent to `endpoint`, with message id `id`.
pub(crate) fn answer(endpoint: &Endpoint, body: &Value, id: &str) -> Value {
    let remote_jid = match endpoint.name {
        "sendReaction" => body.pointer("/key/remoteJid").and_then(Value::as_str).unwrap_or_default().to_string(),
        _ => jid(body.get("number").and_then(Value::as_str).unwrap_or_default()),
    };
    let (message_type, message) = record(endpoint.name, body);
    json!({
        "key": { "remoteJid": remote_jid, "fromMe": true, "id": id },
        "pushName": "",
        "status": "PENDING",
        "message": message,
        "messageType": message_type,
        "messageTimestamp": unix_now(),
        "instanceId": instance_id(&endpoint.account),
        "source": "unknown",
    })
}

/// `createJid`: digits become a user JID (or a group JID from 18 digits), JIDs pass through.
fn jid(number: &str) -> String {
    if number.contains('@') {
        return number.to_string();
    }
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    if digits.len() >= 18 { format!("{digits}@g.us") } else { format!("{digits}@s.whatsapp.net") }
}

/// A stable UUID-shaped id for an instance name.
fn instance_id(instance: &str) -> String {
    let a = hash(0, &[instance.as_bytes()]);
    let b = mix(a);
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xFFFF,
        a & 0xFFF,
        b >> 52,
        b & 0xFFFF_FFFF_FFFF
    )
}

/// `(messageType, message)` for a valid `body` sent to `route`.
fn record(route: &str, body: &Value) -> (String, Value) {
    let s = |key: &str| body.get(key).cloned().unwrap_or(Value::Null);
    let (kind, inner) = match route {
        "sendText" => return ("conversation".into(), json!({ "conversation": s("text") })),
        "sendMedia" => {
            let mediatype = body.get("mediatype").and_then(Value::as_str).unwrap_or("document");
            let mut media = Map::new();
            media.insert("url".into(), s("media"));
            media
                .insert("mimetype".into(), body.get("mimetype").cloned().unwrap_or_else(|| mimetype(mediatype).into()));
            for (from, to) in [("caption", "caption"), ("fileName", "fileName")] {
                if let Some(v) = body.get(from) {
                    media.insert(to.into(), v.clone());
                }
            }
            (format!("{mediatype}Message"), Value::Object(media))
        }
        "sendWhatsAppAudio" => {
            ("audioMessage".into(), json!({ "url": s("audio"), "mimetype": "audio/ogg; codecs=opus", "ptt": true }))
        }
        "sendPtv" => ("ptvMessage".into(), json!({ "url": s("video"), "mimetype": "video/mp4" })),
        "sendSticker" => ("stickerMessage".into(), json!({ "url": s("sticker"), "mimetype": "image/webp" })),
        "sendPoll" => {
            let options: Vec<Value> = body
                .get("values")
                .and_then(Value::as_array)
                .map(|values| values.iter().map(|v| json!({ "optionName": v })).collect())
                .unwrap_or_default();
            (
                "pollCreationMessage".into(),
                json!({ "name": s("name"), "options": options, "selectableOptionsCount": s("selectableCount") }),
            )
        }
        "sendLocation" => (
            "locationMessage".into(),
            json!({
                "degreesLatitude": s("latitude"),
                "degreesLongitude": s("longitude"),
                "name": s("name"),
                "address": s("address"),
            }),
        ),
        "sendContact" => return contacts(body),
        "sendReaction" => ("reactionMessage".into(), json!({ "key": s("key"), "text": s("reaction") })),
        "sendButtons" => ("interactiveMessage".into(), buttons(body)),
        "sendList" => (
            "listMessage".into(),
            json!({
                "title": s("title"),
                "description": s("description"),
                "footerText": s("footerText"),
                "buttonText": s("buttonText"),
                "listType": 1,
                "sections": s("sections"),
            }),
        ),
        _ => (
            "templateMessage".into(),
            json!({ "name": s("name"), "language": { "code": s("language") }, "components": s("components") }),
        ),
    };
    let mut message = Map::new();
    message.insert(kind.clone(), inner);
    (kind, Value::Object(message))
}

/// The MIME type Baileys assumes when `mimetype` is not given.
fn mimetype(mediatype: &str) -> &'static str {
    match mediatype {
        "image" => "image/jpeg",
        "video" => "video/mp4",
        "audio" => "audio/mpeg",
        _ => "application/octet-stream",
    }
}

/// One contact becomes `contactMessage`, several `contactsArrayMessage`.
fn contacts(body: &Value) -> (String, Value) {
    let items = body.get("contact").and_then(Value::as_array).cloned().unwrap_or_default();
    let cards: Vec<Value> = items.iter().map(card).collect();
    match cards.as_slice() {
        [one] => ("contactMessage".into(), json!({ "contactMessage": one })),
        _ => {
            let array = json!({ "displayName": format!("{} contacts", cards.len()), "contacts": cards });
            ("contactsArrayMessage".into(), json!({ "contactsArrayMessage": array }))
        }
    }
}

/// `{displayName, vcard}` for one `contact` item, as the service builds the vCard.
fn card(item: &Value) -> Value {
    let field = |key: &str| item.get(key).and_then(Value::as_str).unwrap_or_default();
    let name = field("fullName");
    let phone = field("phoneNumber");
    let wuid = match field("wuid") {
        "" => phone.chars().filter(char::is_ascii_digit).collect(),
        w => w.to_string(),
    };
    let mut vcard = format!("BEGIN:VCARD\nVERSION:3.0\nN:{name}\nFN:{name}\n");
    if !field("organization").is_empty() {
        vcard.push_str(&format!("ORG:{};\n", field("organization")));
    }
    if !field("email").is_empty() {
        vcard.push_str(&format!("EMAIL:{}\n", field("email")));
    }
    if !field("url").is_empty() {
        vcard.push_str(&format!("URL:{}\n", field("url")));
    }
    vcard.push_str(&format!("item1.TEL;waid={wuid}:{phone}\nitem1.X-ABLabel:Celular\nEND:VCARD"));
    json!({ "displayName": name, "vcard": vcard })
}

/// The native-flow interactive message `sendButtons` produces.
fn buttons(body: &Value) -> Value {
    let items = body.get("buttons").and_then(Value::as_array).cloned().unwrap_or_default();
    let flow: Vec<Value> = items
        .iter()
        .map(|b| {
            let kind = b.get("type").and_then(Value::as_str).unwrap_or_default();
            let name = match kind {
                "reply" => "quick_reply",
                "copy" => "cta_copy",
                "url" => "cta_url",
                "call" => "cta_call",
                _ => "payment_info",
            };
            let params = json!({ "display_text": b.get("displayText"), "id": b.get("id") });
            json!({ "name": name, "buttonParamsJson": params.to_string() })
        })
        .collect();
    json!({
        "header": { "title": body.get("title") },
        "body": { "text": body.get("description") },
        "footer": { "text": body.get("footer") },
        "nativeFlowMessage": { "buttons": flow },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_record_per_route() {
        let (kind, message) = record("sendText", &json!({ "number": "1", "text": "Hi" }));
        assert_eq!((kind.as_str(), message), ("conversation", json!({ "conversation": "Hi" })));
        let (kind, message) = record("sendMedia", &json!({ "mediatype": "image", "media": "https://x/a.jpg" }));
        assert_eq!(kind, "imageMessage");
        assert_eq!(message["imageMessage"]["mimetype"], "image/jpeg");
        let one = json!({ "contact": [{ "fullName": "Jane", "phoneNumber": "14155552671" }] });
        let (kind, message) = record("sendContact", &one);
        assert_eq!(kind, "contactMessage");
        assert!(message["contactMessage"]["vcard"].as_str().unwrap().contains("waid=14155552671:14155552671"));
        let two =
            json!({ "contact": [{ "fullName": "A", "phoneNumber": "1" }, { "fullName": "B", "phoneNumber": "2" }] });
        assert_eq!(record("sendContact", &two).0, "contactsArrayMessage");
        let (kind, message) =
            record("sendButtons", &json!({ "buttons": [{ "type": "reply", "displayText": "Yes", "id": "y" }] }));
        assert_eq!(kind, "interactiveMessage");
        assert_eq!(message["interactiveMessage"]["nativeFlowMessage"]["buttons"][0]["name"], "quick_reply");
    }

    #[test]
    fn jids_and_instance_ids() {
        assert_eq!(jid("+254 712 345678"), "254712345678@s.whatsapp.net");
        assert_eq!(jid("120363025246125486@g.us"), "120363025246125486@g.us");
        assert_eq!(jid("120363025246125486"), "120363025246125486@g.us");
        assert_eq!(instance_id("shop"), instance_id("shop"));
        assert_ne!(instance_id("shop"), instance_id("shop2"));
    }
}
