//! A whole run: load and select scenarios, run them against the target, judge each session,
//! build the report, write its files, and decide the exit code. The CLI's `run` is this.

use crate::checks::{Level, Verdict};
use crate::golden;
use crate::judge;
use crate::report::{self, CheckOutcome, Report, ScenarioReport};
use crate::runner::{self, RunConfig, Target};
use crate::scenario::{self, Scenario};
use crate::targets::NamedTarget;
use globset::{Glob, GlobSetBuilder};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Exit codes, as DESIGN.md fixes them.
pub mod exit {
    /// No failure.
    pub const OK: i32 = 0;
    /// At least one failure.
    pub const FAILED: i32 = 1;
    /// Bad invocation, unreadable scenario, or no check ran at all.
    pub const USAGE: i32 = 2;
    /// The target could not be started or reached.
    pub const UNREACHABLE: i32 = 3;
}

#[derive(Clone)]
pub struct SuiteOptions {
    /// The target's name, in a run of several (`run --targets`).
    pub name: Option<String>,
    pub scenarios: PathBuf,
    /// Scenario id globs and `tag:NAME`s, `!` in front to exclude; empty selects all.
    pub filter: Vec<String>,
    pub strict: bool,
    pub target: Target,
    pub config: RunConfig,
    /// Where report.json, junit.xml, summary.md and traces go; None writes nothing.
    pub report_dir: Option<PathBuf>,
    pub color: bool,
    /// Compare each scenario's messages with golden snapshots in this folder, or (`bless`)
    /// write them there.
    pub golden: Option<Golden>,
    /// Other surfaces of the same server: every scenario also runs against each, and what the
    /// server sends must be the same as over `target` (`parity/<scenario id>`).
    pub parity: Vec<Target>,
    /// The expected failures: what they cover fails no run, and an entry that no longer fails
    /// does.
    pub baseline: Option<PathBuf>,
    /// Write this run's failures here as a baseline (and judge the run by it).
    pub write_baseline: Option<PathBuf>,
    /// Run one shard of the selected scenarios.
    pub partition: Option<Partition>,
}

/// Shard `shard` (1-based) of `of`: the selected scenarios ordered by id and dealt out in
/// turn, so the shards are disjoint, together are the whole run, and are the same on every
/// machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    pub shard: usize,
    pub of: usize,
}

impl Partition {
    fn select(self, scenarios: Vec<Scenario>) -> Vec<Scenario> {
        let mut ids: Vec<&str> = scenarios.iter().map(|s| s.id.as_str()).collect();
        ids.sort_unstable();
        let mine: Vec<String> = (ids.iter().enumerate())
            .filter(|(i, _)| i % self.of == self.shard - 1)
            .map(|(_, id)| id.to_string())
            .collect();
        (scenarios.into_iter())
            .filter(|s| mine.binary_search(&s.id).is_ok())
            .collect()
    }
}

#[derive(Clone)]
pub struct Golden {
    pub dir: PathBuf,
    pub bless: bool,
}

pub struct SuiteOutcome {
    pub report: Report,
    pub exit_code: i32,
}

