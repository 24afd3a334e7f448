//! The campaign schema's provider parts, built from the registry: `provider.kind`'s names, each
//! provider's account key, and the keys each kind requires. herald validates against the shipped
//! schema with these parts rebuilt, and a test keeps the checked-in file equal to that (run the
//! tests with `HERALD_BLESS=1` to rewrite it after adding a provider).

use super::ProviderKind;
use serde_json::{Map, Value, json};

/// The `provider` keys that are not an account key, in the order the schema lists them.
const SHARED_KEYS: [&str; 5] = ["kind", "base_url", "allow_insecure", "token_env", "waba_id"];

/// `schema` (the campaign schema) with its provider parts rebuilt from [`ProviderKind::ALL`];
/// everything else is left as it is. A schema without a `provider` object is returned unchanged.
pub fn with_provider_parts(mut schema: Value) -> Value {
    let Some(provider) = schema.pointer_mut("/properties/provider").and_then(Value::as_object_mut) else {
        return schema;
    };
    let ids: Vec<&str> = ProviderKind::ALL.iter().map(|k| k.as_str()).collect();
    let old = provider.get("properties").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut properties: Map<String, Value> =
        SHARED_KEYS.iter().filter_map(|key| Some((key.to_string(), old.get(*key)?.clone()))).collect();
    if let Some(kind) = properties.get_mut("kind") {
        kind["enum"] = json!(ids);
        kind["description"] =
            json!(format!("The provider: {} (`herald providers` lists what each can send).", ids.join(", ")));
    }
    if let Some(base_url) = properties.get_mut("base_url") {
        base_url["description"] = json!(base_url_description());
    }
    for &kind in ProviderKind::ALL {
        let info = kind.provider().info();
        if properties.contains_key(info.account_key) {
            continue;
        }
        let sharing: Vec<&str> = ProviderKind::ALL
            .iter()
            .filter(|k| k.provider().info().account_key == info.account_key)
            .map(|k| k.as_str())
            .collect();
        let description = format!("{}: {}.", sharing.join(" and "), info.account_help);
        properties
            .insert(info.account_key.into(), json!({ "type": ["string", "integer"], "description": description }));
    }
    let delivery = schema.pointer("/properties/delivery/properties").cloned().unwrap_or_default();
    properties.insert("senders".into(), senders(&properties, &delivery));
    let Some(provider) = schema.pointer_mut("/properties/provider").and_then(Value::as_object_mut) else {
        return schema;
    };
    provider.insert("properties".into(), Value::Object(properties));
    let mut rules: Vec<Value> = ProviderKind::ALL.iter().map(|&kind| required_keys(kind)).collect();
    // Without senders, the provider's token is the only one.
    rules.push(json!({ "if": { "not": { "required": ["senders"] } }, "then": { "required": ["token_env"] } }));
    provider.insert("allOf".into(), Value::Array(rules));
    schema
}

/// `provider.senders`: a list of accounts, each with any account key (the checks hold it to
/// the provider's), and its own `token_env`, `rate` and `daily_cap` as `provider` and
/// `delivery` write them.
fn senders(provider: &Map<String, Value>, delivery: &Value) -> Value {
    let mut item: Map<String, Value> = provider
        .iter()
        .filter(|(key, _)| !SHARED_KEYS.contains(&key.as_str()) || *key == "token_env")
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    for key in ["rate", "daily_cap"] {
        if let Some(value) = delivery.get(key) {
            item.insert(key.into(), value.clone());
        }
    }
    json!({
        "type": "array",
        "minItems": 1,
        "description": "Several accounts of the provider to send from, instead of one: each recipient goes from one of \
            them, always the same (a stable hash of the number, recorded per recipient in the report). Each names \
            its account with the provider's account key, and may have its own token_env (default: provider.token_env), \
            rate (default: delivery.rate) and daily_cap (default: delivery.daily_cap). If the provider refuses one \
            account (token revoked, instance disconnected), only its recipients wait; the others are sent.",
        "items": { "type": "object", "additionalProperties": false, "properties": item },
    })
}

/// `base_url`'s description: which providers have no public host to default to.
fn base_url_description() -> String {
    let self_hosted: Vec<&str> =
        ProviderKind::ALL.iter().filter(|k| k.provider().default_base_url().is_none()).map(|k| k.as_str()).collect();
    let required = match self_hosted.as_slice() {
        [] => String::new(),
        names => format!("; required for {} (self-hosted)", names.join(" and ")),
    };
    format!(
        "The API's base URL, starting with https:// (http:// only to this machine: localhost, 127.0.0.0/8, ::1; \
         or with allow_insecure). Defaults to the provider's public host{required}."
    )
}

/// The rule that a campaign of `kind` names its account (or lists `senders`), and its base URL
/// when it has no public host.
fn required_keys(kind: ProviderKind) -> Value {
    let info = kind.provider().info();
    let mut required = vec![];
    if info.default_base_url.is_none() {
        required.push("base_url");
    }
    json!({
        "if": { "properties": { "kind": { "const": kind.as_str() } }, "required": ["kind"] },
        "then": {
            "required": required,
            "if": { "not": { "required": ["senders"] } },
            "then": { "required": [info.account_key] },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_provider_gets_its_kind_account_key_and_rule() {
        let shipped: Value = serde_json::from_str(crate::campaign::schema::CAMPAIGN_SCHEMA).unwrap();
        let schema = with_provider_parts(shipped);
        let provider = &schema["properties"]["provider"];
        let kinds = provider["properties"]["kind"]["enum"].as_array().unwrap();
        assert_eq!(kinds.len(), ProviderKind::ALL.len());
        for &kind in ProviderKind::ALL {
            let info = kind.provider().info();
            assert!(kinds.contains(&json!(kind.as_str())), "{kind}");
            let key = &provider["properties"][info.account_key]["description"];
            assert!(key.as_str().unwrap().contains(kind.as_str()), "{kind}: {key}");
            let rule = provider["allOf"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["if"]["properties"]["kind"]["const"] == kind.as_str());
            let account = &rule.unwrap()["then"]["then"]["required"];
            assert!(account.as_array().unwrap().contains(&json!(info.account_key)), "{kind}");
        }
        for key in SHARED_KEYS {
            assert!(provider["properties"].get(key).is_some(), "{key}");
        }
    }

    #[test]
    fn everything_but_the_provider_parts_is_left_alone() {
        let shipped: Value = serde_json::from_str(crate::campaign::schema::CAMPAIGN_SCHEMA).unwrap();
        let schema = with_provider_parts(shipped.clone());
        for (key, value) in shipped["properties"].as_object().unwrap() {
            if key != "provider" {
                assert_eq!(&schema["properties"][key], value, "{key}");
            }
        }
        assert_eq!(with_provider_parts(json!({ "type": "object" })), json!({ "type": "object" }));
    }
}
