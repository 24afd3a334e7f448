//! What the imitated Meta bills an accepted message as, for the `pricing` its statuses carry
//! (Meta's `pricing`): a template is billable, of type `regular`, in the category of the
//! template the imitated account holds (the built-in set or `--templates FILE`), as Meta bills
//! a template by its category at send time whatever the campaign declared; a template the
//! account does not hold is billed in the campaign's category (`message.category`; marketing
//! when it declares none, as the estimate prices it). Any other message is a free service
//! message. Only Meta's webhook reports pricing.

use crate::cost::Category;
use crate::providers::imitation::templates::Templates;
use crate::providers::{Pricing, ProviderKind};
use serde_json::Value;

/// The pricing of a message `kind` accepted with request `body`: a template in the category
/// `templates` hold it in, else in `declared`; `None` for a provider that reports none.
pub fn pricing(kind: ProviderKind, body: &Value, declared: Option<Category>, templates: &Templates) -> Option<Pricing> {
    if !kind.reports_pricing() {
        return None;
    }
    Some(if body.get("type").and_then(Value::as_str) == Some("template") {
        let category = held(body, templates).or(declared).unwrap_or(Category::Marketing);
        Pricing { billable: true, category: category.as_str().into(), kind: "regular".into() }
    } else {
        Pricing { billable: false, category: "service".into(), kind: "free_customer_service".into() }
    })
}

/// The category of the account's template the send names, when the account holds it in one
/// the rate card prices.
fn held(body: &Value, templates: &Templates) -> Option<Category> {
    let text = |pointer: &str| body.pointer(pointer).and_then(Value::as_str).unwrap_or_default();
    let template = templates.find(text("/template/name"), text("/template/language/code"))?;
    Category::parse(&template.category.to_ascii_lowercase())
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
        let none = Templates::built_in();
        let utility = pricing(kind("cloud_api"), &template, Some(Category::Utility), &none).unwrap();
        assert_eq!((utility.billable, utility.category.as_str(), utility.kind.as_str()), (true, "utility", "regular"));
        assert_eq!(
            pricing(kind("cloud_api"), &template, None, &none).unwrap().category,
            "marketing",
            "as the estimate prices it"
        );
        let text = pricing(kind("cloud_api"), &json!({"type": "text"}), Some(Category::Marketing), &none).unwrap();
        assert_eq!((text.billable, text.category.as_str()), (false, "service"));
        assert_eq!(pricing(kind("evolution"), &template, None, &none), None, "only Meta reports pricing");
    }

    #[test]
    fn a_template_the_account_holds_is_billed_in_its_own_category() {
        let account = Templates::whole_account(vec![
            json!({"name": "promo", "language": "en", "status": "APPROVED", "category": "MARKETING", "components": []}),
        ]);
        let send = |name: &str| json!({"type": "template", "template": {"name": name, "language": {"code": "en"}}});
        let billed = |name: &str| pricing(kind("cloud_api"), &send(name), Some(Category::Utility), &account).unwrap();
        assert_eq!(billed("promo").category, "marketing", "as Meta bills it, whatever the campaign declares");
        assert_eq!(billed("other").category, "utility", "a template the account lacks: as declared");
    }
}
