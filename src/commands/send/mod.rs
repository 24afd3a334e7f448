//! `herald send FILE`: validate, check the token, open the session ([`crate::session`]), confirm,
//! run it with its events printed (progress and notes on stderr, the summary on stdout) and exit
//! with a code CI can act on.

mod printer;

use super::Output;
use crate::error::Error;
use crate::journal::Policy;
use crate::plan::{self, Endpoint, Options as PlanOptions, Plan, ScheduleCheck, TokenCheck};
use crate::run::{self, transport::Nowhere};
use crate::secret::{Secret, Tokens};
use crate::session::{self, Deps, Event, Session, SessionError};
use printer::Printer;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Options for `send`.
#[derive(Clone, Default)]
pub struct Options {
    /// Campaign file.
    pub file: PathBuf,
    /// Render and report, send nothing.
    pub dry_run: bool,
    /// Send to the built-in sandbox instead of the provider.
    pub sandbox: bool,
    /// With `sandbox`: the templates its account holds (`--templates FILE`), else the built-in set.
    pub sandbox_templates: Option<PathBuf>,
    /// Skip the checks against the live account ([`crate::preflight`]).
    pub offline: bool,
    /// Validation warnings count as errors.
    pub strict: bool,
    /// Faults for the built-in sandbox to inject (with `sandbox`).
    pub faults: Option<crate::sandbox::Config>,
    /// `--var key=value` pairs.
    pub vars: Vec<(String, String)>,
    /// Delivery settings over the campaign's.
    pub overrides: crate::plan::Overrides,
    /// The summary as one JSON object on stdout instead of the text.
    pub json: bool,
    /// Do not ask for confirmation.
    pub yes: bool,
    /// Report folder.
    pub report: Option<PathBuf>,
    /// First N recipients only.
    pub limit: Option<usize>,
    /// No progress output.
    pub quiet: bool,
    /// Send to recipients outside `schedule.window` too.
    pub ignore_window: bool,
    /// Exit with [`crate::exit::WAITING`] instead of waiting for held recipients' windows.
    pub no_wait: bool,
    /// Go on after the campaign's canary.
    pub continue_: bool,
    /// Start a journal although reports show the campaign was sent before.
    pub new_journal: bool,
    /// Send a campaign new to the journal although it looks like one it has sent.
    pub new_id: bool,
    /// Ignore `schedule.send_at`.
    pub now: bool,
    /// Print every validation problem.
    pub all_problems: bool,
    /// Journal file.
    pub journal: Option<PathBuf>,
    /// Send without a journal.
    pub no_journal: bool,
    /// Resend recipients whose fate is unknown.
    pub retry_unknown: bool,
    /// Resend recipients that failed.
    pub retry_failed: bool,
    /// Continue although the campaign changed since the last run.
    pub allow_changed: bool,
    /// Store request bodies in the journal.
    pub keep_bodies: bool,
    /// Global opt-out lists (`$HERALD_SUPPRESS`, `--suppress`).
    pub opt_out: Vec<crate::plan::OptOutList>,
    /// `$HERALD_RATE_CARD`: the rate card priced by when the campaign names none.
    pub rate_card: Option<PathBuf>,
    /// `--file-root`: the tree the campaign's files must lie in, instead of its repository.
    pub file_root: Option<PathBuf>,
    /// `--listen`: receive status webhooks in this process.
    pub listen: Option<std::net::SocketAddr>,
    /// With `sandbox`: what becomes of the messages it accepts, posted as status webhooks to a
    /// receiver in this process (`None`: `--no-receipts`).
    pub receipts: Option<crate::sandbox::receipts::Options>,
}

