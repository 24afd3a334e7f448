//! Secrets: read from the environment, printed only as `***`, and recognised when someone
//! pastes one into a campaign file by mistake.

use crate::providers::ProviderKind;
use std::fmt;

/// An API key or access token. Its `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Reads the secret from environment variable `name`; `None` when unset or blank.
    pub fn from_env(name: &str) -> Option<Secret> {
        std::env::var(name).ok().filter(|v| !v.trim().is_empty()).map(|v| Secret(v.trim().to_string()))
    }

    /// Wraps a value (tests and the sandbox).
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// 256 unpredictable bits as hex, for a secret that never leaves this process (the
    /// sandbox's receipts to `send --sandbox`'s own receiver): SipHash under the standard
    /// library's randomly keyed `RandomState`.
    pub fn random() -> Secret {
        use std::hash::BuildHasher;
        let state = std::collections::hash_map::RandomState::new();
        Secret((0..4u8).map(|i| format!("{:016x}", state.hash_one(i))).collect())
    }

    /// The secret itself, for the one place that puts it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(crate::request::REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(crate::request::REDACTED)
    }
}

/// The tokens a run sends with: one per sender of the campaign, in
/// [`crate::plan::Plan::senders`]' order, or one for them all (the sandbox, tests).
#[derive(Debug, Clone)]
pub struct Tokens(Vec<Secret>);

impl Tokens {
    /// One token per sender, in the plan's order.
    pub fn per_sender(tokens: Vec<Secret>) -> Tokens {
        Tokens(tokens)
    }

    /// The token of the sender at `index`; the last one given past the end (one for all).
    pub fn of(&self, index: usize) -> &Secret {
        static NONE: std::sync::LazyLock<Secret> = std::sync::LazyLock::new(|| Secret::new(""));
        self.0.get(index).or(self.0.last()).unwrap_or(&NONE)
    }
}

/// The same token for every sender.
impl From<Secret> for Tokens {
    fn from(secret: Secret) -> Tokens {
        Tokens(vec![secret])
    }
}

/// Whether a `token_env` value is more likely a pasted token than a variable name.
pub fn looks_like_secret(value: &str) -> bool {
    let has_lower = value.chars().any(|c| c.is_ascii_lowercase());
    let has_digit = value.chars().any(|c| c.is_ascii_digit());
    let not_a_name = value.chars().any(|c| !(c.is_ascii_alphanumeric() || c == '_'));
    let has_upper = value.chars().any(|c| c.is_ascii_uppercase());
    let underscores = value.contains('_');
    let provider_key =
        ProviderKind::ALL.iter().filter_map(|k| k.provider().info().token).any(|t| value.starts_with(t.prefix));
    provider_key
        || value.len() > 40
        || (value.len() >= 24 && has_lower && has_digit)
        || (not_a_name && value.len() >= 16)
        // Variable names separate words with `_`; API keys (hex, base62) are one long run.
        || (value.len() >= 16 && !underscores && has_digit && (has_upper || has_lower))
        || (value.len() >= 12 && has_lower && has_digit && !underscores)
}

/// Whether a key name is one people use for secrets.
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["token", "api_key", "apikey", "key", "secret", "password", "bearer", "access_token", "authorization"]
        .contains(&k.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_itself() {
        let s = Secret::new("EAAG-real-token");
        assert_eq!(format!("{s} {s:?}"), "*** ***");
        assert_eq!(s.expose(), "EAAG-real-token");
    }

    #[test]
    fn tells_names_from_tokens() {
        for name in
            ["WA_TOKEN", "FLOWIQ_API_KEY", "token", "EVOLUTION_KEY_PROD", "WA_TOKEN_2", "TOKEN2", "HERALD_CI_TOKEN_V2"]
        {
            assert!(!looks_like_secret(name), "{name}");
        }
        for token in [
            "fiq_abc123",
            "EAAGm0PX4ZCpsBAKZBZA",
            "sk-live-0123456789abcdef",
            "a1b2c3d4e5f6g7h8i9j0k1l2m3",
            "B429683C4C977415CAAFCCE10F7D57E1",
            "k3y9x7abc123",
        ] {
            assert!(looks_like_secret(token), "{token}");
        }
        assert!(is_secret_key("API_KEY") && !is_secret_key("token_env"));
    }
}
