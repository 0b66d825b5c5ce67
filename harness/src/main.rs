//! The `zcpspec` command line: `run`, `fuzz`, `serve`, `list`.

use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use zcpspec::checks::coverage::{self, Coverage};
use zcpspec::checks::{exclusions, CHECKS};
use zcpspec::fuzz;
use zcpspec::protocol::revision::RevisionRange;
use zcpspec::protocol::Revision;
use zcpspec::reference::{self, Fault};
use zcpspec::runner::profile::{self, Profile};
use zcpspec::runner::{RunConfig, Target};
use zcpspec::suite::{self, exit, SuiteOptions};
use zcpspec::targets;
use zcpspec::transport::{Kind, NetOptions};

/// The environment variable naming the requirement catalogue CSV for `list --coverage`.
const CATALOGUE_ENV: &str = "ZCPSPEC_CATALOGUE";

#[derive(Parser)]
#[command(
    name = "zcpspec",
    version,
    about = "Conformance tests and fuzzing for MCP and ZCP servers"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the scenarios against a server (default: the embedded reference server).
    Run(Box<RunArgs>),
    /// Fuzz a server (default: the embedded reference server) with a live, stateful campaign;
    /// findings are minimised and saved as scenarios under --out.
    Fuzz(Box<FuzzArgs>),
    /// Serve the reference server.
    Serve(ServeArgs),
    /// List every check with its id, level, spec reference and catalogue ids, or (with
    /// --coverage) how much of the requirement catalogue they cover.
    List(ListArgs),
    /// Render a saved report.json again (HTML, JUnit XML, Markdown, terminal text), or print
    /// the JSON Schema of report.json.
    Report(ReportArgs),
}

#[derive(clap::Args)]
struct ReportArgs {
    /// A report.json that `zcpspec run` wrote.
    #[arg(required_unless_present = "schema")]
    from: Option<PathBuf>,
    /// What to render it as, on standard output.
    #[arg(long, value_enum, default_value = "terminal")]
    format: ReportFormat,
    /// Judge as `run --strict` does: warnings fail.
    #[arg(long)]
    strict: bool,
    /// Print the JSON Schema of report.json instead.
    #[arg(long, conflicts_with = "from")]
    schema: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ReportFormat {
    Terminal,
    Html,
    Junit,
    Md,
    Json,
}

#[derive(clap::Args)]
struct ListArgs {
    #[arg(long, value_enum, default_value = "text")]
    format: ListFormat,
    /// Show, per catalogue area, the MUST / MUST NOT rows covered by checks, excluded on
    /// purpose, and uncovered.
    #[arg(long)]
    coverage: bool,
    /// The catalogue CSV (default: $ZCPSPEC_CATALOGUE, else ../shared/spec/catalogue.csv from
    /// the current directory, else from the workspace zcpspec was built in).
    #[arg(long, value_name = "FILE", requires = "coverage")]
    catalogue: Option<PathBuf>,
    /// Count only rows of these revisions: all, REV, >=REV, <=REV, comma-separated.
    #[arg(long, default_value = "all", value_parser = parse_revisions, requires = "coverage")]
    revisions: RevisionRange,
}

#[derive(clap::Args, Clone)]
struct RunArgs {
    /// Scenario directory or file.
    #[arg(long)]
    scenarios: Option<PathBuf>,
    /// Where report.json, junit.xml, summary.md and traces/ are written.
    #[arg(long, default_value = "reports")]
    report_dir: PathBuf,
    /// Run only scenarios whose id matches this glob, or with tag:NAME (repeatable; any may
    /// match). A `!` in front excludes what it matches. Tags: slow, malformed,
    /// server-requests, side-effects, stable-state, tasks (see README).
    #[arg(long, allow_hyphen_values = true)]
    filter: Vec<String>,
    /// Run shard K of N (1-based): the selected scenarios, ordered by id, dealt out in turn;
    /// the N shards together are the whole run (for CI matrices).
    #[arg(long, value_name = "K/N", value_parser = parse_partition)]
    partition: Option<suite::Partition>,
    /// Treat warnings (broken SHOULDs) as failures.
    #[arg(long)]
    strict: bool,
    /// A target profile (YAML): which tool or resource plays each fixture role on this server,
    /// before discovery.
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    #[command(flatten)]
    session: SessionArgs,
    /// Scenarios run at once, each in its own session.
    #[arg(long, default_value_t = 4)]
    jobs: usize,
    #[command(flatten)]
    target: TargetArgs,
    /// Compare every scenario's server messages with the golden snapshots in this folder.
    #[arg(long)]
    golden: Option<PathBuf>,
    /// Another surface of the same server to compare with (repeatable): a URL, prefixed with
    /// `sse+` or `zcp+` for those transports. Every scenario runs on each, and what the server
    /// sends must be the same everywhere.
    #[arg(long = "parity", value_name = "URL")]
    parity: Vec<String>,
    /// Write (or update) the golden snapshots instead of comparing them.
    #[arg(long, requires = "golden")]
    bless: bool,
    /// Expected failures (YAML: check and/or scenario ids, each with a reason): they fail no
    /// run, and an entry that no longer fails does.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record this run's failures as a baseline in FILE (then judge the run by it).
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    write_baseline: Option<PathBuf>,
    /// Colour the terminal output: auto, always or never.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
    /// Run against every server a targets file names (YAML: name, command or url or embedded,
    /// transport, headers, bearer_env, profile, baseline, timeout_ms), one after the other,
    /// into one report with a section per target (its files under --report-dir/<name>/).
    #[arg(long, value_name = "FILE", conflicts_with_all = [
        "fault", "url", "command", "profile", "baseline", "write_baseline", "golden", "parity",
    ])]
    targets: Option<PathBuf>,
}