/// Checks `plan` against the live account (`sandbox`'s, when sending to it) before the first request: findings print as
/// validation's do, an error stops the send, and the sender's messaging limit becomes the daily
/// cap when the campaign sets none (and a journal counts the day's messages).
async fn preflight(
    plan: &mut Plan,
    sandbox: Option<&crate::sandbox::Sandbox>,
    o: &Options,
    out: &Output,
) -> Result<(), SessionError> {
    let token = match o.sandbox {
        true => Some(Secret::new(crate::providers::imitation::token(plan.provider))),
        false => Secret::from_env(&plan.token_env),
    };
    let found = crate::preflight::check(plan, token.as_ref(), sandbox.map(crate::sandbox::Sandbox::templates)).await;
    let mut diags = crate::diagnostic::Diagnostics::new(super::problems_per_group(o.all_problems));
    found.findings.iter().cloned().for_each(|d| diags.push(d));
    if o.strict {
        diags.promote_warnings();
    }
    out.diagnostics(&diags);
    if diags.has_errors() {
        out.invalid(&o.file, &diags, true);
        return Err(Error::Invalid(o.file.clone()).into());
    }
    if !o.quiet {
        found.checked.iter().for_each(|line| eprintln!("account: {line}"));
    }
    if let Some(category) = found.category {
        plan.bill_as_account(category).map_err(Error::from)?;
    }
    match (found.daily_cap, o.no_journal) {
        (Some(_), true) if !o.quiet => {
            eprintln!("account: without the journal no count of the day's messages is kept: the limit is not held to")
        }
        (Some(cap), false) => plan.senders[0].daily_cap = Some(cap),
        _ => {}
    }
    Ok(())
}

/// Runs `send`.
pub fn run(o: &Options, out: &Output) -> u8 {
    match super::block_on(async { Ok(send(o, out).await) }) {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => out.session_error(&e),
        Err(e) => out.error(&e),
    }
}