/// Runs the suite, printing progress and the summary to `out`. An error is a usage error
/// (exit 2): the message names the file and position when a scenario is at fault.
pub async fn run(opts: SuiteOptions, out: &mut dyn Write) -> Result<SuiteOutcome, String> {
    // ZCP's native dialect maps the handshake era only: it has no server/discover.
    if opts.config.revision.is_stateless() && opts.target.kind() == crate::transport::Kind::Zcp {
        return Err(format!(
            "{} has no mapping onto ZCP's native /zcp dialect; run it over streamable HTTP (/mcp)",
            opts.config.revision
        ));
    }
    let all = scenario::load_dir(&opts.scenarios).map_err(|e| e.to_string())?;
    let baseline = match &opts.baseline {
        Some(path) => Some(load_baseline(path, &all)?),
        None => None,
    };
    let mut selected = select(all, &opts.filter)?;
    if let Some(partition) = opts.partition {
        selected = partition.select(selected);
    }
    if selected.is_empty() {
        return Err(format!(
            "no scenario in {} matches the filter (or falls in the partition)",
            opts.scenarios.display()
        ));
    }
    let scenarios = Arc::new(selected);
    let _ = writeln!(
        out,
        "zcpspec {}: {} scenario(s) against {}",
        env!("CARGO_PKG_VERSION"),
        scenarios.len(),
        opts.target.describe()
    );
    let mut judged: Vec<Vec<crate::checks::CheckResult>> = vec![Vec::new(); scenarios.len()];
    let runs = runner::run_all(
        scenarios.clone(),
        opts.target.clone(),
        opts.config.clone(),
        |index, run| {
            let s = &scenarios[index];
            let results = judge::judge(s, run.trace.events());
            let outcomes: Vec<CheckOutcome> = results.iter().map(CheckOutcome::from).collect();
            let line = report::terminal::scenario_line(
                &scenario_report(s, run, None),
                &outcomes,
                opts.color,
            );
            let _ = writeln!(out, "{line}");
            judged[index] = results;
        },
    )
    .await;
    let mut scenario_reports = Vec::new();
    for (s, run) in scenarios.iter().zip(&runs) {
        let trace_file = opts.report_dir.as_ref().map(|_| trace_path(&s.id));
        scenario_reports.push(scenario_report(s, run, trace_file));
    }
    let results: Vec<_> = judged.into_iter().flatten().collect();
    let mut report = Report::new(opts.target.describe(), scenario_reports, &results);
    report.name = opts.name.clone();
    if let Some(golden) = &opts.golden {
        // The stateless era's goldens live apart (`DIR/2026-07-28/…`): a scenario of both eras
        // sees different messages in each.
        let era = Golden {
            dir: match opts.config.revision.is_stateless() {
                true => golden.dir.join(opts.config.revision.as_str()),
                false => golden.dir.clone(),
            },
            bless: golden.bless,
        };
        report.add(compare_goldens(
            &era,
            &scenarios,
            &runs,
            opts.target.kind(),
        )?);
    }
    for surface in &opts.parity {
        let _ = writeln!(
            out,
            "parity: the same scenarios against {}",
            surface.describe()
        );
        let config = opts.config.clone();
        let others = runner::run_all(scenarios.clone(), surface.clone(), config, |_, _| {}).await;
        report.add(compare_surfaces(&scenarios, &runs, &others, surface));
    }
    add_excerpts(&mut report, &scenarios, &runs);
    if let Some(path) = &opts.write_baseline {
        let text = report::baseline::record(&report, opts.strict);
        std::fs::write(path, &text)
            .map_err(|e| format!("cannot write the baseline {}: {e}", path.display()))?;
        let recorded =
            report::baseline::parse(&text).map_err(|e| format!("{}:{e}", path.display()))?;
        let _ = writeln!(
            out,
            "baseline: {} expected failure(s) written to {}",
            recorded.len(),
            path.display()
        );
        report::baseline::Baseline {
            file: path.clone(),
            entries: recorded,
        }
        .apply(&mut report, opts.strict);
    } else if let Some(baseline) = &baseline {
        baseline.apply(&mut report, opts.strict);
    }
    if let Some(dir) = &opts.report_dir {
        write_reports(dir, &report, &scenarios, &runs, opts.strict)
            .map_err(|e| format!("cannot write reports to {}: {e}", dir.display()))?;
    }
    let _ = write!(
        out,
        "{}",
        report::terminal::summary(&report, opts.strict, opts.color)
    );
    let exit_code = exit_code(&report, opts.strict);
    Ok(SuiteOutcome { report, exit_code })
}

