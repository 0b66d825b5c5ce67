//! The stateless era (2026-07-28) end to end: the reference server passes a `--revision
//! 2026-07-28` run, spawned over stdio, embedded, and over streamable HTTP (where it passes the
//! handshake era's run too, on the same endpoint), with every applicable session judged as
//! 2026-07-28; scenarios of the other era are skipped, saying so, before anything is sent.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::Server;

const BIN: &str = env!("CARGO_BIN_EXE_zcpspec");

fn run(args: &[&str], dir: &Path) -> (Option<i32>, Value) {
    let out = Command::new(BIN)
        .args(["run", "--color", "never", "--report-dir"])
        .arg(dir)
        .args(args)
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."))
        .output()
        .unwrap();
    let text = std::fs::read_to_string(dir.join("report.json")).unwrap_or_else(|_| {
        panic!("no report: {}", String::from_utf8_lossy(&out.stderr));
    });
    (out.status.code(), serde_json::from_str(&text).unwrap())
}

fn executed(report: &Value) -> BTreeSet<String> {
    (report["checks"].as_array().unwrap().iter())
        .filter(|c| matches!(c["verdict"].as_str(), Some("pass" | "fail" | "warn")))
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_reference_server_passes_a_stateless_run_over_stdio() {
    let dir = tempfile::tempdir().unwrap();
    for (name, target) in [("embedded", vec![]), ("stdio", vec!["--", BIN, "serve"])] {
        let mut args = vec!["--revision", "2026-07-28"];
        args.extend(target);
        let (code, report) = run(&args, &dir.path().join(name));
        assert_eq!(code, Some(0), "{name}: {}", report["summary"]);
        let checks = executed(&report);
        assert!(checks.len() >= 75, "{name}: {} checks judged", checks.len());
        for id in [
            "lifecycle/discover",
            "lifecycle/no-handshake",
            "base/result-type",
            "cache/hints",
            "subscriptions/acknowledged",
            "cancellation/nothing-after-cancel",
            "tasks-ext/create-result",
            "tasks-ext/input-keys-unique",
        ] {
            assert!(checks.contains(id), "{name}: {id} did not run");
        }
        for s in report["scenarios"].as_array().unwrap() {
            if let Some(revision) = s.get("revision") {
                assert_eq!(revision, "2026-07-28", "{name}: {}", s["id"]);
            }
        }
    }
}

#[test]
fn each_era_skips_the_other_eras_scenarios_before_sending_anything() {
    let dir = tempfile::tempdir().unwrap();
    let reason = |report: &Value, scenario: &str| -> String {
        let check = (report["checks"].as_array().unwrap().iter())
            .find(|c| c["scenario"] == scenario)
            .unwrap();
        assert_eq!(check["verdict"], "skip", "{check}");
        check["message"].as_str().unwrap().to_string()
    };
    let filters = [
        "--filter",
        "lifecycle/ping",
        "--filter",
        "lifecycle/discover",
    ];
    let (_, stateless) = run(
        &[&["--revision", "2026-07-28"], &filters[..]].concat(),
        &dir.path().join("stateless"),
    );
    assert!(reason(&stateless, "lifecycle/ping").contains("the run speaks 2026-07-28"));
    let (_, handshake) = run(&filters, &dir.path().join("handshake"));
    assert!(reason(&handshake, "lifecycle/discover").contains("--revision 2026-07-28 runs it"));
    let trace =
        std::fs::read_to_string(dir.path().join("handshake/traces/lifecycle/discover.jsonl"))
            .unwrap();
    assert!(!trace.contains("\"sent\""), "{trace}");
}

#[test]
fn the_reference_server_passes_both_eras_over_streamable_http() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start();
    let url = format!("{}/mcp", server.base);
    let runs = [
        ("stateless", vec!["--revision", "2026-07-28", "--url", &url]),
        ("handshake", vec!["--url", &url]),
    ];
    let outcomes: Vec<_> = (runs.iter())
        .map(|(name, args)| (name, run(args, &dir.path().join(name))))
        .collect();
    drop(server);
    for (name, (code, report)) in outcomes {
        assert_eq!(code, Some(0), "{name}: {}", report["summary"]);
        if *name == "stateless" {
            let checks = executed(&report);
            assert!(checks.len() >= 80, "{} checks judged", checks.len());
            let ids = [
                "http/header-mismatch",
                "http/stateless-error-status",
                "http/header-case",
                "http/protocol-version-header-required",
                "http/stream-carries-its-request",
                "subscriptions/id-on-notifications",
                "cancellation/nothing-after-cancel",
                "tasks-ext/get-detailed",
            ];
            for id in ids {
                assert!(checks.contains(id), "{id} did not run");
            }
        }
    }
}

#[test]
fn revision_auto_speaks_2026_07_28_only_to_a_server_that_lists_it() {
    let dir = tempfile::tempdir().unwrap();
    for (fault, expected) in [
        (
            None,
            "revision: 2026-07-28 (server/discover lists 2026-07-28)",
        ),
        (
            Some("discover-no-versions"),
            "revision: 2025-11-25 (server/discover does not list 2026-07-28)",
        ),
    ] {
        let mut command = Command::new(BIN);
        command
            .args(["run", "--color", "never", "--revision", "auto"])
            .args(["--filter", "lifecycle/ping", "--report-dir"])
            .arg(dir.path())
            .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."));
        if let Some(fault) = fault {
            command.args(["--fault", fault]);
        }
        let out = command.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(stdout.lines().next(), Some(expected), "{stdout}");
    }
}
