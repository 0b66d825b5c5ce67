//! One report model for a run, and the renderers that turn it into terminal output, JSON,
//! JUnit XML, Markdown and HTML. The model is built once from the judge's results; renderers never
//! look at traces or scenarios.

pub mod baseline;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod terminal;

use crate::checks::{CheckResult, Level, Verdict};
use serde::{Deserialize, Serialize};

/// Bumped whenever a field of `report.json` changes meaning or disappears.
pub const REPORT_VERSION: u32 = 1;

/// The JSON Schema of `report.json` (`zcpspec report --schema`); tests validate real reports
/// against it.
pub const SCHEMA: &str = include_str!("../../report.schema.json");

/// Reads a `report.json` back, for rendering it again. Errors name the file, line and column.
pub fn read_json(path: &std::path::Path) -> Result<Report, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read the report: {e}", path.display()))?;
    let report: Report = serde_json::from_str(&text)
        .map_err(|e| format!("{}:{}:{}: {e}", path.display(), e.line(), e.column()))?;
    if report.version != REPORT_VERSION {
        return Err(format!(
            "{}: report version {} (this zcpspec reads version {REPORT_VERSION})",
            path.display(),
            report.version
        ));
    }
    Ok(report)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub version: u32,
    pub tool: Tool,
    /// The target's name in a targets file (`run --targets`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The target as the user gave it, with secrets redacted.
    pub target: String,
    pub summary: Summary,
    pub scenarios: Vec<ScenarioReport>,
    pub checks: Vec<CheckOutcome>,
    /// Baseline entries that no longer fail (`--baseline`): each fails the run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stale: Vec<baseline::StaleEntry>,
    /// A run of several targets (`run --targets`): a report per target, in the file's order.
    /// The summary above is their sum, and the run passes when every one of them does.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<Report>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub warned: usize,
    pub skipped: usize,
    pub not_observed: usize,
    /// Failures the baseline expects (counted among the failed too), which fail no run.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub expected_failures: usize,
    /// Scenarios the harness could not run (target unreachable, a step it could not perform).
    pub errors: usize,
    pub scenarios: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioReport {
    pub id: String,
    pub title: String,
    pub file: String,
    /// The protocol revision the session negotiated, when it got that far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// Why the harness could not run the scenario to its end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The trace file, relative to the report directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

/// A check result with its definition spelled out, as every report format wants it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckOutcome {
    pub id: String,
    pub level: Level,
    pub verdict: Verdict,
    pub scenario: String,
    pub spec: String,
    pub requirement: String,
    pub catalogue: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub frames: Vec<u64>,
    /// A unified diff (golden snapshots): what was expected, line by line, against what came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    /// Why the baseline expects this failure, which then fails no run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baselined: Option<String>,
    /// A failure's evidence in the trace: the events around its frames, a line each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excerpt: Vec<String>,
}

impl From<&CheckResult> for CheckOutcome {
    fn from(r: &CheckResult) -> Self {
        let def = r.def();
        CheckOutcome {
            id: def.id.to_string(),
            level: def.level,
            verdict: r.verdict,
            scenario: r.scenario.clone(),
            spec: def.spec.to_string(),
            requirement: def.requirement.to_string(),
            catalogue: def.catalogue.iter().map(|s| s.to_string()).collect(),
            subject: r.subject.clone(),
            message: r.message.clone(),
            expected: r.expected.clone(),
            actual: r.actual.clone(),
            frames: r.frames.clone(),
            diff: None,
            baselined: None,
            excerpt: Vec::new(),
        }
    }
}

impl CheckOutcome {
    /// The check id, with the subject in brackets when there is one.
    pub fn title(&self) -> String {
        match &self.subject {
            Some(subject) => format!("{} [{subject}]", self.id),
            None => self.id.clone(),
        }
    }

    /// Whether this outcome is a failure: a broken requirement, a MUST that was never
    /// observed, or (with `--strict`) a warning or a SHOULD that was never observed.
    pub fn is_failure(&self, strict: bool) -> bool {
        match self.verdict {
            Verdict::Fail => true,
            Verdict::Warn => strict,
            Verdict::NotObserved => self.level.is_mandatory() || strict,
            Verdict::Pass | Verdict::Skip => false,
        }
    }
}

impl Report {
    pub fn new(target: String, scenarios: Vec<ScenarioReport>, results: &[CheckResult]) -> Self {
        let mut report = Report {
            version: REPORT_VERSION,
            tool: Tool {
                name: "zcpspec".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            name: None,
            target,
            summary: Summary::default(),
            scenarios,
            checks: results.iter().map(CheckOutcome::from).collect(),
            stale: Vec::new(),
            targets: Vec::new(),
        };
        report.count();
        report
    }

    /// The report of a run of several targets: one section per target, and their sum. Each
    /// section's trace files, relative to its own folder (`<name>/`), become relative to the
    /// folder of the whole.
    pub fn of_targets(description: String, mut sections: Vec<Report>) -> Self {
        for section in &mut sections {
            let folder = section.name.clone().unwrap_or_default();
            for scenario in &mut section.scenarios {
                if let Some(trace) = &mut scenario.trace {
                    *trace = format!("{folder}/{trace}");
                }
            }
        }
        let mut report = Report::new(description, Vec::new(), &[]);
        report.targets = sections;
        report.count();
        report
    }

    /// Adds outcomes that come from elsewhere than the judge (golden snapshots).
    pub fn add(&mut self, outcomes: impl IntoIterator<Item = CheckOutcome>) {
        self.checks.extend(outcomes);
        self.count();
    }

    fn count(&mut self) {
        let mut summary = Summary {
            scenarios: self.scenarios.len(),
            errors: self.scenarios.iter().filter(|s| s.error.is_some()).count(),
            ..Summary::default()
        };
        for section in &self.targets {
            summary.add(&section.summary);
        }
        for c in &self.checks {
            summary.expected_failures += usize::from(c.baselined.is_some());
            match c.verdict {
                Verdict::Pass => summary.passed += 1,
                Verdict::Fail => summary.failed += 1,
                Verdict::Warn => summary.warned += 1,
                Verdict::Skip => summary.skipped += 1,
                Verdict::NotObserved => summary.not_observed += 1,
            }
        }
        self.summary = summary;
    }

    /// The failures, the baseline's expected ones among them.
    pub fn failures(&self, strict: bool) -> impl Iterator<Item = &CheckOutcome> {
        self.checks.iter().filter(move |c| c.is_failure(strict))
    }

    /// The failures that fail the run: those the baseline does not expect.
    pub fn unexpected_failures(&self, strict: bool) -> impl Iterator<Item = &CheckOutcome> {
        self.failures(strict).filter(|c| c.baselined.is_none())
    }

    /// Whether the run passed: no failure but those the baseline expects, no stale baseline
    /// entry, and every scenario ran. Every renderer and the exit code say the same.
    pub fn passed(&self, strict: bool) -> bool {
        self.unexpected_failures(strict).next().is_none()
            && self.stale.is_empty()
            && self.summary.errors == 0
            && self.targets.iter().all(|t| t.passed(strict))
    }

    /// Checks that were actually judged on observed behaviour (pass, fail or warn).
    pub fn executed(&self) -> usize {
        self.summary.passed + self.summary.failed + self.summary.warned
    }
}

impl Summary {
    fn add(&mut self, other: &Summary) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.warned += other.warned;
        self.skipped += other.skipped;
        self.not_observed += other.not_observed;
        self.expected_failures += other.expected_failures;
        self.errors += other.errors;
        self.scenarios += other.scenarios;
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// `1 check`, `2 checks`.
fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
