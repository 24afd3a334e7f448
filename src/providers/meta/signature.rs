//! Proof that a webhook comes from Meta. Every POST carries `X-Hub-Signature-256:
//! sha256=<hex>`, the HMAC-SHA256 of the raw request body keyed with the app's App Secret; it
//! is checked on the bytes as received (never on re-serialised JSON), in constant time. Before
//! posting, Meta checks the receiver with a GET: `hub.mode=subscribe`, `hub.verify_token` (a
//! second secret, chosen when the callback URL is set) and `hub.challenge`, which the receiver
//! echoes when the token matches.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Why a post's signature is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `X-Hub-Signature-256` header.
    #[error("no X-Hub-Signature-256 header")]
    Missing,
    /// A header that is not `sha256=` and 64 hex digits.
    #[error("an X-Hub-Signature-256 header that is not `sha256=<hex>`")]
    Malformed,
    /// A signature the App Secret did not make.
    #[error("an X-Hub-Signature-256 the App Secret did not make")]
    Mismatch,
}

/// Checks `header` (the `X-Hub-Signature-256` value, if any) against `body` and `app_secret`.
pub fn verify(app_secret: &[u8], body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let hex = header.trim().strip_prefix("sha256=").ok_or(SignatureError::Malformed)?;
    let given = crate::hex::decode(hex).filter(|b| b.len() == 32).ok_or(SignatureError::Malformed)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret).map_err(|_| SignatureError::Mismatch)?;
    mac.update(body);
    mac.verify_slice(&given).map_err(|_| SignatureError::Mismatch)
}

/// The `X-Hub-Signature-256` value Meta would send for `body` (for the sandbox and tests).
pub fn sign(app_secret: &[u8], body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(app_secret) else { return String::new() };
    mac.update(body);
    format!("sha256={}", crate::hex::encode(&mac.finalize().into_bytes()))
}

/// The answer to Meta's GET handshake: the challenge to echo when the query's mode is
/// `subscribe` and its verify token is `verify_token` (compared in constant time); `None`
/// otherwise. `query` is the URL's query string, still percent-encoded.
pub fn handshake(query: &str, verify_token: &str) -> Option<String> {
    let (mut mode, mut token, mut challenge) = (None, None, None);
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "hub.mode" => mode = Some(value.into_owned()),
            "hub.verify_token" => token = Some(value.into_owned()),
            "hub.challenge" => challenge = Some(value.into_owned()),
            _ => {}
        }
    }
    let same = token.is_some_and(|t| self::same(t.as_bytes(), verify_token.as_bytes()));
    (mode.as_deref() == Some("subscribe") && same).then_some(challenge?)
}

/// Whether `a` and `b` are equal, for secrets: their SHA-256 digests are compared in constant
/// time, so neither the position of a difference nor the secret's length shows in the timing.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    use sha2::Digest;
    use subtle::ConstantTimeEq;
    Sha256::digest(a).as_slice().ct_eq(Sha256::digest(b).as_slice()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4231 test case 2: HMAC-SHA256 with key "Jefe".
    const RFC_4231: &str = "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

    #[test]
    fn a_signature_is_the_hmac_sha256_of_the_raw_body_with_the_app_secret() {
        let body = b"what do ya want for nothing?";
        assert_eq!(sign(b"Jefe", body), RFC_4231);
        assert_eq!(verify(b"Jefe", body, Some(RFC_4231)), Ok(()));
        assert_eq!(verify(b"Jefe", body, Some(&RFC_4231.to_uppercase().replace("SHA256=", "sha256="))), Ok(()));
    }

    #[test]
    fn a_post_without_the_right_signature_is_refused() {
        let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        let good = sign(b"app-secret", body);
        assert_eq!(verify(b"app-secret", body, None), Err(SignatureError::Missing));
        assert_eq!(verify(b"app-secret", body, Some("sha1=abc")), Err(SignatureError::Malformed));
        assert_eq!(verify(b"app-secret", body, Some("sha256=abcd")), Err(SignatureError::Malformed));
        assert_eq!(verify(b"another-secret", body, Some(&good)), Err(SignatureError::Mismatch));
        // The same JSON with a space more: signed bytes, not meaning.
        let reserialised = br#"{"object": "whatsapp_business_account","entry":[]}"#;
        assert_eq!(verify(b"app-secret", reserialised, Some(&good)), Err(SignatureError::Mismatch));
    }

    #[test]
    fn the_handshake_echoes_the_challenge_only_for_the_verify_token() {
        let q = "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=s%C3%A9cret";
        assert_eq!(handshake(q, "sécret").as_deref(), Some("1158201444"));
        assert_eq!(handshake(q, "secret"), None);
        assert_eq!(handshake("hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=t", "t"), None);
        assert_eq!(handshake("hub.mode=subscribe&hub.verify_token=t", "t"), None);
    }
}
