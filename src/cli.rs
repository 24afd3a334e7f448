//! Command-line arguments. clap stays in this file: it turns arguments into the plain option
//! structs the commands take, so the library never sees clap types.

mod man;

use crate::commands::{self, Output};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Run WhatsApp campaigns declared in YAML files: validate, preview, send — never twice.
#[derive(Debug, Parser)]
#[command(name = "herald", version, about, long_about = None, propagate_version = true)]
struct Args {
    /// When to colour output.
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    color: Color,
    /// Log what herald does to stderr: -v the steps, -vv every request and answer (secrets are
    /// never logged).
    #[arg(long, short = 'v', action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check campaign files and everything they name; report every problem at once.
    Validate {
        /// Campaign files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// List every problem instead of the first few of each kind.
        #[arg(long)]
        all_problems: bool,
        /// Treat warnings as errors (exit 2 when there are any).
        #[arg(long)]
        strict: bool,
        #[command(flatten)]
        opt_out: OptOutArgs,
        #[command(flatten)]
        root: FileRootArgs,
        /// Output format: summary lines for people, or one JSON object per file for scripts.
        #[arg(long, value_enum, default_value_t = Format::Pretty)]
        format: Format,
        /// Also check the campaign against the live account, read-only with its token: the
        /// template, every recipient's body, the sender's status, quality and messaging limit.
        #[arg(long)]
        online: bool,
        /// With --online: read the built-in sandbox's account (started in this process).
        #[arg(long, requires = "online")]
        sandbox: bool,
        /// With --sandbox: its account holds these templates (Meta's `message_templates` answer, or
        /// its `data` list) instead of the built-in set.
        #[arg(long, value_name = "FILE", requires = "sandbox")]
        templates: Option<PathBuf>,
    },
    /// Show the exact HTTP request herald would send to each recipient (nothing is sent).
    Preview {
        /// Campaign file.
        file: PathBuf,
        /// Show at most N requests (default: 5 for pretty, all for json).
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// Output format: `pretty` for people, `json` (one object per line) for scripts.
        #[arg(long, value_enum, default_value_t = Format::Pretty)]
        format: Format,
        /// List every problem instead of the first few of each kind.
        #[arg(long)]
        all_problems: bool,
        /// Set a campaign variable, as `send --var` does (repeatable).
        #[arg(long = "var", value_name = "KEY=VALUE", value_parser = key_value)]
        vars: Vec<(String, String)>,
        /// Show each message as the recipient's chat would (line breaks, media, buttons).
        #[arg(long, conflicts_with = "format")]
        chat: bool,
        /// Only this recipient: a phone number (+254…) or a CSV line number.
        #[arg(long, value_name = "PHONE|LINE")]
        recipient: Option<String>,
        #[command(flatten)]
        opt_out: OptOutArgs,
        #[command(flatten)]
        root: FileRootArgs,
    },
    /// Send a campaign: validate, confirm, send with progress, write the report. Re-running is
    /// always safe: the journal skips everyone who already has the message.
    Send(Box<SendArgs>),
    /// What the journal says about a campaign, and what a re-run would do.
    Status {
        /// Campaign file.
        file: PathBuf,
        /// The journal of `send --sandbox` rehearsals (beside --journal's, when given).
        #[arg(long)]
        sandbox: bool,
        #[command(flatten)]
        journal: JournalArg,
        #[command(flatten)]
        opt_out: OptOutArgs,
        #[command(flatten)]
        root: FileRootArgs,
        /// Output format: text for people, or one JSON object for scripts.
        #[arg(long, value_enum, default_value_t = Format::Pretty)]
        format: Format,
    },
    /// Ask the provider what became of the messages it accepted that have no delivery receipt
    /// yet, and record its answers in the journal (Evolution API and the Cloud API).
    Track {
        /// Campaign file.
        file: PathBuf,
        #[command(flatten)]
        journal: JournalArg,
        /// Polls a second for each sender (`20/s`-style or a number; default: its `delivery.rate`).
        #[arg(long, value_name = "RATE", value_parser = rate)]
        rate: Option<f64>,
        #[command(flatten)]
        opt_out: OptOutArgs,
        #[command(flatten)]
        root: FileRootArgs,
        /// Output format: text for people, or one JSON object for scripts.
        #[arg(long, value_enum, default_value_t = Format::Pretty)]
        format: Format,
    },
    /// List the message templates of the account the campaign sends from (read-only, with its
    /// token), or print the campaign `message:` block for one of them (the Cloud API).
    Templates {
        /// Campaign file.
        file: PathBuf,
        /// Read the built-in sandbox's account (started in this process) instead of the provider's.
        #[arg(long)]
        sandbox: bool,
        /// With --sandbox: its account holds these templates (Meta's `message_templates` answer,
        /// or its `data` list) instead of the built-in set.
        #[arg(long, value_name = "FILE", requires = "sandbox")]
        templates: Option<PathBuf>,
        /// Print the campaign `message:` block for this template, every parameter a placeholder.
        #[arg(long, value_name = "NAME")]
        scaffold: Option<String>,
        /// With --scaffold: the template's language (default: its first listed).
        #[arg(long, value_name = "L", requires = "scaffold")]
        language: Option<String>,
        #[command(flatten)]
        root: FileRootArgs,
        /// Output format: a table for people, or one JSON document for scripts.
        #[arg(long, value_enum, default_value_t = Format::Pretty, conflicts_with = "scaffold")]
        format: Format,
    },
    /// The results report of a campaign, rebuilt from the journal (so a crash never loses it).
    Report {
        /// Campaign file.
        file: PathBuf,
        /// Format printed to stdout.
        #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
        format: ReportFormat,
        /// Write every format into this folder instead.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// The journal of `send --sandbox` rehearsals (beside --journal's, when given).
        #[arg(long)]
        sandbox: bool,
        #[command(flatten)]
        journal: JournalArg,
        #[command(flatten)]
        opt_out: OptOutArgs,
        #[command(flatten)]
        root: FileRootArgs,
    },
    /// Receive the providers' status webhooks and write their delivery receipts (delivered,
    /// read, failed) into the journal, for every campaign in it, until SIGTERM or Ctrl-C.
    /// Secrets come from the environment: HERALD_CLOUD_API_APP_SECRET and
    /// HERALD_CLOUD_API_VERIFY_TOKEN (Meta), HERALD_WEBHOOK_SECRET (the others).
    Listen {
        /// Address to listen on (port 0: any free port; the address is printed). Put TLS in a
        /// reverse proxy in front.
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
        bind: std::net::SocketAddr,
        /// Journal: a file, or a postgres:// URL shared by every runner and listener [default:
        /// $HERALD_JOURNAL, else .herald/journal.db in the working directory].
        #[arg(long, value_name = "PATH|URL")]
        journal: Option<PathBuf>,
        /// How long a receipt for a message no campaign of the journal sent is kept (its send's
        /// answer may not be recorded yet) before it is deleted: 30s, 10m, 1h.
        #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = duration)]
        unknown_grace: std::time::Duration,
        /// Write into the sandbox journal (`.herald/sandbox-journal.db`, `<name>.sandbox.db`
        /// beside a --journal file, the `herald_sandbox` schema),
        /// where sends to the sandbox are recorded: for rehearsals with `herald sandbox
        /// --webhooks`.
        #[arg(long)]
        sandbox: bool,
    },
    /// Serve the six providers' send endpoints on loopback, as a stand-in for testing.
    Sandbox {
        /// Port to listen on (0: any free port).
        #[arg(long, default_value_t = 8787)]
        port: u16,
        #[command(flatten)]
        faults: FaultArgs,
        #[command(flatten)]
        receipts: ReceiptArgs,
        /// Append every accepted message to this file as a JSON line.
        #[arg(long, value_name = "FILE")]
        record: Option<PathBuf>,
        /// The Cloud API account holds these templates (Meta's `message_templates` answer, or its
        /// `data` list) instead of the built-in set, and every template send is checked against
        /// them.
        #[arg(long, value_name = "FILE")]
        templates: Option<PathBuf>,
        /// Answer every request on a provider's route with that provider's success, checking
        /// nothing: a fast sink for benchmarks.
        #[arg(long, conflicts_with_all = ["fail_rate", "throttle_rate", "latency_ms", "latency_p99_ms", "throughput", "record"])]
        canned: bool,
        /// No live count.
        #[arg(long, short = 'q')]
        quiet: bool,
    },
    /// Print which message types each provider can send, and how it authenticates.
    Providers {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Pretty)]
        format: Format,
    },
    /// Print a shell completion script: `herald completions bash > /etc/bash_completion.d/herald`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print herald's manual page (roff): `herald man > herald.1 && man ./herald.1`; a
    /// command's with `herald man send`, or write every page with `--out DIR`.
    Man {
        /// The command whose page to print (default: herald's own).
        command: Option<String>,
        /// Write every page (herald.1, herald-send.1, …) into DIR instead.
        #[arg(long, value_name = "DIR", conflicts_with = "command")]
        out: Option<PathBuf>,
    },
}