async fn send(o: &Options, out: &Output) -> Result<u8, SessionError> {
    if o.faults.is_some() && !o.sandbox {
        return Err(Error::FaultsNeedSandbox.into());
    }
    // From the start: a SIGTERM while a large list validates must not kill herald outright.
    let cancel = CancellationToken::new();
    let arrived = crate::signals::watch(cancel.clone());
    tracing::info!(file = %o.file.display(), "validating");
    // The sandbox starts first, so requests are planned for its address; with receipts, it
    // posts them to a receiver of this process, whose socket is bound before.
    let rehearsed = rehearsed_receipts(o).await?;
    let sandbox = match o.sandbox && !o.dry_run {
        true => {
            let faults = o.faults.clone().unwrap_or_default();
            let receipts = rehearsed.as_ref().map(|r| r.webhooks.clone());
            let config = crate::sandbox::Config { retain: false, receipts, ..faults };
            Some(super::sandbox::start(o.sandbox_templates.as_deref(), config).await?)
        }
        false => None,
    };
    let endpoint = sandbox.as_ref().map_or(Endpoint::Campaign, |s| Endpoint::Sandbox(s.addr()));
    let token = if o.dry_run || o.sandbox { TokenCheck::Skip } else { TokenCheck::Require };
    let options = PlanOptions {
        token,
        endpoint,
        problems_per_group: super::problems_per_group(o.all_problems),
        strict: o.strict,
        vars: o.vars.clone(),
        overrides: o.overrides.clone(),
        opt_out: o.opt_out.clone(),
        rate_card: o.rate_card.clone(),
        schedule: if o.now { ScheduleCheck::Skip } else { ScheduleCheck::Require },
        now: None,
        file_root: o.file_root.clone(),
    };
    let v = plan::load(&o.file, options);
    out.diagnostics(&v.diagnostics);
    let Some(plan) = v.plan else {
        out.invalid(&o.file, &v.diagnostics, true);
        return Err(Error::Invalid(o.file.clone()).into());
    };
    let mut plan = plan;
    if !o.dry_run && !o.offline && crate::preflight::applies(&plan) {
        preflight(&mut plan, sandbox.as_ref(), o, out).await?;
    }
    // Validation ran without yielding: a signal meanwhile is in the flag, not yet the token.
    if arrived.get() || cancel.is_cancelled() {
        return Err(SessionError::Cancelled);
    }
    if let (Some(emitter), crate::cost::Billed::Template(Some(category))) =
        (sandbox.as_ref().and_then(crate::sandbox::Sandbox::receipts), plan.billed)
    {
        emitter.bill_templates_as(category);
    }
    let plan = Arc::new(plan);
    let tokens = match (&sandbox, o.dry_run) {
        (Some(_), _) => Secret::new(crate::providers::imitation::token(plan.provider)).into(),
        (None, true) => Secret::new("").into(),
        (None, false) => {
            // Each sender's token, from its own variable (or the provider's).
            let mut tokens = Vec::with_capacity(plan.senders.len());
            for sender in &plan.senders {
                let name = &sender.token_env;
                let secret = Secret::from_env(name).ok_or_else(|| Error::MissingToken(name.clone()))?;
                if !secret.expose().chars().all(|c| c == '\t' || (' '..='~').contains(&c)) {
                    return Err(Error::TokenNotHeader(name.clone()).into());
                }
                tokens.push(secret);
            }
            Tokens::per_sender(tokens)
        }
    };
    let session_options = session::Options {
        file: o.file.clone(),
        dry_run: o.dry_run,
        sandbox: o.sandbox,
        confirmed: o.yes,
        limit: o.limit,
        continue_: o.continue_,
        no_wait: o.no_wait,
        now: o.now,
        ignore_window: o.ignore_window,
        journal: o.journal.clone(),
        ci: super::ci::runner(),
        no_journal: o.no_journal,
        new_journal: o.new_journal,
        new_id: o.new_id,
        allow_changed: o.allow_changed,
        policy: Policy {
            retry_failed: o.retry_failed,
            retry_unknown: o.retry_unknown,
            resend_rules: plan.provider.provider().resend_rules(),
        },
        keep_bodies: o.keep_bodies,
        report: o.report.clone(),
        receipts: match (&sandbox, &rehearsed) {
            (Some(s), Some(_)) => sandbox_wait(&plan, s.receipts_settled()),
            // The sandbox without receipts (`--no-receipts`, `--no-journal`) has none to wait for.
            (Some(_), None) => None,
            (None, _) => receipts_wait(&plan, o.listen.is_some()),
        },
    };
    let mut printer = Printer { o, out, plan: &plan, progress: None, countdown: None, waiting: Default::default() };
    let mut on_event = |e: Event<'_>| printer.show(e);
    let session = Session::open(plan.clone(), session_options, &mut on_event)?;
    let count = session.count();
    if count > 0 && !o.yes && !o.dry_run && !confirm(&plan, count, o.sandbox)? {
        eprintln!("nothing was sent: not confirmed");
        return Ok(crate::exit::DECLINED);
    }
    let clock = super::clock()?;
    let receiver = match (rehearsed, o.listen.filter(|_| !o.dry_run)) {
        (Some(r), _) => Some(r.receive(o)?),
        (None, Some(bind)) => Some(listen(bind, o).await?),
        (None, None) => None,
    };
    let result = if o.dry_run {
        let deps = Deps { transport: Arc::new(Nowhere), tokens, clock, cancel };
        session.run(deps, &mut on_event).await
    } else {
        match run::Http::new(plan.delivery.timeout, plan.delivery.concurrency) {
            Ok(http) => {
                let deps = Deps { transport: Arc::new(http), tokens, clock, cancel };
                session.run(deps, &mut on_event).await
            }
            Err(e) => Err(Error::from(e).into()),
        }
    };
    if let Some(s) = sandbox {
        s.shutdown().await;
    }
    if let Some(receiver) = receiver {
        receiver.stop().await;
    }
    result.map(|outcome| outcome.exit_code())
}

/// The wait for delivery receipts after the last pass the campaign asks for
/// (`delivery.wait_receipts`, `--wait-receipts`); a delivery gate, or a receiver in this process
/// (`--listen`), waits 15 minutes by default.
fn receipts_wait(plan: &Plan, listening: bool) -> Option<session::ReceiptsWait> {
    let d = &plan.delivery;
    let default = (d.min_delivered.is_some() || listening).then_some(crate::delivery::DEFAULT_WAIT_RECEIPTS);
    let max = d.wait_receipts.or(default)?;
    Some(session::ReceiptsWait { max, settled: None })
}

/// How long `send --sandbox` waits for the receipts the sandbox posts: until it has posted all
/// it planned, at most `delivery.wait_receipts` (or the wait a delivery gate takes), else a
/// minute; none for a provider that reports no delivery status.
fn sandbox_wait(plan: &Plan, settled: session::Settled) -> Option<session::ReceiptsWait> {
    plan.provider.provider().status_webhook()?;
    let max = receipts_wait(plan, false).map_or(std::time::Duration::from_secs(60), |w| w.max);
    Some(session::ReceiptsWait { max, settled: Some(settled) })
}

