//! Request contracts: for every endpoint a provider documents, a JSON Schema written from its
//! docs (`providers/<id>/contracts/<endpoint>.json`, in the provider's folder) and built into herald. The sandbox
//! refuses requests that break them, wording each [`Violation`] by its [`Broken`] kind in that
//! provider's own error shape, and the golden tests check every request herald builds against
//! them, so herald's mappings and its imitation of each API answer to the docs, not to each
//! other.

use super::ProviderKind;
use jsonschema::ValidationError;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::LocationSegment;
use serde_json::Value;
use std::sync::LazyLock;

/// One endpoint's contract.
pub struct Contract {
    /// The provider.
    pub provider: ProviderKind,
    /// The HTTP method.
    pub method: String,
    /// The path after the base URL, with the account written `{account}`
    /// (`/message/sendText/{account}`, `/send-whatsapp?tenantId={account}`).
    pub path: String,
    /// The schema's title (`Communiktor POST /messages/text`).
    pub title: String,
    validator: jsonschema::Validator,
}

/// One way a body breaks a contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer to the offending value (empty for the body itself); for a missing or
    /// unexpected property, to the object that should or should not have it.
    pub pointer: String,
    /// Which kind of rule is broken, for wording it as a provider would.
    pub kind: Broken,
    /// What is wrong, in the validator's words (`"text" is a required property`).
    pub message: String,
}

/// The kind of rule a [`Violation`] breaks, read from the schema keyword that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Broken {
    /// The object lacks a property it must have (`required`).
    Missing {
        /// The property.
        property: String,
    },
    /// The object must have one of these properties and has none (a `oneOf` or `anyOf` whose
    /// branches only require a property each).
    MissingOneOf {
        /// The alternatives, in the schema's order.
        properties: Vec<String>,
    },
    /// The object has properties it may not have (`additionalProperties`, `propertyNames`, or
    /// a property whose schema is `false`).
    Unexpected {
        /// The properties.
        properties: Vec<String>,
    },
    /// The value has the wrong JSON type (`type`).
    Type {
        /// The types allowed, as JSON Schema names them (`string`, `integer`, …).
        expected: Vec<String>,
    },
    /// The value is none of the values allowed (`enum`, `const`).
    NotAllowed {
        /// The values allowed.
        allowed: Vec<Value>,
    },
    /// A string shorter than `min` characters (`minLength`); `min` 1 means it is empty.
    TooShort {
        /// The fewest characters allowed.
        min: u64,
    },
    /// A string longer than `max` characters (`maxLength`).
    TooLong {
        /// The most characters allowed.
        max: u64,
    },
    /// An array with fewer than `min` items (`minItems`); `min` 1 means it is empty.
    TooFew {
        /// The fewest items allowed.
        min: u64,
    },
    /// An array with more than `max` items (`maxItems`).
    TooMany {
        /// The most items allowed.
        max: u64,
    },
    /// The value fits more than one of alternatives that exclude each other (`oneOf`).
    Ambiguous,
    /// Any other rule (a pattern, a range, alternatives none of which fits, …); the message
    /// says which.
    Other,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.pointer.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.pointer, self.message)
        }
    }
}

impl Contract {
    /// Reads a shipped contract. They are compiled into herald and checked by its tests, so a
    /// broken one is a bug in herald, not in anyone's input.
    fn shipped(provider: ProviderKind, text: &str) -> Contract {
        let schema: Value = serde_json::from_str(text).expect("a shipped contract is JSON");
        let field = |pointer: &str| schema.pointer(pointer).and_then(Value::as_str).unwrap_or_default().to_string();
        let validator = jsonschema::draft202012::new(&schema).expect("a shipped contract compiles");
        Contract {
            provider,
            method: field("/x-endpoint/method"),
            path: field("/x-endpoint/path"),
            title: field("/title"),
            validator,
        }
    }

