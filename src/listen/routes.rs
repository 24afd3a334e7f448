//! The listener's paths: `/healthz`, `/metrics`, and `/webhooks/<provider>` with, optionally, a
//! secret segment after it (`/webhooks/flowiq/<secret>`).

use crate::providers::ProviderKind;

/// What a path asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route<'a> {
    /// `GET /healthz`.
    Health,
    /// `GET /metrics`.
    Metrics,
    /// A provider's webhook, with the secret segment if the path has one.
    Webhook(ProviderKind, Option<&'a str>),
    /// Anything else, or a provider herald does not know.
    Unknown,
}

/// The route of `path`.
pub fn route(path: &str) -> Route<'_> {
    match path.trim_end_matches('/') {
        "/healthz" => return Route::Health,
        "/metrics" => return Route::Metrics,
        _ => {}
    }
    let Some(rest) = path.strip_prefix("/webhooks/") else { return Route::Unknown };
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let (id, secret) = match segments[..] {
        [id] => (id, None),
        [id, secret] if !secret.is_empty() => (id, Some(secret)),
        _ => return Route::Unknown,
    };
    match ProviderKind::ALL.iter().find(|k| k.provider().info().id == id) {
        Some(kind) => Route::Webhook(*kind, secret),
        None => Route::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_a_provider_and_maybe_a_secret() {
        assert_eq!(route("/healthz"), Route::Health);
        assert_eq!(route("/metrics/"), Route::Metrics);
        let Route::Webhook(kind, None) = route("/webhooks/cloud_api") else { panic!() };
        assert_eq!(kind.provider().info().id, "cloud_api");
        let Route::Webhook(kind, Some("s3cret")) = route("/webhooks/flowiq/s3cret") else { panic!() };
        assert_eq!(kind.provider().info().id, "flowiq");
        assert_eq!(route("/webhooks/nobody"), Route::Unknown);
        assert_eq!(route("/webhooks/flowiq/a/b"), Route::Unknown);
        assert_eq!(route("/"), Route::Unknown);
    }
}
