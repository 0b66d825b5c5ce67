//! The live fuzzing campaign: against the reference server it finds nothing, against each fault
//! that crashes or hangs the server it finds the crash or hang with a fixed seed, minimises it,
//! and the saved scenario makes `zcpspec run` fail the same way.

use std::path::Path;
use std::process::Command;
use std::time::Duration;
use zcpspec::fuzz::{self, Budget, Campaign, Summary};
use zcpspec::protocol::Revision;
use zcpspec::reference::Fault;
use zcpspec::runner::Target;

const BIN: &str = env!("CARGO_BIN_EXE_zcpspec");

fn campaign(fault: Option<Fault>, iterations: u64, timeout: Duration, out: &Path) -> Summary {
    let campaign = Campaign {
        target: Target::Embedded { fault },
        seed: 1,
        budget: Budget::Iterations(iterations),
        out: out.to_path_buf(),
        jobs: 1,
        revision: Revision::LATEST,
        timeout,
        max_frame: zcpspec::transport::DEFAULT_MAX_FRAME,
        save_frames: None,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime
        .block_on(fuzz::run(&campaign, &mut std::io::sink()))
        .unwrap()
}

#[test]
fn the_reference_server_gives_no_findings() {
    let out = tempfile::tempdir().unwrap();
    let summary = campaign(None, 1000, Duration::from_secs(5), out.path());
    assert_eq!(summary.iterations, 1000);
    assert!(summary.frames >= 1000);
    let found: Vec<_> = summary.findings.iter().map(|f| &f.description).collect();
    assert!(found.is_empty(), "{found:?}");
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(written["iterations"], 1000);
}

/// Each fault is found under the signature it shows, in few frames, and its saved scenario
/// fails under `zcpspec run`.
fn finds(fault: &str, signature: &str, timeout: Duration) {
    let out = tempfile::tempdir().unwrap();
    let fault: Fault = fault.parse().unwrap();
    let summary = campaign(Some(fault), 300, timeout, out.path());
    let finding = summary
        .findings
        .iter()
        .find(|f| f.signature == signature)
        .unwrap_or_else(|| panic!("no {signature} finding in {:?}", summary.findings));
    assert!(
        finding.frames <= 2,
        "{} frames left after minimising",
        finding.frames
    );
    assert!(finding.reproduced_by_run, "{finding:?}");
    let scenario = finding.dir.join("finding.yaml");
    let replay = Command::new(BIN)
        .args(["run", "--color", "never", "--fault", &fault.to_string()])
        .arg("--scenarios")
        .arg(&scenario)
        .arg("--report-dir")
        .arg(out.path().join("cli-replay"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&replay.stdout);
    assert_eq!(
        replay.status.code(),
        Some(1),
        "{}\n{stdout}",
        scenario.display()
    );
}

#[test]
fn a_crash_on_malformed_json_is_found() {
    finds("crash-on-malformed-json", "exit", Duration::from_secs(5));
}

#[test]
fn a_crash_on_a_stale_cancel_is_found() {
    finds("crash-on-stale-cancel", "exit", Duration::from_secs(5));
}

#[test]
fn a_crash_on_roots_list_changed_is_found() {
    finds("roots-list-changed-crash", "exit", Duration::from_secs(5));
}

#[test]
fn a_crash_before_initialize_is_found() {
    finds("crash-before-initialize", "exit", Duration::from_secs(5));
}

#[test]
fn an_exit_mid_session_is_found() {
    finds("exit-mid-session", "exit", Duration::from_secs(5));
}

#[test]
fn a_hanging_tools_call_is_found() {
    finds(
        "hang-on-tools-call",
        "no-answer tools/call",
        Duration::from_millis(500),
    );
}

#[test]
fn a_silent_server_is_found() {
    finds("silent", "no-answer initialize", Duration::from_millis(500));
}

#[test]
fn the_command_line_fuzzes_and_exits_1_on_findings() {
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(BIN)
        .args([
            "fuzz",
            "--seed",
            "3",
            "--iterations",
            "200",
            "--fault",
            "crash-on-malformed-json",
        ])
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("finding 1: the server exited with status 1"),
        "{stdout}"
    );
    let bad = Command::new(BIN)
        .args(["fuzz", "--seed", "3"])
        .output()
        .unwrap();
    assert_eq!(
        bad.status.code(),
        Some(2),
        "a campaign needs --duration or --iterations"
    );
}

/// Over streamable HTTP too, where every frame is a POST of its own and a request sent
/// before initialize is refused with 400 (the transport's answer, not a hang).
#[test]
fn the_reference_server_over_http_gives_no_findings() {
    let mut server = Command::new(BIN)
        .args(["serve", "--transport", "http", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(server.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(BIN)
        .args(["fuzz", "--seed", "1", "--iterations", "500", "--url"])
        .arg(format!("{base}/mcp"))
        .arg("--out")
        .arg(out.path())
        .output();
    let _ = server.kill();
    let _ = server.wait();
    let output = output.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
}