    /// The account named by `path` (what follows the base URL, query included) when it is this
    /// endpoint.
    pub fn account_in<'p>(&self, path: &'p str) -> Option<&'p str> {
        let Some((before, after)) = self.path.split_once("{account}") else {
            return (path == self.path).then_some("");
        };
        let account = path.strip_prefix(before)?.strip_suffix(after)?;
        let one_segment = !account.is_empty() && !account.contains(['/', '?', '&', '#']);
        one_segment.then_some(account)
    }

    /// Every way `body` breaks the contract, in the schema's order, each once (a rule reached
    /// through two branches of the schema is reported once).
    ///
    /// Alternatives (`oneOf`, `anyOf`) none of which fits are reported as the violations of the
    /// one branch the value is meant for, when exactly one branch neither wants another type
    /// nor another value for the value or its members (the branch its `type` selects, say);
    /// otherwise as one [`Broken::Other`], or [`Broken::MissingOneOf`] when each branch only
    /// requires a property.
    pub fn violations(&self, body: &Value) -> Vec<Violation> {
        let mut found: Vec<Violation> = Vec::new();
        for e in self.validator.iter_errors(body) {
            for v in read(e) {
                if !found.contains(&v) {
                    found.push(v);
                }
            }
        }
        found
    }
}

/// The violations one validation error stands for.
fn read(e: ValidationError<'_>) -> Vec<Violation> {
    let message = e.to_string();
    let parts = e.into_parts();
    let pointer = parts.instance_path.as_str().to_string();
    let one = |pointer: String, kind: Broken| vec![Violation { pointer, kind, message: message.clone() }];
    let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
    match parts.kind {
        ValidationErrorKind::Required { property } => one(pointer, Broken::Missing { property: text(&property) }),
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            one(pointer, Broken::Unexpected { properties: unexpected })
        }
        ValidationErrorKind::PropertyNames { error } => {
            one(pointer, Broken::Unexpected { properties: vec![text(error.instance())] })
        }
        ValidationErrorKind::FalseSchema => match parts.instance_path.segments().last() {
            Some(LocationSegment::Property(name)) => {
                let parent = pointer[..pointer.rfind('/').unwrap_or_default()].to_string();
                one(parent, Broken::Unexpected { properties: vec![name.into_owned()] })
            }
            _ => one(pointer, Broken::Other),
        },
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => vec![t.as_str().to_string()],
                TypeKind::Multiple(set) => set.iter().map(|t| t.as_str().to_string()).collect(),
            };
            one(pointer, Broken::Type { expected })
        }
        ValidationErrorKind::Enum { options } => {
            one(pointer, Broken::NotAllowed { allowed: options.as_array().cloned().unwrap_or_default() })
        }
        ValidationErrorKind::Constant { expected_value } => {
            one(pointer, Broken::NotAllowed { allowed: vec![Value::clone(&expected_value)] })
        }
        ValidationErrorKind::MinLength { limit } => one(pointer, Broken::TooShort { min: limit }),
        ValidationErrorKind::MaxLength { limit } => one(pointer, Broken::TooLong { max: limit }),
        ValidationErrorKind::MinItems { limit } => one(pointer, Broken::TooFew { min: limit }),
        ValidationErrorKind::MaxItems { limit } => one(pointer, Broken::TooMany { max: limit }),
        ValidationErrorKind::OneOfMultipleValid { .. } => one(pointer, Broken::Ambiguous),
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            if let Some(properties) = only_required(&pointer, &context) {
                return one(pointer, Broken::MissingOneOf { properties });
            }
            let mut meant = context.into_iter().filter(|branch| fits(&pointer, branch));
            match (meant.next(), meant.next()) {
                (Some(branch), None) => branch.into_iter().flat_map(read).collect(),
                _ => one(pointer, Broken::Other),
            }
        }
        _ => one(pointer, Broken::Other),
    }
}

