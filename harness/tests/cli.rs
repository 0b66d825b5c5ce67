//! The `zcpspec` binary end to end: the default run, the same run over stdio against
//! `zcpspec serve`, report files, exit codes, malformed scenarios and hostile servers.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_zcpspec");

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn zcpspec(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("zcpspec runs")
}

fn report(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("report.json")).expect("report.json written");
    serde_json::from_str(&text).expect("report.json is JSON")
}

/// (scenario, check, subject, verdict) for every check of a report.
fn verdicts(report: &Value) -> BTreeSet<(String, String, String, String)> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            (s("scenario"), s("id"), s("subject"), s("verdict"))
        })
        .collect()
}

#[test]
fn the_default_run_passes_on_the_embedded_server_and_writes_every_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = zcpspec(&[
        "run",
        "--color",
        "never",
        "--report-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report = report(dir.path());
    let summary = &report["summary"];
    let passed = summary["passed"].as_u64().unwrap();
    assert!(passed >= 100, "only {passed} checks passed");
    for key in ["failed", "warned", "not_observed"] {
        assert_eq!(summary[key], 0, "{key}");
    }
    for c in report["checks"].as_array().unwrap() {
        for key in ["id", "level", "verdict", "scenario"] {
            assert!(c[key].is_string(), "check without {key}: {c}");
        }
    }

    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    let doc = roxmltree::Document::parse(&junit).expect("junit.xml is XML");
    let testcases = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .count();
    assert_eq!(testcases, report["checks"].as_array().unwrap().len());

    let summary_md = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(summary_md.starts_with("## zcpspec"), "{summary_md}");
    let trace = dir.path().join("traces/basic/parse-error.jsonl");
    let first = std::fs::read_to_string(trace).unwrap();
    let event: Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
    assert_eq!(event["seq"], 0);
    assert!(event["dir"].is_string() && event["kind"].is_string() && event["ms"].is_number());
}

#[test]
fn a_run_over_stdio_against_zcpspec_serve_judges_the_same_checks() {
    let embedded = tempfile::tempdir().unwrap();
    let stdio = tempfile::tempdir().unwrap();
    let out = zcpspec(&["run", "--report-dir", embedded.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let out = zcpspec(&[
        "run",
        "--report-dir",
        stdio.path().to_str().unwrap(),
        "--",
        BIN,
        "serve",
        "--transport",
        "stdio",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        verdicts(&report(embedded.path())),
        verdicts(&report(stdio.path()))
    );
}

#[test]
fn list_faults_prints_one_name_per_line() {
    let out = zcpspec(&["serve", "--list-faults"]);
    let names: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let expected: Vec<String> = zcpspec::reference::Fault::ALL
        .iter()
        .map(|f| f.name().to_string())
        .collect();
    assert_eq!(names, expected);
}

#[test]
fn list_json_names_every_check_with_level_spec_and_catalogue() {
    let out = zcpspec(&["list", "--format", "json"]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let checks = list["checks"].as_array().unwrap();
    assert_eq!(checks.len(), zcpspec::checks::CHECKS.len());
    for c in checks {
        assert!(c["id"].is_string() && c["level"].is_string() && c["spec"].is_string());
        let id = c["id"].as_str().unwrap();
        assert!(
            !c["catalogue"].as_array().unwrap().is_empty()
                || id.starts_with("ws/")
                || id.starts_with("zcp/"),
            "{id}"
        );
    }
    let exclusions = list["exclusions"].as_array().unwrap();
    assert_eq!(exclusions.len(), zcpspec::checks::exclusions::all().len());
    for e in exclusions {
        assert!(e["catalogue"].is_string() && e["reason"].is_string(), "{e}");
    }
}

#[test]
fn a_malformed_scenario_is_reported_with_file_line_and_column_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    std::fs::write(
        &file,
        "id: bad\ntitle: bad\nsteps:\n  - request: { method: ping }\n    expect:\n      - check: base/no-such-check\n        match: {}\n",
    )
    .unwrap();
    let out = zcpspec(&["run", "--scenarios", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.yaml:6:16: unknown check id"),
        "{stderr}"
    );

    std::fs::write(&file, "id: bad\ntitle: [unclosed\n").unwrap();
    let out = zcpspec(&["run", "--scenarios", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.yaml:"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_target_that_cannot_be_started_exits_3() {
    let out = zcpspec(&[
        "run",
        "--filter",
        "lifecycle/ping",
        "--",
        "/nonexistent/zcpspec-server",
    ]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn the_stateless_revision_over_zcp_native_is_a_usage_error() {
    // Refused before anything is sent: nothing listens on port 9.
    let out = zcpspec(&[
        "run",
        "--revision",
        "2026-07-28",
        "--url",
        "http://127.0.0.1:9/zcp",
        "--transport",
        "zcp",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no mapping onto ZCP's native /zcp dialect"),
        "{stderr}"
    );
}

/// Runs two scenarios over stdio against `zcpspec serve --fault <fault>` and returns the exit
/// code and the run's report.
fn run_hostile(fault: &str) -> (Option<i32>, Value) {
    let dir = tempfile::tempdir().unwrap();
    let out = zcpspec(&[
        "run",
        "--timeout-ms",
        "500",
        "--filter",
        "lifecycle/ping",
        "--filter",
        "basic/parse-error",
        "--report-dir",
        dir.path().to_str().unwrap(),
        "--",
        BIN,
        "serve",
        "--fault",
        fault,
    ]);
    (out.status.code(), report(dir.path()))
}

#[test]
fn hostile_servers_get_verdicts_and_exit_1() {
    for fault in [
        "garbage-lines",
        "silent",
        "exit-mid-session",
        "notification-flood",
    ] {
        let (code, report) = run_hostile(fault);
        assert_eq!(code, Some(1), "{fault}");
        let failed = report["summary"]["failed"].as_u64().unwrap()
            + report["summary"]["not_observed"].as_u64().unwrap();
        assert!(failed > 0, "{fault}: nothing failed");
    }
}

/// The harness never holds a 100 MB line: its peak memory (and the server's, the largest of the
/// processes this test waited for) stays far below the line's size.
#[test]
fn a_100_mb_line_is_discarded_with_bounded_memory() {
    let (code, report) = run_hostile("huge-line");
    assert_eq!(code, Some(1));
    assert!(report["summary"]["not_observed"].as_u64().unwrap() > 0);
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage only writes into the struct it is given.
    assert_eq!(
        unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) },
        0
    );
    let peak_mib = usage.ru_maxrss / 1024;
    assert!(peak_mib < 64, "peak memory {peak_mib} MiB");
}