/// Faults for the sandbox to inject (`herald sandbox`, and `herald send --sandbox`), so a CI job
/// can rehearse a failure path without editing the campaign. Random ones follow `--seed`.
#[derive(Debug, Clone, Default, clap::Args)]
struct FaultArgs {
    /// Share of requests answered 500 (not processed).
    #[arg(long, value_name = "X", default_value_t = 0.0, value_parser = share)]
    fail_rate: f64,
    /// Share of requests answered 429 with Retry-After (not processed).
    #[arg(long, value_name = "X", default_value_t = 0.0, value_parser = share)]
    throttle_rate: f64,
    /// The Retry-After on 429s, in seconds.
    #[arg(long, value_name = "S", default_value_t = 1)]
    retry_after: u64,
    /// Share of recipients refused for good in the provider's own words (Meta 131026, a number
    /// not on WhatsApp, …).
    #[arg(long, value_name = "X", default_value_t = 0.0, value_parser = share)]
    refuse_rate: f64,
    /// Share of requests accepted, then cut off without an answer.
    #[arg(long, value_name = "X", default_value_t = 0.0, value_parser = share)]
    drop_rate: f64,
    /// Share of requests accepted, then never answered.
    #[arg(long, value_name = "X", default_value_t = 0.0, value_parser = share)]
    hang_rate: f64,
    /// Refuse every request with the provider's authentication error.
    #[arg(long)]
    reject_auth: bool,
    /// Delay before every answer, in milliseconds; the median when --latency-p99-ms is given.
    #[arg(long, value_name = "N", default_value_t = 0)]
    latency_ms: u64,
    /// Spread the delays on a long tail (log-normal) whose 99th percentile is N ms, with
    /// --latency-ms as the median; the draws follow --seed.
    #[arg(long, value_name = "N")]
    latency_p99_ms: Option<u64>,
    /// Hold each provider account to RATE requests (`80`, `80/s`, `100/min`), answering those
    /// above it with the provider's own throttling answer and Retry-After; `documented` uses each
    /// provider's published limit and leaves the others unlimited.
    #[arg(long, value_name = "RATE", value_parser = crate::sandbox::Throughput::parse)]
    throughput: Option<crate::sandbox::Throughput>,
    /// Seed for the random faults, latency draws and message ids.
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed: u64,
}

