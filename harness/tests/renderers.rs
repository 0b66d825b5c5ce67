//! The report renderers on a small hand-built report covering every verdict and status:
//! snapshots of each format, plus structural checks on the JUnit XML and the JSON.

use proptest::prelude::*;
use zcpspec::checks::{CheckResult, Verdict};
use zcpspec::report::{
    html, json, junit, markdown, terminal, CheckOutcome, Report, ScenarioReport,
};

fn scenario(id: &str, title: &str, error: Option<&str>) -> ScenarioReport {
    ScenarioReport {
        id: id.into(),
        title: title.into(),
        file: format!("scenarios/{id}.yaml"),
        revision: Some("2025-06-18".into()),
        error: error.map(Into::into),
        trace: Some(format!("traces/{}.jsonl", id.replace('/', "-"))),
    }
}

fn result(check: &'static str, scenario: &str, verdict: Verdict, message: &str) -> CheckResult {
    CheckResult {
        check,
        scenario: scenario.into(),
        verdict,
        subject: None,
        message: message.into(),
        expected: None,
        actual: None,
        frames: Vec::new(),
    }
}

/// Six scenarios, one per terminal status: PASS, FAIL, WARN, SKIP, ERROR and NONE.
fn sample() -> Report {
    let scenarios = vec![
        scenario(
            "base/parse-error",
            "Malformed JSON gets a parse error",
            None,
        ),
        scenario(
            "tools/call-unknown",
            "Calling a tool that does not exist",
            None,
        ),
        scenario(
            "pagination/bad-cursor",
            "An invalid cursor is rejected",
            None,
        ),
        scenario("logging/set-level", "Log messages respect the level", None),
        scenario(
            "base/batch",
            "A JSON-RPC batch is answered",
            Some("server closed stdout after frame #7 (exit status 1)"),
        ),
        scenario(
            "tools/list-empty",
            "Listing tools on a toolless server",
            None,
        ),
    ];
    let results = vec![
        result(
            "base/parse-error",
            "base/parse-error",
            Verdict::Pass,
            "error -32700 for malformed JSON",
        ),
        result(
            "base/jsonrpc-version",
            "base/parse-error",
            Verdict::Pass,
            "every message had \"jsonrpc\": \"2.0\"",
        ),
        result(
            "base/error-object",
            "base/parse-error",
            Verdict::Pass,
            "integer code and string message",
        ),
        result(
            "base/result-xor-error",
            "base/parse-error",
            Verdict::Pass,
            "no response set both",
        ),
        CheckResult {
            subject: Some("add".into()),
            expected: Some("result.isError: true".into()),
            actual: Some("result.isError: absent (the call succeeded)".into()),
            frames: vec![12, 13],
            ..result(
                "tools/invalid-arguments",
                "tools/call-unknown",
                Verdict::Fail,
                "tools/call with arguments that break the inputSchema succeeded",
            )
        },
        result(
            "base/jsonrpc-version",
            "tools/call-unknown",
            Verdict::Pass,
            "every message had \"jsonrpc\": \"2.0\"",
        ),
        result(
            "base/result-xor-error",
            "tools/call-unknown",
            Verdict::Pass,
            "no response set both",
        ),
        result(
            "base/one-response-per-request",
            "tools/call-unknown",
            Verdict::Pass,
            "one response per request",
        ),
        result(
            "tools/call-answered",
            "tools/call-unknown",
            Verdict::NotObserved,
            "the session ended before tools/call was answered",
        ),
        CheckResult {
            expected: Some("error.code: -32602".into()),
            actual: Some("result: {\"tools\": [], \"nextCursor\": \"a|b\"}".into()),
            frames: vec![5],
            ..result(
                "pagination/invalid-cursor",
                "pagination/bad-cursor",
                Verdict::Warn,
                "an invalid cursor got a result, not an error",
            )
        },
        result(
            "base/jsonrpc-version",
            "pagination/bad-cursor",
            Verdict::Pass,
            "every message had \"jsonrpc\": \"2.0\"",
        ),
        result(
            "logging/respects-level",
            "logging/set-level",
            Verdict::Skip,
            "the server does not declare the logging capability",
        ),
        result(
            "logging/set-level-invalid",
            "logging/set-level",
            Verdict::NotObserved,
            "no logging/setLevel response to judge",
        ),
        result(
            "base/jsonrpc-version",
            "base/batch",
            Verdict::Pass,
            "every message had \"jsonrpc\": \"2.0\"",
        ),
        CheckResult {
            frames: vec![7],
            ..result(
                "base/batch",
                "base/batch",
                Verdict::NotObserved,
                "no response to the batch before the session ended",
            )
        },
    ];
    Report::new(
        "stdio: npx -y @acme/mcp-server --token ***".into(),
        scenarios,
        &results,
    )
}

