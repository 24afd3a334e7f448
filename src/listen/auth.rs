//! Who may post: Meta's posts carry `X-Hub-Signature-256` made with the App Secret, and its
//! handshake the verify token; every other provider's post carries herald's shared secret,
//! either as the last path segment (`/webhooks/flowiq/<secret>`, for providers that only take a
//! URL) or in the `X-Herald-Secret` header (for those that let you set headers, as Evolution
//! does). Secrets are compared in constant time and never printed.

use crate::providers::{Signing, signature};
use crate::secret::Secret;

/// The header carrying the shared secret.
pub const SECRET_HEADER: &str = "x-herald-secret";

/// The header carrying Meta's signature of a post.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";

/// The environment variable holding Meta's App Secret.
pub const APP_SECRET_ENV: &str = "HERALD_CLOUD_API_APP_SECRET";

/// The environment variable holding the secret the other providers send.
pub const SHARED_SECRET_ENV: &str = "HERALD_WEBHOOK_SECRET";

/// The secrets a listener checks posts with; a provider whose secret is missing has no route.
#[derive(Debug, Default)]
pub struct Keys {
    /// Meta's App Secret (`HERALD_CLOUD_API_APP_SECRET`): the key of its post signatures.
    pub meta_app_secret: Option<Secret>,
    /// The verify token given to Meta with the callback URL (`HERALD_CLOUD_API_VERIFY_TOKEN`).
    pub meta_verify_token: Option<Secret>,
    /// The secret the other providers are configured to send (`HERALD_WEBHOOK_SECRET`).
    pub shared: Option<Secret>,
}

/// Why a post is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The provider's secret is not configured here: the route is off.
    Off,
    /// The post does not prove it comes from the provider.
    Unauthenticated(&'static str),
}

impl Refusal {
    /// The reason's name in metrics.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::Off => "not_configured",
            Refusal::Unauthenticated(why) => why,
        }
    }
}

impl Keys {
    /// The secrets in herald's environment variables (`HERALD_CLOUD_API_APP_SECRET`,
    /// `HERALD_CLOUD_API_VERIFY_TOKEN`, `HERALD_WEBHOOK_SECRET`).
    pub fn from_env() -> Keys {
        Keys {
            meta_app_secret: Secret::from_env(APP_SECRET_ENV),
            meta_verify_token: Secret::from_env("HERALD_CLOUD_API_VERIFY_TOKEN"),
            shared: Secret::from_env(SHARED_SECRET_ENV),
        }
    }

    /// Whether a provider signing this way has what its posts are checked with.
    pub fn configured(&self, signing: Signing) -> bool {
        match signing {
            Signing::Meta => self.meta_app_secret.is_some() && self.meta_verify_token.is_some(),
            Signing::SharedSecret => self.shared.is_some(),
        }
    }

    /// Checks a post: its body, its signature header (Meta), or the secret in its path or
    /// [`SECRET_HEADER`].
    pub fn check(
        &self,
        signing: Signing,
        body: &[u8],
        signature_header: Option<&str>,
        path_secret: Option<&str>,
        secret_header: Option<&str>,
    ) -> Result<(), Refusal> {
        match signing {
            Signing::Meta => {
                let key = self.meta_app_secret.as_ref().ok_or(Refusal::Off)?;
                signature::verify(key.expose().as_bytes(), body, signature_header).map_err(|e| {
                    Refusal::Unauthenticated(match e {
                        signature::SignatureError::Missing => "no_signature",
                        signature::SignatureError::Malformed => "malformed_signature",
                        signature::SignatureError::Mismatch => "bad_signature",
                    })
                })
            }
            Signing::SharedSecret => {
                let key = self.shared.as_ref().ok_or(Refusal::Off)?;
                let given = path_secret.or(secret_header).ok_or(Refusal::Unauthenticated("no_secret"))?;
                if signature::same(given.as_bytes(), key.expose().as_bytes()) {
                    Ok(())
                } else {
                    Err(Refusal::Unauthenticated("bad_secret"))
                }
            }
        }
    }

    /// The challenge to echo for Meta's GET handshake, when its query holds the verify token.
    pub fn handshake(&self, query: &str) -> Result<String, Refusal> {
        let token = self.meta_verify_token.as_ref().ok_or(Refusal::Off)?;
        signature::handshake(query, token.expose()).ok_or(Refusal::Unauthenticated("bad_verify_token"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys {
            meta_app_secret: Some(Secret::new("app-secret")),
            meta_verify_token: Some(Secret::new("verify")),
            shared: Some(Secret::new("s3cret")),
        }
    }

    #[test]
    fn meta_posts_need_the_signature_and_others_the_shared_secret() {
        let k = keys();
        let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        let signed = signature::sign(b"app-secret", body);
        assert_eq!(k.check(Signing::Meta, body, Some(&signed), None, None), Ok(()));
        assert_eq!(
            k.check(Signing::Meta, body, None, Some("s3cret"), None),
            Err(Refusal::Unauthenticated("no_signature"))
        );
        assert_eq!(k.check(Signing::SharedSecret, body, None, Some("s3cret"), None), Ok(()));
        assert_eq!(k.check(Signing::SharedSecret, body, None, None, Some("s3cret")), Ok(()));
        assert_eq!(
            k.check(Signing::SharedSecret, body, Some(&signed), None, Some("s3cre")),
            Err(Refusal::Unauthenticated("bad_secret"))
        );
        assert_eq!(k.check(Signing::SharedSecret, body, None, None, None), Err(Refusal::Unauthenticated("no_secret")));
        assert_eq!(Keys::default().check(Signing::SharedSecret, body, None, Some("x"), None), Err(Refusal::Off));
        assert!(!Keys::default().configured(Signing::Meta) && k.configured(Signing::Meta));
    }

    #[test]
    fn the_handshake_needs_the_verify_token() {
        let k = keys();
        assert_eq!(k.handshake("hub.mode=subscribe&hub.verify_token=verify&hub.challenge=42").as_deref(), Ok("42"));
        assert!(k.handshake("hub.mode=subscribe&hub.verify_token=app-secret&hub.challenge=42").is_err());
    }
}
