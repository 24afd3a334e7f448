//! The campaign's connection to its provider, checked before anything is sent: the token's
//! variable (set, shaped as the provider's keys are, never a pasted secret) and a `base_url`
//! that carries the key encrypted.

use super::checks::Context;
use crate::campaign::schema::hide_source;
use crate::campaign::source::Part;
use crate::diagnostic::{Diagnostics, Severity};
use crate::providers::ProviderKind;

/// Checks the token variable `name`, written at `pointer` (a `token_env`): a name, not a pasted
/// secret; set when sending needs it; shaped as the provider's keys are.
pub fn check_token(name: &str, pointer: &str, kind: ProviderKind, ctx: &Context, diags: &mut Diagnostics) {
    if literal_secret(name, pointer, ctx, diags) || ctx.options.token == super::TokenCheck::Skip {
        return;
    }
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => {
            let info = kind.provider().info();
            if let Some(shape) = info.token.filter(|t| t.enforced && !v.starts_with(t.prefix)) {
                let (provider, prefix) = (info.name, shape.prefix);
                diags.push(
                    ctx.at(
                        Severity::Error,
                        pointer,
                        Part::Value,
                        format!("the key in `{name}` does not start with `{prefix}`"),
                    )
                    .help(format!(
                        "{provider} accepts only API keys with the `{prefix}` prefix; copy the key from {provider}'s API settings"
                    )),
                );
            }
        }
        _ => {
            let severity =
                if ctx.options.token == super::TokenCheck::Require { Severity::Error } else { Severity::Warning };
            diags.push(
                ctx.at(severity, pointer, Part::Value, format!("environment variable `{name}` is not set"))
                    .help(format!("set it before sending: `export {name}=…` (or use `herald send --sandbox`)")),
            );
        }
    }
}

/// The campaign's `base_url` must carry the API key encrypted: `https://`, or `http://` to this
/// machine only, unless the campaign says `allow_insecure: true` (then it is a warning). The
/// sandbox's own address is not checked: a rehearsal meets the campaign's errors as a send would.
pub fn check_base_url(url: &str, allow_insecure: bool, ctx: &Context, diags: &mut Diagnostics) {
    if url_secret(url, ctx, diags) {
        return;
    }
    let at = |severity, message: String| ctx.at(severity, "/provider/base_url", Part::Value, message);
    let parsed = match url::Url::parse(url) {
        Ok(parsed) => parsed,
        Err(e) => {
            diags.push(at(Severity::Error, format!("`base_url` is not a valid URL: {e}")));
            return;
        }
    };
    if parsed.scheme() != "http" || is_loopback(&parsed) {
        if allow_insecure {
            diags.push(
                ctx.at(
                    Severity::Warning,
                    "/provider/allow_insecure",
                    Part::Value,
                    "`allow_insecure` has no effect here",
                )
                .help("it only accepts plain http:// to another host; this base_url does not need it, so drop it"),
            );
        }
        return;
    }
    let unencrypted =
        "`base_url` uses http:// to a host other than this machine, so the API key would cross the network unencrypted";
    if allow_insecure {
        diags.push(
            at(Severity::Warning, format!("{unencrypted} (allowed by `provider.allow_insecure`)"))
                .help("use https:// and drop `allow_insecure` as soon as the server offers it"),
        );
    } else {
        diags.push(at(Severity::Error, unencrypted.into()).help(
            "use https://; plain http:// is for this machine only (localhost, 127.0.0.0/8, ::1), or set `provider.allow_insecure: true` to accept the risk",
        ));
    }
}

/// Whether `url` points at this machine: `localhost`, 127.0.0.0/8 or ::1.
fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Reports a token pasted where its variable's name belongs (the `token_env` at `pointer`),
/// without echoing it.
pub fn literal_secret(name: &str, pointer: &str, ctx: &Context, diags: &mut Diagnostics) -> bool {
    let found = crate::secret::looks_like_secret(name);
    if found {
        diags.push(hide_source(
            ctx.at(Severity::Error, pointer, Part::Value, "`token_env` looks like a secret, not the name of an environment variable")
                .help("never write the secret in the campaign file: store it in an environment variable (e.g. `export WA_TOKEN=…`) and write its name here: `token_env: WA_TOKEN`"),
        ));
    }
    found
}

/// Reports a `base_url` holding what must not be in a campaign file or in the URLs herald
/// prints (previews, logs, reports), without echoing it: a user name or password
/// (`https://user:pass@host`), or a query or fragment (`?key=…`; herald appends the endpoint's
/// path to `base_url`, which would land after it anyway).
pub fn url_secret(url: &str, ctx: &Context, diags: &mut Diagnostics) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let (message, help) = if authority.contains('@') {
        (
            "`base_url` holds a user name or password",
            "remove `user:password@`: herald authenticates with the key in the variable named by `token_env`",
        )
    } else if rest.contains(['?', '#']) {
        (
            "`base_url` holds a query string or fragment",
            "remove `?…`: herald appends each endpoint's path to `base_url`, and keys go in the variable named by `token_env`",
        )
    } else {
        return false;
    };
    let d = ctx.at(Severity::Error, "/provider/base_url", Part::Value, message);
    diags.push(hide_source(d).label("secrets do not belong in campaign files").help(help));
    true
}
