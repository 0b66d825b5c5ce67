//! Golden snapshots: normalisation properties, the committed reference goldens, a changed
//! response failing with its diff, bless then compare, and a corrupt golden refused.

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use std::path::PathBuf;
use std::process::Command;
use zcpspec::golden::{canonicalize, diff};

const BIN: &str = env!("CARGO_BIN_EXE_zcpspec");

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn zcpspec(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(workspace())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A small golden-shaped document: messages with ids, cursors and plain values.
fn doc_strategy() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<i32>().prop_map(Value::from),
        "[a-z]{0,6}".prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
    ];
    let value = leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z]{1,5}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    let message =
        (0u32..5, proptest::option::of("[a-z]{1,4}"), value).prop_map(|(id, cursor, result)| {
            let mut r = json!({ "data": result });
            if let Some(c) = cursor {
                r["nextCursor"] = Value::from(c);
            }
            json!({ "jsonrpc": "2.0", "id": id, "result": r })
        });
    proptest::collection::vec(message, 0..5)
        .prop_map(|messages| json!({ "messages": messages, "notifications": [] }))
}

/// The same value with every object's keys in reverse order.
fn reversed(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.reverse();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), reversed(&m[k])))
                    .collect::<Map<_, _>>(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(reversed).collect()),
        other => other.clone(),
    }
}

/// The same document with every message id mapped through a bijection.
fn renumbered(doc: &Value, offset: u64) -> Value {
    let mut doc = doc.clone();
    for m in doc["messages"].as_array_mut().unwrap() {
        let id = m["id"].as_u64().unwrap();
        m["id"] = Value::from(id * 7 + offset);
    }
    doc
}

proptest! {
    #[test]
    fn normalisation_is_idempotent(doc in doc_strategy()) {
        let once = canonicalize(&doc);
        prop_assert_eq!(canonicalize(&once), once);
    }

    #[test]
    fn normalisation_ignores_key_order_and_id_numbering(doc in doc_strategy(), offset in 1u64..1000) {
        let c = canonicalize(&doc);
        prop_assert_eq!(&canonicalize(&reversed(&doc)), &c);
        prop_assert_eq!(&canonicalize(&renumbered(&doc, offset)), &c);
    }
}

/// The golden outcomes of a passing run of the embedded reference server with `args`.
fn golden_outcomes(args: &[&str]) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec!["run", "--color", "never", "--golden", "golden/reference"];
    all.extend(args);
    all.extend(["--report-dir", dir.path().to_str().unwrap()]);
    let (code, stdout, _) = zcpspec(&all);
    assert_eq!(code, Some(0), "{stdout}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    let checks = report["checks"].as_array().unwrap().iter();
    checks
        .filter(|c| c["id"].as_str().unwrap().starts_with("golden/"))
        .cloned()
        .collect()
}

#[test]
fn the_reference_server_matches_its_committed_goldens() {
    let goldens = golden_outcomes(&[]);
    assert!(goldens.len() >= 50);
    assert!(goldens.iter().all(|c| c["verdict"] == "pass"));
}

/// The stateless era's goldens live under `2026-07-28/`. (Over streamable HTTP one stateless
/// server serves every session at once, so what one session sees depends on the others: those
/// are not blessed.)
#[test]
fn the_reference_server_matches_its_committed_stateless_goldens() {
    let goldens = golden_outcomes(&["--revision", "2026-07-28"]);
    assert!(goldens.len() >= 50);
    for golden in goldens {
        assert_eq!(golden["verdict"], "pass", "{golden}");
        let message = golden["message"].as_str().unwrap();
        assert!(
            message.contains("golden/reference/2026-07-28/"),
            "{message}"
        );
    }
}

#[test]
fn a_fault_that_changes_a_response_fails_with_the_diff() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, _) = zcpspec(&[
        "run",
        "--color",
        "never",
        "--golden",
        "golden/reference",
        "--fault",
        "ping-non-empty",
        "--filter",
        "lifecycle/ping",
        "--report-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1));
    assert!(stdout.contains("✗ golden/lifecycle/ping"), "{stdout}");
    assert!(stdout.contains("+        \"pong\": true"), "{stdout}");
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(summary.contains("```diff"), "{summary}");
}

#[test]
fn bless_then_compare_round_trips_and_a_missing_golden_is_not_a_pass() {
    let goldens = tempfile::tempdir().unwrap();
    let g = goldens.path().to_str().unwrap();
    let reports = tempfile::tempdir().unwrap();
    let r = reports.path().to_str().unwrap();
    let (code, stdout, _) = zcpspec(&[
        "run",
        "--filter",
        "basic/*",
        "--golden",
        g,
        "--report-dir",
        r,
    ]);
    assert_eq!(
        code,
        Some(1),
        "no goldens yet: not observed, a failure\n{stdout}"
    );
    assert!(stdout.contains("no golden snapshot at"), "{stdout}");
    let (code, _, _) = zcpspec(&[
        "run",
        "--filter",
        "basic/*",
        "--golden",
        g,
        "--bless",
        "--report-dir",
        r,
    ]);
    assert_eq!(code, Some(0));
    let (code, stdout, _) = zcpspec(&[
        "run",
        "--filter",
        "basic/*",
        "--golden",
        g,
        "--report-dir",
        r,
    ]);
    assert_eq!(code, Some(0), "{stdout}");
}

#[test]
fn a_corrupt_golden_is_refused_with_its_position_and_exit_2() {
    let goldens = tempfile::tempdir().unwrap();
    let file = goldens.path().join("lifecycle/ping.json");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "{\n  \"messages\": [\n    {\"id\": 1,,}\n  ]\n}\n").unwrap();
    let reports = tempfile::tempdir().unwrap();
    let (code, _, stderr) = zcpspec(&[
        "run",
        "--filter",
        "lifecycle/ping",
        "--golden",
        goldens.path().to_str().unwrap(),
        "--report-dir",
        reports.path().to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("lifecycle/ping.json:3:14"), "{stderr}");
    assert!(!stderr.contains("panicked"));
}

#[test]
fn diffs_render_as_unified_diffs() {
    let golden = canonicalize(
        &json!({"messages": [{"jsonrpc": "2.0", "id": 1, "result": {}}], "notifications": []}),
    );
    let observed = canonicalize(
        &json!({"messages": [{"jsonrpc": "2.0", "id": 4, "result": {"pong": true}}], "notifications": []}),
    );
    insta::assert_snapshot!(diff(&golden, &observed).unwrap());
    assert_eq!(diff(&golden, &golden), None);
}
