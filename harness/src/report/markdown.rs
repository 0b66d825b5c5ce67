//! `summary.md`: the run in GitHub-flavoured Markdown, sized for a CI step summary
//! (`$GITHUB_STEP_SUMMARY`): the outcome, the counts, failures with their evidence, errored
//! scenarios, and warnings in a table.

use super::{plural, CheckOutcome, Report, ScenarioReport};
use crate::checks::Verdict;
use std::fmt::Write;

/// Entries each section shows; the rest are counted.
const MAX_ENTRIES: usize = 50;

pub fn render(report: &Report, strict: bool) -> String {
    if report.targets.is_empty() {
        return section(
            report,
            strict,
            2,
            format!("zcpspec: {}", code(&report.target)),
        );
    }
    // Several targets: the outcome and a row per target, then each target's section.
    let mut out = format!("## zcpspec: {}\n\n", code(&report.target));
    let failed = (report.targets.iter())
        .filter(|t| !t.passed(strict))
        .count();
    let _ = match failed {
        0 => writeln!(out, "✅ **Passed**: every target passed\n"),
        n => writeln!(
            out,
            "❌ **Failed**: {n} of {} failed\n",
            plural(report.targets.len(), "target")
        ),
    };
    out.push_str("| Target | Result | Passed | Failed | Warned | Skipped | Not observed | Scenarios | Errors |\n");
    out.push_str("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for t in &report.targets {
        let s = &t.summary;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&code(t.name.as_deref().unwrap_or_default())),
            if t.passed(strict) { "✅" } else { "❌" },
            s.passed,
            s.failed,
            s.warned,
            s.skipped,
            s.not_observed,
            s.scenarios,
            s.errors
        );
    }
    for t in &report.targets {
        out.push('\n');
        let title = format!(
            "{}: {}",
            code(t.name.as_deref().unwrap_or_default()),
            code(&t.target)
        );
        out.push_str(&section(t, strict, 3, title));
    }
    out
}

/// One target's part: its title as a heading of `level`, then sections one level below.
fn section(report: &Report, strict: bool, level: usize, title: String) -> String {
    let s = &report.summary;
    let sub = "#".repeat(level + 1);
    let mut out = format!("{} {title}\n\n", "#".repeat(level));

    let checks = s.passed + s.failed + s.warned + s.skipped + s.not_observed;
    let failures: Vec<&CheckOutcome> = report.unexpected_failures(strict).collect();
    let scope = format!(
        "{} in {}{}",
        plural(checks, "check"),
        plural(s.scenarios, "scenario"),
        if strict { ", strict" } else { "" }
    );
    if report.passed(strict) {
        let _ = writeln!(out, "✅ **Passed**: no failing checks ({scope})\n");
    } else {
        let mut reasons = Vec::new();
        if !failures.is_empty() {
            reasons.push(plural(failures.len(), "failing check"));
        }
        if s.errors > 0 {
            reasons.push(plural(s.errors, "scenario error"));
        }
        if !report.stale.is_empty() {
            reasons.push(plural(report.stale.len(), "stale baseline entry"));
        }
        let _ = writeln!(out, "❌ **Failed**: {} ({scope})\n", reasons.join(" and "));
    }

    out.push_str("| Passed | Failed | Warned | Skipped | Not observed | Scenarios | Errors |\n");
    out.push_str("|---:|---:|---:|---:|---:|---:|---:|\n");
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} |",
        s.passed, s.failed, s.warned, s.skipped, s.not_observed, s.scenarios, s.errors
    );

    if !failures.is_empty() {
        let _ = write!(out, "\n{sub} Failures\n");
        for check in failures.iter().take(MAX_ENTRIES) {
            out.push('\n');
            failure(&mut out, check);
        }
        more(&mut out, failures.len());
    }

    if !report.stale.is_empty() {
        let _ = write!(
            out,
            "\n{sub} Stale baseline entries\n\nThese no longer fail: remove them.\n\n"
        );
        for entry in &report.stale {
            let covers = code(&entry.covers());
            let _ = writeln!(out, "- {} at {}: {}", covers, code(&entry.at), entry.reason);
        }
    }

    let expected: Vec<&CheckOutcome> = (report.failures(strict))
        .filter(|c| c.baselined.is_some())
        .collect();
    if !expected.is_empty() {
        let _ = write!(out, "\n{sub} Expected failures (baseline)\n\n");
        out.push_str("| Check | Scenario | Reason |\n|---|---|---|\n");
        for check in expected.iter().take(MAX_ENTRIES) {
            let reason = check.baselined.as_deref().unwrap_or_default();
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                code(&check.id),
                code(&check.scenario),
                cell(reason)
            );
        }
        more(&mut out, expected.len());
    }

    let errors: Vec<&ScenarioReport> = report
        .scenarios
        .iter()
        .filter(|s| s.error.is_some())
        .collect();
    if !errors.is_empty() {
        let _ = write!(out, "\n{sub} Errors\n\n");
        for scenario in errors.iter().take(MAX_ENTRIES) {
            let error = scenario.error.as_deref().unwrap_or_default();
            let _ = writeln!(out, "- {}: {}", code(&scenario.id), code(error));
        }
        more(&mut out, errors.len());
    }

    let warnings: Vec<&CheckOutcome> = report
        .checks
        .iter()
        .filter(|c| c.verdict == Verdict::Warn && !c.is_failure(strict))
        .collect();
    if !warnings.is_empty() {
        let _ = write!(out, "\n{sub} Warnings\n\n");
        out.push_str("| Check | Scenario | Level | Finding |\n");
        out.push_str("|---|---|---|---|\n");
        for check in warnings.iter().take(MAX_ENTRIES) {
            let mut finding = cell(&check.message);
            if let Some(expected) = &check.expected {
                let _ = write!(finding, "<br>expected: {}", cell(&code(expected)));
            }
            if let Some(actual) = &check.actual {
                let _ = write!(finding, "<br>actual: {}", cell(&code(actual)));
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {finding} |",
                cell(&code(&check.title())),
                cell(&code(&check.scenario)),
                check.level,
            );
        }
        more(&mut out, warnings.len());
    }
    out
}

