//! Reading the account, read-only, with the campaign's own token: every page of its templates
//! and the sender's state, through the provider's [`AccountReader`]. `herald templates` and the
//! pre-flight share these reads.

use crate::error::Error;
use crate::plan::Plan;
use crate::providers::account::{AccountError, AccountReader, SenderInfo, Template};
use crate::providers::{ProviderError, Response};
use crate::request::HttpRequest;
use crate::secret::Secret;
use std::time::Duration;

/// A read's timeout.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Pages followed at most: far beyond any account (Meta allows a few thousand templates), so
/// an answer naming its own page as the next cannot loop.
const MAX_PAGES: usize = 1_000;

/// The account's templates, as read.
pub(crate) struct Account {
    /// Every template, in the provider's order.
    pub templates: Vec<Template>,
    /// Why the list may be incomplete, when the provider says so.
    pub partial: Option<&'static str>,
}

/// Every page of the account's templates, read with the first sender's settings.
pub(crate) async fn templates(
    plan: &Plan,
    reader: &dyn AccountReader,
    token: &Secret,
    name: &'static str,
) -> Result<Account, Error> {
    let client = crate::run::client(TIMEOUT, 1)?;
    let settings = plan.settings_of(0);
    let mut account = Account { templates: Vec::new(), partial: None };
    let mut after: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let request = reader.templates_request(settings, plan.waba_id.as_deref(), after.as_deref())?;
        let (status, retry_after, body) = get(&client, &request, token, name).await?;
        let page = reader.read_templates(&Response { status, retry_after, body: &body, recipients: 1 })?;
        account.templates.extend(page.templates);
        account.partial = page.partial;
        match page.next {
            Some(next) if after.as_deref() != Some(next.as_str()) => after = Some(next),
            _ => break,
        }
    }
    Ok(account)
}

/// The first sender's state, when the provider documents a way to ask; asked again as the
/// provider says when it refuses the first read (a Graph API that does not know a field).
pub(crate) async fn sender(
    plan: &Plan,
    reader: &dyn AccountReader,
    token: &Secret,
    name: &'static str,
) -> Result<Option<SenderInfo>, Error> {
    let settings = plan.settings_of(0);
    let Some(request) = reader.sender_request(settings) else { return Ok(None) };
    let client = crate::run::client(TIMEOUT, 1)?;
    let (status, retry_after, body) = get(&client, &request, token, name).await?;
    let refused = match reader.read_sender(&Response { status, retry_after, body: &body, recipients: 1 }) {
        Ok(info) => return Ok(Some(info)),
        Err(e) => e,
    };
    let Some(again) = reader.sender_retry(settings, &refused) else { return Err(refused.into()) };
    let (status, retry_after, body) = get(&client, &again, token, name).await?;
    Ok(Some(reader.read_sender(&Response { status, retry_after, body: &body, recipients: 1 })?))
}

/// One read, its failure on the way in the provider's vocabulary.
async fn get(
    client: &reqwest::Client,
    request: &HttpRequest,
    token: &Secret,
    name: &'static str,
) -> Result<(u16, Option<Duration>, Vec<u8>), AccountError> {
    crate::run::http::exchange(client, request, token)
        .await
        .map_err(|e| AccountError::Failed { provider: name, error: ProviderError::new(None, unreachable(&e)) })
}

/// What went wrong on the way to the provider, with its causes.
fn unreachable(e: &reqwest::Error) -> String {
    let mut words = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        words = format!("{words}: {s}");
        source = s.source();
    }
    format!("{words}; check `provider.base_url` and the network")
}
