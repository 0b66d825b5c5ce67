//! The expected-failures baseline (`run --baseline FILE`): the failures a project already
//! knows of, each with its reason. A failure an entry covers does not fail the run; an entry
//! that covers checks which ran and none of which failed is stale, and fails it, so the file
//! shrinks as the server is fixed. `run --write-baseline FILE` records a run's failures as a
//! starting baseline.
//!
//! The file is a YAML list; an entry names a check id, a scenario id, or both:
//!
//! ```yaml
//! - check: base/one-response-per-request
//!   reason: the SDK answers on two SSE streams at once
//! - scenario: server/tools/list-changed
//!   check: tools/list-changed-notified
//!   reason: tool lists are fixed at start-up
//! - check: sse/origin-validated
//!   reason: a race in the server's connection handling
//!   flaky: true     # expected when it fails, never stale when it passes
//! ```

use super::{CheckOutcome, Report};
use crate::checks::Verdict;
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use std::path::{Path, PathBuf};

/// One entry as the file spells it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    check: Option<String>,
    scenario: Option<String>,
    reason: String,
    #[serde(default)]
    flaky: bool,
}

/// One expected failure: the checks it covers (a check id, a scenario id, or both) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub check: Option<String>,
    pub scenario: Option<String>,
    pub reason: String,
    /// The failure comes and goes (a race in the server, say): it is expected when it comes,
    /// and the entry is never stale.
    pub flaky: bool,
    pub line: usize,
    pub column: usize,
}

impl Entry {
    pub fn covers(&self, outcome: &CheckOutcome) -> bool {
        self.check.as_ref().is_none_or(|c| *c == outcome.id)
            && (self.scenario.as_ref()).is_none_or(|s| *s == outcome.scenario)
    }

    /// Whether every check this entry covers, `other` covers too.
    fn within(&self, other: &Entry) -> bool {
        other
            .check
            .as_ref()
            .is_none_or(|c| Some(c) == self.check.as_ref())
            && (other.scenario.as_ref()).is_none_or(|s| Some(s) == self.scenario.as_ref())
    }

    fn describe(&self) -> String {
        match (&self.check, &self.scenario) {
            (Some(c), Some(s)) => format!("check {c} in scenario {s}"),
            (Some(c), None) => format!("check {c}"),
            (None, Some(s)) => format!("scenario {s}"),
            (None, None) => "nothing".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Baseline {
    pub file: PathBuf,
    pub entries: Vec<Entry>,
}

/// A baseline entry that covered checks which ran, none of which failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaleEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    pub reason: String,
    /// `file:line:column` of the entry.
    pub at: String,
}

impl StaleEntry {
    /// What the entry covers: `check in scenario`, or either alone.
    pub fn covers(&self) -> String {
        [self.check.as_deref(), self.scenario.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" in ")
    }
}

/// Reads a baseline file. Errors name the file, line and column.
pub fn load(path: &Path) -> Result<Baseline, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read the baseline: {e}", path.display()))?;
    let entries = parse(&text).map_err(|e| format!("{}:{e}", path.display()))?;
    Ok(Baseline {
        file: path.to_path_buf(),
        entries,
    })
}

/// Parses a baseline: a list of `{check, scenario, reason}`. Unknown keys, an entry naming
/// neither a check nor a scenario, an empty reason, an entry listed twice, and two entries one
/// of which covers the other (they contradict each other on whether it is stale) are errors,
/// as `line:column: message`.
pub fn parse(text: &str) -> Result<Vec<Entry>, String> {
    // An empty file (or one of comments) is an empty baseline.
    if text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Ok(Vec::new());
    }
    let raw: Vec<Spanned<RawEntry>> =
        serde_saphyr::from_str(text).map_err(|e| crate::scenario::load::yaml_error(&e))?;
    let mut entries: Vec<Entry> = Vec::new();
    for spanned in raw {
        let at = spanned.referenced;
        let (line, column) = (at.line() as usize, at.column() as usize);
        let here = |message: String| format!("{line}:{column}: {message}");
        let RawEntry {
            check,
            scenario,
            reason,
            flaky,
        } = spanned.value;
        let blank = |s: &Option<String>| s.as_ref().is_some_and(|s| s.trim().is_empty());
        if (check.is_none() && scenario.is_none()) || blank(&check) || blank(&scenario) {
            return Err(here("an entry names a check, a scenario, or both".into()));
        }
        if reason.trim().is_empty() {
            return Err(here("an entry needs a reason".into()));
        }
        let entry = Entry {
            check,
            scenario,
            reason,
            flaky,
            line,
            column,
        };
        if let Some(earlier) = entries.iter().find(|e| entry.within(e) || e.within(&entry)) {
            let problem = if entry.within(earlier) && earlier.within(&entry) {
                "is listed twice"
            } else {
                "overlaps"
            };
            return Err(here(format!(
                "{} {problem}: see the entry at {}:{} ({}); keep one",
                entry.describe(),
                earlier.line,
                earlier.column,
                earlier.describe()
            )));
        }
        entries.push(entry);
    }
    Ok(entries)
}

