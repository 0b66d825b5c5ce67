//! Checks: what a server must do, each tied to the spec sentence and the catalogue ids it
//! enforces. The registry lists every check; invariants (judged over every session's trace) live
//! in `invariants`, scenario expectations are matchers in scenario files that name a check id.

pub mod coverage;
pub mod exclusions;
pub mod invariants;
mod registry;

use serde::{Deserialize, Serialize};
use std::fmt;

pub use registry::CHECKS;

/// How strongly the spec states a requirement. Structural constraints from the schema count as
/// MUST.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Level {
    #[serde(rename = "MUST")]
    Must,
    #[serde(rename = "MUST NOT")]
    MustNot,
    #[serde(rename = "SHOULD")]
    Should,
    #[serde(rename = "SHOULD NOT")]
    ShouldNot,
}

impl Level {
    /// A broken MUST is a failure; a broken SHOULD is a warning.
    pub fn is_mandatory(self) -> bool {
        matches!(self, Level::Must | Level::MustNot)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::MustNot => "MUST NOT",
            Level::Should => "SHOULD",
            Level::ShouldNot => "SHOULD NOT",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One requirement the harness can judge.
#[derive(Debug, PartialEq, Eq)]
pub struct CheckDef {
    /// Stable id, `area/what`, used by scenarios, baselines and reports.
    pub id: &'static str,
    pub level: Level,
    /// Where the spec says it: revision-relative page and section.
    pub spec: &'static str,
    /// The requirement, phrased as the spec phrases it.
    pub requirement: &'static str,
    /// Ids from the requirement catalogue this check covers.
    pub catalogue: &'static [&'static str],
}

pub fn find(id: &str) -> Option<&'static CheckDef> {
    CHECKS.iter().find(|c| c.id == id)
}

/// The outcome of one check in one scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Pass,
    Skip,
    Warn,
    NotObserved,
    Fail,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Warn => "warn",
            Verdict::Skip => "skip",
            Verdict::NotObserved => "not-observed",
        }
    }

    /// The verdict for a requirement observed broken, by its level.
    pub fn broken(level: Level) -> Verdict {
        if level.is_mandatory() {
            Verdict::Fail
        } else {
            Verdict::Warn
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the judge concluded for one check in one scenario, with the evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckResult {
    pub check: &'static str,
    pub scenario: String,
    pub verdict: Verdict,
    /// What the check looked at, e.g. the tool a `foreach` iteration called.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// One line saying what was observed (or why the check was skipped or not observed).
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    /// Trace sequence numbers of the frames that are the evidence.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub frames: Vec<u64>,
}

impl CheckResult {
    pub fn def(&self) -> &'static CheckDef {
        find(self.check).expect("check results only name registered checks")
    }
}