/// Runs the suite against each target of a targets file in turn, into one report with a
/// section per target: each target's report files go to `<report dir>/<name>/`, the whole
/// run's to the report dir. `base` holds what the targets share; each target brings its own
/// server, profile, baseline, timeout and revision. Every baseline is read before any target runs. The
/// exit code is the highest of the targets' (3 unreachable, 2 nothing judged, 1 failed).
pub async fn run_targets(
    base: SuiteOptions,
    targets: Vec<NamedTarget>,
    description: String,
    out: &mut dyn Write,
) -> Result<SuiteOutcome, String> {
    let all = scenario::load_dir(&base.scenarios).map_err(|e| e.to_string())?;
    for path in targets.iter().filter_map(|t| t.baseline.as_ref()) {
        load_baseline(path, &all)?;
    }
    let mut sections = Vec::new();
    let mut exit_code = exit::OK;
    for t in targets {
        let _ = write!(
            out,
            "{}",
            report::terminal::target_heading(&t.name, &t.target.describe(), base.color)
        );
        let mut config = base.config.clone();
        config.profile = t.profile;
        config.timeout = t.timeout.unwrap_or(config.timeout);
        config.revision = t.revision.unwrap_or(config.revision);
        let opts = SuiteOptions {
            name: Some(t.name.clone()),
            target: t.target,
            config,
            report_dir: base.report_dir.as_ref().map(|dir| dir.join(&t.name)),
            baseline: t.baseline,
            ..base.clone()
        };
        let outcome = run(opts, out).await?;
        let _ = writeln!(out);
        exit_code = exit_code.max(outcome.exit_code);
        sections.push(outcome.report);
    }
    let report = Report::of_targets(description, sections);
    if let Some(dir) = &base.report_dir {
        write_reports(dir, &report, &[], &[], base.strict)
            .map_err(|e| format!("cannot write reports to {}: {e}", dir.display()))?;
    }
    let _ = write!(
        out,
        "{}",
        report::terminal::targets_table(&report, base.strict, base.color)
    );
    Ok(SuiteOutcome { report, exit_code })
}

/// Reads a baseline and checks that every check and scenario it names exists.
fn load_baseline(
    path: &Path,
    scenarios: &[Scenario],
) -> Result<report::baseline::Baseline, String> {
    let baseline = report::baseline::load(path)?;
    let ids: Vec<&str> = scenarios.iter().map(|s| s.id.as_str()).collect();
    baseline.validate(|check| known_check(check, &ids), &ids)?;
    Ok(baseline)
}

/// One outcome per scenario: `golden/<id>` passes when the normalised messages equal the
/// golden, fails with a diff when they differ, and is not observed when there is no golden.
/// With `bless`, goldens are written instead and nothing is judged. An unreadable golden is an
/// error (exit 2).
fn compare_goldens(
    golden: &Golden,
    scenarios: &[Scenario],
    runs: &[runner::ScenarioRun],
    kind: crate::transport::Kind,
) -> Result<Vec<CheckOutcome>, String> {
    let mut outcomes = Vec::new();
    for (s, run) in scenarios.iter().zip(runs) {
        let observed = golden::snapshot(run.trace.events(), &s.golden_redact);
        if golden.bless {
            golden::bless(&golden.dir, &s.id, kind, &observed)
                .map_err(|e| format!("cannot write goldens to {}: {e}", golden.dir.display()))?;
            continue;
        }
        let path = golden::path_for(&golden.dir, &s.id, kind);
        let (verdict, message, diff) = match golden::read(&path)? {
            None => (
                Verdict::NotObserved,
                format!(
                    "no golden snapshot at {} (--bless records one)",
                    path.display()
                ),
                None,
            ),
            Some(expected) => match golden::diff(&expected, &observed) {
                None => (Verdict::Pass, format!("matches {}", path.display()), None),
                Some(diff) => (
                    Verdict::Fail,
                    format!("differs from {}", path.display()),
                    Some(diff),
                ),
            },
        };
        outcomes.push(CheckOutcome {
            id: format!("golden/{}", s.id),
            level: Level::Must,
            verdict,
            scenario: s.id.clone(),
            spec: "zcpspec golden snapshot".into(),
            requirement:
                "What the server sends MUST match the blessed golden snapshot, after normalisation."
                    .into(),
            catalogue: Vec::new(),
            subject: None,
            message,
            expected: None,
            actual: None,
            frames: Vec::new(),
            diff,
            baselined: None,
            excerpt: Vec::new(),
        });
    }
    Ok(outcomes)
}