fn checks_of(report: &Report, scenario: &str) -> Vec<CheckOutcome> {
    report
        .checks
        .iter()
        .filter(|c| c.scenario == scenario)
        .cloned()
        .collect()
}

#[test]
fn scenario_lines() {
    let report = sample();
    let lines: Vec<String> = report
        .scenarios
        .iter()
        .map(|s| terminal::scenario_line(s, &checks_of(&report, &s.id), false))
        .collect();
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn scenario_line_colours_only_the_status() {
    let report = sample();
    let s = &report.scenarios[0];
    let plain = terminal::scenario_line(s, &checks_of(&report, &s.id), false);
    let coloured = terminal::scenario_line(s, &checks_of(&report, &s.id), true);
    assert!(!plain.contains('\x1b'));
    assert_eq!(
        coloured,
        plain.replacen("  PASS", "\x1b[32m  PASS\x1b[0m", 1)
    );
}

#[test]
fn terminal_summary() {
    insta::assert_snapshot!(terminal::summary(&sample(), false, false));
}

#[test]
fn terminal_summary_strict() {
    insta::assert_snapshot!(terminal::summary(&sample(), true, false));
}

#[test]
fn terminal_summary_passing() {
    let report = Report::new(
        "http://localhost:3000/mcp".into(),
        vec![scenario(
            "base/parse-error",
            "Malformed JSON gets a parse error",
            None,
        )],
        &[result(
            "base/parse-error",
            "base/parse-error",
            Verdict::Pass,
            "error -32700",
        )],
    );
    insta::assert_snapshot!(terminal::summary(&report, false, false));
}

#[test]
fn terminal_summary_caps_failures() {
    let results: Vec<CheckResult> = (0..23)
        .map(|i| CheckResult {
            subject: Some(format!("tool-{i}")),
            ..result(
                "tools/invalid-arguments",
                "tools/call-unknown",
                Verdict::Fail,
                "succeeded with invalid arguments",
            )
        })
        .collect();
    let report = Report::new(
        "x".into(),
        vec![scenario("tools/call-unknown", "t", None)],
        &results,
    );
    let out = terminal::summary(&report, false, false);
    assert_eq!(out.matches("✗ tools/invalid-arguments").count(), 20);
    assert!(out.contains("…and 3 more failures\n"));
}

#[test]
fn terminal_escapes_control_characters() {
    let report = Report::new(
        "x".into(),
        vec![scenario("tools/call-unknown", "t", None)],
        &[CheckResult {
            actual: Some("text: \"\x1b[2J\nhi\"".into()),
            ..result(
                "tools/invalid-arguments",
                "tools/call-unknown",
                Verdict::Fail,
                "bad",
            )
        }],
    );
    let out = terminal::summary(&report, false, false);
    assert!(!out.contains('\x1b'));
    assert!(out.contains(r#"actual: text: "\u{1b}[2J\nhi""#));
}

#[test]
fn markdown_summary() {
    insta::assert_snapshot!(markdown::render(&sample(), false));
}

#[test]
fn markdown_outcome_line() {
    let passing = Report::new(
        "http://localhost:3000/mcp".into(),
        vec![scenario("pagination/bad-cursor", "t", None)],
        &[result(
            "pagination/invalid-cursor",
            "pagination/bad-cursor",
            Verdict::Warn,
            "an invalid cursor got a result",
        )],
    );
    let outcome = |report: &Report, strict: bool| {
        let out = markdown::render(report, strict);
        out.lines().nth(2).unwrap().to_string()
    };
    assert_eq!(
        outcome(&passing, false),
        "✅ **Passed**: no failing checks (1 check in 1 scenario)"
    );
    assert_eq!(
        outcome(&passing, true),
        "❌ **Failed**: 1 failing check (1 check in 1 scenario, strict)"
    );
}

#[test]
fn markdown_caps_sections() {
    let results: Vec<CheckResult> = (0..53)
        .map(|i| CheckResult {
            subject: Some(format!("tool-{i}")),
            ..result(
                "tools/invalid-arguments",
                "tools/call-unknown",
                Verdict::Fail,
                "succeeded with invalid arguments",
            )
        })
        .collect();
    let report = Report::new(
        "x".into(),
        vec![scenario("tools/call-unknown", "t", None)],
        &results,
    );
    let out = markdown::render(&report, false);
    assert_eq!(out.matches("**`tools/invalid-arguments [tool-").count(), 50);
    assert!(out.ends_with("\n…and 3 more\n"));
}

#[test]
fn markdown_quotes_backticks_in_evidence() {
    let report = Report::new(
        "x".into(),
        vec![scenario("tools/call-unknown", "t", None)],
        &[CheckResult {
            subject: Some("`weird`".into()),
            actual: Some("text: \"```\"".into()),
            ..result(
                "tools/invalid-arguments",
                "tools/call-unknown",
                Verdict::Fail,
                "bad",
            )
        }],
    );
    let out = markdown::render(&report, false);
    assert!(out.contains("**``tools/invalid-arguments [`weird`]``**"));
    assert!(out.contains("````text\n"));
}

#[test]
fn junit_xml() {
    insta::assert_snapshot!(indent_xml(&junit::render(&sample())));
}

#[test]
fn junit_has_one_testcase_per_outcome() {
    let report = sample();
    let xml = junit::render(&report);
    let doc = roxmltree::Document::parse(&xml).expect("JUnit output is well-formed XML");
    let suites: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    let ids: Vec<&str> = suites
        .iter()
        .map(|s| s.attribute("name").unwrap())
        .collect();
    let scenario_ids: Vec<&str> = report.scenarios.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, scenario_ids);
    let cases = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .count();
    assert_eq!(cases, report.checks.len() + report.summary.errors);
    assert_eq!(xml, junit::render(&report), "rendering is deterministic");
}

/// What an XML parser reads back from text the renderer was given: characters XML cannot
/// carry become U+FFFD, line ends are normalised, and in attribute values so is whitespace.
fn parsed(text: &str, attribute: bool) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .map(|c| match c {
            '\t' | '\n' if attribute => ' ',
            '\t' | '\n' => c,
            '\0'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

fn server_text() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        ']', '>', '<', '&', '"', '\'', '\r', '\n', '\t', '\0', '\x1b', '\u{85}', '\u{FFFE}',
        '\u{FFFF}',
    ]);
    prop::collection::vec(prop_oneof![any::<char>(), special], 0..40)
        .prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    /// Whatever a server sends ends up in messages verbatim; the XML must stay well-formed and
    /// carry it.
    #[test]
    fn junit_carries_any_text(text in server_text()) {
        let report = Report::new(
            "x".into(),
            vec![scenario("tools/call-unknown", "t", Some(&text))],
            &[CheckResult {
                subject: Some(text.clone()),
                actual: Some(text.clone()),
                ..result("tools/invalid-arguments", "tools/call-unknown", Verdict::Fail, &text)
            }],
        );
        let xml = junit::render(&report);
        let doc = roxmltree::Document::parse(&xml).expect("JUnit output is well-formed XML");
        let case = doc.descendants().find(|n| n.has_tag_name("testcase")).unwrap();
        let name = format!("tools/invalid-arguments [{text}]");
        prop_assert_eq!(case.attribute("name").unwrap(), parsed(&name, true));
        let failure = case.first_element_child().unwrap();
        prop_assert_eq!(failure.attribute("message").unwrap(), parsed(&text, true));
        let body: String = failure.children().filter_map(|n| n.text()).collect();
        let actual = format!("actual: {text}");
        prop_assert!(body.ends_with(&parsed(&actual, false)), "{:?}", body);
        let error = doc.descendants().find(|n| n.has_tag_name("error")).unwrap();
        prop_assert_eq!(error.attribute("message").unwrap(), parsed(&text, true));
    }
}

#[test]
fn json_report() {
    let mut report = sample();
    // The crate version changes on every release; the snapshot is about the shape.
    report.tool.version = "[version]".into();
    let out = json::render(&report);
    assert!(out.ends_with("}\n"));
    insta::assert_snapshot!(out);
}

#[test]
fn json_round_trips() {
    let report = sample();
    let value: serde_json::Value = serde_json::from_str(&json::render(&report)).unwrap();
    assert_eq!(value, serde_json::to_value(&report).unwrap());
    let summary = &value["summary"];
    for (field, n) in [
        ("passed", report.summary.passed),
        ("failed", report.summary.failed),
        ("warned", report.summary.warned),
        ("skipped", report.summary.skipped),
        ("not_observed", report.summary.not_observed),
    ] {
        assert_eq!(summary[field].as_u64(), Some(n as u64), "summary.{field}");
    }
    assert_eq!(
        value["checks"].as_array().unwrap().len(),
        report.checks.len()
    );
}

/// The JUnit XML with a line break and indentation before each tag, for a snapshot a human can
/// read. Only whitespace between tags is added; text and CDATA are copied as they are.
fn indent_xml(xml: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    let mut after_content = false;
    let mut rest = xml;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        after_content |= start > 0;
        rest = &rest[start..];
        if rest.starts_with("<![CDATA[") {
            let end = rest.find("]]>").unwrap() + 3;
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            after_content = true;
            continue;
        }
        let end = rest.find('>').unwrap() + 1;
        let tag = &rest[..end];
        rest = &rest[end..];
        let closing = tag.starts_with("</");
        if closing {
            depth -= 1;
        }
        if !out.is_empty() && (!closing || !after_content) {
            out.push('\n');
            out.push_str(&"  ".repeat(depth));
        }
        out.push_str(tag);
        if !closing && !tag.starts_with("<?") && !tag.ends_with("/>") {
            depth += 1;
        }
        after_content = false;
    }
    out.push_str(rest);
    out
}