/// How the harness talks to the server, for `run` and `fuzz` alike.
#[derive(clap::Args, Clone)]
struct SessionArgs {
    /// The protocol revision to speak: one to ask for in initialize, 2026-07-28 (stateless:
    /// server/discover, then the era's _meta on every request), or `auto`: 2026-07-28 when
    /// the server's server/discover lists it, else the latest handshake-era revision.
    #[arg(long, default_value = Revision::LATEST.as_str(), value_parser = parse_revision_choice)]
    revision: RevisionChoice,
    /// How long to wait for any one response, in milliseconds.
    #[arg(long, default_value_t = 5000)]
    timeout_ms: u64,
    /// The largest server frame accepted; longer lines are discarded.
    #[arg(long, default_value_t = zcpspec::transport::DEFAULT_MAX_FRAME)]
    max_frame_bytes: usize,
}

/// Which server: the embedded one (with a fault or none), a command, or a URL.
#[derive(clap::Args, Clone)]
struct TargetArgs {
    /// Break the embedded reference server with this fault (see `serve --list-faults`).
    #[arg(long, conflicts_with_all = ["command", "url"])]
    fault: Option<Fault>,
    /// The server's URL: http(s):// means streamable HTTP unless --transport says otherwise,
    /// ws(s):// means WebSocket.
    #[arg(long, conflicts_with = "command")]
    url: Option<String>,
    /// How to reach --url.
    #[arg(long, value_enum, requires = "url")]
    transport: Option<UrlTransport>,
    /// An extra request header for network targets, `Name: value` (repeatable).
    #[arg(long = "header", value_parser = parse_header, requires = "url")]
    headers: Vec<(String, String)>,
    /// Read a bearer token from this environment variable and send it as Authorization.
    /// It never appears in traces or reports.
    #[arg(long, requires = "url")]
    bearer_env: Option<String>,
    /// The server command to spawn over stdio, after `--`.
    #[arg(last = true)]
    command: Vec<String>,
}