impl Baseline {
    /// Checks that every entry names a check and a scenario the suite has: `known_check`
    /// says which check ids exist, `scenarios` are every scenario id loaded (selected or not).
    pub fn validate(
        &self,
        known_check: impl Fn(&str) -> bool,
        scenarios: &[&str],
    ) -> Result<(), String> {
        for e in &self.entries {
            let at = format!("{}:{}:{}", self.file.display(), e.line, e.column);
            if let Some(check) = e.check.as_deref().filter(|c| !known_check(c)) {
                return Err(format!("{at}: no check has the id {check}"));
            }
            if let Some(s) = e.scenario.as_deref().filter(|s| !scenarios.contains(s)) {
                return Err(format!("{at}: no scenario has the id {s}"));
            }
        }
        Ok(())
    }

    /// Marks every failure an entry covers as expected, with the entry's reason, and records
    /// the stale entries: those covering checks that ran, none of which failed, unless the
    /// entry is `flaky`. An entry covering nothing that ran (its scenarios were not selected)
    /// is neither.
    pub fn apply(&self, report: &mut Report, strict: bool) {
        let mut stale = Vec::new();
        for entry in &self.entries {
            let mut ran = false;
            let mut failed = false;
            for outcome in report.checks.iter_mut().filter(|o| entry.covers(o)) {
                ran |= matches!(
                    outcome.verdict,
                    Verdict::Pass | Verdict::Fail | Verdict::Warn
                );
                if outcome.is_failure(strict) {
                    failed = true;
                    outcome.baselined = Some(entry.reason.clone());
                }
            }
            if ran && !failed && !entry.flaky {
                stale.push(StaleEntry {
                    check: entry.check.clone(),
                    scenario: entry.scenario.clone(),
                    reason: entry.reason.clone(),
                    at: format!("{}:{}:{}", self.file.display(), entry.line, entry.column),
                });
            }
        }
        report.stale = stale;
        report.count();
    }
}

/// A baseline of a run's failures, one entry per failing check and scenario, each with the
/// first failure's message as a reason to be replaced by the real one.
pub fn record(report: &Report, strict: bool) -> String {
    let mut out = String::from(
        "# Expected failures, recorded by `zcpspec run --write-baseline`. Replace each reason\n\
         # with why the failure is expected; delete an entry once the failure is fixed.\n",
    );
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for o in report.failures(strict) {
        if seen.contains(&(o.id.as_str(), o.scenario.as_str())) {
            continue;
        }
        seen.push((&o.id, &o.scenario));
        let quote = |s: &str| serde_json::to_string(s).expect("strings serialise");
        let reason: String = o.message.chars().take(200).collect();
        out.push_str(&format!(
            "- check: {}\n  scenario: {}\n  reason: {}\n",
            quote(&o.id),
            quote(&o.scenario),
            quote(&format!("recorded failing: {reason}"))
        ));
    }
    if seen.is_empty() {
        out.push_str("[]\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_load_with_their_positions() {
        let text =
            "# known\n- check: a/b\n  reason: r\n- { scenario: s/t, check: c/d, reason: q }\n";
        let entries = parse(text).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!((entries[0].line, entries[0].column), (2, 3));
        assert_eq!(entries[1].scenario.as_deref(), Some("s/t"));
        assert_eq!(parse("# nothing yet\n").unwrap(), []);
        assert_eq!(parse("[]\n").unwrap(), []);
    }

    #[test]
    fn a_flaky_entry_is_never_stale() {
        let entries = parse("- { check: a/b, reason: races, flaky: true }\n").unwrap();
        assert!(entries[0].flaky);
        assert!(!parse("- { check: a/b, reason: r }\n").unwrap()[0].flaky);
    }

    #[test]
    fn unknown_keys_duplicates_overlaps_and_empty_fields_are_errors_with_positions() {
        let unknown = parse("- check: a/b\n  reason: r\n  note: n\n").unwrap_err();
        assert!(unknown.starts_with("3:3:"), "{unknown}");
        let twice =
            parse("- { check: a/b, reason: x }\n- { check: a/b, reason: y }\n").unwrap_err();
        assert!(
            twice.starts_with("2:3:") && twice.contains("is listed twice"),
            "{twice}"
        );
        let overlap =
            parse("- { scenario: s, check: a/b, reason: x }\n- { scenario: s, reason: y }\n")
                .unwrap_err();
        assert!(
            overlap.starts_with("2:3:") && overlap.contains("overlaps") && overlap.contains("1:3"),
            "{overlap}"
        );
        let neither = parse("- { reason: x }\n").unwrap_err();
        assert!(neither.starts_with("1:3:"), "{neither}");
        let no_reason = parse("- { check: a/b, reason: \" \" }\n").unwrap_err();
        assert!(no_reason.contains("needs a reason"), "{no_reason}");
        let not_a_list = parse("check: a/b\n").unwrap_err();
        assert!(not_a_list.starts_with("1:"), "{not_a_list}");
    }
}
