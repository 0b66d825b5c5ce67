//! The expected-failures baseline end to end: `--write-baseline` records a failing run so that
//! it passes against its own baseline; a failure the baseline lacks fails the run; an entry
//! that no longer fails fails it as stale, unless it is marked flaky; a malformed baseline is a usage error naming the
//! file, line and column.

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_zcpspec");
/// Breaks `base/jsonrpc-version` in every scenario.
const FAULT: &str = "missing-jsonrpc";
const SCENARIOS: [&str; 4] = ["--filter", "lifecycle/ping", "--filter", "basic/string-ids"];

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `zcpspec run` on two scenarios, the fault or not, with extra arguments: exit code, stdout,
/// report.json.
fn run(fault: bool, args: &[&str], dir: &Path) -> (Option<i32>, String, serde_json::Value) {
    let reports = dir.join("reports");
    let _ = std::fs::remove_dir_all(&reports);
    let mut command = Command::new(BIN);
    command.args(["run", "--color", "never"]).args(SCENARIOS);
    if fault {
        command.args(["--fault", FAULT]);
    }
    let out = command
        .args(args)
        .arg("--report-dir")
        .arg(&reports)
        .current_dir(workspace())
        .output()
        .unwrap();
    let stdout =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let report = std::fs::read_to_string(reports.join("report.json"))
        .map(|text| serde_json::from_str(&text).unwrap())
        .unwrap_or_default();
    (out.status.code(), stdout, report)
}

#[test]
fn a_recorded_baseline_passes_the_run_it_records_and_fails_once_stale() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("baseline.yaml");
    let path = file.to_str().unwrap();

    let (code, stdout, _) = run(true, &[], dir.path());
    assert_eq!(code, Some(1), "the fault fails the run: {stdout}");

    let (code, stdout, report) = run(true, &["--write-baseline", path], dir.path());
    assert_eq!(code, Some(0), "{stdout}");
    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        written.matches("- check: \"base/jsonrpc-version\"").count(),
        2,
        "{written}"
    );
    assert_eq!(report["summary"]["expected_failures"], 2, "{report:#}");

    let (code, stdout, report) = run(true, &["--baseline", path], dir.path());
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("expected failures (baseline):"), "{stdout}");
    let baselined = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["baselined"].is_string())
        .count();
    assert_eq!(baselined, 2);

    // An entry removed: its failure fails the run again.
    let kept: String = written
        .split("- check:")
        .enumerate()
        .filter(|(i, _)| *i != 2)
        .map(|(i, part)| {
            if i == 0 {
                part.to_string()
            } else {
                format!("- check:{part}")
            }
        })
        .collect();
    std::fs::write(&file, kept).unwrap();
    let (code, stdout, _) = run(true, &["--baseline", path], dir.path());
    assert_eq!(code, Some(1), "{stdout}");

    // The server fixed: the remaining entry is stale, which fails the run too.
    let (code, stdout, report) = run(false, &["--baseline", path], dir.path());
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("stale baseline entries"), "{stdout}");
    assert_eq!(
        report["stale"].as_array().map(Vec::len),
        Some(1),
        "{report:#}"
    );
    let junit = std::fs::read_to_string(dir.path().join("reports/junit.xml")).unwrap();
    assert!(junit.contains(r#"name="baseline""#), "{junit}");

    // The same entry marked flaky: a pass is no longer stale.
    let mut flaky = std::fs::read_to_string(&file).unwrap();
    flaky.push_str("  flaky: true\n");
    std::fs::write(&file, flaky).unwrap();
    let (code, stdout, _) = run(false, &["--baseline", path], dir.path());
    assert_eq!(code, Some(0), "{stdout}");
}

#[test]
fn a_malformed_baseline_is_a_usage_error_naming_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    let path = file.to_str().unwrap();
    let cases = [
        ("- check: base/jsonrpc-version\n  reason: r\n  since: 1.0\n", ":3:3:"),
        ("- { check: base/jsonrpc-version, reason: a }\n- { check: base/jsonrpc-version, reason: b }\n", ":2:3:"),
        ("- { check: base/no-such-check, reason: a }\n", ":1:3: no check has the id"),
        ("- { scenario: no/such, reason: a }\n", ":1:3: no scenario has the id"),
        ("- { check: base/jsonrpc-version }\n", ":1:"),
    ];
    for (text, expected) in cases {
        std::fs::write(&file, text).unwrap();
        let (code, stdout, _) = run(true, &["--baseline", path], dir.path());
        assert_eq!(code, Some(2), "{text}\n{stdout}");
        assert!(
            stdout.contains(&format!("{path}{expected}")),
            "{text}\n{stdout}"
        );
    }
}
