//! The `zcpspec` command line: `run`, `serve`, `list`.

use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use zcpspec::checks::CHECKS;
use zcpspec::protocol::Revision;
use zcpspec::reference::{self, Fault};
use zcpspec::runner::{RunConfig, Target};
use zcpspec::suite::{self, exit, SuiteOptions};

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
    Run(RunArgs),
    /// Serve the reference server.
    Serve(ServeArgs),
    /// List every check with its id, level, spec reference and catalogue ids.
    List {
        #[arg(long, value_enum, default_value = "text")]
        format: ListFormat,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// Scenario directory or file.
    #[arg(long)]
    scenarios: Option<PathBuf>,
    /// Where report.json, junit.xml, summary.md and traces/ are written.
    #[arg(long, default_value = "reports")]
    report_dir: PathBuf,
    /// Run only scenarios whose id matches this glob (repeatable).
    #[arg(long)]
    filter: Vec<String>,
    /// Treat warnings (broken SHOULDs) as failures.
    #[arg(long)]
    strict: bool,
    /// The protocol revision to request in initialize.
    #[arg(long, default_value = Revision::LATEST.as_str(), value_parser = parse_revision)]
    revision: Revision,
    /// How long to wait for any one response, in milliseconds.
    #[arg(long, default_value_t = 5000)]
    timeout_ms: u64,
    /// The largest server frame accepted; longer lines are discarded.
    #[arg(long, default_value_t = zcpspec::transport::DEFAULT_MAX_FRAME)]
    max_frame_bytes: usize,
    /// Scenarios run at once, each in its own session.
    #[arg(long, default_value_t = 4)]
    jobs: usize,
    /// Break the embedded reference server with this fault (see `serve --list-faults`).
    #[arg(long, conflicts_with = "command")]
    fault: Option<Fault>,
    /// Colour the terminal output: auto, always or never.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
    /// The server command to spawn over stdio, after `--`.
    #[arg(last = true)]
    command: Vec<String>,
}

#[derive(clap::Args)]
struct ServeArgs {
    #[arg(long, value_enum, default_value = "stdio")]
    transport: ServeTransport,
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
    Stdio,
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

fn parse_revision(s: &str) -> Result<Revision, String> {
    s.parse()
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
        Command::Run(args) => runtime.block_on(run(args)),
        Command::Serve(args) => runtime.block_on(serve(args)),
        Command::List { format } => list(format),
    };
    ExitCode::from(code as u8)
}

async fn run(args: RunArgs) -> i32 {
    let target = if args.command.is_empty() {
        Target::Embedded { fault: args.fault }
    } else {
        Target::Command(args.command)
    };
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::io::stdout().is_terminal(),
    };
    let opts = SuiteOptions {
        scenarios: args.scenarios.unwrap_or_else(default_scenarios),
        filter: args.filter,
        strict: args.strict,
        target,
        config: RunConfig {
            revision: args.revision,
            timeout: Duration::from_millis(args.timeout_ms),
            max_frame: args.max_frame_bytes,
            jobs: args.jobs,
        },
        report_dir: Some(args.report_dir),
        color,
    };
    let mut stdout = std::io::stdout();
    match suite::run(opts, &mut stdout).await {
        Ok(outcome) => outcome.exit_code,
        Err(message) => {
            eprintln!("zcpspec: {message}");
            exit::USAGE
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
            println!("{f}");
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
    }
}

fn list(format: ListFormat) -> i32 {
    match format {
        ListFormat::Text => {
            for c in CHECKS {
                println!(
                    "{:<44} {:<10} {:<48} {}",
                    c.id,
                    c.level.as_str(),
                    c.spec,
                    c.catalogue.join(",")
                );
            }
        }
        ListFormat::Json => {
            let checks: Vec<_> = CHECKS
                .iter()
                .map(|c| serde_json::json!({"id": c.id, "level": c.level, "spec": c.spec, "requirement": c.requirement, "catalogue": c.catalogue}))
                .collect();
            println!("{}", serde_json::json!({ "checks": checks }));
        }
    }
    exit::OK
}
