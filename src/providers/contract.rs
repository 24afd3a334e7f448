//! Request contracts: for every endpoint a provider documents, a JSON Schema written from its
//! docs (`schemas/providers/<provider>/<endpoint>.json`) and built into herald. The sandbox
//! refuses requests that break them, and the golden tests check every request herald builds
//! against them, so herald's mappings and its imitation of each API answer to the docs, not to
//! each other.

use super::ProviderKind;
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
    /// JSON pointer to the offending value (empty for the body itself).
    pub pointer: String,
    /// What is wrong, in the validator's words (`"text" is a required property`).
    pub message: String,
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
    pub fn violations(&self, body: &Value) -> Vec<Violation> {
        let mut found: Vec<Violation> = Vec::new();
        for e in self.validator.iter_errors(body) {
            let v = Violation { pointer: e.instance_path().as_str().to_string(), message: e.to_string() };
            if !found.contains(&v) {
                found.push(v);
            }
        }
        found
    }
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
    use std::collections::BTreeSet;

    #[test]
    fn every_contract_file_is_shipped_and_names_its_endpoint() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/providers");
        for kind in ProviderKind::ALL {
            let files: BTreeSet<String> = std::fs::read_dir(root.join(kind.as_str()))
                .unwrap_or_else(|e| panic!("{kind}: {e}"))
                .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
                .collect();
            let shipped: BTreeSet<String> = kind.provider().info().contracts.iter().map(|t| t.to_string()).collect();
            assert_eq!(files, shipped, "{kind}: schemas/providers/{kind}/ and the contracts built in differ");
            for contract in of(kind) {
                assert_eq!(contract.method, "POST", "{}", contract.title);
                assert!(contract.path.starts_with('/'), "{}: path {:?}", contract.title, contract.path);
                assert!(!contract.title.is_empty(), "schemas/providers/{kind}: a contract without a title");
            }
        }
    }

    #[test]
    fn paths_match_one_account_segment() {
        let evolution = find(ProviderKind::Evolution, "POST", "/message/sendText/shop").unwrap();
        assert_eq!((evolution.0.path.as_str(), evolution.1), ("/message/sendText/{account}", "shop"));
        assert!(find(ProviderKind::Evolution, "POST", "/message/sendText/").is_none());
        assert!(find(ProviderKind::Evolution, "POST", "/message/sendText/a/b").is_none());
        assert!(find(ProviderKind::Evolution, "GET", "/message/sendText/shop").is_none());
        assert_eq!(find(ProviderKind::Flowiq, "POST", "/send-whatsapp?tenantId=acme").unwrap().1, "acme");
        assert_eq!(find(ProviderKind::Communiktor, "POST", "/messages/text").unwrap().1, "");
        assert!(find(ProviderKind::Communiktor, "POST", "/messages/sticker").is_none());
    }

    #[test]
    fn violations_point_at_the_field() {
        let (text, _) = find(ProviderKind::Communiktor, "POST", "/messages/text").unwrap();
        assert_eq!(
            text.violations(&serde_json::json!({"instance": "i", "receiver": "254712345678", "text": "hi"})),
            []
        );
        let v = text.violations(&serde_json::json!({"instance": "i", "receiver": 254712345678_u64, "text": "hi"}));
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].pointer, "/receiver");
    }
}