/// One outcome per scenario and surface: `parity/<id>` passes when the server sent the same
/// messages over `surface` as over the main target (normalised, HTTP answers aside), fails with
/// a diff when it did not, and is skipped where the scenario does not apply to both.
fn compare_surfaces(
    scenarios: &[Scenario],
    runs: &[runner::ScenarioRun],
    others: &[runner::ScenarioRun],
    surface: &Target,
) -> Vec<CheckOutcome> {
    let name = surface.describe();
    // ZCP native has no channel for notifications: only responses are compared with it.
    let pushes = surface.kind() != crate::transport::Kind::Zcp;
    scenarios
        .iter()
        .zip(runs.iter().zip(others))
        .map(|(s, (run, other))| {
            let snapshot = |r: &runner::ScenarioRun| {
                let mut doc = golden::behaviour(&golden::snapshot(r.trace.events(), &s.golden_redact));
                if !pushes {
                    doc["notifications"] = Value::Array(Vec::new());
                }
                doc
            };
            let (verdict, message, diff) = if !s.parity {
                let why = "the spec lets transports answer this scenario differently";
                (Verdict::Skip, why.to_string(), None)
            } else if !(run.applicable && other.applicable) {
                (Verdict::Skip, "not applicable on both surfaces".to_string(), None)
            } else {
                match golden::diff(&snapshot(run), &snapshot(other)) {
                    None => (Verdict::Pass, format!("the same over {name}"), None),
                    Some(diff) => (Verdict::Fail, format!("differs over {name}"), Some(diff)),
                }
            };
            CheckOutcome {
                id: format!("parity/{}", s.id),
                level: Level::Must,
                verdict,
                scenario: s.id.clone(),
                spec: "zcpspec transport parity".into(),
                requirement: "A server MUST send the same messages over every surface it offers, where the spec does not let transports differ.".into(),
                catalogue: Vec::new(),
                subject: Some(name.clone()),
                message,
                expected: None,
                actual: None,
                frames: Vec::new(),
                diff,
                baselined: None,
            excerpt: Vec::new(),
            }
        })
        .collect()
}

/// Events either side of a failure's frames that its excerpt shows.
const EXCERPT_AROUND: u64 = 2;
/// The longest excerpt line; the trace file has the rest.
const EXCERPT_LINE: usize = 400;

/// Gives each failure that points at frames the trace events around them, for the reports.
fn add_excerpts(report: &mut Report, scenarios: &[Scenario], runs: &[runner::ScenarioRun]) {
    let failures = (report.checks.iter_mut())
        .filter(|c| matches!(c.verdict, Verdict::Fail | Verdict::Warn) && !c.frames.is_empty());
    for outcome in failures {
        let Some(run) = (scenarios.iter().zip(runs)).find(|(s, _)| s.id == outcome.scenario) else {
            continue;
        };
        let near = |seq: u64| {
            (outcome.frames.iter()).any(|f| seq + EXCERPT_AROUND >= *f && seq <= f + EXCERPT_AROUND)
        };
        outcome.excerpt = (run.1.trace.events().iter())
            .filter(|e| near(e.seq))
            .map(|e| {
                let json = serde_json::to_string(&e.kind).unwrap_or_default();
                let line = format!("#{} {} {json}", e.seq, e.kind.direction());
                match line.char_indices().nth(EXCERPT_LINE) {
                    Some((cut, _)) => format!("{}…", &line[..cut]),
                    None => line,
                }
            })
            .collect();
    }
}