/// One failure: what broke and where, the requirement, and the evidence in a code block.
fn failure(out: &mut String, check: &CheckOutcome) {
    let _ = writeln!(
        out,
        "**{}** · {} · scenario {} · {}\n",
        code(&check.title()),
        check.level,
        code(&check.scenario),
        check.spec
    );
    let _ = writeln!(out, "> {}\n", check.requirement);
    let verdict = match check.verdict {
        Verdict::NotObserved => "not observed",
        v => v.as_str(),
    };
    let mut evidence = format!("{verdict}: {}\n", check.message);
    if let Some(expected) = &check.expected {
        let _ = writeln!(evidence, "expected: {expected}");
    }
    if let Some(actual) = &check.actual {
        let _ = writeln!(evidence, "  actual: {actual}");
    }
    if !check.frames.is_empty() {
        let frames: Vec<String> = check.frames.iter().map(|f| format!("#{f}")).collect();
        let _ = writeln!(evidence, "frames: {}", frames.join(", "));
    }
    // A fence longer than any run of backticks in the evidence, which quotes the server.
    let fence = "`".repeat(3.max(longest_backtick_run(&evidence) + 1));
    let _ = writeln!(out, "{fence}text\n{evidence}{fence}");
    if let Some(diff) = &check.diff {
        let fence = "`".repeat(3.max(longest_backtick_run(diff) + 1));
        let _ = writeln!(out, "{fence}diff\n{diff}{fence}");
    }
}

fn more(out: &mut String, total: usize) {
    if total > MAX_ENTRIES {
        let _ = writeln!(out, "\n…and {} more", total - MAX_ENTRIES);
    }
}

/// An inline code span that holds any text: delimited by more backticks than it contains, on
/// one line.
fn code(text: &str) -> String {
    let text = text.replace(['\r', '\n'], " ");
    let ticks = "`".repeat(longest_backtick_run(&text) + 1);
    if text.starts_with('`') || text.ends_with('`') {
        format!("{ticks} {text} {ticks}")
    } else {
        format!("{ticks}{text}{ticks}")
    }
}

/// Text for a table cell: a `|` would end the cell, a line break the row.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\r', '\n'], " ")
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}