/// The properties the branches require, when each branch fails only for lacking properties of
/// the value at `pointer`.
fn only_required(pointer: &str, branches: &[Vec<ValidationError<'static>>]) -> Option<Vec<String>> {
    let mut properties = Vec::new();
    for branch in branches {
        if branch.is_empty() {
            return None;
        }
        for e in branch {
            match e.kind() {
                ValidationErrorKind::Required { property } if e.instance_path().as_str() == pointer => {
                    let name = property.as_str().map_or_else(|| property.to_string(), str::to_string);
                    if !properties.contains(&name) {
                        properties.push(name);
                    }
                }
                _ => return None,
            }
        }
    }
    Some(properties)
}

/// Whether a failing branch is still the one meant for the value at `pointer`: it wants neither
/// another type for the value nor another value for the value or one of its members.
fn fits(pointer: &str, branch: &[ValidationError<'static>]) -> bool {
    branch.iter().all(|e| {
        let at = e.instance_path().as_str();
        let member =
            at.strip_prefix(pointer).and_then(|rest| rest.strip_prefix('/')).is_some_and(|key| !key.contains('/'));
        match e.kind() {
            ValidationErrorKind::Type { .. } => at != pointer,
            ValidationErrorKind::Constant { .. } | ValidationErrorKind::Enum { .. } => at != pointer && !member,
            _ => true,
        }
    })
}

/// Every contract of `provider`.
pub fn of(provider: ProviderKind) -> &'static [Contract] {
    static ALL: LazyLock<Vec<Vec<Contract>>> = LazyLock::new(|| {
        ProviderKind::ALL
            .iter()
            .map(|&kind| kind.provider().info().contracts.iter().map(|text| Contract::shipped(kind, text)).collect())
            .collect()
    });
    let at = ProviderKind::ALL.iter().position(|&k| k == provider).unwrap_or_default();
    &ALL[at]
}

/// The contract for a `method` request to `path` (after the base URL, query included), and the
/// account the path names.
pub fn find<'p>(provider: ProviderKind, method: &str, path: &'p str) -> Option<(&'static Contract, &'p str)> {
    of(provider).iter().filter(|c| c.method == method).find_map(|c| c.account_in(path).map(|account| (c, account)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::testing::kind;
    use std::collections::BTreeSet;

    #[test]
    fn every_contract_file_is_shipped_and_names_its_endpoint() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/providers");
        for &kind in ProviderKind::ALL {
            let files: BTreeSet<String> = std::fs::read_dir(root.join(kind.as_str()).join("contracts"))
                .unwrap_or_else(|e| panic!("{kind}: {e}"))
                .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
                .collect();
            let shipped: BTreeSet<String> = kind.provider().info().contracts.iter().map(|t| t.to_string()).collect();
            assert_eq!(files, shipped, "{kind}: src/providers/{kind}/contracts/ and the contracts built in differ");
            for contract in of(kind) {
                assert_eq!(contract.method, "POST", "{}", contract.title);
                assert!(contract.path.starts_with('/'), "{}: path {:?}", contract.title, contract.path);
                assert!(!contract.title.is_empty(), "src/providers/{kind}/contracts: a contract without a title");
            }
        }
    }

    #[test]
    fn paths_match_one_account_segment() {
        let evolution = find(kind("evolution"), "POST", "/message/sendText/shop").unwrap();
        assert_eq!((evolution.0.path.as_str(), evolution.1), ("/message/sendText/{account}", "shop"));
        assert!(find(kind("evolution"), "POST", "/message/sendText/").is_none());
        assert!(find(kind("evolution"), "POST", "/message/sendText/a/b").is_none());
        assert!(find(kind("evolution"), "GET", "/message/sendText/shop").is_none());
        assert_eq!(find(kind("flowiq"), "POST", "/send-whatsapp?tenantId=acme").unwrap().1, "acme");
        assert_eq!(find(kind("communiktor"), "POST", "/messages/text").unwrap().1, "");
        assert!(find(kind("communiktor"), "POST", "/messages/sticker").is_none());
    }

    #[test]
    fn violations_point_at_the_field() {
        let (text, _) = find(kind("communiktor"), "POST", "/messages/text").unwrap();
        assert_eq!(
            text.violations(&serde_json::json!({"instance": "i", "receiver": "254712345678", "text": "hi"})),
            []
        );
        let v = text.violations(&serde_json::json!({"instance": "i", "receiver": 254712345678_u64, "text": "hi"}));
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].pointer, "/receiver");
    }

    #[test]
    fn violations_say_which_rule_is_broken() {
        use serde_json::json;
        let kinds = |kind: ProviderKind, path: &str, body: Value| -> Vec<(String, Broken)> {
            let (contract, _) = find(kind, "POST", path).unwrap();
            contract.violations(&body).into_iter().map(|v| (v.pointer, v.kind)).collect()
        };
        let at = |pointer: &str, kind: Broken| (pointer.to_string(), kind);
        let missing = |property: &str| Broken::Missing { property: property.into() };
        let unexpected = |property: &str| Broken::Unexpected { properties: vec![property.into()] };
        let text = "/messages/text";
        assert_eq!(
            kinds(kind("communiktor"), text, json!({ "instance": "i", "receiver": "254712345678", "debug": 1 })),
            [at("", missing("text")), at("", unexpected("debug"))]
        );
        assert_eq!(
            kinds(kind("communiktor"), text, json!({ "instance": "", "receiver": 1, "text": "hi" })),
            [
                at("/instance", Broken::TooShort { min: 1 }),
                at("/receiver", Broken::Type { expected: vec!["string".into()] })
            ]
        );
        let flowiq = "/send-whatsapp?tenantId=acme";
        assert_eq!(
            kinds(kind("flowiq"), flowiq, json!({ "phone_number": "+27123456789", "message_type": "sticker" })),
            [at(
                "/message_type",
                Broken::NotAllowed {
                    allowed: [
                        "text",
                        "image",
                        "video",
                        "audio",
                        "document",
                        "location",
                        "contacts",
                        "interactive",
                        "reaction"
                    ]
                    .map(Value::from)
                    .to_vec()
                }
            )]
        );
        // A property another type rules out is unexpected on the object, not a `false` value.
        let image = json!({ "phone_number": "+27123456789", "message_type": "text", "text": "hi", "caption": "c" });
        assert_eq!(kinds(kind("flowiq"), flowiq, image), [at("", unexpected("caption"))]);
        let messages = "/106540352242922/messages";
        let image =
            |object: Value| json!({ "messaging_product": "whatsapp", "to": "1", "type": "image", "image": object });
        assert_eq!(
            kinds(kind("cloud_api"), messages, image(json!({ "caption": "c" }))),
            [at("/image", Broken::MissingOneOf { properties: vec!["id".into(), "link".into()] })]
        );
        assert_eq!(
            kinds(kind("cloud_api"), messages, image(json!({ "id": "1", "link": "https://x/y.jpg" }))),
            [at("/image", Broken::Ambiguous)]
        );
        // Of alternatives none of which fits, the one the button's `type` selects is reported.
        let buttons = json!({ "number": "1", "title": "t", "buttons": [{ "type": "reply", "id": "a" }] });
        assert_eq!(
            kinds(kind("evolution"), "/message/sendButtons/shop", buttons),
            [at("/buttons/0", missing("displayText"))]
        );
        assert_eq!(
            kinds(kind("autokonnect"), "/api/v1/whatsapp/1/messages", json!({ "type": "text", "message": "hi" })),
            [at("", Broken::MissingOneOf { properties: vec!["phone_number".into(), "contact_tag_id".into()] })]
        );
        let many = json!({ "number": "1", "title": "t", "buttons": [
            { "type": "reply", "displayText": "a", "id": "a" }, { "type": "reply", "displayText": "b", "id": "b" },
            { "type": "reply", "displayText": "c", "id": "c" }, { "type": "reply", "displayText": "d", "id": "d" }
        ] });
        assert_eq!(
            kinds(kind("evolution"), "/message/sendButtons/shop", many),
            [at("/buttons", Broken::TooMany { max: 3 })]
        );
    }
}
