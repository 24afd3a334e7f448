//! What the imitated Meta bills an accepted message as, for the `pricing` its statuses carry
//! (Meta's `pricing`): a template is billable, in the campaign's category
//! (`message.category`; marketing when it declares none, as the estimate prices it), of type
//! `regular`; any other message is a free service message. Only Meta's webhook reports pricing.

use crate::cost::Category;
use crate::providers::{Pricing, ProviderKind, Signing};
use serde_json::Value;

/// The pricing of a message `kind` accepted with request `body`, billed as `category` when it
/// is a template; `None` for a provider that reports none.
pub fn pricing(kind: ProviderKind, body: &Value, category: Option<Category>) -> Option<Pricing> {
    if !kind.provider().status_webhook().is_some_and(|w| w.signing == Signing::Meta) {
        return None;
    }
    Some(if body.get("type").and_then(Value::as_str) == Some("template") {
        let category = category.unwrap_or(Category::Marketing);
        Pricing { billable: true, category: category.as_str().into(), kind: "regular".into() }
    } else {
        Pricing { billable: false, category: "service".into(), kind: "free_customer_service".into() }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::testing::kind;
    use serde_json::json;

    #[test]
    fn a_template_is_billed_in_the_campaign_s_category_and_anything_else_is_free_service() {
        let template =
            json!({"messaging_product": "whatsapp", "type": "template", "template": {"name": "vip_renewal"}});
        let utility = pricing(kind("cloud_api"), &template, Some(Category::Utility)).unwrap();
        assert_eq!((utility.billable, utility.category.as_str(), utility.kind.as_str()), (true, "utility", "regular"));
        assert_eq!(
            pricing(kind("cloud_api"), &template, None).unwrap().category,
            "marketing",
            "as the estimate prices it"
        );
        let text = pricing(kind("cloud_api"), &json!({"type": "text"}), Some(Category::Marketing)).unwrap();
        assert_eq!((text.billable, text.category.as_str()), (false, "service"));
        assert_eq!(pricing(kind("evolution"), &template, None), None, "only Meta reports pricing");
    }
}