/// A golden snapshot mismatch: the unified diff under the failure, in the terminal (plain) and
/// in summary.md (a diff block).
#[test]
fn golden_diffs_render_in_the_terminal_and_markdown() {
    let mut report = Report::new(
        "embedded reference server".into(),
        vec![ScenarioReport {
            id: "lifecycle/ping".into(),
            title: "ping".into(),
            file: "scenarios/lifecycle/ping.yaml".into(),
            revision: Some("2025-11-25".into()),
            error: None,
            trace: None,
        }],
        &[],
    );
    report.add([CheckOutcome {
        id: "golden/lifecycle/ping".into(),
        level: zcpspec::checks::Level::Must,
        verdict: Verdict::Fail,
        scenario: "lifecycle/ping".into(),
        spec: "zcpspec golden snapshot".into(),
        requirement: "What the server sends MUST match the blessed golden snapshot, after normalisation.".into(),
        catalogue: Vec::new(),
        subject: None,
        message: "differs from golden/reference/lifecycle/ping.json".into(),
        expected: None,
        actual: None,
        frames: Vec::new(),
        diff: Some("--- golden\n+++ observed\n@@ -1,3 +1,3 @@\n {\n-  \"result\": {}\n+  \"result\": {\"pong\": true}\n }\n".into()),
        baselined: None,
            excerpt: Vec::new(),
    }]);
    insta::assert_snapshot!(
        "golden_diff_terminal",
        terminal::summary(&report, false, false)
    );
    insta::assert_snapshot!("golden_diff_markdown", markdown::render(&report, false));
}

