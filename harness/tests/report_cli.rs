//! `report.json` and `zcpspec report`: a real run's report (failures with evidence, expected
//! failures, a stale baseline entry) satisfies the published schema, and a saved report renders
//! again to the same bytes the run wrote.

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_zcpspec");

fn zcpspec(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A failing run with a baseline that expects one failure and has one stale entry.
fn failing_run(dir: &Path) -> PathBuf {
    let baseline = dir.join("baseline.yaml");
    std::fs::write(
        &baseline,
        "- { check: base/jsonrpc-version, scenario: lifecycle/ping, reason: known }\n\
         - { check: base/utf8, scenario: lifecycle/ping, reason: long fixed }\n",
    )
    .unwrap();
    let reports = dir.join("reports");
    let (code, stdout, _) = zcpspec(&[
        "run",
        "--color",
        "never",
        "--fault",
        "missing-jsonrpc",
        "--filter",
        "lifecycle/ping",
        "--filter",
        "basic/string-ids",
        "--baseline",
        baseline.to_str().unwrap(),
        "--report-dir",
        reports.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{stdout}");
    reports
}

#[test]
fn a_real_report_satisfies_the_published_schema() {
    let dir = tempfile::tempdir().unwrap();
    let reports = failing_run(dir.path());
    let (code, schema_text, _) = zcpspec(&["report", "--schema"]);
    assert_eq!(code, Some(0));
    let schema: serde_json::Value = serde_json::from_str(&schema_text).unwrap();
    assert_eq!(schema_text, zcpspec::report::SCHEMA);
    let validator = jsonschema::validator_for(&schema).expect("the schema is a valid schema");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(reports.join("report.json")).unwrap())
            .unwrap();
    // The run exercises the optional parts too, so the schema is checked against them.
    assert!(report["stale"].is_array() && report["summary"]["expected_failures"] == 1);
    let checks = report["checks"].as_array().unwrap();
    assert!(checks.iter().any(|c| c["baselined"].is_string()));
    assert!(checks
        .iter()
        .any(|c| c["excerpt"].is_array() && c["actual"].is_string()));
    let problems: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

/// `zcpspec report FROM --format F` gives back, byte for byte, each file the run wrote.
fn renders_again_to_what_was_written(reports: &Path, from: &str) {
    for (format, file) in [
        ("json", "report.json"),
        ("html", "report.html"),
        ("junit", "junit.xml"),
        ("md", "summary.md"),
    ] {
        let (code, rendered, stderr) = zcpspec(&["report", from, "--format", format]);
        assert_eq!(code, Some(0), "{stderr}");
        let written = std::fs::read_to_string(reports.join(file)).unwrap();
        assert_eq!(rendered, written, "--format {format}");
    }
}

#[test]
fn a_saved_report_renders_again_to_what_the_run_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let reports = failing_run(dir.path());
    let from = reports.join("report.json");
    let from = from.to_str().unwrap();
    renders_again_to_what_was_written(&reports, from);
    let (code, terminal, _) = zcpspec(&["report", from]);
    assert_eq!(code, Some(0));
    assert!(terminal.contains("stale baseline entries") && terminal.contains("result: FAIL"));
}

#[test]
fn an_unreadable_report_is_a_usage_error_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("report.json");
    std::fs::write(&bad, "{\"version\": 1,\n \"tool\": 3}").unwrap();
    let (code, _, stderr) = zcpspec(&["report", bad.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains(&format!("{}:2:", bad.display())),
        "{stderr}"
    );
}

#[test]
fn a_run_of_several_targets_satisfies_the_schema_and_renders_again() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("baseline.yaml"),
        "- { check: base/jsonrpc-version, scenario: lifecycle/ping, reason: known }\n\
         - { check: base/utf8, scenario: lifecycle/ping, reason: long fixed }\n",
    )
    .unwrap();
    let targets = dir.path().join("targets.yaml");
    std::fs::write(
        &targets,
        "- { name: reference, embedded: true }\n\
         - { name: broken, embedded: true, fault: missing-jsonrpc, baseline: baseline.yaml }\n",
    )
    .unwrap();
    let reports = dir.path().join("reports");
    let (code, stdout, _) = zcpspec(&[
        "run",
        "--color",
        "never",
        "--filter",
        "lifecycle/ping",
        "--filter",
        "basic/string-ids",
        "--targets",
        targets.to_str().unwrap(),
        "--report-dir",
        reports.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{stdout}");
    let schema: serde_json::Value = serde_json::from_str(zcpspec::report::SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(reports.join("report.json")).unwrap())
            .unwrap();
    assert!(report["targets"][1]["stale"].is_array());
    let problems: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");

    let from = reports.join("report.json");
    let from = from.to_str().unwrap();
    renders_again_to_what_was_written(&reports, from);
    // The terminal rendering is what the run printed, less the progress lines.
    let (_, terminal, _) = zcpspec(&["report", from]);
    let progress = |l: &str| {
        let status = l.get(..6).map(str::trim_start);
        l.starts_with("zcpspec ")
            || (matches!(
                status,
                Some("PASS" | "FAIL" | "WARN" | "SKIP" | "NONE" | "ERROR")
            ) && !l.contains(" passed, "))
    };
    let printed: Vec<&str> = stdout.lines().filter(|l| !progress(l)).collect();
    assert_eq!(terminal.lines().collect::<Vec<_>>(), printed);
}
