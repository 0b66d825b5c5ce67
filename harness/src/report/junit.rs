//! JUnit XML for CI systems that show test results: one `<testsuite>` per scenario, one
//! `<testcase>` per check outcome, and a `scenario` testcase with an `<error>` for a scenario
//! the harness could not run. In a run of several targets, each suite's name starts with its
//! target's (`name: scenario`). Durations are zero and the timestamp is the Unix epoch, so the
//! same report always renders to the same bytes.

use super::{CheckOutcome, Report};
use crate::checks::Verdict;
use junit_report::{
    Duration, OffsetDateTime, ReportBuilder, TestCase, TestCaseBuilder, TestSuite, TestSuiteBuilder,
};
use std::borrow::Cow;

pub fn render(report: &Report) -> String {
    let mut suites = suites(report, "");
    for section in &report.targets {
        let name = section.name.as_deref().unwrap_or_default();
        suites.extend(self::suites(section, &format!("{name}: ")));
    }
    let mut out = Vec::new();
    ReportBuilder::new()
        .add_testsuites(suites)
        .build()
        .write_xml(&mut out)
        .expect("writing XML to memory cannot fail");
    String::from_utf8(out).expect("junit-report writes UTF-8")
}

/// A report's suites, their names prefixed with `prefix` (the target's name, in a run of
/// several).
fn suites(report: &Report, prefix: &str) -> Vec<TestSuite> {
    // Suites in scenario order; a check naming a scenario the report does not list still gets
    // a suite, so every check outcome appears exactly once.
    let mut names: Vec<&str> = report.scenarios.iter().map(|s| s.id.as_str()).collect();
    for check in &report.checks {
        if !names.contains(&check.scenario.as_str()) {
            names.push(&check.scenario);
        }
    }
    let mut suites: Vec<TestSuite> = (names.into_iter())
        .map(|name| {
            let error = (report.scenarios.iter())
                .find(|s| s.id == name)
                .and_then(|s| s.error.as_deref());
            suite(name, prefix, &report.checks, error)
        })
        .collect();
    suites.extend(stale(report, prefix));
    suites
}

fn suite(name: &str, prefix: &str, checks: &[CheckOutcome], error: Option<&str>) -> TestSuite {
    let classname = xml_text(&format!("{prefix}{name}")).into_owned();
    let mut builder = TestSuiteBuilder::new(&classname);
    builder.set_timestamp(OffsetDateTime::UNIX_EPOCH);
    for check in checks.iter().filter(|c| c.scenario == name) {
        builder.add_testcase(testcase(check, &classname));
    }
    if let Some(error) = error {
        let mut case = TestCase::error("scenario", Duration::ZERO, "error", &xml_text(error));
        case.set_classname(&classname);
        builder.add_testcase(case);
    }
    builder.build()
}

fn testcase(check: &CheckOutcome, classname: &str) -> TestCase {
    let name = match &check.subject {
        Some(subject) => format!("{} [{}]", check.id, xml_text(subject)),
        None => check.id.clone(),
    };
    let level = check.level.as_str();
    let message = xml_text(&check.message);
    let mut builder = match check.verdict {
        // A failure the baseline expects fails no CI run, and stays visible as skipped.
        Verdict::Fail | Verdict::NotObserved | Verdict::Warn if check.baselined.is_some() => {
            let reason = xml_text(check.baselined.as_deref().unwrap_or_default());
            let cause = format!("expected failure (baseline): {reason}; {message}");
            TestCaseBuilder::skipped_with_cause(&name, level, &cause)
        }
        Verdict::Pass => TestCaseBuilder::success(&name, Duration::ZERO),
        Verdict::Fail => failure(&name, level, &message, check),
        Verdict::NotObserved if check.level.is_mandatory() => {
            failure(&name, level, &format!("not observed: {message}"), check)
        }
        Verdict::NotObserved => {
            TestCaseBuilder::skipped_with_cause(&name, level, &format!("not observed: {message}"))
        }
        Verdict::Warn => {
            let mut lines = vec![format!("warning: {}", check.message)];
            lines.extend(evidence(check));
            let mut builder = TestCaseBuilder::success(&name, Duration::ZERO);
            builder.set_system_out(&cdata(&lines.join("\n")));
            builder
        }
        Verdict::Skip => TestCaseBuilder::skipped_with_cause(&name, level, &message),
    };
    builder.set_classname(classname).build()
}

/// A `baseline` suite with a failing testcase per stale entry, when there are any.
fn stale(report: &Report, prefix: &str) -> Option<TestSuite> {
    if report.stale.is_empty() {
        return None;
    }
    let classname = xml_text(&format!("{prefix}baseline")).into_owned();
    let mut builder = TestSuiteBuilder::new(&classname);
    builder.set_timestamp(OffsetDateTime::UNIX_EPOCH);
    for entry in &report.stale {
        let covers = entry.covers();
        let message = format!(
            "{covers} no longer fails: remove the entry ({})",
            entry.reason
        );
        let mut case = TestCaseBuilder::failure(
            &xml_text(&format!("stale {}", entry.at)),
            Duration::ZERO,
            "stale",
            &xml_text(&message),
        );
        builder.add_testcase(case.set_classname(&classname).build());
    }
    Some(builder.build())
}

fn failure(name: &str, level: &str, message: &str, check: &CheckOutcome) -> TestCaseBuilder {
    let mut lines = vec![
        format!("requirement: {}", check.requirement),
        format!("spec: {}", check.spec),
    ];
    lines.extend(evidence(check));
    let mut builder = TestCaseBuilder::failure(name, Duration::ZERO, level, message);
    builder.set_trace(&cdata(&lines.join("\n")));
    builder
}

/// The `expected:`, `actual:` and `frames:` lines and the diff, those that exist.
fn evidence(check: &CheckOutcome) -> impl Iterator<Item = String> + '_ {
    let frames = (!check.frames.is_empty()).then(|| {
        let frames: Vec<String> = check.frames.iter().map(|f| format!("#{f}")).collect();
        format!("frames: {}", frames.join(", "))
    });
    let expected = check.expected.iter().map(|e| format!("expected: {e}"));
    let actual = check.actual.iter().map(|a| format!("actual: {a}"));
    let diff = check.diff.iter().map(|d| d.trim_end().to_string());
    expected.chain(actual).chain(frames).chain(diff)
}

/// Replaces characters XML 1.0 cannot carry at all, escaped or not (most C0 controls, U+FFFE,
/// U+FFFF), with U+FFFD. Messages quote what the server sent, which can be anything; quick-xml
/// escapes markup characters but passes these through, which would make the file unparsable.
fn xml_text(s: &str) -> Cow<'_, str> {
    if s.chars().all(xml_char) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(
            s.chars()
                .map(|c| if xml_char(c) { c } else { '\u{FFFD}' })
                .collect(),
        )
    }
}

/// XML 1.0's `Char` production.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Text for a CDATA section: junit-report writes it between `<![CDATA[` and `]]>` unescaped,
/// so a `]]>` inside is split across two sections.
fn cdata(s: &str) -> String {
    xml_text(s).replace("]]>", "]]]]><![CDATA[>")
}
