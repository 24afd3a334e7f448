//! Batching: whether the campaign's recipients can share requests, decided once from the
//! templates before anyone is rendered. Recipients share a request only when the provider takes
//! several numbers in one ([`crate::providers::Batching`]), the audience is phone numbers, and
//! every recipient's request is the same apart from the number: no template uses a value of
//! the recipient's own (`recipient`, a CSV column). `vars` and `campaign` are the same for
//! everyone. The run builds each batch from its members' own requests and sends it only if
//! they agree ([`crate::providers::Batching::merge`]), so this decision is never the only guard.

use super::checks::Context;
use crate::campaign::model::CampaignDoc;
use crate::campaign::schema::display_path;
use crate::campaign::source::Part;
use crate::delivery::Delivery;
use crate::diagnostic::{Diagnostics, Severity};
use crate::recipients::Audience;
use crate::template::Origin;
use std::collections::BTreeSet;

/// Where the campaign file sets the batch size.
const POINTER: &str = "/delivery/batch_size";

/// Names that give a template something of the recipient's own: `recipient`, and `debug()`,
/// which prints the whole context (the row included). CSV columns are the rest.
const OWN: [&str; 2] = ["recipient", "debug"];

/// What makes recipients' messages differ: a template and the value of their own it uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Personal {
    /// The template's JSON pointer (`/message/text`).
    pub pointer: String,
    /// The variable (`first_name`, `recipient`).
    pub variable: String,
}

/// The first template (by pointer) that uses a value of the recipient's own: `recipient` or a
/// column of the CSV (a column shows through a `vars` key of the same name). `None`: the
/// message is the same for everyone.
pub fn personal(variables: &[(String, BTreeSet<String>, Origin)], headers: &[String]) -> Option<Personal> {
    variables.iter().find_map(|(pointer, vars, _)| {
        vars.iter()
            .find(|v| OWN.contains(&v.as_str()) || headers.iter().any(|h| h == *v))
            .map(|v| Personal { pointer: pointer.clone(), variable: v.clone() })
    })
}

/// Recipients per request for this campaign (1: one request each), with a warning where
/// `delivery.batch_size` is set but has no effect.
pub fn size(
    c: &CampaignDoc,
    delivery: &Delivery,
    audience: &Audience,
    variables: &[(String, BTreeSet<String>, Origin)],
    ctx: &Context,
    diags: &mut Diagnostics,
) -> usize {
    let given = c.delivery.batch_size;
    let kind = c.provider.kind;
    let warn = |diags: &mut Diagnostics, message: String, help: &str| {
        diags.push(ctx.at(Severity::Warning, POINTER, Part::Key, message).help(help.to_string()));
    };
    let Some(batching) = kind.provider().info().batching else {
        if given.is_some() {
            warn(
                diags,
                format!("`delivery.batch_size` has no effect on provider `{kind}`: it sends one request per recipient"),
                "only autokonnect takes several numbers in one request; remove `batch_size`",
            );
        }
        return 1;
    };
    if delivery.batch_size <= 1 {
        return 1;
    }
    if !audience.by_number() {
        if given.is_some() {
            warn(
                diags,
                "`delivery.batch_size` has no effect: `recipients.provider_tags` already goes out as one request"
                    .into(),
                "remove `batch_size`",
            );
        }
        return 1;
    }
    if let Some(p) = personal(variables, audience.headers()) {
        if given.is_some() {
            let whose = if OWN.contains(&p.variable.as_str()) { "the recipient's own value" } else { "a CSV column" };
            warn(
                diags,
                format!(
                    "batching is off: `{}` uses `{}` ({whose}), so each recipient's message differs; one request per recipient",
                    display_path(&p.pointer),
                    p.variable
                ),
                "only a message that is the same for everyone (using `vars` and `campaign` only) goes out in batches; or set `batch_size: 1`",
            );
        }
        return 1;
    }
    delivery.batch_size.min(batching.max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uses(templates: &[(&str, &[&str])]) -> Vec<(String, BTreeSet<String>, Origin)> {
        templates
            .iter()
            .map(|(p, vars)| (p.to_string(), vars.iter().map(|v| v.to_string()).collect(), Origin::Campaign))
            .collect()
    }

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|h| h.to_string()).collect()
    }

    #[test]
    fn a_message_of_vars_and_campaign_only_is_the_same_for_everyone() {
        let vars = uses(&[("/message/text", &["store", "campaign"]), ("/message/media/url", &["cdn"])]);
        assert_eq!(personal(&vars, &headers(&["phone", "name"])), None);
        assert_eq!(personal(&uses(&[]), &headers(&["phone", "name"])), None, "no template at all");
        assert_eq!(personal(&vars, &[]), None, "no CSV");
    }

    #[test]
    fn a_csv_column_or_the_recipient_makes_it_personal() {
        let column = uses(&[("/message/text", &["store"]), ("/message/template/body/0", &["first_name", "store"])]);
        assert_eq!(
            personal(&column, &headers(&["phone", "first_name"])),
            Some(Personal { pointer: "/message/template/body/0".into(), variable: "first_name".into() })
        );
        let recipient = uses(&[("/message/text", &["recipient"])]);
        assert_eq!(personal(&recipient, &[]).map(|p| p.variable), Some("recipient".into()));
        // A column shows through a `vars` key of the same name: the cell wins where it is set.
        let shadowed = uses(&[("/message/text", &["store"])]);
        assert!(personal(&shadowed, &headers(&["phone", "store"])).is_some());
        let debug = uses(&[("/metadata/dump", &["debug"])]);
        assert!(personal(&debug, &[]).is_some(), "debug() prints the row");
    }
}
