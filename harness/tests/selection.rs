//! Selection and scale: `--filter` by id glob and tag, `!` excluding; `--partition K/N` shards
//! are disjoint and together are the full run; and `--jobs 2` gives the same report as
//! `--jobs 1`.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_zcpspec");

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `zcpspec run` against the reference server with extra arguments: exit code and report.json.
fn run(args: &[&str], dir: &Path) -> (Option<i32>, Value) {
    let out = Command::new(BIN)
        .args(["run", "--color", "never", "--report-dir"])
        .arg(dir)
        .args(args)
        .current_dir(workspace())
        .output()
        .unwrap();
    let text = std::fs::read_to_string(dir.join("report.json")).unwrap_or_else(|_| {
        panic!(
            "no report: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), serde_json::from_str(&text).unwrap())
}

fn scenario_ids(report: &Value) -> BTreeSet<String> {
    (report["scenarios"].as_array().unwrap().iter())
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

/// Each check outcome as (scenario, check, subject, verdict): what a shard must reproduce.
fn outcomes(report: &Value) -> BTreeSet<String> {
    (report["checks"].as_array().unwrap().iter())
        .map(|c| {
            format!(
                "{} {} {} {}",
                c["scenario"], c["id"], c["subject"], c["verdict"]
            )
        })
        .collect()
}

#[test]
fn partitions_are_disjoint_and_together_the_full_run() {
    let dir = tempfile::tempdir().unwrap();
    let filter = ["--filter", "basic/*", "--filter", "lifecycle/*"];
    let (code, full) = run(&filter, &dir.path().join("full"));
    assert_eq!(code, Some(0));
    let mut ids = BTreeSet::new();
    let mut checks = BTreeSet::new();
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let mut args = filter.to_vec();
        args.extend(["--partition", &shard]);
        let (code, report) = run(&args, &dir.path().join(format!("shard{k}")));
        assert_eq!(code, Some(0), "shard {shard}");
        let mine = scenario_ids(&report);
        assert!(!mine.is_empty(), "shard {shard} is empty");
        assert!(ids.is_disjoint(&mine), "shard {shard} overlaps: {mine:?}");
        ids.extend(mine);
        checks.extend(outcomes(&report));
    }
    assert_eq!(ids, scenario_ids(&full));
    assert_eq!(checks, outcomes(&full));
}

#[test]
fn a_partition_out_of_range_is_a_usage_error() {
    for bad in ["0/3", "4/3", "1", "a/b"] {
        let out = Command::new(BIN)
            .args(["run", "--partition", bad])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "--partition {bad}");
    }
}

#[test]
fn two_jobs_give_the_same_report_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let (code, one) = run(&["--jobs", "1"], &dir.path().join("one"));
    assert_eq!(code, Some(0));
    let (code, two) = run(&["--jobs", "2"], &dir.path().join("two"));
    assert_eq!(code, Some(0));
    assert_eq!(scenario_ids(&one), scenario_ids(&two));
    assert_eq!(one["summary"], two["summary"]);
    assert_eq!(one["checks"], two["checks"]);
}

/// The ids of the scenarios carrying `tag`, from the scenario files themselves.
fn tagged(tag: &str) -> BTreeSet<String> {
    let all = zcpspec::scenario::load_dir(&workspace().join("scenarios")).unwrap();
    (all.into_iter())
        .filter(|s| s.tags.contains(&tag))
        .map(|s| s.id)
        .collect()
}

#[test]
fn filters_select_by_tag_and_exclude_with_a_bang() {
    let dir = tempfile::tempdir().unwrap();
    let tasks = tagged("tasks");
    assert!(tasks.len() >= 5, "{tasks:?}");
    let (_, report) = run(&["--filter", "tag:tasks"], &dir.path().join("tasks"));
    assert_eq!(scenario_ids(&report), tasks);

    // An id glob and a tag together: either may match.
    let malformed = tagged("malformed");
    let (_, report) = run(
        &["--filter", "tag:malformed", "--filter", "lifecycle/ping"],
        &dir.path().join("either"),
    );
    let mut expected = malformed.clone();
    expected.insert("lifecycle/ping".into());
    assert_eq!(scenario_ids(&report), expected);

    // Exclusions alone start from every scenario; with inclusions, from what they select.
    let all = zcpspec::scenario::load_dir(&workspace().join("scenarios")).unwrap();
    let slow = tagged("slow");
    let (_, report) = run(&["--filter", "!tag:slow"], &dir.path().join("fast"));
    let fast = scenario_ids(&report);
    assert_eq!(fast.len(), all.len() - slow.len());
    assert!(fast.is_disjoint(&slow));
    let (_, report) = run(
        &["--filter", "utilities/*", "--filter", "!tag:tasks"],
        &dir.path().join("utilities"),
    );
    let ids = scenario_ids(&report);
    assert!(!ids.is_empty() && ids.iter().all(|id| id.starts_with("utilities/")));
    assert!(ids.is_disjoint(&tasks));
}

#[test]
fn an_unknown_tag_is_a_usage_error_naming_the_known_ones() {
    let out = Command::new(BIN)
        .args(["run", "--filter", "tag:fast"])
        .current_dir(workspace())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no tag \"fast\" (known: slow, malformed"),
        "{stderr}"
    );
}

#[test]
fn every_tag_is_in_use_and_named_in_the_help() {
    let out = Command::new(BIN).args(["run", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for (tag, _) in zcpspec::scenario::TAGS {
        assert!(!tagged(tag).is_empty(), "no scenario is tagged {tag}");
        assert!(
            help.contains(tag),
            "`run --help` does not name the tag {tag}"
        );
    }
}