#[derive(clap::Args)]
struct FuzzArgs {
    /// The campaign's seed: the same seed sends the same frames.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Stop after this many seconds.
    #[arg(
        long,
        value_name = "SECS",
        required_unless_present = "iterations",
        conflicts_with = "iterations"
    )]
    duration: Option<f64>,
    /// Stop after this many iterations (each a few frames and a sentinel ping).
    #[arg(long)]
    iterations: Option<u64>,
    /// Where findings and summary.json are written.
    #[arg(long, default_value = "reports/fuzz")]
    out: PathBuf,
    /// Sessions fuzzed at once.
    #[arg(long, default_value_t = 1)]
    jobs: usize,
    /// Also write every frame sent to this file, a line each, to replay them elsewhere.
    #[arg(long, value_name = "FILE")]
    save_frames: Option<PathBuf>,
    #[command(flatten)]
    session: SessionArgs,
    #[command(flatten)]
    target: TargetArgs,
}

#[derive(clap::Args)]
struct ServeArgs {
    #[arg(long, value_enum, default_value = "stdio")]
    transport: ServeTransport,
    /// The port for --transport http, on 127.0.0.1 (0 picks a free one; the address is printed).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Break one requirement on purpose.
    #[arg(long)]
    fault: Option<Fault>,
    /// Print the name of every fault, one per line, and exit.
    #[arg(long)]
    list_faults: bool,
    /// The largest input line the server accepts.
    #[arg(long, default_value_t = zcpspec::transport::DEFAULT_MAX_FRAME)]
    max_frame_bytes: usize,
}

#[derive(Clone, Copy, ValueEnum)]
enum ServeTransport {
    /// Newline-delimited JSON-RPC on stdin and stdout.
    Stdio,
    /// /mcp (streamable HTTP), /sse (legacy HTTP+SSE), /ws (WebSocket) and /zcp (ZCP native).
    Http,
}

#[derive(Clone, Copy, ValueEnum)]
enum UrlTransport {
    StreamableHttp,
    Sse,
    Ws,
    Zcp,
}

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// `--revision`: one revision, or `auto`.
#[derive(Clone, Copy)]
enum RevisionChoice {
    Auto,
    Fixed(Revision),
}

fn parse_revision_choice(s: &str) -> Result<RevisionChoice, String> {
    match s {
        "auto" => Ok(RevisionChoice::Auto),
        s => s.parse().map(RevisionChoice::Fixed),
    }
}

/// The revision `--revision` names, asking the server when it says `auto`.
async fn revision(choice: RevisionChoice, target: &Target, timeout: Duration) -> Revision {
    match choice {
        RevisionChoice::Fixed(revision) => revision,
        RevisionChoice::Auto => {
            let config = RunConfig {
                timeout,
                ..RunConfig::default()
            };
            let (revision, why) = zcpspec::runner::detect_revision(target, &config).await;
            println!("revision: {revision} ({why})");
            revision
        }
    }
}

fn parse_revisions(s: &str) -> Result<RevisionRange, String> {
    s.parse()
}

fn parse_header(s: &str) -> Result<(String, String), String> {
    let (name, value) = s
        .split_once(':')
        .ok_or_else(|| format!("{s:?} is not `Name: value`"))?;
    let name = name.trim();
    if !zcpspec::transport::is_header_name(name) {
        return Err(format!("{name:?} is not a header name"));
    }
    Ok((name.to_string(), value.trim().to_string()))
}

/// A `--parity` surface: a URL, with `sse+` or `zcp+` in front for those transports.
fn parity_target(spec: &str, args: &RunArgs) -> Result<Target, String> {
    let (transport, url) = match spec.split_once('+') {
        Some(("sse", url)) => (Some(UrlTransport::Sse), url),
        Some(("zcp", url)) => (Some(UrlTransport::Zcp), url),
        _ => (None, spec),
    };
    let mut surface = TargetArgs {
        url: Some(url.to_string()),
        transport,
        command: Vec::new(),
        ..args.target.clone()
    };
    target(
        &mut surface,
        args.session.max_frame_bytes,
        args.session.timeout_ms,
    )
}