/// The sample judged against a baseline that expects the failed tool call and has one stale
/// entry: the expected failure is listed apart with its reason (skipped in JUnit), the stale
/// entry fails the run in every format.
#[test]
fn baselines_render_expected_failures_and_stale_entries() {
    let mut report = sample();
    let baseline = zcpspec::report::baseline::Baseline {
        file: "zcpspec-baseline.yaml".into(),
        entries: zcpspec::report::baseline::parse(
            "- check: tools/invalid-arguments\n  reason: the SDK validates no arguments\n\
             - check: base/result-xor-error\n  scenario: base/parse-error\n  reason: fixed upstream\n",
        )
        .unwrap(),
    };
    baseline.apply(&mut report, false);
    assert_eq!(report.summary.expected_failures, 1);
    assert_eq!(report.stale.len(), 1);
    assert!(!report.passed(false));
    insta::assert_snapshot!(
        "baseline_terminal",
        terminal::summary(&report, false, false)
    );
    insta::assert_snapshot!("baseline_markdown", markdown::render(&report, false));
    insta::assert_snapshot!("baseline_junit", indent_xml(&junit::render(&report)));
}

#[test]
fn html_report() {
    let html = html::render(&sample(), false);
    insta::assert_snapshot!("html", html);
}

/// What the server sent is text in the page, never markup.
#[test]
fn html_escapes_what_the_server_sent() {
    let mut report = sample();
    report.checks[4].actual = Some("<script>alert(1)</script> & \u{0}".into());
    let html = html::render(&report, false);
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; \u{FFFD}"));
}

