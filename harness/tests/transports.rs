//! The network transports end to end: the whole suite over every surface of
//! `zcpspec serve --transport http` (compared with the committed goldens too), secrets kept out of every file a run writes, and the GET
//! stream for server-initiated messages.

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_zcpspec");

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

mod common;
use common::Server;

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
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        args.extend(["--golden", "golden/reference"]);
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

/// A server using 2025-11-25's polling pattern: it ends the POST stream of every request but
/// initialize before the response, with an event id and `retry`, and delivers the response on
/// the GET stream resumed from that id. The harness resumes, so the scenario passes.
#[tokio::test]
async fn a_post_stream_closed_before_its_response_is_resumed_with_last_event_id() {
    use axum::body::Body;
    use axum::http::{HeaderMap, Response};
    use axum::routing::post;
    use std::sync::{Arc, Mutex};

    type Pending = Arc<Mutex<Option<serde_json::Value>>>;
    fn sse(body: String) -> Response<Body> {
        Response::builder()
            .header("content-type", "text/event-stream")
            .body(Body::from(body))
            .unwrap()
    }
    async fn on_post(
        axum::extract::State(pending): axum::extract::State<Pending>,
        body: String,
    ) -> Response<Body> {
        let msg: serde_json::Value = serde_json::from_str(&body).unwrap();
        let Some(id) = msg.get("id").cloned() else {
            return Response::builder().status(202).body(Body::empty()).unwrap();
        };
        if msg["method"] == "initialize" {
            let result = serde_json::json!({"jsonrpc": "2.0", "id": id, "result": {
                "protocolVersion": "2025-11-25", "capabilities": {},
                "serverInfo": {"name": "polling", "version": "1"}}});
            return Response::builder()
                .header("content-type", "application/json")
                .header("mcp-session-id", "polling-session")
                .body(Body::from(result.to_string()))
                .unwrap();
        }
        *pending.lock().unwrap() =
            Some(serde_json::json!({"jsonrpc": "2.0", "id": id, "result": {}}));
        sse("id: 7\nretry: 10\ndata:\n\n".into())
    }
    async fn on_get(
        axum::extract::State(pending): axum::extract::State<Pending>,
        headers: HeaderMap,
    ) -> Response<Body> {
        let resumed = headers.get("last-event-id").and_then(|v| v.to_str().ok()) == Some("7");
        match (resumed, pending.lock().unwrap().take()) {
            (true, Some(response)) => sse(format!("id: 8\nevent: message\ndata: {response}\n\n")),
            _ => Response::builder().status(405).body(Body::empty()).unwrap(),
        }
    }

    let pending: Pending = Arc::default();
    let app = axum::Router::new()
        .route("/mcp", post(on_post).get(on_get))
        .with_state(pending);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let scenarios = tempfile::tempdir().unwrap();
    std::fs::write(
        scenarios.path().join("ping.yaml"),
        "id: t/ping\ntitle: ping over a polling server\nclient: { get_stream: false }\nsteps:\n  - initialize: {}\n  - request: { method: ping }\n    expect:\n      - check: lifecycle/ping\n        match: { result: { $exact: {} } }\n",
    )
    .unwrap();
    let opts = streamable_http_suite(scenarios.path(), addr, std::time::Duration::from_secs(2));
    let outcome = zcpspec::suite::run(opts, &mut Vec::new()).await.unwrap();
    server.abort();
    let ping = outcome
        .report
        .checks
        .iter()
        .find(|c| c.id == "lifecycle/ping")
        .unwrap();
    assert_eq!(
        ping.verdict,
        zcpspec::checks::Verdict::Pass,
        "{}",
        ping.message
    );
}