impl FaultArgs {
    /// Whether any fault is asked for.
    fn any(&self) -> bool {
        let rates = [self.fail_rate, self.throttle_rate, self.refuse_rate, self.drop_rate, self.hang_rate];
        rates.iter().any(|r| *r > 0.0)
            || self.reject_auth
            || self.latency_ms > 0
            || self.latency_p99_ms.is_some()
            || self.throughput.is_some()
    }

    /// A sandbox configuration with these faults.
    ///
    /// # Errors
    ///
    /// When `--latency-p99-ms` is below `--latency-ms`, or given without it.
    fn config(&self) -> Result<crate::sandbox::Config, crate::error::Error> {
        let median = std::time::Duration::from_millis(self.latency_ms);
        let latency = match self.latency_p99_ms {
            Some(p99) => crate::sandbox::Latency::spread(median, std::time::Duration::from_millis(p99))?,
            None => crate::sandbox::Latency::fixed(median),
        };
        Ok(crate::sandbox::Config {
            fail_rate: self.fail_rate,
            throttle_rate: self.throttle_rate,
            retry_after_secs: self.retry_after,
            refuse_rate: self.refuse_rate,
            drop_rate: self.drop_rate,
            hang_rate: self.hang_rate,
            reject_auth: self.reject_auth,
            latency,
            throughput: self.throughput.unwrap_or_default(),
            seed: self.seed,
            ..crate::sandbox::Config::default()
        })
    }
}

/// What becomes of the messages the sandbox accepts, and when (`herald sandbox --webhooks`,
/// and `herald send --sandbox`, which receives them itself): each accepted message's status
/// events, as its provider posts them. What happens to each message follows --seed.
#[derive(Debug, Clone, Default, clap::Args)]
struct ReceiptPlanArgs {
    /// The mean time from accepted to delivered, and from delivered to read (`2s`, `500ms`);
    /// each spread evenly between half and one and a half times it. Default: 2s in `herald
    /// sandbox`, 200ms in a send to the sandbox.
    #[arg(long, value_name = "TIME", value_parser = receipt_delay)]
    receipt_delay: Option<std::time::Duration>,
    /// Share of delivered messages then read.
    #[arg(long, value_name = "X", default_value_t = 0.6, value_parser = share)]
    read_rate: f64,
    /// Share of accepted messages that fail afterwards, in the provider's own words (Meta 131026
    /// and 131049).
    #[arg(long, value_name = "X", default_value_t = 0.02, value_parser = share)]
    async_fail_rate: f64,
    /// Share of status events posted twice.
    #[arg(long, value_name = "X", default_value_t = 0.02, value_parser = share)]
    duplicate_rate: f64,
    /// Post every message's events in order (by default some reads come before their delivery,
    /// as real providers' do).
    #[arg(long)]
    no_reorder: bool,
}