/// A run of two targets: the sample, and one that passed.
fn several_targets() -> Report {
    let mut failing = sample();
    failing.name = Some("acme".into());
    let mut passing = Report::new(
        "http://127.0.0.1:3000/mcp (streamable-http)".into(),
        vec![scenario(
            "base/parse-error",
            "Malformed JSON gets a parse error",
            None,
        )],
        &[result(
            "base/parse-error",
            "base/parse-error",
            Verdict::Pass,
            "error -32700",
        )],
    );
    passing.name = Some("reference".into());
    passing.scenarios[0].trace = Some("traces/base/parse-error.jsonl".into());
    Report::of_targets("targets.yaml (2 targets)".into(), vec![failing, passing])
}

#[test]
fn several_targets_terminal() {
    insta::assert_snapshot!(terminal::summary(&several_targets(), false, false));
}

#[test]
fn several_targets_markdown() {
    insta::assert_snapshot!(markdown::render(&several_targets(), false));
}

#[test]
fn several_targets_junit() {
    insta::assert_snapshot!(junit::render(&several_targets()));
}

#[test]
fn several_targets_html() {
    insta::assert_snapshot!(html::render(&several_targets(), false));
}

#[test]
fn several_targets_sum_and_fail_with_any_target() {
    let report = several_targets();
    assert_eq!(
        report.summary.passed,
        report
            .targets
            .iter()
            .map(|t| t.summary.passed)
            .sum::<usize>()
    );
    assert_eq!(
        report.targets[1].scenarios[0].trace.as_deref(),
        Some("reference/traces/base/parse-error.jsonl")
    );
    assert!(!report.passed(false) && report.targets[1].passed(false));
}
