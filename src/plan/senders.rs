//! The accounts a campaign sends from. `provider.senders:` lists several accounts of its one
//! provider (Cloud API phone number ids, Evolution or Communiktor instances, …), each with its
//! own token variable, rate and daily cap, falling back to `provider.token_env` and
//! `delivery:`; a campaign naming one account (`provider.<account key>`) has one sender made of
//! those. Each recipient goes from one of them ([`super::pinning`]).

use super::checks::Context;
use crate::campaign::model::CampaignDoc;
use crate::campaign::source::Part;
use crate::delivery::{Delivery, parse_rate};
use crate::diagnostic::{Diagnostics, Severity};
use std::collections::HashMap;

/// One account the campaign sends from.
#[derive(Debug, Clone, PartialEq)]
pub struct Sender {
    /// The account (phone number id, instance, …): what reports and the journal name it by.
    pub account: String,
    /// The environment variable holding its token.
    pub token_env: String,
    /// Its requests per second.
    pub rate_per_sec: f64,
    /// At most this many of its messages in any 24 hours.
    pub daily_cap: Option<usize>,
    /// Where the campaign file names it (`/provider` or `/provider/senders/N`), for messages.
    pub pointer: String,
}

impl AsRef<str> for Sender {
    fn as_ref(&self) -> &str {
        &self.account
    }
}

/// The campaign's senders, checked: each names an account of the provider, no account twice,
/// and a token variable of its own or the provider's. Reports every problem at its place in the
/// file; the senders it could read are returned all the same.
pub(super) fn check(c: &CampaignDoc, delivery: &Delivery, ctx: &Context, diags: &mut Diagnostics) -> Vec<Sender> {
    let kind = c.provider.kind;
    let key = kind.provider().account_key();
    let Some(listed) = &c.provider.senders else {
        let account = c.provider.accounts.get(key).map_or("", String::as_str);
        if account.trim().is_empty() {
            let message = format!("`provider.{key}` is empty");
            diags.push(ctx.at(Severity::Error, &format!("/provider/{key}"), Part::Value, message));
        }
        let token_env = c.provider.token_env.clone().unwrap_or_default();
        super::connection::check_token(&token_env, "/provider/token_env", kind, ctx, diags);
        return vec![Sender {
            account: account.to_string(),
            token_env,
            rate_per_sec: delivery.rate_per_sec,
            daily_cap: delivery.daily_cap,
            pointer: "/provider".into(),
        }];
    };
    if c.provider.accounts.contains_key(key) {
        diags.push(
            ctx.at(
                Severity::Error,
                &format!("/provider/{key}"),
                Part::Key,
                format!("`provider.{key}` and `provider.senders` both name accounts"),
            )
            .label("one account too many")
            .help(format!("move it into the list: `senders: [{{{key}: …}}, …]`, or drop `senders`")),
        );
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut checked_tokens: Vec<String> = Vec::new();
    let mut senders = Vec::with_capacity(listed.len());
    for (i, s) in listed.iter().enumerate() {
        let at = format!("/provider/senders/{i}");
        for other in s.accounts.keys().filter(|k| *k != key) {
            diags.push(
                ctx.at(
                    Severity::Error,
                    &format!("{at}/{other}"),
                    Part::Key,
                    format!("`{other}` is not a setting of provider `{kind}`"),
                )
                .label("not used by this provider")
                .help(format!("{kind} sends from the account named by `{key}`")),
            );
        }
        let account = s.accounts.get(key).map_or("", |a| a.trim());
        if account.is_empty() {
            diags.push(
                ctx.at(Severity::Error, &at, Part::Key, format!("sender {} names no `{key}`", i + 1))
                    .help(format!("write the account it sends from: `- {key}: …`")),
            );
        } else if let Some(first) = seen.insert(account, i) {
            diags.push(
                ctx.at(
                    Severity::Error,
                    &format!("{at}/{key}"),
                    Part::Value,
                    format!("sender `{account}` is listed twice"),
                )
                .label(format!("also sender {}", first + 1))
                .help("each account is listed once; remove one of them"),
            );
        }
        let (token_env, token_at) = match (&s.token_env, &c.provider.token_env) {
            (Some(own), _) => (own.clone(), format!("{at}/token_env")),
            (None, Some(shared)) => (shared.clone(), "/provider/token_env".to_string()),
            (None, None) => {
                diags.push(
                    ctx.at(Severity::Error, &at, Part::Key, format!("sender `{account}` has no token variable"))
                        .help("add `token_env: NAME` to the sender, or to `provider` for every sender"),
                );
                (String::new(), at.clone())
            }
        };
        // Each variable once, at the first place that names it.
        if !token_env.is_empty() && !checked_tokens.contains(&token_env) {
            super::connection::check_token(&token_env, &token_at, kind, ctx, diags);
            checked_tokens.push(token_env.clone());
        }
        let rate_per_sec = match &s.rate {
            None => delivery.rate_per_sec,
            Some(v) => match parse_rate(v).filter(|r| (1.0 / 86_400.0..=1_000_000.0).contains(r)) {
                Some(rate) => rate,
                None => {
                    diags.push(
                        ctx.at(
                            Severity::Error,
                            &format!("{at}/rate"),
                            Part::Value,
                            "`rate` is not a rate such as `20/s`",
                        )
                        .help("write messages per second, or `N/s`, `N/m`, `N/h`, between one a day and 1,000,000/s"),
                    );
                    delivery.rate_per_sec
                }
            },
        };
        senders.push(Sender {
            account: account.to_string(),
            token_env,
            rate_per_sec,
            daily_cap: s.daily_cap.or(delivery.daily_cap),
            pointer: at,
        });
    }
    senders
}
