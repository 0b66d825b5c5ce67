//! Terminal output: a progress line as each scenario finishes, and the summary that ends the
//! run (failures in detail, warnings in brief, the counts and the result).

use super::{plural, CheckOutcome, Report, ScenarioReport};
use crate::checks::Verdict;
use std::borrow::Cow;
use std::fmt::Write;

/// Failures (and errored scenarios) the summary shows; the rest are counted.
const MAX_FAILURES: usize = 20;
/// Warnings the summary lists; the rest are counted.
const MAX_WARNINGS: usize = 10;

const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const DIM: &str = "\x1b[2m";
const BOLD: &str = "\x1b[1m";
const BOLD_GREEN: &str = "\x1b[1;32m";
const BOLD_RED: &str = "\x1b[1;31m";

/// The line printed when a scenario finishes: its status (the worst verdict among its checks,
/// or ERROR), its id, and the checks counted by verdict.
pub fn scenario_line(scenario: &ScenarioReport, checks: &[CheckOutcome], color: bool) -> String {
    let (status, colour) = if scenario.error.is_some() {
        ("ERROR", RED)
    } else if checks.iter().any(|c| c.is_failure(false)) {
        ("FAIL", RED)
    } else if checks.iter().any(|c| c.verdict == Verdict::Warn) {
        ("WARN", YELLOW)
    } else if checks.iter().any(|c| c.verdict == Verdict::Pass) {
        ("PASS", GREEN)
    } else if !checks.is_empty() {
        // Only skips, and SHOULDs that were never observed.
        ("SKIP", DIM)
    } else {
        // A scenario that judged nothing proves nothing: not a pass.
        ("NONE", RED)
    };
    let mut line = format!(
        "{}  {:<30}  ({})",
        paint(&format!("{status:>6}"), colour, color),
        clean(&scenario.id),
        verdict_counts(checks)
    );
    if let Some(error) = &scenario.error {
        line.push_str(": ");
        line.push_str(&clean(error));
    }
    line
}

/// `4 checks: 3 pass, 1 fail`, or `no checks`.
fn verdict_counts(checks: &[CheckOutcome]) -> String {
    if checks.is_empty() {
        return "no checks".into();
    }
    let counts: Vec<String> = [
        Verdict::Pass,
        Verdict::Fail,
        Verdict::Warn,
        Verdict::Skip,
        Verdict::NotObserved,
    ]
    .into_iter()
    .filter_map(|v| {
        let n = checks.iter().filter(|c| c.verdict == v).count();
        (n > 0).then(|| format!("{n} {v}"))
    })
    .collect();
    format!("{}: {}", plural(checks.len(), "check"), counts.join(", "))
}

/// The end of the run: failures in detail (the first 20), errored scenarios, warnings (the
/// first 10), the counts, and `result: PASS` or `result: FAIL`. A run of several targets gives
/// each target's summary under its name, then a table of the targets.
pub fn summary(report: &Report, strict: bool, color: bool) -> String {
    if report.targets.is_empty() {
        return target_summary(report, strict, color);
    }
    let mut out = String::new();
    for section in &report.targets {
        let name = section.name.as_deref().unwrap_or_default();
        out.push_str(&target_heading(name, &section.target, color));
        out.push_str(&target_summary(section, strict, color));
        out.push('\n');
    }
    out.push_str(&targets_table(report, strict, color));
    out
}

/// The line that opens a target's part of a run of several: `== NAME: target ==`.
pub fn target_heading(name: &str, target: &str, color: bool) -> String {
    let line = format!("== {}: {} ==", clean(name), clean(target));
    format!("{}\n", paint(&line, BOLD, color))
}

