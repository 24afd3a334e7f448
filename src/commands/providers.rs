//! `herald providers`: the provider × message-type support matrix, with each provider's auth
//! header, default base URL and account key.

use crate::exit;
use crate::message::MessageType;
use crate::providers::ProviderKind;
use serde_json::json;

/// Prints the matrix as a table or as JSON.
pub fn run(json: bool, out: &super::Output) -> u8 {
    let text = if json {
        let all: Vec<_> = ProviderKind::ALL
            .iter()
            .map(|k| {
                let p = k.provider();
                let auth = p.auth();
                json!({
                    "kind": k.as_str(),
                    "account_key": p.account_key(),
                    "default_base_url": p.default_base_url(),
                    "auth_header": auth.header,
                    "auth_prefix": auth.prefix,
                    "provider_tags": p.supports_tags(),
                    "message_types": MessageType::ALL.iter().filter(|t| p.supports(**t)).map(|t| t.as_str()).collect::<Vec<_>>(),
                })
            })
            .collect();
        serde_json::to_string_pretty(&all).unwrap_or_default() + "\n"
    } else {
        table()
    };
    super::print(&text).map_or_else(|e| out.error(&e), |()| exit::OK)
}

/// The support matrix as text.
pub fn table() -> String {
    let width = 12;
    let mut s = format!("{:<width$}", "");
    for k in ProviderKind::ALL {
        s.push_str(&format!("{:<width$}", k.as_str()));
    }
    s.push('\n');
    for t in MessageType::ALL {
        s.push_str(&format!("{:<width$}", t.as_str()));
        for k in ProviderKind::ALL {
            s.push_str(&format!("{:<width$}", if k.provider().supports(t) { "yes" } else { "-" }));
        }
        s.push('\n');
    }
    s.push_str(&format!("{:<width$}", "tags"));
    for k in ProviderKind::ALL {
        s.push_str(&format!("{:<width$}", if k.provider().supports_tags() { "yes" } else { "-" }));
    }
    s.push_str("\n\n");
    for k in ProviderKind::ALL {
        let p = k.provider();
        let auth = p.auth();
        s.push_str(&format!(
            "{:<width$}{}: {}<token>   account: {}   base_url: {}\n",
            k.as_str(),
            auth.header,
            auth.prefix,
            p.account_key(),
            p.default_base_url().unwrap_or("(self-hosted: set base_url)"),
        ));
    }
    s.lines().map(str::trim_end).collect::<Vec<_>>().join("\n").trim_end().to_string() + "\n"
}
