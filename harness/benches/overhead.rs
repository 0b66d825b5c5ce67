//! Per-request overhead: the round trip of one request, sent one after another, to
//! `zcpspec serve` over stdio and over streamable HTTP, by three clients:
//!
//! - raw: the least a client can do. stdio: write a line to the server's stdin, read a line
//!   from its stdout (blocking pipes). HTTP: one POST per request on a kept-alive connection,
//!   the whole body read.
//! - transport: zcpspec's `Connection` (the same pipes or POSTs, with the readers' tasks and
//!   the event channel between them and the caller).
//! - session: the runner (`run_scenario`) on a scenario of pings, each with an expectation,
//!   as every scenario step runs: recorded in the trace, its response awaited and matched. Its
//!   round trip is the time from one ping's `sent` event to the next one's, so it includes
//!   everything the session does per step.
//!
//! Each client sends 200 untimed pings, then 2,000 timed ones, 5 times against a fresh
//! server; it prints the median over runs of each run's p50 and p99 (microseconds), each
//! client's overhead over the raw loop at p50 (target for the session: under 10%), and the CPU
//! time the client process spent per request (user and system, server excluded).
//!
//! `cargo bench -p zcpspec --bench overhead [-- [--quick] [NAME...]]`: `--quick` sends fewer
//! pings, for a smoke run; names (`stdio`, `http`, `transport`, `session`) pick what runs.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use zcpspec::runner::{self, RunConfig, Target};
use zcpspec::scenario::Scenario;
use zcpspec::trace::EventKind;
use zcpspec::transport::{self, Connection, Incoming, NetOptions};

const BIN: &str = env!("CARGO_BIN_EXE_zcpspec");

#[path = "../tests/common/mod.rs"]
mod common;
use common::Server;
const REVISION: &str = "2025-11-25";
const TIMEOUT: Duration = Duration::from_secs(5);

/// Pings per run, runs, and untimed pings first.
struct Plan {
    pings: usize,
    runs: usize,
    warmup: usize,
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    // Names given (`stdio`, `http`, `transport`, `session`) select what runs; the raw loop
    // always runs, as the baseline.
    let only: Vec<String> = (std::env::args().skip(1))
        .filter(|a| !a.starts_with("--"))
        .collect();
    let selected = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    let plan = match quick {
        true => Plan {
            pings: 200,
            runs: 1,
            warmup: 20,
        },
        false => Plan {
            pings: 2000,
            runs: 5,
            warmup: 200,
        },
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    println!(
        "round trip of sequential pings to `zcpspec serve`, microseconds: median over {} runs \
         of each run's p50 and p99 ({} pings each)",
        plan.runs, plan.pings
    );
    println!(
        "{:<10} {:<10} {:>8} {:>8} {:>10} {:>10}",
        "transport", "client", "p50", "p99", "vs raw p50", "client CPU"
    );
    let pings = ping_scenario(&plan);
    let transports = ["stdio", "http"].into_iter().filter(|t| selected(t));
    for transport in transports {
        let mut raw_p50 = 0.0;
        let clients = ["raw", "transport", "session"].into_iter();
        for client in clients.filter(|c| *c == "raw" || selected(c)) {
            let mut p50s = Vec::new();
            let mut p99s = Vec::new();
            let mut cpus = Vec::new();
            for _ in 0..plan.runs {
                let cpu_before = cpu_seconds();
                let samples = match (transport, client) {
                    ("stdio", "raw") => raw_stdio(&plan),
                    ("http", "raw") => {
                        let server = Server::start();
                        runtime.block_on(raw_http(&plan, &format!("{}/mcp", server.base)))
                    }
                    ("stdio", "transport") => {
                        let command = vec![BIN.to_string(), "serve".to_string()];
                        runtime.block_on(async {
                            let conn =
                                transport::stdio::spawn(&command, transport::DEFAULT_MAX_FRAME)
                                    .expect("zcpspec serve starts");
                            through_connection(&plan, conn).await
                        })
                    }
                    ("http", "transport") => {
                        let server = Server::start();
                        runtime.block_on(async {
                            let conn = transport::http::connect(
                                &format!("{}/mcp", server.base),
                                transport::Kind::StreamableHttp,
                                net_options(),
                                false,
                            )
                            .await
                            .expect("the HTTP server is reached");
                            through_connection(&plan, conn).await
                        })
                    }
                    ("stdio", _) => {
                        let target = Target::Command(vec![BIN.to_string(), "serve".to_string()]);
                        runtime.block_on(through_session(&plan, &pings, &target))
                    }
                    _ => {
                        let server = Server::start();
                        let target =
                            Target::url(format!("{}/mcp", server.base), None, net_options())
                                .expect("an HTTP target");
                        runtime.block_on(through_session(&plan, &pings, &target))
                    }
                };
                let requests = (plan.warmup + plan.pings) as f64;
                cpus.push((cpu_seconds() - cpu_before) * 1e6 / requests);
                let mut samples = samples;
                samples.sort_by(f64::total_cmp);
                p50s.push(percentile(&samples, 50.0));
                p99s.push(percentile(&samples, 99.0));
            }
            let (p50, p99, cpu) = (median(p50s), median(p99s), median(cpus));
            if client == "raw" {
                raw_p50 = p50;
            }
            println!(
                "{transport:<10} {client:<10} {p50:>8.1} {p99:>8.1} {:>+9.1}% {cpu:>10.1}",
                100.0 * (p50 - raw_p50) / raw_p50
            );
        }
    }
}

fn net_options() -> NetOptions {
    NetOptions {
        max_frame: transport::DEFAULT_MAX_FRAME,
        timeout: TIMEOUT,
        ..NetOptions::default()
    }
}

fn initialize(id: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "initialize", "params": {
        "protocolVersion": REVISION, "capabilities": {},
        "clientInfo": {"name": "zcpspec-bench", "version": "0"}}})
}

