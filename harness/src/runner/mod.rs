//! The runner: drives one session per scenario against a target and records everything into a
//! trace. It decides nothing about conformance; the judge does that from the trace.

pub mod profile;
pub mod roles;
mod session;

use crate::protocol::revision::RevisionRange;
use crate::protocol::Revision;
use crate::reference::Fault;
use crate::scenario::{Action, Scenario, Step};
use crate::trace::Trace;
use crate::transport::{self, Connection};
use profile::Profile;
use std::sync::Arc;
use std::time::Duration;

/// What the harness talks to.
#[derive(Debug, Clone)]
pub enum Target {
    /// The reference server, in-process.
    Embedded { fault: Option<Fault> },
    /// A server command spawned over stdio.
    Command(Vec<String>),
    /// A server listening at a URL.
    Url {
        url: String,
        kind: transport::Kind,
        options: transport::NetOptions,
    },
}

impl Target {
    /// A server at `url`, over `transport` when given, else the one its scheme implies:
    /// http(s) streamable HTTP, ws(s) WebSocket. The error says why the two do not fit.
    pub fn url(
        url: String,
        transport: Option<transport::Kind>,
        options: transport::NetOptions,
    ) -> Result<Target, String> {
        use transport::Kind;
        let scheme = (url.split("://").next().unwrap_or_default()).to_ascii_lowercase();
        let kind = match (transport, scheme.as_str()) {
            (None | Some(Kind::Ws), "ws" | "wss") => Kind::Ws,
            (None | Some(Kind::StreamableHttp), "http" | "https") => Kind::StreamableHttp,
            (Some(kind @ (Kind::Sse | Kind::Zcp)), "http" | "https") => kind,
            _ => return Err(format!("{url} cannot be reached over that transport")),
        };
        Ok(Target::Url { url, kind, options })
    }

    pub fn describe(&self) -> String {
        match self {
            Target::Embedded { fault: None } => "embedded reference server".into(),
            Target::Embedded { fault: Some(f) } => {
                format!("embedded reference server (fault {f})")
            }
            Target::Command(cmd) => cmd.join(" "),
            Target::Url { url, kind, .. } => {
                format!("{} ({})", transport::redact_url(url), kind.name())
            }
        }
    }

    /// The transport this target is reached over.
    pub fn kind(&self) -> transport::Kind {
        match self {
            Target::Embedded { .. } | Target::Command(_) => transport::Kind::Stdio,
            Target::Url { kind, .. } => *kind,
        }
    }

