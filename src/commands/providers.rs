//! `herald providers`: the provider × message-type support matrix (with each interactive kind,
//! uploaded media, replies, groups and tags), and each provider's auth header, default base URL
//! and account key.

use crate::exit;
use crate::message::{InteractiveKind, MessageType};
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
                    "groups": p.supports_groups(),
                    "contact_ids": p.supports_contact_ids(),
                    "reply_to": p.info().replies,
                    "uploaded_media": p.info().uploaded_media,
                    "message_types": MessageType::ALL.iter().filter(|t| p.supports(**t)).map(|t| t.as_str()).collect::<Vec<_>>(),
                    "interactive": p.info().interactive.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
                })
            })
            .collect();
        serde_json::to_string_pretty(&all).unwrap_or_default() + "\n"
    } else {
        table()
    };
    super::print(&text).map_or_else(|e| out.error(&e), |()| exit::OK)
}

/// What a provider can do beyond message types, as the matrix's rows after them: each
/// interactive kind, and the ways of addressing and sending.
fn features(k: ProviderKind) -> Vec<(String, bool)> {
    let p = k.provider();
    let info = p.info();
    let mut rows: Vec<(String, bool)> = InteractiveKind::ALL
        .iter()
        .map(|kind| (format!("  {}", kind.as_str()), info.interactive.contains(kind)))
        .collect();
    rows.push(("media id".into(), info.uploaded_media));
    rows.push(("reply_to".into(), info.replies));
    rows.push(("groups".into(), p.supports_groups()));
    rows.push(("contact ids".into(), p.supports_contact_ids()));
    rows.push(("tags".into(), p.supports_tags()));
    rows
}

/// The support matrix as text.
pub fn table() -> String {
    let width = 15;
    let mut s = format!("{:<width$}", "");
    for k in ProviderKind::ALL {
        s.push_str(&format!("{:<width$}", k.as_str()));
    }
    s.push('\n');
    let yes = |b: bool| if b { "yes" } else { "-" };
    for t in MessageType::ALL {
        s.push_str(&format!("{:<width$}", t.as_str()));
        for k in ProviderKind::ALL {
            s.push_str(&format!("{:<width$}", yes(k.provider().supports(t))));
        }
        s.push('\n');
        if t == MessageType::Interactive {
            push_feature_rows(&mut s, width, |row| row.starts_with("  "));
        }
    }
    push_feature_rows(&mut s, width, |row| !row.starts_with("  "));
    s.push('\n');
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

/// Appends the feature rows `wanted` picks, one column per provider.
fn push_feature_rows(s: &mut String, width: usize, wanted: impl Fn(&str) -> bool) {
    let all: Vec<Vec<(String, bool)>> = ProviderKind::ALL.iter().map(|k| features(*k)).collect();
    for (i, (name, _)) in all[0].iter().enumerate().filter(|(_, (name, _))| wanted(name)) {
        s.push_str(&format!("{name:<width$}"));
        for provider in &all {
            s.push_str(&format!("{:<width$}", if provider[i].1 { "yes" } else { "-" }));
        }
        s.push('\n');
    }
}
