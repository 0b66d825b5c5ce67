//! `zcpspec run --profile`: a target profile moves a fixture role to the tool it names (with its
//! arguments), a profiled tool the server does not list makes the scenario skip with the reason,
//! and a malformed profile is a usage error at file:line:column.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_zcpspec");

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs the progress scenario against the embedded server with `profile` as the profile.
fn run_progress(dir: &Path, profile: &str) -> Output {
    let file = dir.join("profile.yaml");
    std::fs::write(&file, profile).unwrap();
    Command::new(BIN)
        .args(["run", "--color", "never", "--filter", "utilities/progress"])
        .arg("--profile")
        .arg(&file)
        .arg("--report-dir")
        .arg(dir.join("reports"))
        .current_dir(workspace())
        .output()
        .expect("zcpspec runs")
}

/// The report's outcomes of one check id.
fn outcomes(dir: &Path, check: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join("reports/report.json")).unwrap();
    let report: Value = serde_json::from_str(&text).unwrap();
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == check)
        .cloned()
        .collect()
}

/// The params of every tools/call the client sent in the progress scenario.
fn tool_calls(dir: &Path) -> Vec<Value> {
    let trace =
        std::fs::read_to_string(dir.join("reports/traces/utilities/progress.jsonl")).unwrap();
    trace
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["kind"] == "sent" && e["frame"]["json"]["method"] == "tools/call")
        .map(|e| e["frame"]["json"]["params"].clone())
        .collect()
}

#[test]
fn without_a_profile_discovery_picks_the_tool_that_names_the_role() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_progress(dir.path(), "roles: {}\n");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let answered = outcomes(dir.path(), "tools/call-answered");
    assert_eq!(answered[0]["subject"], "count");
    assert_eq!(
        outcomes(dir.path(), "progress/token-known")[0]["verdict"],
        "pass"
    );
}

#[test]
fn a_profile_moves_a_role_to_another_tool_with_its_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_progress(
        dir.path(),
        "roles:\n  emits_progress: { tool: echo, arguments: { text: profiled } }\n",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let answered = outcomes(dir.path(), "tools/call-answered");
    assert_eq!(answered.len(), 1, "{stdout}");
    assert_eq!(answered[0]["subject"], "echo");
    assert_eq!(answered[0]["verdict"], "pass");
    let calls = tool_calls(dir.path());
    assert!(
        calls
            .iter()
            .any(|p| p["name"] == "echo"
                && p["arguments"] == serde_json::json!({"text": "profiled"})),
        "{calls:?}"
    );
    // echo reports no progress: the profile really moved the role, so this is not observed.
    let progress = outcomes(dir.path(), "progress/token-known");
    assert_eq!(progress[0]["verdict"], "not-observed", "{stdout}");
    assert_eq!(out.status.code(), Some(1), "{stdout}");
}

#[test]
fn a_profiled_tool_the_server_does_not_list_skips_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_progress(dir.path(), "roles:\n  emits_progress: { tool: missing }\n");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    for check in ["tools/call-answered", "progress/token-known"] {
        let outcome = &outcomes(dir.path(), check)[0];
        assert_eq!(outcome["verdict"], "skip", "{outcome}");
        assert_eq!(
            outcome["message"],
            "not applicable: the profile names tool missing for role emits_progress, but the server does not list it"
        );
    }
}

#[test]
fn a_malformed_profile_is_a_usage_error_at_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "roles:\n  emits_progres: { tool: count }\n",
            ":2:3: unknown role \"emits_progres\"",
        ),
        (
            "roles:\n  logs: { tool: log, resource: \"a://b\" }\n",
            ":2:9: role logs: name a tool or a resource, not both",
        ),
        ("roles:\n  logs: { tool: log, colour: red }\n", ":2:"),
    ];
    for (profile, expected) in cases {
        let out = run_progress(dir.path(), profile);
        assert_eq!(out.status.code(), Some(2), "{profile}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let at = format!("profile.yaml{expected}");
        assert!(stderr.contains(&at), "{profile}: {stderr}");
    }
}