    pub(crate) async fn connect(
        &self,
        max_frame: usize,
        get_stream: bool,
    ) -> std::io::Result<Connection> {
        match self {
            Target::Embedded { fault } => Ok(transport::in_process::connect(*fault, max_frame)),
            Target::Command(cmd) => transport::stdio::spawn(cmd, max_frame),
            Target::Url { url, kind, options } => {
                let options = transport::NetOptions {
                    max_frame,
                    ..options.clone()
                };
                match kind {
                    transport::Kind::Ws => transport::ws::connect(url, options).await,
                    _ => transport::http::connect(url, *kind, options, get_stream).await,
                }
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct RunConfig {
    /// The protocol version `initialize` asks for unless a scenario names one.
    pub revision: Revision,
    /// How long to wait for any one response.
    pub timeout: Duration,
    pub max_frame: usize,
    /// Scenarios run at once, each in its own session.
    pub jobs: usize,
    /// Which tool or resource plays each fixture role, before discovery (`run --profile`).
    pub profile: Profile,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            revision: Revision::LATEST,
            timeout: Duration::from_secs(5),
            max_frame: transport::DEFAULT_MAX_FRAME,
            jobs: 4,
            profile: Profile::default(),
        }
    }
}

/// One scenario's session, as recorded.
#[derive(Debug)]
pub struct ScenarioRun {
    pub trace: Trace,
    /// The revision the server negotiated, as it said it.
    pub revision: Option<String>,
    /// Why the harness could not run the scenario (the target could not be started).
    pub error: Option<String>,
    /// False when the scenario turned out not to apply (revision, capability, role, transport).
    pub applicable: bool,
}

/// Which era a server speaks, found out as a 2026-07-28 client would (STDIO-08): a session
/// that starts with `server/discover`. The stateless revision when the server lists it, else
/// the latest handshake-era one; and why.
pub async fn detect_revision(target: &Target, config: &RunConfig) -> (Revision, String) {
    let probe = Scenario {
        id: "zcpspec/detect-revision".into(),
        title: "Which protocol era the server speaks".into(),
        file: Default::default(),
        revisions: RevisionRange::all(),
        requires_capabilities: Vec::new(),
        requires_role: None,
        requires_transports: Vec::new(),
        client_capabilities: serde_json::json!({}),
        get_stream: false,
        golden_redact: Vec::new(),
        parity: true,
        tags: Vec::new(),
        handlers: Vec::new(),
        steps: vec![Step {
            action: Action::Initialize {
                protocol_version: None,
                initialized: false,
            },
            expect: Vec::new(),
            capture: Vec::new(),
            when: None,
        }],
    };
    let config = RunConfig {
        revision: Revision::STATELESS,
        ..config.clone()
    };
    let run = run_scenario(&probe, target, &config).await;
    match (run.revision, run.error) {
        (Some(revision), _) => match revision.parse() {
            Ok(revision) => (revision, format!("server/discover lists {revision}")),
            Err(_) => (
                Revision::LATEST,
                format!("server/discover lists {revision}"),
            ),
        },
        (None, Some(error)) => (Revision::LATEST, error),
        (None, None) => (
            Revision::LATEST,
            format!("server/discover does not list {}", Revision::STATELESS),
        ),
    }
}

/// Runs one scenario in a fresh session.
pub async fn run_scenario(scenario: &Scenario, target: &Target, config: &RunConfig) -> ScenarioRun {
    let conn = match target.connect(config.max_frame, scenario.get_stream).await {
        Ok(c) => c,
        Err(e) => {
            return ScenarioRun {
                trace: Trace::new(),
                revision: None,
                error: Some(format!("cannot start {}: {e}", target.describe())),
                applicable: false,
            }
        }
    };
    session::Session::new(conn, scenario, target, config)
        .run()
        .await
}

/// Runs scenarios `config.jobs` at a time, those tagged `slow` first (a long one started last
/// would leave the other jobs idle at the end); results come back in the scenarios' order.
/// `on_done` is called (in completion order) as each one finishes.
pub async fn run_all(
    scenarios: Arc<Vec<Scenario>>,
    target: Target,
    config: RunConfig,
    mut on_done: impl FnMut(usize, &ScenarioRun),
) -> Vec<ScenarioRun> {
    let semaphore = Arc::new(tokio::sync::Semaphore::new(config.jobs.max(1)));
    // A scenario that changes the server's state (tag side-effects) never runs beside one that
    // compares the server's answers across requests (tag stable-state): a server that keeps one
    // state for every connection (stateless HTTP, say) would show it the change.
    let quiet = Arc::new(tokio::sync::RwLock::new(()));
    let target = Arc::new(target);
    let config = Arc::new(config);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let slow = |index: &usize| scenarios[*index].tags.contains(&"slow");
    let (mut order, rest): (Vec<usize>, Vec<usize>) = (0..scenarios.len()).partition(slow);
    order.extend(rest);
    for index in order {
        let (scenarios, target, config, semaphore, quiet, tx) = (
            scenarios.clone(),
            target.clone(),
            config.clone(),
            semaphore.clone(),
            quiet.clone(),
            tx.clone(),
        );
        tokio::spawn(async move {
            let _permit = semaphore.acquire().await.expect("never closed");
            let tags = &scenarios[index].tags;
            let (_changing, _comparing) = match (
                tags.contains(&"side-effects"),
                tags.contains(&"stable-state"),
            ) {
                (true, _) => (Some(quiet.write().await), None),
                (false, true) => (None, Some(quiet.read().await)),
                (false, false) => (None, None),
            };
            let session =
                tokio::spawn(
                    async move { run_scenario(&scenarios[index], &target, &config).await },
                );
            // A harness bug in one session becomes that scenario's error, not a crash of the run.
            let run = session.await.unwrap_or_else(|e| ScenarioRun {
                trace: Trace::new(),
                revision: None,
                error: Some(format!("internal error in the harness: {e}")),
                applicable: false,
            });
            let _ = tx.send((index, run));
        });
    }
    drop(tx);
    let mut runs: Vec<Option<ScenarioRun>> = (0..scenarios.len()).map(|_| None).collect();
    while let Some((index, run)) = rx.recv().await {
        on_done(index, &run);
        runs[index] = Some(run);
    }
    runs.into_iter()
        .map(|r| r.expect("every scenario task reports"))
        .collect()
}