/// The target a `run` names: a URL, a command, or the embedded server.
fn target(args: &mut TargetArgs, max_frame: usize, timeout_ms: u64) -> Result<Target, String> {
    let Some(url) = args.url.take() else {
        return Ok(if args.command.is_empty() {
            Target::Embedded { fault: args.fault }
        } else {
            Target::Command(std::mem::take(&mut args.command))
        });
    };
    let bearer = match &args.bearer_env {
        Some(var) => Some(
            std::env::var(var)
                .map_err(|_| format!("--bearer-env {var}: the variable is not set"))?,
        ),
        None => None,
    };
    let transport = args.transport.map(|t| match t {
        UrlTransport::StreamableHttp => Kind::StreamableHttp,
        UrlTransport::Sse => Kind::Sse,
        UrlTransport::Ws => Kind::Ws,
        UrlTransport::Zcp => Kind::Zcp,
    });
    let options = NetOptions {
        headers: std::mem::take(&mut args.headers),
        bearer,
        max_frame,
        timeout: Duration::from_millis(timeout_ms),
    };
    Target::url(url, transport, options)
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::USAGE as u8 } else { 0 });
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let code = match cli.command {
        Command::Run(args) => runtime.block_on(run(*args)),
        Command::Fuzz(args) => runtime.block_on(fuzz(*args)),
        Command::Serve(args) => runtime.block_on(serve(args)),
        Command::List(args) => list(args),
        Command::Report(args) => report(args),
    };
    ExitCode::from(code as u8)
}

async fn run(mut args: RunArgs) -> i32 {
    let parity: Result<Vec<Target>, String> = std::mem::take(&mut args.parity)
        .into_iter()
        .map(|spec| parity_target(&spec, &args))
        .collect();
    let (target, parity) = match (
        target(
            &mut args.target,
            args.session.max_frame_bytes,
            args.session.timeout_ms,
        ),
        parity,
    ) {
        (Ok(t), Ok(p)) => (t, p),
        (Err(message), _) | (_, Err(message)) => {
            eprintln!("zcpspec: {message}");
            return exit::USAGE;
        }
    };
    let profile = match &args.profile {
        Some(path) => match profile::load(path) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("zcpspec: {e}");
                return exit::USAGE;
            }
        },
        None => Profile::default(),
    };
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::io::stdout().is_terminal(),
    };
    let timeout = Duration::from_millis(args.session.timeout_ms);
    // With a targets file, each target's revision is settled with the target.
    let run_revision = match (&args.targets, args.session.revision) {
        (Some(_), RevisionChoice::Auto) => Revision::LATEST,
        (_, choice) => revision(choice, &target, timeout).await,
    };
    let opts = SuiteOptions {
        name: None,
        scenarios: args.scenarios.unwrap_or_else(default_scenarios),
        filter: args.filter,
        strict: args.strict,
        target,
        config: RunConfig {
            revision: run_revision,
            timeout: Duration::from_millis(args.session.timeout_ms),
            max_frame: args.session.max_frame_bytes,
            jobs: args.jobs,
            profile,
        },
        report_dir: Some(args.report_dir),
        color,
        golden: args.golden.map(|dir| suite::Golden {
            dir,
            bless: args.bless,
        }),
        parity,
        baseline: args.baseline,
        write_baseline: args.write_baseline,
        partition: args.partition,
    };
    let mut stdout = std::io::stdout();
    let outcome = match &args.targets {
        Some(file) => {
            let timeout = Duration::from_millis(args.session.timeout_ms);
            let mut targets = match targets::load(file, args.session.max_frame_bytes, timeout) {
                Ok(targets) => targets,
                Err(message) => {
                    eprintln!("zcpspec: {message}");
                    return exit::USAGE;
                }
            };
            for t in targets.iter_mut().filter(|t| t.revision.is_none()) {
                t.revision = Some(revision(args.session.revision, &t.target, timeout).await);
            }
            let description = format!("{} ({} targets)", file.display(), targets.len());
            suite::run_targets(opts, targets, description, &mut stdout).await
        }
        None => suite::run(opts, &mut stdout).await,
    };
    match outcome {
        Ok(outcome) => outcome.exit_code,
        Err(message) => {
            eprintln!("zcpspec: {message}");
            exit::USAGE
        }
    }
}

