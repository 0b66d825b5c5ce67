//! `report.html`: the run as one self-contained page (inline style and script, nothing fetched):
//! the outcome and counts, buttons that filter by verdict, a table per area (the first part of
//! a check id: `base`, `tools`, `http`, …), and for each failure the requirement, expected
//! versus actual, and the trace events around it. A run of several targets has a table of the
//! targets, then a section per target.

use super::{CheckOutcome, Report};
use crate::checks::Verdict;
use std::collections::BTreeMap;
use std::fmt::Write;

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222}\
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}\
table{border-collapse:collapse;width:100%;margin:.5em 0}\
td,th{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}\
code,pre{font-family:ui-monospace,monospace;font-size:12.5px}\
pre{background:#f6f6f6;padding:.6em;overflow-x:auto;white-space:pre-wrap}\
.pass{color:#1a7f37}.fail,.not-observed{color:#cf222e}.warn{color:#9a6700}.skip{color:#6e7781}\
.outcome{font-size:1.2em;font-weight:bold}.filters button{margin-right:.4em}\
.filters button.on{font-weight:bold;text-decoration:underline}\
.failure{border-left:4px solid #cf222e;padding-left:.8em;margin:1em 0}\
.expected-failure{border-left-color:#6e7781}";

/// Shows only the rows of the chosen verdict (or all), and says how many it shows.
const SCRIPT: &str = "function show(v){\
document.querySelectorAll('tr[data-verdict]').forEach(function(r){\
r.hidden=!(v==='all'||r.dataset.verdict===v)});\
document.querySelectorAll('.filters button').forEach(function(b){\
b.classList.toggle('on',b.dataset.show===v)});\
var n=document.querySelectorAll('tr[data-verdict]:not([hidden])').length;\
document.getElementById('shown').textContent=n+' shown'}\
document.querySelectorAll('.filters button').forEach(function(b){\
b.addEventListener('click',function(){show(b.dataset.show)})});\
show(document.querySelector('.filters').dataset.initial);";

pub fn render(report: &Report, strict: bool) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>zcpspec: {}</title><style>{STYLE}</style></head><body>\n",
        esc(&report.target)
    );
    let _ = writeln!(
        out,
        "<h1>zcpspec {}: {}</h1>",
        esc(&report.tool.version),
        esc(&report.target)
    );
    outcome(&mut out, report, strict, " id=\"outcome\"");
    // The failures first, when there are any.
    let failing = report.failures(strict).next().is_some()
        || (report.targets.iter()).any(|t| t.failures(strict).next().is_some());
    let initial = if failing { "fail" } else { "all" };
    if report.targets.is_empty() {
        section(&mut out, report, strict, 2, Some(initial));
    } else {
        targets(&mut out, report, strict);
        filters(&mut out, initial);
        for t in &report.targets {
            let name = t.name.as_deref().unwrap_or_default();
            let _ = writeln!(
                out,
                "<section id=\"target-{}\"><h2>{}: {}</h2>",
                esc(name),
                esc(name),
                esc(&t.target)
            );
            outcome(&mut out, t, strict, "");
            section(&mut out, t, strict, 3, None);
            out.push_str("</section>\n");
        }
    }
    let _ = write!(out, "<script>{SCRIPT}</script>\n</body></html>\n");
    out
}

/// PASS or FAIL, and the counts.
fn outcome(out: &mut String, report: &Report, strict: bool, id: &str) {
    let s = &report.summary;
    let (class, word) = if report.passed(strict) {
        ("pass", "PASS")
    } else {
        ("fail", "FAIL")
    };
    let _ = writeln!(
        out,
        "<p class=\"outcome {class}\"{id}>{word}</p>\n<p>{} passed, {} failed{}, \
         {} warned, {} skipped, {} not observed; {} scenarios, {} errors</p>",
        s.passed,
        s.failed,
        match s.expected_failures {
            0 => String::new(),
            n => format!(" ({n} expected by the baseline)"),
        },
        s.warned,
        s.skipped,
        s.not_observed,
        s.scenarios,
        s.errors
    );
}

/// A run of several targets: a row per target, linking to its section.
fn targets(out: &mut String, report: &Report, strict: bool) {
    out.push_str(
        "<h2>Targets</h2>\n<table><tr><th>target</th><th>result</th><th>passed</th>\
         <th>failed</th><th>warned</th><th>skipped</th><th>not observed</th><th>errors</th></tr>\n",
    );
    for t in &report.targets {
        let s = &t.summary;
        let name = esc(t.name.as_deref().unwrap_or_default());
        let (class, word) = if t.passed(strict) {
            ("pass", "PASS")
        } else {
            ("fail", "FAIL")
        };
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#target-{name}\"><code>{name}</code></a></td>\
             <td class=\"{class}\">{word}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td></tr>",
            s.passed, s.failed, s.warned, s.skipped, s.not_observed, s.errors
        );
    }
    out.push_str("</table>\n");
}

/// The buttons that filter every check row by verdict, starting with `initial`.
fn filters(out: &mut String, initial: &str) {
    let _ = write!(out, "<p class=\"filters\" data-initial=\"{initial}\">");
    for (show, label) in [
        ("all", "all"),
        ("fail", "failed"),
        ("warn", "warned"),
        ("not-observed", "not observed"),
        ("skip", "skipped"),
        ("pass", "passed"),
    ] {
        let _ = write!(out, "<button data-show=\"{show}\">{label}</button>");
    }
    out.push_str(" <span id=\"shown\"></span></p>\n");
}

/// One target's failures, stale baseline entries, errors and check tables, under headings of
/// `level` (area tables one below); with the filter buttons above the tables when `filter`
/// gives their initial verdict.
fn section(out: &mut String, report: &Report, strict: bool, level: u8, filter: Option<&str>) {
    let h = level;
    let failures: Vec<&CheckOutcome> = report.failures(strict).collect();
    if !failures.is_empty() {
        let _ = writeln!(out, "<h{h}>Failures</h{h}>");
        for check in &failures {
            failure(out, check);
        }
    }
    if !report.stale.is_empty() {
        let _ = writeln!(out, "<h{h}>Stale baseline entries</h{h}>\n<ul>");
        for entry in &report.stale {
            let covers = entry.covers();
            let _ = writeln!(
                out,
                "<li class=\"fail\"><code>{}</code> at <code>{}</code> no longer fails: {}</li>",
                esc(&covers),
                esc(&entry.at),
                esc(&entry.reason)
            );
        }
        out.push_str("</ul>\n");
    }
    let errors: Vec<_> = (report.scenarios.iter())
        .filter(|s| s.error.is_some())
        .collect();
    if !errors.is_empty() {
        let _ = writeln!(out, "<h{h}>Errors</h{h}>\n<ul>");
        for scenario in errors {
            let _ = writeln!(
                out,
                "<li class=\"fail\"><code>{}</code>: {}</li>",
                esc(&scenario.id),
                esc(scenario.error.as_deref().unwrap_or_default())
            );
        }
        out.push_str("</ul>\n");
    }

    let _ = writeln!(out, "<h{h}>Checks</h{h}>");
    if let Some(initial) = filter {
        filters(out, initial);
    }
    let mut areas: BTreeMap<&str, Vec<&CheckOutcome>> = BTreeMap::new();
    for check in &report.checks {
        let area = check.id.split('/').next().unwrap_or_default();
        areas.entry(area).or_default().push(check);
    }
    let h = level + 1;
    for (area, checks) in areas {
        let _ = writeln!(
            out,
            "<h{h}>{}</h{h}>\n<table><tr><th>check</th><th>scenario</th><th>level</th>\
             <th>verdict</th><th>finding</th></tr>",
            esc(area)
        );
        for check in checks {
            let verdict = check.verdict.as_str();
            let shown = match (check.verdict, &check.baselined) {
                (_, Some(_)) => format!("{verdict} (expected)"),
                (Verdict::NotObserved, None) => "not observed".into(),
                _ => verdict.to_string(),
            };
            let _ = writeln!(
                out,
                "<tr data-verdict=\"{verdict}\"><td><code>{}</code></td><td><code>{}</code></td>\
                 <td>{}</td><td class=\"{verdict}\">{}</td><td>{}</td></tr>",
                esc(&check.title()),
                esc(&check.scenario),
                check.level,
                esc(&shown),
                esc(&check.message)
            );
        }
        out.push_str("</table>\n");
    }
}

/// One failure: what broke, the requirement, expected versus actual, the diff, and the trace
/// events around the frames it points at.
fn failure(out: &mut String, check: &CheckOutcome) {
    let class = match check.baselined {
        Some(_) => "failure expected-failure",
        None => "failure",
    };
    let _ = writeln!(
        out,
        "<div class=\"{class}\"><p><b><code>{}</code></b> [{}] {} (scenario <code>{}</code>)</p>\
         <p><i>{}</i></p><p>{}</p>",
        esc(&check.title()),
        check.level,
        esc(&check.spec),
        esc(&check.scenario),
        esc(&check.requirement),
        esc(&check.message)
    );
    if let Some(reason) = &check.baselined {
        let _ = writeln!(out, "<p>Expected by the baseline: {}</p>", esc(reason));
    }
    if check.expected.is_some() || check.actual.is_some() {
        out.push_str("<table>");
        if let Some(expected) = &check.expected {
            let _ = write!(
                out,
                "<tr><th>expected</th><td class=\"pass\"><code>{}</code></td></tr>",
                esc(expected)
            );
        }
        if let Some(actual) = &check.actual {
            let _ = write!(
                out,
                "<tr><th>actual</th><td class=\"fail\"><code>{}</code></td></tr>",
                esc(actual)
            );
        }
        out.push_str("</table>\n");
    }
    if let Some(diff) = &check.diff {
        let _ = writeln!(out, "<pre>{}</pre>", esc(diff));
    }
    if !check.excerpt.is_empty() {
        let _ = writeln!(
            out,
            "<p>the trace around it:</p><pre class=\"trace\">{}</pre>",
            esc(&check.excerpt.join("\n"))
        );
    }
    out.push_str("</div>\n");
}

/// Text as HTML: markup characters escaped, and characters HTML forbids replaced.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}
