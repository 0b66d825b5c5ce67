//! Fuzzing throughput: how many generated frames a `zcpspec fuzz` campaign sends per second to
//! `zcpspec serve`, over stdio and over streamable HTTP, next to the server's own limit: the
//! rate at which the same server answers the same frames replayed by the least a client can do.
//! The campaign's rate over that limit says how much the harness holds the server back.
//!
//! - stdio: the frames replayed from a file on the server's stdin, its answers read from a
//!   pipe by nobody who waits on them.
//! - HTTP: each frame POSTed in order, as the campaign does, the next one sent as soon as the
//!   answer's headers are in, every body read in the background and all awaited at the end.
//!   The replay adopts the session id of each initialize's answer; the campaign's brief
//!   sessions without initialize (under 1% of the frames) are replayed in the session before.
//!
//! `cargo bench -p zcpspec --bench fuzz` (target: the campaign reaches 70% of the limit).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

const BIN: &str = env!("CARGO_BIN_EXE_zcpspec");

#[path = "../tests/common/mod.rs"]
mod common;
use common::Server;
const ITERATIONS: &str = "3000";
const RUNS: usize = 5;
const REVISION: &str = "2025-11-25";

fn main() {
    let dir = std::env::temp_dir().join(format!("zcpspec-bench-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    println!("frames per second, median of {RUNS} runs of {ITERATIONS} iterations");
    println!(
        "{:<12} {:>10} {:>10} {:>8}",
        "transport", "campaign", "replay", "ratio"
    );
    for transport in ["stdio", "http"] {
        let mut campaign_rates = Vec::new();
        let mut replay_rates = Vec::new();
        for _ in 0..RUNS {
            let frames_file = dir.join(format!("{transport}.jsonl"));
            let (campaign, frames) = match transport {
                "stdio" => campaign(&dir, &frames_file, &["--", BIN, "serve"]),
                _ => {
                    let server = Server::start();
                    let url = format!("{}/mcp", server.base);
                    campaign(&dir, &frames_file, &["--url", &url])
                }
            };
            let replay = match transport {
                "stdio" => replay_stdio(&frames_file),
                _ => replay_http(&frames_file, &Server::start()),
            };
            campaign_rates.push(frames / campaign);
            replay_rates.push(frames / replay);
        }
        let (campaign, replay) = (median(campaign_rates), median(replay_rates));
        println!(
            "{transport:<12} {campaign:>10.0} {replay:>10.0} {:>7.0}%",
            100.0 * campaign / replay
        );
    }
}

/// Runs a campaign, saving its frames; returns its seconds and the frames sent.
fn campaign(dir: &Path, frames_file: &Path, target: &[&str]) -> (f64, f64) {
    let started = Instant::now();
    let status = Command::new(BIN)
        .args(["fuzz", "--seed", "1", "--iterations", ITERATIONS, "--out"])
        .arg(dir.join("out"))
        .arg("--save-frames")
        .arg(frames_file)
        .args(target)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("zcpspec fuzz runs");
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(
        status.code(),
        Some(0),
        "the reference server gives no findings"
    );
    let bytes = std::fs::read(frames_file).expect("the frames were saved");
    let frames = bytes.iter().filter(|b| **b == b'\n').count() as f64;
    (seconds, frames)
}

/// Seconds for `zcpspec serve` to answer the frames file on its stdin.
fn replay_stdio(frames_file: &Path) -> f64 {
    let started = Instant::now();
    let mut server = Command::new(BIN)
        .arg("serve")
        .stdin(std::fs::File::open(frames_file).expect("the frames file opens"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("zcpspec serve runs");
    // The answers go into a pipe that is read and dropped, as a client's would be, rather
    // than into /dev/null.
    let mut answers = server.stdout.take().expect("stdout is piped");
    std::io::copy(&mut answers, &mut std::io::sink()).expect("the answers are read");
    let status = server.wait().expect("zcpspec serve is reaped");
    assert!(status.success());
    started.elapsed().as_secs_f64()
}

/// Seconds for the HTTP server to answer the frames file, POSTed a frame at a time.
fn replay_http(frames_file: &Path, server: &Server) -> f64 {
    let bytes = std::fs::read(frames_file).expect("the frames file reads");
    let frames: Vec<Vec<u8>> = (bytes.split(|b| *b == b'\n'))
        .filter(|line| !line.is_empty())
        .map(<[u8]>::to_vec)
        .collect();
    let url = format!("{}/mcp", server.base);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let _ = rustls::crypto::ring::default_provider().install_default();
    runtime.block_on(async move {
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("an HTTP client");
        let started = Instant::now();
        let mut session: Option<String> = None;
        let mut bodies = Vec::new();
        for frame in frames {
            let mut request = client
                .post(&url)
                .header("content-type", "application/json")
                .header("accept", "application/json, text/event-stream")
                .header("mcp-protocol-version", REVISION);
            if let Some(id) = &session {
                request = request.header("mcp-session-id", id);
            }
            let response = request
                .body(frame)
                .send()
                .await
                .expect("the POST is answered");
            if let Some(id) = response.headers().get("mcp-session-id") {
                session = Some(id.to_str().expect("a visible session id").to_string());
            }
            bodies.push(tokio::spawn(response.bytes()));
        }
        for body in bodies {
            let _ = body.await;
        }
        started.elapsed().as_secs_f64()
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