/// Whether a baseline may name this check id: a registered check, or the golden or parity
/// comparison of a scenario.
fn known_check(id: &str, scenarios: &[&str]) -> bool {
    let compared = |prefix: &str| {
        id.strip_prefix(prefix)
            .is_some_and(|s| scenarios.contains(&s))
    };
    crate::checks::find(id).is_some() || compared("golden/") || compared("parity/")
}

/// The scenarios `--filter` selects: those any filter matches (all, when only exclusions are
/// given), less those any `!`-prefixed filter matches. A filter is an id glob or `tag:NAME`.
fn select(all: Vec<Scenario>, filter: &[String]) -> Result<Vec<Scenario>, String> {
    let (exclude, include): (Vec<&str>, Vec<&str>) =
        (filter.iter().map(String::as_str)).partition(|f| f.starts_with('!'));
    let exclude: Vec<&str> = exclude.iter().map(|f| &f[1..]).collect();
    let (include, exclude) = (Matcher::new(&include)?, Matcher::new(&exclude)?);
    Ok((all.into_iter())
        .filter(|s| (include.is_empty() || include.matches(s)) && !exclude.matches(s))
        .collect())
}

/// Some filters: id globs and tags; a scenario matches when any of them does.
struct Matcher {
    ids: globset::GlobSet,
    tags: Vec<&'static str>,
}

impl Matcher {
    fn new(filters: &[&str]) -> Result<Matcher, String> {
        let mut ids = GlobSetBuilder::new();
        let mut tags = Vec::new();
        for f in filters {
            match f.strip_prefix("tag:") {
                Some(tag) => {
                    let known = scenario::TAGS.iter().find(|(name, _)| *name == tag);
                    let Some((name, _)) = known else {
                        let names: Vec<&str> = scenario::TAGS.iter().map(|(n, _)| *n).collect();
                        return Err(format!(
                            "bad --filter {f:?}: no tag {tag:?} (known: {})",
                            names.join(", ")
                        ));
                    };
                    tags.push(*name);
                }
                None => {
                    ids.add(Glob::new(f).map_err(|e| format!("bad --filter {f:?}: {e}"))?);
                }
            }
        }
        Ok(Matcher {
            ids: ids.build().map_err(|e| e.to_string())?,
            tags,
        })
    }

    fn is_empty(&self) -> bool {
        self.ids.is_empty() && self.tags.is_empty()
    }

    fn matches(&self, s: &Scenario) -> bool {
        self.ids.is_match(&s.id) || s.tags.iter().any(|t| self.tags.contains(t))
    }
}

fn scenario_report(
    s: &Scenario,
    run: &runner::ScenarioRun,
    trace: Option<String>,
) -> ScenarioReport {
    ScenarioReport {
        id: s.id.clone(),
        title: s.title.clone(),
        file: s.file.display().to_string(),
        revision: run.revision.clone(),
        error: run.error.clone(),
        trace,
    }
}

fn trace_path(id: &str) -> String {
    format!("traces/{id}.jsonl")
}

fn exit_code(report: &Report, strict: bool) -> i32 {
    if report.summary.scenarios > 0 && report.summary.errors == report.summary.scenarios {
        exit::UNREACHABLE
    } else if !report.passed(strict) {
        exit::FAILED
    } else if report.executed() == 0 {
        exit::USAGE
    } else {
        exit::OK
    }
}

fn write_reports(
    dir: &Path,
    report: &Report,
    scenarios: &[Scenario],
    runs: &[runner::ScenarioRun],
    strict: bool,
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("report.json"), report::json::render(report))?;
    std::fs::write(dir.join("junit.xml"), report::junit::render(report))?;
    std::fs::write(
        dir.join("report.html"),
        report::html::render(report, strict),
    )?;
    std::fs::write(
        dir.join("summary.md"),
        report::markdown::render(report, strict),
    )?;
    for (s, run) in scenarios.iter().zip(runs) {
        let path = dir.join(trace_path(&s.id));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let file = std::io::BufWriter::new(std::fs::File::create(path)?);
        run.trace.write_jsonl(file)?;
    }
    Ok(())
}