/// The end of a run of several targets: a line per target (its result and counts), and the
/// result of the whole.
pub fn targets_table(report: &Report, strict: bool, color: bool) -> String {
    let mut out = paint("targets:", BOLD, color);
    out.push('\n');
    let width = (report.targets.iter())
        .map(|t| t.name.as_deref().unwrap_or_default().chars().count())
        .max()
        .unwrap_or(0);
    for section in &report.targets {
        let s = &section.summary;
        let (word, colour) = if section.passed(strict) {
            ("PASS", GREEN)
        } else {
            ("FAIL", RED)
        };
        let expected = match s.expected_failures {
            0 => String::new(),
            n => format!(" ({n} expected)"),
        };
        let _ = writeln!(
            out,
            "  {}  {:<width$}  {} passed, {} failed{expected}, {} warned, {} skipped, {} not observed; {}",
            paint(word, colour, color),
            clean(section.name.as_deref().unwrap_or_default()),
            s.passed,
            s.failed,
            s.warned,
            s.skipped,
            s.not_observed,
            plural(s.errors, "error"),
        );
    }
    let failed = (report.targets.iter())
        .filter(|t| !t.passed(strict))
        .count();
    let result = if report.passed(strict) {
        paint("PASS", BOLD_GREEN, color)
    } else {
        paint("FAIL", BOLD_RED, color)
    };
    let _ = writeln!(
        out,
        "result: {result} ({} of {} failed)",
        failed,
        plural(report.targets.len(), "target")
    );
    out
}

fn target_summary(report: &Report, strict: bool, color: bool) -> String {
    let mut out = String::new();

    let failures: Vec<&CheckOutcome> = report.unexpected_failures(strict).collect();
    if !failures.is_empty() {
        out.push_str(&paint("failures:", BOLD, color));
        out.push('\n');
        for check in failures.iter().take(MAX_FAILURES) {
            out.push('\n');
            failure_block(&mut out, check, color);
        }
        more(&mut out, failures.len(), MAX_FAILURES, "failures");
        out.push('\n');
    }

    let expected: Vec<&CheckOutcome> = (report.failures(strict))
        .filter(|c| c.baselined.is_some())
        .collect();
    if !expected.is_empty() {
        out.push_str(&paint("expected failures (baseline):", BOLD, color));
        out.push('\n');
        for check in expected.iter().take(MAX_WARNINGS) {
            let _ = writeln!(
                out,
                "  {} {}  (scenario {}): {}",
                paint("~", DIM, color),
                title(check),
                clean(&check.scenario),
                clean(check.baselined.as_deref().unwrap_or_default())
            );
        }
        more(&mut out, expected.len(), MAX_WARNINGS, "expected failures");
        out.push('\n');
    }

    if !report.stale.is_empty() {
        out.push_str(&paint(
            "stale baseline entries (they fail no more):",
            BOLD,
            color,
        ));
        out.push('\n');
        for entry in &report.stale {
            let covers = entry.covers();
            let _ = writeln!(
                out,
                "  {} {}: {} passes; remove the entry ({})",
                paint("✗", RED, color),
                clean(&entry.at),
                clean(&covers),
                clean(&entry.reason)
            );
        }
        out.push('\n');
    }

    let errors: Vec<&ScenarioReport> = report
        .scenarios
        .iter()
        .filter(|s| s.error.is_some())
        .collect();
    if !errors.is_empty() {
        out.push_str(&paint("errors:", BOLD, color));
        out.push('\n');
        for scenario in errors.iter().take(MAX_FAILURES) {
            let error = scenario.error.as_deref().unwrap_or_default();
            let _ = writeln!(
                out,
                "  {} {}: {}",
                paint("✗", RED, color),
                clean(&scenario.id),
                clean(error)
            );
        }
        more(&mut out, errors.len(), MAX_FAILURES, "errors");
        out.push('\n');
    }

    let warnings: Vec<&CheckOutcome> = report
        .checks
        .iter()
        .filter(|c| c.verdict == Verdict::Warn && !c.is_failure(strict))
        .collect();
    if !warnings.is_empty() {
        out.push_str(&paint("warnings:", BOLD, color));
        out.push('\n');
        for check in warnings.iter().take(MAX_WARNINGS) {
            let _ = writeln!(
                out,
                "  {} {}  [{}]  (scenario {}): {}",
                paint("!", YELLOW, color),
                title(check),
                check.level,
                clean(&check.scenario),
                clean(&check.message)
            );
        }
        more(&mut out, warnings.len(), MAX_WARNINGS, "warnings");
        out.push('\n');
    }

    let s = &report.summary;
    let checks = s.passed + s.failed + s.warned + s.skipped + s.not_observed;
    let expected = match s.expected_failures {
        0 => String::new(),
        n => format!(" ({n} expected)"),
    };
    let _ = writeln!(
        out,
        "{}: {} passed, {} failed{expected}, {} warned, {} skipped, {} not observed; {} ({})",
        plural(checks, "check"),
        paint(&s.passed.to_string(), GREEN, color && s.passed > 0),
        paint(
            &s.failed.to_string(),
            RED,
            color && s.failed > s.expected_failures
        ),
        paint(&s.warned.to_string(), YELLOW, color && s.warned > 0),
        paint(&s.skipped.to_string(), DIM, color && s.skipped > 0),
        s.not_observed,
        plural(s.scenarios, "scenario"),
        plural(s.errors, "error"),
    );
    let result = if report.passed(strict) {
        paint("PASS", BOLD_GREEN, color)
    } else {
        paint("FAIL", BOLD_RED, color)
    };
    let _ = writeln!(out, "result: {result}");
    out
}