impl ReceiptPlanArgs {
    /// The receipts' plan, `delay` unless --receipt-delay says otherwise.
    fn options(&self, seed: u64, delay: std::time::Duration) -> crate::sandbox::receipts::Options {
        crate::sandbox::receipts::Options {
            seed,
            delay: self.receipt_delay.unwrap_or(delay),
            read_rate: self.read_rate,
            async_fail_rate: self.async_fail_rate,
            duplicate_rate: self.duplicate_rate,
            reorder: !self.no_reorder,
        }
    }
}

/// Delivery receipts for `herald sandbox` to post to a receiver such as `herald listen`.
#[derive(Debug, Clone, Default, clap::Args)]
struct ReceiptArgs {
    /// Post status webhooks to URL/webhooks/<provider> (Meta's signed with
    /// $HERALD_CLOUD_API_APP_SECRET, the others carrying $HERALD_WEBHOOK_SECRET). Repeat it to
    /// spread the posts over several listeners, each event to one of them, as a load balancer.
    #[arg(long, value_name = "URL")]
    webhooks: Vec<String>,
    #[command(flatten)]
    plan: ReceiptPlanArgs,
}

impl ReceiptArgs {
    /// Where and how to post, with the secrets from the environment; `None` without
    /// --webhooks.
    fn webhooks(self, seed: u64) -> Option<crate::sandbox::receipts::Webhooks> {
        use crate::listen::{APP_SECRET_ENV, SHARED_SECRET_ENV};
        if self.webhooks.is_empty() {
            return None;
        }
        let options = self.plan.options(seed, std::time::Duration::from_secs(2));
        Some(crate::sandbox::receipts::Webhooks {
            urls: self.webhooks,
            options,
            app_secret: crate::secret::Secret::from_env(APP_SECRET_ENV),
            shared_secret: crate::secret::Secret::from_env(SHARED_SECRET_ENV),
            connections: RECEIPT_CONNECTIONS,
        })
    }
}

/// Delivery receipts in `herald send --sandbox`: the sandbox posts them to a receiver of the
/// send's own, which writes them into the sandbox journal.
#[derive(Debug, Clone, Default, clap::Args)]
struct SendReceiptArgs {
    /// No delivery receipts: the sandbox posts none and the run does not wait for them.
    #[arg(long)]
    no_receipts: bool,
    #[command(flatten)]
    plan: ReceiptPlanArgs,
}

/// Receipt posts in flight at most.
const RECEIPT_CONNECTIONS: usize = 32;

/// Where the journal is, on every command that reads or writes it.
#[derive(Debug, Clone, Default, clap::Args)]
struct JournalArg {
    /// Journal: a file, or a postgres:// URL shared by every runner [default: $HERALD_JOURNAL,
    /// else .herald/journal.db beside the campaign].
    #[arg(long, value_name = "PATH|URL")]
    journal: Option<PathBuf>,
}

impl JournalArg {
    /// `--journal`, else `$HERALD_JOURNAL` (unset or empty: none, the default beside the
    /// campaign). The environment is read here, at the edge, never by the library.
    fn resolve(self) -> Option<PathBuf> {
        self.journal.or_else(|| std::env::var_os("HERALD_JOURNAL").filter(|p| !p.is_empty()).map(PathBuf::from))
    }
}

/// `$HERALD_RATE_CARD`, read here at the edge: the rate card for campaigns that name none.
fn rate_card() -> Option<PathBuf> {
    std::env::var_os(crate::plan::cost::ENV).filter(|p| !p.is_empty()).map(PathBuf::from)
}

/// Global opt-out lists, on every command that plans a campaign's audience.
#[derive(Debug, Clone, Default, clap::Args)]
struct OptOutArgs {
    /// A file of numbers never to message, on top of the campaign's `recipients.suppress` and
    /// $HERALD_SUPPRESS (repeatable; relative to the working directory).
    #[arg(long = "suppress", value_name = "FILE")]
    suppress: Vec<PathBuf>,
}

impl OptOutArgs {
    /// The lists `$HERALD_SUPPRESS` names, then these.
    fn lists(self) -> Vec<crate::plan::OptOutList> {
        crate::plan::OptOutList::gather(self.suppress)
    }
}

