//! Catalogue coverage against the real catalogue beside the project (../shared/spec): every
//! MUST / MUST NOT row of the revisions the harness judges is covered by a check or excluded
//! with a reason, exclusions never contradict checks, and `list --coverage` prints it.
//! Without ../shared these tests say so and pass, except under CI, where its absence fails.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;
use zcpspec::checks::coverage::{self, Coverage};
use zcpspec::checks::exclusions;
use zcpspec::protocol::revision::RevisionRange;

const BIN: &str = env!("CARGO_BIN_EXE_zcpspec");

/// The revisions whose rows must be fully accounted for (2026-07-28 is judged later).
const JUDGED: &str = "<=2025-11-25";

fn catalogue() -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec/catalogue.csv");
    if path.is_file() {
        Some(path)
    } else if std::env::var_os("CI").is_some() {
        panic!(
            "{} is missing; CI must have ../shared beside the checkout",
            path.display()
        );
    } else {
        eprintln!("{} is absent: coverage not checked", path.display());
        None
    }
}

#[test]
fn every_mandatory_row_is_covered_or_excluded_and_coverage_is_at_least_95_percent() {
    let Some(path) = catalogue() else { return };
    let rows = coverage::read_catalogue(&path).unwrap();
    let revisions: RevisionRange = JUDGED.parse().unwrap();
    let coverage = Coverage::of(&rows, &revisions);
    assert_eq!(
        coverage.uncovered(),
        Vec::<&str>::new(),
        "MUST / MUST NOT rows neither covered by a check nor excluded\n{}",
        coverage.table()
    );
    assert!(
        coverage.percent() >= 95.0,
        "only {:.1}% of the mandatory rows are covered by checks\n{}",
        coverage.percent(),
        coverage.table()
    );
}

#[test]
fn exclusions_name_catalogue_rows_that_no_check_covers() {
    let Some(path) = catalogue() else { return };
    let ids: BTreeSet<String> = coverage::read_catalogue(&path)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    let covered = coverage::covered_ids();
    for e in exclusions::all() {
        assert!(
            ids.contains(&e.catalogue),
            "{} is excluded but not in the catalogue",
            e.catalogue
        );
        assert!(
            !covered.contains(e.catalogue.as_str()),
            "{} is excluded yet a check covers it",
            e.catalogue
        );
    }
}

#[test]
fn list_coverage_prints_one_line_per_area_and_a_total() {
    let Some(path) = catalogue() else { return };
    let out = Command::new(BIN)
        .args(["list", "--coverage", "--revisions", JUDGED, "--catalogue"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "MUST / MUST NOT rows of the catalogue for 2024-11-05, 2025-03-26, 2025-06-18, 2025-11-25"
    );
    assert!(lines[1].starts_with("area") && lines[1].ends_with("uncovered ids"));
    let areas: Vec<&str> = lines[2..lines.len() - 1]
        .iter()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    for area in ["BASE", "LIFE", "TOOL", "TASK", "ELIC", "HTTP", "SSE"] {
        assert!(areas.contains(&area), "{area} missing from\n{text}");
    }
    // Areas of 2026-07-28 and the tasks extension only have no rows for these revisions.
    assert!(
        !areas.contains(&"MRTR") && !areas.contains(&"TASKX"),
        "{text}"
    );
    let total: Vec<&str> = lines.last().unwrap().split_whitespace().collect();
    assert_eq!(total[0], "total");
    let numbers: Vec<usize> = total[1..5].iter().map(|n| n.parse().unwrap()).collect();
    assert_eq!(numbers[0], numbers[1] + numbers[2] + numbers[3], "{text}");
    assert!(total[5].ends_with('%') && total[6] == "covered", "{text}");

    // The same numbers as JSON.
    let out = Command::new(BIN)
        .args([
            "list",
            "--coverage",
            "--format",
            "json",
            "--revisions",
            JUDGED,
            "--catalogue",
        ])
        .arg(&path)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["total"]["rows"], numbers[0]);
    assert_eq!(json["total"]["covered"], numbers[1]);
    assert_eq!(json["areas"].as_array().unwrap().len(), areas.len());
    assert!(json["areas"][0]["uncovered"].is_array());
}

#[test]
fn list_coverage_finds_the_catalogue_by_env_and_says_when_there_is_none() {
    let Some(path) = catalogue() else { return };
    let out = Command::new(BIN)
        .args(["list", "--coverage"])
        .env("ZCPSPEC_CATALOGUE", &path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("% covered"));

    let out = Command::new(BIN)
        .args([
            "list",
            "--coverage",
            "--catalogue",
            "/nonexistent/catalogue.csv",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/nonexistent/catalogue.csv"), "{stderr}");
}