/// One failure, h2spec style: what broke, the requirement, what was seen, where in the trace.
fn failure_block(out: &mut String, check: &CheckOutcome, color: bool) {
    let _ = writeln!(
        out,
        "{} {}  [{}] {}   {}",
        paint("✗", RED, color),
        paint(&title(check), BOLD, color),
        check.level,
        check.spec,
        paint(
            &format!("(scenario {})", clean(&check.scenario)),
            DIM,
            color
        )
    );
    let _ = writeln!(out, "  {}", check.requirement);
    let verdict = match check.verdict {
        Verdict::NotObserved => "not observed",
        v => v.as_str(),
    };
    let _ = writeln!(out, "  {verdict}: {}", clean(&check.message));
    if let Some(expected) = &check.expected {
        let _ = writeln!(out, "  expected: {}", paint(&clean(expected), GREEN, color));
    }
    if let Some(actual) = &check.actual {
        let _ = writeln!(out, "    actual: {}", paint(&clean(actual), RED, color));
    }
    if !check.frames.is_empty() {
        let frames: Vec<String> = check.frames.iter().map(|f| format!("#{f}")).collect();
        let _ = writeln!(out, "  frames: {}", frames.join(", "));
    }
    if let Some(diff) = &check.diff {
        for line in diff.lines() {
            let colour = match line.chars().next() {
                Some('+') if !line.starts_with("+++") => GREEN,
                Some('-') if !line.starts_with("---") => RED,
                _ => DIM,
            };
            let _ = writeln!(out, "  {}", paint(&clean(line), colour, color));
        }
    }
}

/// The check id, with the subject it looked at.
fn title(check: &CheckOutcome) -> String {
    match &check.subject {
        Some(subject) => format!("{} [{}]", check.id, clean(subject)),
        None => check.id.clone(),
    }
}

fn more(out: &mut String, total: usize, shown: usize, what: &str) {
    if total > shown {
        let _ = writeln!(out, "…and {} more {what}", total - shown);
    }
}

fn paint(text: &str, colour: &str, color: bool) -> String {
    if color {
        format!("{colour}{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// Server-supplied text with control characters escaped, so that a message quoting what the
/// server sent can neither break a line nor send escape sequences to the terminal.
fn clean(s: &str) -> Cow<'_, str> {
    if s.chars().any(char::is_control) {
        Cow::Owned(
            s.chars()
                .map(|c| {
                    if c.is_control() {
                        c.escape_default().to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect(),
        )
    } else {
        Cow::Borrowed(s)
    }
}