/// Where the files a campaign names may lie, on every command that reads them.
#[derive(Debug, Clone, Default, clap::Args)]
struct FileRootArgs {
    /// Let the campaign name files under DIR (`recipients.csv`, `recipients.suppress`,
    /// `message.text_file`) instead of only inside the git work tree holding it (or its folder,
    /// outside git).
    #[arg(long, value_name = "DIR")]
    file_root: Option<PathBuf>,
}

/// `herald send` arguments, grouped in `--help` by what they are for. Every option names its
/// heading: a flattened group's heading would otherwise run on into the options after it.
#[derive(Debug, clap::Args)]
struct SendArgs {
    /// Campaign file.
    file: PathBuf,
    /// Do everything except the network: render every request; writes nothing unless --report.
    #[arg(long, help_heading = "Sending")]
    dry_run: bool,
    /// Send to herald's built-in sandbox on loopback instead of the provider (no account needed).
    #[arg(long, help_heading = "Sending")]
    sandbox: bool,
    /// With --sandbox: its account holds these templates (Meta's `message_templates` answer, or
    /// its `data` list) instead of the built-in set, and every template send is checked against them.
    #[arg(long, value_name = "FILE", requires = "sandbox", help_heading = "Sending")]
    templates: Option<PathBuf>,
    /// Skip the checks against the live account (template, sender) before the first request.
    #[arg(long, help_heading = "Sending")]
    offline: bool,
    /// Do not ask for confirmation (required without a terminal, e.g. in CI).
    #[arg(long, short = 'y', help_heading = "Sending")]
    yes: bool,
    /// Send to the first N recipients not yet sent to (a canary).
    #[arg(long, value_name = "N", help_heading = "Sending")]
    limit: Option<usize>,
    /// Send at once, setting `schedule.send_at` aside (also when it has passed).
    #[arg(long, help_heading = "Sending")]
    now: bool,
    /// Go on after the campaign's canary (`delivery.canary`): send to the rest.
    #[arg(long = "continue", help_heading = "Sending")]
    continue_: bool,
    /// Send to recipients outside `schedule.window` too (urgent sends).
    #[arg(long, help_heading = "Sending")]
    ignore_window: bool,
    /// Do not wait for recipients outside their window: send to the rest and exit 75 ("done for
    /// now, recipients waiting"); the next run continues. For CI.
    #[arg(long, help_heading = "Sending")]
    no_wait: bool,
    /// Set a campaign variable for this run (repeatable): `--var promo=SPRING25`.
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = key_value, help_heading = "Overrides for this run")]
    vars: Vec<(String, String)>,
    /// Requests per second for this run, over `delivery.rate` (`20/s`-style or a number).
    #[arg(long, value_name = "RATE", value_parser = rate, help_heading = "Overrides for this run")]
    rate: Option<f64>,
    /// Requests in flight for this run, over `delivery.concurrency`.
    #[arg(
        long,
        value_name = "N",
        value_parser = clap::value_parser!(u64).range(1..=10_000),
        help_heading = "Overrides for this run"
    )]
    concurrency: Option<u64>,
    /// The gate for this run, over `delivery.max_failure_rate` (`5%` or `0.05`).
    #[arg(long, value_name = "X", value_parser = share, help_heading = "Overrides for this run")]
    max_failure_rate: Option<f64>,
    #[command(flatten, next_help_heading = "Audience files")]
    opt_out: OptOutArgs,
    #[command(flatten, next_help_heading = "Audience files")]
    root: FileRootArgs,
    #[command(flatten, next_help_heading = "Journal")]
    journal: JournalArg,
    /// Start a new journal although reports show this campaign was sent before (its journal was
    /// deleted or lost): everyone not in the new journal is sent to again.
    #[arg(long, help_heading = "Journal")]
    new_journal: bool,
    /// Send a campaign whose id the journal has never seen although it looks like one the
    /// journal has sent (the same file, or the same message and recipients): everyone is sent
    /// to again, as a new campaign. Without it, such a send is refused.
    #[arg(long, help_heading = "Journal")]
    new_id: bool,
    /// Resend recipients whose fate is unknown (the provider may already have their message).
    #[arg(long, help_heading = "Journal")]
    retry_unknown: bool,
    /// Resend recipients that failed (after you fixed the cause).
    #[arg(long, help_heading = "Journal")]
    retry_failed: bool,
    /// Continue although the message changed since the campaign was partly sent.
    #[arg(long, help_heading = "Journal")]
    allow_changed: bool,
    /// Keep each request body in the journal (default: only its hash).
    #[arg(long, help_heading = "Journal")]
    keep_bodies: bool,
    /// Send without the journal: a re-run may message people twice. For benchmarks and throwaway tests.
    #[arg(
        long,
        conflicts_with_all = ["journal", "retry_unknown", "retry_failed", "allow_changed", "keep_bodies"],
        help_heading = "Journal"
    )]
    no_journal: bool,
    /// The delivery gate for this run, over `delivery.min_delivered` (`95%` or `0.95`): exit 1
    /// when fewer accepted messages were reported delivered once the receipts are in.
    #[arg(long, value_name = "X", value_parser = share, help_heading = "Delivery receipts")]
    min_delivered: Option<f64>,
    /// After the last request, wait up to this long (`15m`, `90s`) for every accepted message to
    /// get a final receipt, then report the funnel; over `delivery.wait_receipts`.
    #[arg(long, value_name = "DURATION", value_parser = duration, help_heading = "Delivery receipts")]
    wait_receipts: Option<std::time::Duration>,
    /// Receive the provider's status webhooks in this process, on ADDR (`0.0.0.0:8080`), as
    /// `herald listen` does, while sending and waiting for receipts.
    #[arg(long, value_name = "ADDR", help_heading = "Delivery receipts")]
    listen: Option<std::net::SocketAddr>,
    /// Output format: the summary as text, or as one JSON object (summary.json and report_dir).
    #[arg(long, value_enum, default_value_t = Format::Pretty, help_heading = "Output")]
    format: Format,
    /// Write the report here [default: .herald/reports/<campaign-id>-<timestamp>/ beside the campaign].
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    report: Option<PathBuf>,
    /// No progress output.
    #[arg(long, short = 'q', help_heading = "Output")]
    quiet: bool,
    /// List every validation problem instead of the first few of each kind.
    #[arg(long, help_heading = "Validation")]
    all_problems: bool,
    /// Treat validation warnings as errors: send nothing when there are any.
    #[arg(long, help_heading = "Validation")]
    strict: bool,
    #[command(flatten, next_help_heading = "Sandbox faults (with --sandbox)")]
    faults: FaultArgs,
    #[command(flatten, next_help_heading = "Sandbox receipts (with --sandbox)")]
    receipts: SendReceiptArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ReportFormat {
    Csv,
    Json,
    Md,
    Junit,
    Html,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Pretty,
    Json,
}