/// `send --sandbox`'s own receiver of the receipts the sandbox posts: its socket, bound
/// before the sandbox starts, and secrets made up for the two of them.
struct Rehearsed {
    socket: tokio::net::TcpListener,
    keys: crate::listen::Keys,
    webhooks: crate::sandbox::receipts::Webhooks,
}

/// The receiver `send --sandbox` rehearses receipts with, unless there is nothing to keep them
/// in (a dry run, `--no-journal`) or `--no-receipts`. It listens on `--listen`, else any free
/// loopback port.
async fn rehearsed_receipts(o: &Options) -> Result<Option<Rehearsed>, SessionError> {
    let Some(options) = o.receipts.clone().filter(|_| o.sandbox && !o.dry_run && !o.no_journal) else {
        return Ok(None);
    };
    let bind = o.listen.unwrap_or_else(|| std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    let socket = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|source| Error::from(crate::listen::ListenError::Bind { addr: bind, source }))?;
    let addr = socket.local_addr().map_err(|e| Error::from(crate::listen::ListenError::Socket(e)))?;
    let keys = crate::listen::Keys {
        meta_app_secret: Some(Secret::random()),
        meta_verify_token: Some(Secret::random()),
        shared: Some(Secret::random()),
    };
    let webhooks = crate::sandbox::receipts::Webhooks {
        urls: vec![format!("http://{addr}")],
        options,
        app_secret: keys.meta_app_secret.clone(),
        shared_secret: keys.shared.clone(),
        connections: 32,
    };
    Ok(Some(Rehearsed { socket, keys, webhooks }))
}

impl Rehearsed {
    /// Starts receiving into the sandbox journal.
    fn receive(self, o: &Options) -> Result<crate::listen::Listener, SessionError> {
        let location = crate::journal::default_location(&o.file, o.journal.as_deref(), true)?;
        Ok(crate::listen::receive(self.socket, location, self.keys, crate::journal::GRACE).map_err(Error::from)?)
    }
}

/// `--listen`: a receiver of the provider's status webhooks in this process, writing into the
/// campaign's journal, with the secrets of `herald listen` (its environment variables).
async fn listen(bind: std::net::SocketAddr, o: &Options) -> Result<crate::listen::Listener, SessionError> {
    if o.no_journal {
        return Err(SessionError::ReceiptsNeedJournal);
    }
    let keys = crate::listen::Keys::from_env();
    crate::listen::check(&keys).map_err(Error::from)?;
    let location = crate::journal::default_location(&o.file, o.journal.as_deref(), o.sandbox)?;
    let socket = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|source| Error::from(crate::listen::ListenError::Bind { addr: bind, source }))?;
    let listener = crate::listen::receive(socket, location, keys, crate::journal::GRACE).map_err(Error::from)?;
    if !o.quiet {
        eprintln!("receiving status webhooks on http://{} (see docs/listen.md)", listener.addr());
    }
    Ok(listener)
}

/// Asks on a terminal whether to send; refuses without one.
fn confirm(plan: &Plan, count: usize, sandbox: bool) -> Result<bool, Error> {
    let base = &plan.settings().base_url;
    let host = base.split("://").nth(1).unwrap_or(base).split('/').next().unwrap_or_default();
    let target = if sandbox { "the built-in sandbox".to_string() } else { format!("{} ({host})", plan.provider) };
    let mut what = format!(
        "send {count} {} message{} through {target} at {} ({} at once)",
        plan.message_type,
        if count == 1 { "" } else { "s" },
        plan.delivery.rate_text(),
        plan.delivery.concurrency
    );
    if let Some(at) = plan.settings().send_at {
        what.push_str(&format!(", for the provider to deliver at {}", crate::clock::time(at)));
    }
    if let Some(window) = &plan.window {
        what.push_str(&format!(", each inside the window {}", window.describe()));
    }
    if let Some(e) = plan.estimate.as_ref().filter(|e| e.billed != crate::cost::Billed::Free) {
        what.push_str(&format!(", costing at most {} {} (an upper bound)", e.total.shown_up(), e.currency));
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::NoTerminal(what));
    }
    eprint!("{}\nAbout to {what}. Continue? [y/N] ", plan.summary());
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}