async fn fuzz(args: FuzzArgs) -> i32 {
    let mut target_args = args.target;
    let target = match target(
        &mut target_args,
        args.session.max_frame_bytes,
        args.session.timeout_ms,
    ) {
        Ok(target) => target,
        Err(message) => {
            eprintln!("zcpspec: {message}");
            return exit::USAGE;
        }
    };
    let budget = match (args.duration, args.iterations) {
        (Some(secs), _) if secs.is_finite() && secs >= 0.0 => {
            fuzz::Budget::Time(Duration::from_secs_f64(secs))
        }
        (None, Some(iterations)) => fuzz::Budget::Iterations(iterations),
        _ => {
            eprintln!("zcpspec: --duration must be a number of seconds");
            return exit::USAGE;
        }
    };
    let timeout = Duration::from_millis(args.session.timeout_ms);
    let campaign = fuzz::Campaign {
        target: target.clone(),
        seed: args.seed,
        budget,
        out: args.out,
        jobs: args.jobs,
        revision: revision(args.session.revision, &target, timeout).await,
        timeout,
        max_frame: args.session.max_frame_bytes,
        save_frames: args.save_frames,
    };
    let mut stdout = std::io::stdout();
    match fuzz::run(&campaign, &mut stdout).await {
        Ok(summary) if summary.findings.is_empty() => exit::OK,
        Ok(_) => exit::FAILED,
        Err(e) => {
            eprintln!("zcpspec: cannot write to {}: {e}", campaign.out.display());
            exit::UNREACHABLE
        }
    }
}

/// `scenarios/` in the working directory, else the one shipped beside the crate.
fn default_scenarios() -> PathBuf {
    let here = PathBuf::from("scenarios");
    if here.is_dir() {
        here
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
    }
}

async fn serve(args: ServeArgs) -> i32 {
    if args.list_faults {
        for f in Fault::ALL {
            say(&format!("{f}\n"));
        }
        return exit::OK;
    }
    match args.transport {
        ServeTransport::Stdio => {
            let server = reference::Server::new(args.fault);
            reference::serve_lines(
                server,
                tokio::io::stdin(),
                tokio::io::stdout(),
                args.max_frame_bytes,
            )
            .await
        }
        ServeTransport::Http => {
            let listener = match tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await {
                Ok(l) => l,
                Err(e) => {
                    eprintln!("zcpspec: cannot listen on 127.0.0.1:{}: {e}", args.port);
                    return exit::UNREACHABLE;
                }
            };
            match listener.local_addr() {
                Ok(addr) => println!("listening on http://{addr}"),
                Err(e) => eprintln!("zcpspec: {e}"),
            }
            match reference::serve_http(listener, args.fault, args.max_frame_bytes).await {
                Ok(()) => exit::OK,
                Err(e) => {
                    eprintln!("zcpspec: {e}");
                    exit::FAILED
                }
            }
        }
    }
}