/// The command line's definition, each `--help` ending with the exit codes it may give.
fn command() -> clap::Command {
    Args::command().after_help(crate::exit::help(None)).mut_subcommands(|sub| {
        let codes = crate::exit::help(Some(sub.get_name()));
        sub.after_help(codes)
    })
}

/// Arguments herald's command line refuses, with clap's explanation (`error: unexpected
/// argument '--x' found`, the usage line).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(Box<clap::Error>);

/// Checks `args` (the words after `herald`) against the command line without running anything:
/// the check the CI recipes' `herald …` lines are held to, so a renamed option fails a test.
/// `--help` and `--version` are accepted.
pub fn check<'a>(args: impl IntoIterator<Item = &'a str>) -> Result<(), Refused> {
    match command().try_get_matches_from(std::iter::once("herald").chain(args)) {
        Ok(_) => Ok(()),
        Err(e) if matches!(e.kind(), clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion) => {
            Ok(())
        }
        Err(e) => Err(Refused(Box::new(e))),
    }
}

/// Parses the process arguments and runs the command; returns the exit code.
pub fn run() -> u8 {
    let args = Args::from_arg_matches(&command().get_matches()).unwrap_or_else(|e| e.exit());
    // A listener runs as a service: its refused posts and failed writes are always logged.
    let listening = matches!(args.command, Command::Listen { .. });
    if args.verbose > 0 || listening {
        let level = match args.verbose {
            0 => tracing::Level::WARN,
            1 => tracing::Level::INFO,
            _ => tracing::Level::DEBUG,
        };
        tracing_subscriber::fmt().with_max_level(level).with_writer(std::io::stderr).with_target(false).init();
    }
    let out = Output::detect(match args.color {
        Color::Auto => None,
        Color::Always => Some(true),
        Color::Never => Some(false),
    });
    match args.command {
        Command::Validate { files, all_problems, strict, format, opt_out, root, online, sandbox, templates } => {
            commands::validate::run(
                &commands::validate::Options {
                    files,
                    all_problems,
                    strict,
                    online,
                    sandbox,
                    sandbox_templates: templates,
                    json: matches!(format, Format::Json),
                    opt_out: opt_out.lists(),
                    rate_card: rate_card(),
                    file_root: root.file_root,
                },
                &out,
            )
        }
        Command::Preview { file, limit, format, all_problems, vars, chat, recipient, opt_out, root } => {
            commands::preview::run(
                &commands::preview::Options {
                    file,
                    limit,
                    json: matches!(format, Format::Json),
                    all_problems,
                    vars,
                    chat,
                    recipient,
                    opt_out: opt_out.lists(),
                    rate_card: rate_card(),
                    file_root: root.file_root,
                },
                &out,
            )
        }
        Command::Send(a) => {
            let faults = match a.faults.any().then(|| a.faults.config()).transpose() {
                Ok(faults) => faults,
                Err(e) => return out.error(&e),
            };
            commands::send::run(
                &commands::send::Options {
                    file: a.file,
                    dry_run: a.dry_run,
                    faults,
                    vars: a.vars,
                    json: matches!(a.format, Format::Json),
                    overrides: crate::plan::Overrides {
                        rate_per_sec: a.rate,
                        concurrency: a.concurrency.map(|n| n as usize),
                        max_failure_rate: a.max_failure_rate,
                        min_delivered: a.min_delivered,
                        wait_receipts: a.wait_receipts,
                    },
                    listen: a.listen,
                    receipts: (!a.receipts.no_receipts)
                        .then(|| a.receipts.plan.options(a.faults.seed, std::time::Duration::from_millis(200))),
                    sandbox: a.sandbox,
                    sandbox_templates: a.templates,
                    offline: a.offline,
                    yes: a.yes,
                    report: a.report,
                    limit: a.limit,
                    quiet: a.quiet,
                    now: a.now,
                    ignore_window: a.ignore_window,
                    no_wait: a.no_wait,
                    continue_: a.continue_,
                    new_journal: a.new_journal,
                    new_id: a.new_id,
                    all_problems: a.all_problems,
                    strict: a.strict,
                    journal: a.journal.resolve(),
                    no_journal: a.no_journal,
                    retry_unknown: a.retry_unknown,
                    retry_failed: a.retry_failed,
                    allow_changed: a.allow_changed,
                    keep_bodies: a.keep_bodies,
                    opt_out: a.opt_out.lists(),
                    rate_card: rate_card(),
                    file_root: a.root.file_root,
                },
                &out,
            )
        }
        Command::Status { file, sandbox, journal, format, opt_out, root } => commands::status::run(
            &commands::status::Options {
                json: matches!(format, Format::Json),
                file,
                sandbox,
                journal: journal.resolve(),
                opt_out: opt_out.lists(),
                rate_card: rate_card(),
                file_root: root.file_root,
            },
            &out,
        ),
        Command::Track { file, journal, rate, opt_out, root, format } => commands::track::run(
            &commands::track::Options {
                json: matches!(format, Format::Json),
                file,
                journal: journal.resolve(),
                rate,
                opt_out: opt_out.lists(),
                rate_card: rate_card(),
                file_root: root.file_root,
            },
            &out,
        ),
        Command::Templates { file, sandbox, templates, scaffold, language, root, format } => commands::templates::run(
            &commands::templates::Options {
                file,
                json: matches!(format, Format::Json),
                sandbox,
                sandbox_templates: templates,
                scaffold,
                language,
                file_root: root.file_root,
            },
            &out,
        ),
        Command::Report { file, format, out: dir, sandbox, journal, opt_out, root } => {
            let format = match format {
                ReportFormat::Csv => commands::report::Format::Csv,
                ReportFormat::Json => commands::report::Format::Json,
                ReportFormat::Md => commands::report::Format::Md,
                ReportFormat::Junit => commands::report::Format::Junit,
                ReportFormat::Html => commands::report::Format::Html,
            };
            let opt_out = opt_out.lists();
            commands::report::run(
                &commands::report::Options {
                    file,
                    format,
                    out: dir,
                    sandbox,
                    journal: journal.resolve(),
                    opt_out,
                    rate_card: rate_card(),
                    file_root: root.file_root,
                },
                &out,
            )
        }
        Command::Sandbox { port, faults, receipts, record, templates, canned, quiet } => {
            let (faults, templates) =
                match faults.config().and_then(|f| Ok((f, commands::sandbox::templates(templates.as_deref())?))) {
                    Ok(both) => both,
                    Err(e) => return out.error(&e),
                };
            let polls = receipts.plan.options(faults.seed, std::time::Duration::from_secs(2));
            let receipts = receipts.webhooks(faults.seed);
            let config =
                crate::sandbox::Config { port, record, retain: false, canned, receipts, polls, templates, ..faults };
            commands::sandbox::run(config, quiet, &out)
        }
        Command::Listen { bind, journal, unknown_grace, sandbox } => {
            let journal = JournalArg { journal }.resolve();
            let keys = crate::listen::Keys::from_env();
            commands::listen::run(
                commands::listen::Options { bind, journal, keys, grace: unknown_grace, sandbox },
                &out,
            )
        }
        Command::Providers { format } => commands::providers::run(matches!(format, Format::Json), &out),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command(), "herald", &mut script);
            print_bytes(&script, &out)
        }
        Command::Man { command: name, out: None } => match man::page(command(), name.as_deref()) {
            Ok(page) => print_bytes(&page, &out),
            Err(none) => out.error(&crate::error::Error::NoPage { name: none.name, known: none.known.join(", ") }),
        },
        Command::Man { out: Some(dir), .. } => match man::write_all(command(), &dir) {
            Ok(paths) => {
                let list: String = paths.iter().map(|p| format!("{}\n", p.display())).collect();
                commands::print(&list).map_or_else(|e| out.error(&e), |()| crate::exit::OK)
            }
            Err(source) => out.error(&crate::error::Error::ManPages { dir, source }),
        },
    }
}

