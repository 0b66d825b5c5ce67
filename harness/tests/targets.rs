//! `run --targets FILE` end to end: several servers (the embedded reference server, a faulty
//! one with and without its baseline, `zcpspec serve` spawned over stdio and served over HTTP)
//! in one run, one report with a section per target and each target's files in its own folder;
//! a malformed targets file is a usage error naming file, line and column, before any target
//! runs.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::Server;

const BIN: &str = env!("CARGO_BIN_EXE_zcpspec");
/// Breaks `base/jsonrpc-version` in every scenario.
const FAULT: &str = "missing-jsonrpc";
const SCENARIOS: [&str; 4] = ["--filter", "lifecycle/ping", "--filter", "basic/string-ids"];

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `zcpspec run --targets` with this file text and extra arguments: exit code, stdout and
/// stderr, the reports folder.
fn run(targets: &str, args: &[&str], dir: &Path) -> (Option<i32>, String, PathBuf) {
    let file = dir.join("targets.yaml");
    std::fs::write(&file, targets).unwrap();
    let reports = dir.join("reports");
    let _ = std::fs::remove_dir_all(&reports);
    let out = Command::new(BIN)
        .args(["run", "--color", "never"])
        .args(SCENARIOS)
        .arg("--targets")
        .arg(&file)
        .args(args)
        .arg("--report-dir")
        .arg(&reports)
        .current_dir(workspace())
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code(), text, reports)
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn one_run_reports_every_target_in_its_own_section() {
    let dir = tempfile::tempdir().unwrap();
    let http = Server::start();
    let targets = format!(
        "- name: reference\n  embedded: true\n\
         - name: broken\n  embedded: true\n  fault: {FAULT}\n\
         - name: stdio\n  command: [{BIN}, serve]\n\
         - name: http\n  url: {}/mcp\n  headers: {{ X-Zcpspec-Test: targets }}\n",
        http.base
    );
    let (code, text, reports) = run(&targets, &[], dir.path());
    assert_eq!(code, Some(1), "the broken target fails the run:\n{text}");
    for heading in [
        "== reference: embedded reference server ==",
        &format!("== broken: embedded reference server (fault {FAULT}) =="),
        &format!("== stdio: {BIN} serve =="),
        "result: FAIL (1 of 4 targets failed)",
    ] {
        assert!(text.contains(heading), "no {heading:?} in:\n{text}");
    }
    let table: Vec<&str> = (text.lines())
        .skip_while(|l| *l != "targets:")
        .skip(1)
        .take(4)
        .collect();
    let verdicts: Vec<(&str, &str)> = (table.iter())
        .map(|l| {
            let mut words = l.split_whitespace();
            (words.next().unwrap(), words.next().unwrap())
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            ("PASS", "reference"),
            ("FAIL", "broken"),
            ("PASS", "stdio"),
            ("PASS", "http")
        ]
    );

    let report = json(&reports.join("report.json"));
    let sections = report["targets"].as_array().unwrap();
    let names: Vec<&str> = sections
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["reference", "broken", "stdio", "http"]);
    assert!(sections[3]["target"]
        .as_str()
        .unwrap()
        .ends_with("(streamable-http)"));
    // The whole is the sum of its sections.
    for count in ["passed", "failed", "skipped", "scenarios"] {
        let sum: u64 = sections
            .iter()
            .map(|t| t["summary"][count].as_u64().unwrap())
            .sum();
        assert_eq!(report["summary"][count].as_u64(), Some(sum), "{count}");
    }
    assert!(sections[1]["summary"]["failed"].as_u64().unwrap() > 0);
    assert_eq!(sections[0]["summary"]["failed"].as_u64(), Some(0));
    // Each target's files in its own folder, its traces named from the whole run's folder.
    for name in names {
        let own = json(&reports.join(name).join("report.json"));
        assert_eq!(own["name"].as_str(), Some(name));
        let section = &sections.iter().find(|t| t["name"] == name).unwrap();
        assert_eq!(own["checks"], section["checks"]);
        let trace = section["scenarios"][0]["trace"].as_str().unwrap();
        assert!(trace.starts_with(&format!("{name}/traces/")), "{trace}");
        assert!(reports.join(trace).is_file(), "{trace}");
    }
    let junit = std::fs::read_to_string(reports.join("junit.xml")).unwrap();
    assert!(junit.contains("name=\"broken: lifecycle/ping\""), "{junit}");
    let summary = std::fs::read_to_string(reports.join("summary.md")).unwrap();
    assert!(
        summary.contains("❌ **Failed**: 1 of 4 targets failed"),
        "{summary}"
    );
    assert!(summary.contains("### `broken`: "), "{summary}");
}

#[test]
fn a_target_baseline_expects_its_failures() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("broken.yaml");
    std::fs::write(
        &baseline,
        "- check: base/jsonrpc-version\n  reason: the fault drops the jsonrpc member\n",
    )
    .unwrap();
    let targets = format!(
        "- name: reference\n  embedded: true\n\
         - name: broken\n  embedded: true\n  fault: {FAULT}\n  baseline: broken.yaml\n"
    );
    let (code, text, reports) = run(&targets, &[], dir.path());
    assert_eq!(code, Some(0), "{text}");
    let report = json(&reports.join("report.json"));
    assert!(report["summary"]["expected_failures"].as_u64().unwrap() > 0);
    assert!(
        text.contains("result: PASS (0 of 2 targets failed)"),
        "{text}"
    );
}

#[test]
fn a_bad_targets_file_is_a_usage_error_before_any_target_runs() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "- name: a\n  embedded: true\n  colour: red\n",
            "3:3",
            "colour",
        ),
        (
            "- name: a\n  embedded: true\n- name: a\n  embedded: true\n",
            "3:3",
            "a second target named \"a\"",
        ),
        (
            "- name: a\n  embedded: true\n  command: [x]\n",
            "1:3",
            "exactly one of command, url and embedded",
        ),
        (
            "- name: ../a\n  embedded: true\n",
            "1:3",
            "not a target name",
        ),
        (
            "- name: a\n  embedded: true\n  fault: nope\n",
            "1:3",
            "unknown fault",
        ),
        (
            "- name: a\n  url: ftp://127.0.0.1/mcp\n",
            "1:3",
            "cannot be reached over that transport",
        ),
        (
            "- name: a\n  command: [x]\n  headers: { A: b }\n",
            "1:3",
            "for a target with a url",
        ),
        ("[]\n", "", "names no target"),
        // A baseline that does not load stops the run before the first target.
        (
            "- name: a\n  embedded: true\n- name: b\n  embedded: true\n  baseline: missing.yaml\n",
            "",
            "cannot read the baseline",
        ),
    ];
    for (text, at, message) in cases {
        let (code, out, reports) = run(text, &[], dir.path());
        assert_eq!(code, Some(2), "{text}\n{out}");
        let file = dir.path().join("targets.yaml");
        let expected_at = if at.is_empty() {
            String::new()
        } else {
            format!("{}:{at}: ", file.display())
        };
        assert!(out.contains(&expected_at), "{text}\n{out}");
        assert!(out.contains(message), "{text}\n{out}");
        assert!(!reports.exists(), "{text}: nothing runs\n{out}");
    }
}

#[test]
fn targets_conflict_with_a_target_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = run(
        "- name: a\n  embedded: true\n",
        &["--fault", FAULT],
        dir.path(),
    );
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("cannot be used with"), "{out}");
}
