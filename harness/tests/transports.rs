//! The network transports end to end: the whole suite over every surface of
//! `zcpspec serve --transport http`, secrets kept out of every file a run writes, and the GET
//! stream for server-initiated messages.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_zcpspec");

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `zcpspec serve --transport http --port 0`, killed and reaped when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--transport", "http", "--port", "0"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("zcpspec serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("the address line");
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .expect("listening on …")
            .to_string();
        Server { child, base }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run(args: &[&str], report_dir: &Path) -> (Option<i32>, String) {
    let out = Command::new(BIN)
        .args([
            "run",
            "--color",
            "never",
            "--report-dir",
            report_dir.to_str().unwrap(),
        ])
        .args(args)
        .current_dir(workspace())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn summary(dir: &Path) -> serde_json::Value {
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    report["summary"].clone()
}

#[test]
fn the_whole_suite_passes_over_every_surface_of_the_reference_server() {
    let server = Server::start();
    let ws = server.base.replacen("http://", "ws://", 1);
    let surfaces: [Vec<String>; 4] = [
        vec!["--url".into(), format!("{}/mcp", server.base)],
        vec![
            "--url".into(),
            format!("{}/sse", server.base),
            "--transport".into(),
            "sse".into(),
        ],
        vec!["--url".into(), format!("{ws}/ws")],
        vec![
            "--url".into(),
            format!("{}/zcp", server.base),
            "--transport".into(),
            "zcp".into(),
        ],
    ];
    for args in surfaces {
        let dir = tempfile::tempdir().unwrap();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stdout) = run(&args, dir.path());
        assert_eq!(code, Some(0), "{args:?}\n{stdout}");
        let s = summary(dir.path());
        assert!(s["passed"].as_u64().unwrap() >= 100, "{args:?}: {s}");
        assert_eq!(s["failed"], 0);
        assert_eq!(s["not_observed"], 0);
    }
}

/// A bearer token and a secret header given for the target appear in no file the run writes,
/// nor in its terminal output.
#[test]
fn secrets_never_reach_traces_or_reports() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let token = "zcpspec-test-token-4f1c9a";
    let key = "zcpspec-test-key-77d2e0";
    let out = Command::new(BIN)
        .args([
            "run",
            "--color",
            "never",
            "--report-dir",
            dir.path().to_str().unwrap(),
        ])
        .args(["--filter", "lifecycle/*", "--filter", "transports/*"])
        .args([
            "--url",
            &format!("{}/mcp?access_token={token}", server.base),
        ])
        .args([
            "--bearer-env",
            "ZCPSPEC_TEST_TOKEN",
            "--header",
            &format!("X-Api-Key: {key}"),
        ])
        .env("ZCPSPEC_TEST_TOKEN", token)
        .current_dir(workspace())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains(token) && !stdout.contains(key));
    let mut files = vec![dir.path().to_path_buf()];
    let mut read = 0;
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(token), "{} holds the token", path.display());
        assert!(!text.contains(key), "{} holds the key", path.display());
        read += 1;
    }
    assert!(read > 3, "only {read} files written");
    let trace = std::fs::read_to_string(dir.path().join("traces/lifecycle/ping.jsonl")).unwrap();
    assert!(
        trace.contains("\"authorization\",\"[redacted]\""),
        "the header is recorded, redacted"
    );
}

#[test]
fn server_initiated_messages_arrive_on_the_get_stream() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let scenarios = tempfile::tempdir().unwrap();
    std::fs::write(
        scenarios.path().join("get.yaml"),
        r#"
id: t/get-stream
title: the GET stream carries what the server pushes
requires: { transport: [streamable-http] }
client: { get_stream: true }
steps:
  - initialize: {}
  - notify: { method: notifications/zcpspec/ping-stream }
  - expect_notification: { method: notifications/message, within_ms: 2000 }
    expect:
      - check: base/message-shape
        match: { params: { logger: http, data: "stream event 1" } }
"#,
    )
    .unwrap();
    let (code, stdout) = run(
        &[
            "--scenarios",
            scenarios.path().to_str().unwrap(),
            "--url",
            &format!("{}/mcp", server.base),
        ],
        dir.path(),
    );
    assert_eq!(code, Some(0), "{stdout}");
    assert_eq!(summary(dir.path())["failed"], 0);
}