fn report(args: ReportArgs) -> i32 {
    if args.schema {
        say(zcpspec::report::SCHEMA);
        return exit::OK;
    }
    let from = args.from.expect("clap requires FROM without --schema");
    let report = match zcpspec::report::read_json(&from) {
        Ok(report) => report,
        Err(message) => {
            eprintln!("zcpspec: {message}");
            return exit::USAGE;
        }
    };
    let strict = args.strict;
    let text = match args.format {
        ReportFormat::Terminal => zcpspec::report::terminal::summary(&report, strict, false),
        ReportFormat::Html => zcpspec::report::html::render(&report, strict),
        ReportFormat::Junit => zcpspec::report::junit::render(&report),
        ReportFormat::Md => zcpspec::report::markdown::render(&report, strict),
        ReportFormat::Json => zcpspec::report::json::render(&report),
    };
    say(&text);
    exit::OK
}

fn list(args: ListArgs) -> i32 {
    if args.coverage {
        return list_coverage(&args);
    }
    match args.format {
        ListFormat::Text => {
            for c in CHECKS {
                say(&format!(
                    "{:<44} {:<10} {:<48} {}\n",
                    c.id,
                    c.level.as_str(),
                    c.spec,
                    c.catalogue.join(",")
                ));
            }
        }
        ListFormat::Json => {
            let checks: Vec<_> = CHECKS
                .iter()
                .map(|c| serde_json::json!({"id": c.id, "level": c.level, "spec": c.spec, "requirement": c.requirement, "catalogue": c.catalogue}))
                .collect();
            let exclusions = exclusions::all();
            say(&format!(
                "{}\n",
                serde_json::json!({ "checks": checks, "exclusions": exclusions })
            ));
        }
    }
    exit::OK
}

/// `list --coverage`: the catalogue's mandatory rows per area, covered, excluded or uncovered.
fn list_coverage(args: &ListArgs) -> i32 {
    let rows = match catalogue_path(args.catalogue.clone())
        .and_then(|path| coverage::read_catalogue(&path))
    {
        Ok(rows) => rows,
        Err(message) => {
            eprintln!("zcpspec: {message}");
            return exit::USAGE;
        }
    };
    let coverage = Coverage::of(&rows, &args.revisions);
    match args.format {
        ListFormat::Text => say(&coverage.table()),
        ListFormat::Json => {
            let (rows, covered, excluded, uncovered) = coverage.totals();
            let total = serde_json::json!({
                "rows": rows, "covered": covered, "excluded": excluded,
                "uncovered": uncovered, "percent": coverage.percent(),
            });
            say(&format!(
                "{}\n",
                serde_json::json!({ "revisions": coverage.revisions, "areas": coverage.areas, "total": total })
            ));
        }
    }
    exit::OK
}

/// The catalogue CSV: --catalogue, else $ZCPSPEC_CATALOGUE, else ../shared/spec/catalogue.csv
/// from the current directory or from the workspace this binary was built in.
fn catalogue_path(explicit: Option<PathBuf>) -> Result<PathBuf, String> {
    if let Some(path) = explicit.or_else(|| std::env::var_os(CATALOGUE_ENV).map(PathBuf::from)) {
        return Ok(path);
    }
    let candidates = [
        PathBuf::from("../shared/spec/catalogue.csv"),
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec/catalogue.csv"),
    ];
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| {
            format!(
                "no requirement catalogue: neither {} nor {} exists; pass --catalogue FILE or set {CATALOGUE_ENV}",
                candidates[0].display(),
                candidates[1].display()
            )
        })
}

/// Writes to standard output; a reader that went away (`zcpspec list | head`) is no error.
fn say(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// `K/N` for `--partition`: shard K (1-based) of N.
fn parse_partition(text: &str) -> Result<suite::Partition, String> {
    let (k, n) = text.split_once('/').ok_or("expected K/N, say 1/4")?;
    let parse = |s: &str| s.trim().parse::<usize>().map_err(|e| format!("{s:?}: {e}"));
    let (shard, of) = (parse(k)?, parse(n)?);
    if shard == 0 || shard > of {
        return Err(format!("shard {shard} of {of}: K must be from 1 to N"));
    }
    Ok(suite::Partition { shard, of })
}
