//! The dummy provider, registered by one line, goes through the whole pipeline: the campaign
//! schema knows its kind and account key, validation plans it, and a send session reaches its
//! imitation in the sandbox.

use crate::plan::{self, Endpoint, TokenCheck};
use crate::providers::testing::kind;
use crate::run::http::Http;
use crate::sandbox::{Config, Sandbox};
use crate::session::{self, Deps, Options};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// A dummy text campaign to two numbers, with `provider_extra` under `provider:`.
fn campaign(dir: &Path, provider_extra: &str) -> std::path::PathBuf {
    let path = dir.join("dummy.yaml");
    let yaml = format!(
        "version: 1\nid: dummy-test\nprovider:\n  kind: dummy\n  token_env: DUMMY_KEY\n{provider_extra}\
         recipients:\n  list: [\"+254712345678\", \"+254712345679\"]\n\
         message:\n  type: text\n  text: \"Hello from the dummy\"\n"
    );
    std::fs::write(&path, yaml).unwrap();
    path
}

#[test]
fn validation_names_the_dummys_account_key_when_it_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let v = plan::load(&campaign(dir.path(), ""), plan::Options { token: TokenCheck::Skip, ..Default::default() });
    assert!(v.plan.is_none());
    let errors: Vec<String> = v.diagnostics.kept().iter().map(|d| d.message.clone()).collect();
    assert!(errors.iter().any(|e| e.contains("missing `inbox`")), "{errors:?}");
}

#[tokio::test]
async fn a_campaign_validates_renders_and_sends_through_its_imitation() {
    let dir = tempfile::tempdir().unwrap();
    let path = campaign(dir.path(), "  inbox: box-1\n");
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let options =
        plan::Options { token: TokenCheck::Skip, endpoint: Endpoint::Sandbox(sandbox.addr()), ..Default::default() };
    let v = plan::load(&path, options);
    let plan = Arc::new(v.plan.unwrap_or_else(|| panic!("{:?}", v.diagnostics)));
    let dummy = kind("dummy");
    assert_eq!(plan.provider, dummy);
    let options = Options { file: path, sandbox: true, confirmed: true, no_journal: true, ..Default::default() };
    let deps = Deps {
        transport: Arc::new(Http::new(Duration::from_secs(10), 1).unwrap()),
        tokens: crate::secret::Secret::new(crate::providers::imitation::token(dummy)).into(),
        clock: crate::window::Clock::system(),
        cancel: tokio_util::sync::CancellationToken::new(),
    };
    let outcome = session::run(plan, options, deps, |_| Ok(())).await.unwrap();
    assert_eq!(outcome.exit_code(), 0);
    let accepted = sandbox.accepted();
    let bodies: Vec<_> = accepted.iter().map(|a| (a.provider, a.path.as_str(), a.body.clone())).collect();
    let sent = |to: &str| serde_json::json!({ "to": to, "text": "Hello from the dummy" });
    assert_eq!(
        bodies,
        [
            (dummy, "/dummy/inboxes/box-1/send", sent("+254712345678")),
            (dummy, "/dummy/inboxes/box-1/send", sent("+254712345679")),
        ]
    );
    sandbox.shutdown().await;
}