/// Prints generated text (a completion script, the manual page) to stdout.
fn print_bytes(bytes: &[u8], out: &Output) -> u8 {
    commands::print(&String::from_utf8_lossy(bytes)).map_or_else(|e| out.error(&e), |()| crate::exit::OK)
}

/// `--var` text that is not `key=value`, or a `--rate` that is not a rate.
#[derive(Debug, thiserror::Error)]
enum ArgError {
    #[error("`{0}` is not KEY=VALUE")]
    KeyValue(String),
    #[error("`{0}` is not a rate such as 20/s, 600/m or 5")]
    Rate(String),
    #[error("`{0}` is not a duration such as 15m, 90s or 1h (at most 24h)")]
    Duration(String),
}

/// `key=value`.
fn key_value(s: &str) -> Result<(String, String), ArgError> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(ArgError::KeyValue(s.into())),
    }
}

/// A rate per second: `20/s`, `600/m`, `1000/h` or a number.
fn rate(s: &str) -> Result<f64, ArgError> {
    crate::delivery::parse_rate(&serde_json::Value::String(s.into()))
        .or_else(|| s.trim().parse::<f64>().ok())
        .filter(|r| r.is_finite() && *r > 0.0)
        .ok_or_else(|| ArgError::Rate(s.into()))
}

