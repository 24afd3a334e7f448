//! herald's own message id, for a provider whose status webhooks name no message id but echo
//! the request's `metadata` (Communiktor). herald adds its id under the provider's
//! [`Provider::correlation_key`] (`herald_id`) to every request's `metadata`, beside the
//! campaign's own keys, and records it as the message's id; the metadata a webhook echoes then
//! names the message. The id depends only on the campaign and the recipient, so a message
//! rendered again is the same request and the journal sees no change.

use super::{Finding, ProviderKind};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// herald's id for the message of campaign `campaign` to `recipient` (its key): 32 hex digits.
pub fn id(campaign: &str, recipient: &str) -> String {
    let digest = Sha256::new().chain_update(campaign).chain_update([0]).chain_update(recipient).finalize();
    crate::hex::encode(&digest[..16])
}

/// `metadata` with herald's id added, for a provider that correlates by it (as it is for the
/// others). A campaign key of the same name is reported: herald's id cannot take its place.
pub fn tag(
    kind: ProviderKind,
    campaign: &str,
    recipient: &str,
    metadata: Option<Map<String, Value>>,
    findings: &mut Vec<Finding>,
) -> Option<Map<String, Value>> {
    let Some(key) = kind.provider().correlation_key() else { return metadata };
    let mut metadata = metadata.unwrap_or_default();
    if metadata.contains_key(key) {
        findings.push(Finding::error(
            format!("/metadata/{key}"),
            format!(
                "`{key}` is the key herald adds to {}'s metadata to match its status webhooks to messages; \
                 name yours differently",
                kind.provider().info().name
            ),
        ));
        return Some(metadata);
    }
    metadata.insert(key.to_string(), id(campaign, recipient).into());
    Some(metadata)
}

/// The id herald put in a request `body` it sent through `kind`, when `kind` correlates by one.
pub fn recorded(kind: ProviderKind, body: &[u8]) -> Option<String> {
    kind.provider().correlation_key()?;
    in_body(kind, &serde_json::from_slice(body).ok()?)
}

/// The id in a parsed request `body` to `kind`, when `kind` correlates by one.
pub fn in_body(kind: ProviderKind, body: &Value) -> Option<String> {
    let key = kind.provider().correlation_key()?;
    body.get("metadata")?.get(key)?.as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::testing::kind;
    use serde_json::json;

    fn object(v: Value) -> Option<Map<String, Value>> {
        v.as_object().cloned()
    }

    #[test]
    fn communiktor_s_metadata_gets_herald_s_id_beside_the_campaign_s_keys() {
        let mut findings = Vec::new();
        let tagged =
            tag(kind("communiktor"), "promo", "+254712345678", object(json!({"orderId": "A-1"})), &mut findings);
        let id = id("promo", "+254712345678");
        assert_eq!(tagged, object(json!({"orderId": "A-1", "herald_id": id})));
        assert_eq!(id.len(), 32);
        assert_eq!(findings, []);
        let bare = tag(kind("communiktor"), "promo", "+254712345678", None, &mut findings);
        assert_eq!(bare, object(json!({"herald_id": id})), "added where the campaign sets no metadata");
        let body = json!({"instance": "shop", "metadata": bare}).to_string();
        assert_eq!(recorded(kind("communiktor"), body.as_bytes()), Some(id));
    }

    #[test]
    fn the_id_is_the_same_for_the_same_campaign_and_recipient_only() {
        assert_eq!(id("promo", "+254712345678"), id("promo", "+254712345678"));
        assert_ne!(id("promo", "+254712345678"), id("promo", "+254712345679"));
        assert_ne!(id("promo", "+254712345678"), id("promo2", "+254712345678"));
        assert_ne!(id("ab", "c"), id("a", "bc"));
    }

    #[test]
    fn a_campaign_key_of_the_same_name_is_an_error_and_other_providers_are_untouched() {
        let mut findings = Vec::new();
        let theirs = object(json!({"herald_id": "mine"}));
        assert_eq!(tag(kind("communiktor"), "c", "r", theirs.clone(), &mut findings), theirs);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].pointer, "/metadata/herald_id");
        assert!(findings[0].text.contains("name yours differently"), "{}", findings[0].text);
        let mut none = Vec::new();
        assert_eq!(tag(kind("cloud_api"), "c", "r", None, &mut none), None);
        assert_eq!(recorded(kind("cloud_api"), br#"{"metadata":{"herald_id":"x"}}"#), None);
        assert_eq!(none, []);
    }
}
