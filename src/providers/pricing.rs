//! What a provider says a delivered message is billed as: Meta's `pricing` on a status
//! (`{billable, pricing_model, category, type}`; RECEIPTS-TEMPLATES-PRICING.md §3.4). Meta's
//! v23 spec has `billable`, `pricing_model` and `category`; live per-message-pricing payloads add
//! `type` (`regular`, `free_customer_service`, `free_entry_point`) and mark `billable`
//! deprecated, so a pricing without `billable` is billable when its type is `regular`.

use serde_json::Value;

/// How Meta bills one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pricing {
    /// Whether the message is charged.
    pub billable: bool,
    /// The category it is charged as (`marketing`, `utility`, `authentication`, `service`, …).
    pub category: String,
    /// Why it is (not) charged: `regular`, `free_customer_service`, `free_entry_point`; empty
    /// when not given.
    pub kind: String,
}

/// The longest category or type kept: Meta's are short words; a post may carry anything.
const MOST: usize = 64;

impl Pricing {
    /// Reads Meta's `pricing` object; `None` when it is not one, or says neither whether the
    /// message is billable nor its type.
    pub fn read(v: &Value) -> Option<Pricing> {
        let word = |key: &str| {
            v.get(key)
                .and_then(Value::as_str)
                .map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty() && s.len() <= MOST)
        };
        let kind = word("type").unwrap_or_default();
        let billable = match v.get("billable").and_then(Value::as_bool) {
            Some(b) => b,
            None if !kind.is_empty() => kind == "regular",
            None => return None,
        };
        Some(Pricing { billable, category: word("category")?, kind })
    }

    /// As Meta's status carries it.
    pub fn to_json(&self) -> Value {
        serde_json::json!({"billable": self.billable, "pricing_model": "PMP", "category": self.category, "type": self.kind})
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_meta_s_pricing_in_the_spec_s_and_the_live_shapes() {
        let live = json!({"billable": true, "pricing_model": "PMP", "category": "Marketing", "type": "regular"});
        let read = Pricing::read(&live).unwrap();
        assert_eq!(read, Pricing { billable: true, category: "marketing".into(), kind: "regular".into() });
        assert_eq!(Pricing::read(&read.to_json()), Some(read));
        let spec = json!({"billable": false, "pricing_model": "PMP", "category": "utility"});
        assert_eq!(Pricing::read(&spec).map(|p| (p.billable, p.kind)), Some((false, String::new())));
        let free = json!({"category": "service", "type": "free_customer_service"});
        assert_eq!(Pricing::read(&free).map(|p| p.billable), Some(false), "billable is deprecated: the type says");
        assert_eq!(Pricing::read(&json!({"category": "marketing"})), None, "billed or not, nothing says");
        assert_eq!(Pricing::read(&json!({"billable": true})), None, "no category");
        assert_eq!(Pricing::read(&json!({"billable": true, "category": "x".repeat(65)})), None);
        assert_eq!(Pricing::read(&json!("PMP")), None);
    }
}