/// A duration: `15m`, `90s`, `500ms`, `1h` or a number of seconds.
fn duration(s: &str) -> Result<std::time::Duration, ArgError> {
    crate::delivery::parse_seconds(&serde_json::Value::String(s.into()))
        .or_else(|| s.trim().parse::<f64>().ok())
        .filter(|d| d.is_finite() && (0.0..=86_400.0).contains(d))
        .map(std::time::Duration::from_secs_f64)
        .ok_or_else(|| ArgError::Duration(s.into()))
}

/// A share given on the command line that is not one.
#[derive(Debug, thiserror::Error)]
enum ShareError {
    #[error("`{0}` is not a share such as 0.1 or 10%")]
    NotANumber(String),
    #[error("`{0}` is outside 0–1 (0%–100%)")]
    OutOfRange(String),
}

/// A receipt delay given on the command line that is not one.
#[derive(Debug, thiserror::Error)]
enum DelayError {
    #[error("`{0}` is not a time such as 2s, 500ms or 1m")]
    NotATime(String),
    #[error("`{0}` is longer than an hour")]
    TooLong(String),
}

/// A time from 0 to an hour: `2s`, `500ms`, `1m`.
fn receipt_delay(s: &str) -> Result<std::time::Duration, DelayError> {
    let secs = crate::delivery::parse_seconds(&serde_json::Value::from(s))
        .filter(|n| n.is_finite() && *n >= 0.0)
        .ok_or_else(|| DelayError::NotATime(s.into()))?;
    if secs > 3600.0 {
        return Err(DelayError::TooLong(s.into()));
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

/// A share between 0 and 1 (`0.1`) or a percentage (`10%`).
fn share(s: &str) -> Result<f64, ShareError> {
    let value = match s.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|p| p / 100.0),
        None => s.trim().parse::<f64>(),
    }
    .map_err(|_| ShareError::NotANumber(s.into()))?;
    if (0.0..=1.0).contains(&value) { Ok(value) } else { Err(ShareError::OutOfRange(s.into())) }
}