/// `--parity` across stdio (the embedded server), /mcp, /ws and /zcp of `zcpspec serve`: the
/// same messages everywhere.
#[test]
fn parity_holds_across_every_surface_of_the_reference_server() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let ws = server.base.replacen("http://", "ws://", 1);
    let (code, stdout) = run(
        &[
            "--parity",
            &format!("{}/mcp", server.base),
            "--parity",
            &format!("{ws}/ws"),
            "--parity",
            &format!("zcp+{}/zcp", server.base),
        ],
        dir.path(),
    );
    assert_eq!(code, Some(0), "{stdout}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    let parity: Vec<&serde_json::Value> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"].as_str().unwrap().starts_with("parity/"))
        .collect();
    assert!(parity.iter().filter(|c| c["verdict"] == "pass").count() >= 100);
    assert!(parity.iter().all(|c| c["verdict"] != "fail"));
}

/// A server that answers a POST it cannot parse with a plain-text 415 (as rmcp's does) sent
/// no JSON-RPC message: the answer is recorded as an HTTP error, not judged as a message
/// (`base/only-messages`); what is missing (the -32700) is `base/parse-error`'s to fail.
#[tokio::test]
async fn a_plain_text_error_answer_is_no_message() {
    use axum::body::Body;
    use axum::http::Response;
    use axum::routing::post;

    async fn on_post(body: String) -> Response<Body> {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(&body) else {
            return Response::builder()
                .status(415)
                .header("content-type", "text/plain")
                .body(Body::from("Unsupported Media Type: expected JSON"))
                .unwrap();
        };
        let Some(id) = msg.get("id").cloned() else {
            return Response::builder().status(202).body(Body::empty()).unwrap();
        };
        let result = match msg["method"] == "initialize" {
            true => serde_json::json!({"protocolVersion": "2025-11-25", "capabilities": {},
                "serverInfo": {"name": "plain", "version": "1"}}),
            false => serde_json::json!({}),
        };
        let response = serde_json::json!({"jsonrpc": "2.0", "id": id, "result": result});
        Response::builder()
            .header("content-type", "application/json")
            .header("mcp-session-id", "plain-session")
            .body(Body::from(response.to_string()))
            .unwrap()
    }

    let app = axum::Router::new().route("/mcp", post(on_post));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let scenarios = tempfile::tempdir().unwrap();
    std::fs::write(
        scenarios.path().join("parse.yaml"),
        "id: t/parse\ntitle: t\nclient: { get_stream: false }\nsteps:\n  - initialize: {}\n  - raw: '{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"ping\"'\n    expect:\n      - check: base/parse-error\n        match: { error: { code: -32700 } }\n",
    )
    .unwrap();
    let opts = streamable_http_suite(
        scenarios.path(),
        addr,
        std::time::Duration::from_millis(500),
    );
    let outcome = zcpspec::suite::run(opts, &mut Vec::new()).await.unwrap();
    server.abort();
    let verdict = |id: &str| {
        (outcome.report.checks.iter())
            .find(|c| c.id == id)
            .map(|c| c.verdict)
    };
    assert_eq!(
        verdict("base/only-messages"),
        Some(zcpspec::checks::Verdict::Pass)
    );
    assert_ne!(
        verdict("base/parse-error"),
        Some(zcpspec::checks::Verdict::Pass)
    );
}

/// A strict run, writing no files, of the scenarios in `scenarios` against the streamable HTTP
/// server at `addr` (path `/mcp`), waiting `timeout` for any one answer.
fn streamable_http_suite(
    scenarios: &Path,
    addr: std::net::SocketAddr,
    timeout: std::time::Duration,
) -> zcpspec::suite::SuiteOptions {
    zcpspec::suite::SuiteOptions {
        name: None,
        scenarios: scenarios.to_path_buf(),
        filter: Vec::new(),
        strict: true,
        target: zcpspec::runner::Target::Url {
            url: format!("http://{addr}/mcp"),
            kind: zcpspec::transport::Kind::StreamableHttp,
            options: zcpspec::transport::NetOptions {
                timeout,
                ..Default::default()
            },
        },
        config: zcpspec::runner::RunConfig {
            timeout,
            ..Default::default()
        },
        report_dir: None,
        color: false,
        golden: None,
        parity: Vec::new(),
        baseline: None,
        write_baseline: None,
        partition: None,
    }
}