fn initialized() -> Value {
    json!({"jsonrpc": "2.0", "method": "notifications/initialized"})
}

fn ping(id: u64) -> Vec<u8> {
    format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"ping"}}"#).into_bytes()
}

/// Write a line, read a line, over blocking pipes to `zcpspec serve`.
fn raw_stdio(plan: &Plan) -> Vec<f64> {
    let mut server = Command::new(BIN)
        .arg("serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("zcpspec serve starts");
    let mut input = server.stdin.take().expect("stdin is piped");
    let mut output = BufReader::new(server.stdout.take().expect("stdout is piped"));
    let mut line = String::new();
    let mut exchange = |frame: &[u8], answered: bool| {
        input.write_all(frame).expect("the server reads");
        input.write_all(b"\n").expect("the server reads");
        input.flush().expect("the server reads");
        if answered {
            line.clear();
            output.read_line(&mut line).expect("the server answers");
            assert!(line.ends_with('\n'), "a whole line");
        }
    };
    exchange(&serde_json::to_vec(&initialize(0)).unwrap(), true);
    exchange(&serde_json::to_vec(&initialized()).unwrap(), false);
    let mut samples = Vec::with_capacity(plan.pings);
    for i in 0..(plan.warmup + plan.pings) {
        let started = Instant::now();
        exchange(&ping(i as u64 + 1), true);
        if i >= plan.warmup {
            samples.push(micros(started.elapsed()));
        }
    }
    drop(input);
    let _ = server.wait();
    samples
}

/// One POST per request on a kept-alive connection, the whole answer read.
async fn raw_http(plan: &Plan, url: &str) -> Vec<f64> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("an HTTP client");
    let post = |body: Vec<u8>, session: Option<&str>| {
        let mut request = client
            .post(url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", REVISION);
        if let Some(id) = session {
            request = request.header("mcp-session-id", id);
        }
        request.body(body).send()
    };
    let answer = post(serde_json::to_vec(&initialize(0)).unwrap(), None)
        .await
        .expect("initialize is answered");
    let session = (answer.headers().get("mcp-session-id"))
        .map(|v| v.to_str().expect("a visible session id").to_string());
    let _ = answer.bytes().await;
    let answer = post(
        serde_json::to_vec(&initialized()).unwrap(),
        session.as_deref(),
    )
    .await
    .expect("initialized is accepted");
    let _ = answer.bytes().await;
    let mut samples = Vec::with_capacity(plan.pings);
    for i in 0..(plan.warmup + plan.pings) {
        let started = Instant::now();
        let answer = post(ping(i as u64 + 1), session.as_deref())
            .await
            .expect("the ping is answered");
        let body = answer.bytes().await.expect("the body is read");
        assert!(!body.is_empty(), "an answer");
        if i >= plan.warmup {
            samples.push(micros(started.elapsed()));
        }
    }
    samples
}

/// The same exchange through zcpspec's `Connection`: send, then take events until the frame.
async fn through_connection(plan: &Plan, mut conn: Connection) -> Vec<f64> {
    async fn exchange(conn: &mut Connection, frame: &[u8], answered: bool) {
        conn.send(frame, TIMEOUT).await.expect("the server reads");
        if !answered {
            return;
        }
        loop {
            match tokio::time::timeout(TIMEOUT, conn.recv()).await {
                Ok(Some(Incoming::Frame(_))) => return,
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => panic!("the server stopped answering"),
            }
        }
    }
    exchange(
        &mut conn,
        &serde_json::to_vec(&initialize(0)).unwrap(),
        true,
    )
    .await;
    exchange(
        &mut conn,
        &serde_json::to_vec(&initialized()).unwrap(),
        false,
    )
    .await;
    let mut samples = Vec::with_capacity(plan.pings);
    for i in 0..(plan.warmup + plan.pings) {
        let started = Instant::now();
        exchange(&mut conn, &ping(i as u64 + 1), true).await;
        if i >= plan.warmup {
            samples.push(micros(started.elapsed()));
        }
    }
    conn.stop();
    samples
}

/// A scenario that initializes, then pings once per request to time (and once more), each
/// ping with an expectation about its response, as scenario steps have.
fn ping_scenario(plan: &Plan) -> Scenario {
    let step =
        "  - request: { method: ping }\n    expect:\n      - check: lifecycle/ping\n        \
                match: { result: { $type: object } }\n";
    let text = format!(
        "id: bench/pings\ntitle: Pings one after another\nsteps:\n  - initialize: {{}}\n{}",
        step.repeat(plan.warmup + plan.pings + 1)
    );
    zcpspec::scenario::load::parse(Path::new("bench/pings.yaml"), &text)
        .expect("the bench scenario loads")
}

/// The ping scenario run by the runner; each round trip is the time from one ping's `sent`
/// event to the next one's.
async fn through_session(plan: &Plan, scenario: &Scenario, target: &Target) -> Vec<f64> {
    let run = runner::run_scenario(scenario, target, &RunConfig::default()).await;
    assert!(run.error.is_none(), "{:?}", run.error);
    let sent: Vec<f64> = (run.trace.events().iter())
        .filter_map(|e| match &e.kind {
            EventKind::Sent { frame, .. } => {
                let method = frame.json.as_ref().and_then(|j| j.get("method"));
                (method == Some(&json!("ping"))).then_some(e.ms)
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        sent.len(),
        plan.warmup + plan.pings + 1,
        "every ping was sent"
    );
    (sent.windows(2).skip(plan.warmup))
        .map(|w| (w[1] - w[0]) * 1000.0)
        .collect()
}

/// CPU seconds (user and system) this process has used so far: the client's own work, not
/// the server's.
fn cpu_seconds() -> f64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes only into the struct it is given.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// The value below which `p` percent of the sorted samples fall (nearest rank).
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
