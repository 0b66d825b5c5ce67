//! Scenario steps end to end against the embedded server: poll, when, expect_notification,
//! and variables that were never captured. Each asserts the verdicts the judge gives.

use std::time::Duration;
use zcpspec::checks::Verdict;
use zcpspec::runner::{RunConfig, Target};
use zcpspec::suite::{self, SuiteOptions};

/// Runs one scenario (YAML text) and returns (check id, verdict, message) for its own checks
/// and the run's exit code.
async fn run(yaml: &str) -> (i32, Vec<(String, Verdict, String)>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.yaml"), yaml).unwrap();
    let opts = SuiteOptions {
        name: None,
        scenarios: dir.path().to_path_buf(),
        filter: Vec::new(),
        strict: false,
        target: Target::Embedded { fault: None },
        config: RunConfig {
            timeout: Duration::from_millis(2000),
            ..RunConfig::default()
        },
        report_dir: None,
        color: false,
        golden: None,
        parity: Vec::new(),
        baseline: None,
        write_baseline: None,
        partition: None,
    };
    let outcome = suite::run(opts, &mut Vec::new()).await.unwrap();
    let checks = outcome
        .report
        .checks
        .iter()
        .map(|c| (c.id.clone(), c.verdict, c.message.clone()))
        .collect();
    (outcome.exit_code, checks)
}

fn verdict_of(checks: &[(String, Verdict, String)], id: &str) -> (Verdict, String) {
    let (_, v, m) = checks
        .iter()
        .find(|(c, _, _)| c == id)
        .unwrap_or_else(|| panic!("{id} missing: {checks:?}"));
    (*v, m.clone())
}

#[tokio::test]
async fn poll_judges_the_response_that_matched() {
    let (code, checks) = run(r#"
id: t/poll
title: poll until tools are listed
steps:
  - initialize: {}
  - poll:
      method: tools/list
      until: { result: { tools: { $len: { min: 1 } } } }
      interval_ms: 10
      timeout_ms: 1000
    expect:
      - check: base/message-shape
        match: { result: { tools: { $type: array } } }
"#)
    .await;
    assert_eq!(code, 0);
    assert_eq!(verdict_of(&checks, "base/message-shape").0, Verdict::Pass);
}

#[tokio::test]
async fn a_poll_that_never_matches_is_judged_on_its_last_response() {
    let (code, checks) = run(r#"
id: t/poll-never
title: poll for something that never comes
steps:
  - initialize: {}
  - poll:
      method: ping
      until: { result: { done: true } }
      interval_ms: 20
      timeout_ms: 100
    expect:
      - check: lifecycle/ping
        match: { result: { done: true } }
"#)
    .await;
    assert_eq!(code, 1);
    let (verdict, message) = verdict_of(&checks, "lifecycle/ping");
    assert_eq!(verdict, Verdict::Fail, "{message}");
    assert!(message.contains("result.done"), "{message}");
}

#[tokio::test]
async fn a_step_whose_when_variable_has_no_value_is_skipped_with_the_reason() {
    let (_, checks) = run(r#"
id: t/when
title: when guards a step
steps:
  - initialize: {}
  - request: { method: ping }
    capture: { nothing: result.nothing }
    expect:
      - check: lifecycle/ping
        match: { result: { $exact: {} } }
  - request: { method: tools/list }
    when: ${nothing}
    expect:
      - check: pagination/next-cursor
        match: { result: { tools: { $type: array } } }
"#)
    .await;
    let (verdict, message) = verdict_of(&checks, "pagination/next-cursor");
    assert_eq!(verdict, Verdict::Skip);
    assert!(message.contains("${nothing} has no value"), "{message}");
}

#[tokio::test]
async fn a_notification_that_never_comes_is_not_observed() {
    let (code, checks) = run(r#"
id: t/no-notification
title: waits for a notification nobody sends
steps:
  - initialize: {}
  - expect_notification: { method: notifications/zcpspec-never, within_ms: 100 }
    expect:
      - check: base/message-shape
        match: { params: { $type: object } }
"#)
    .await;
    assert_eq!(code, 1, "a MUST check not observed fails the run");
    let (verdict, message) = verdict_of(&checks, "base/message-shape");
    assert_eq!(verdict, Verdict::NotObserved, "{message}");
}

#[tokio::test]
async fn an_expectation_on_a_variable_never_captured_is_not_observed() {
    let (code, checks) = run(r#"
id: t/uncaptured
title: a matcher refers to a variable that was never captured
steps:
  - initialize: {}
  - request: { method: ping }
    expect:
      - check: lifecycle/ping
        match: { result: "${never_captured}" }
"#)
    .await;
    assert_eq!(code, 1);
    let (verdict, message) = verdict_of(&checks, "lifecycle/ping");
    assert_eq!(verdict, Verdict::NotObserved);
    assert!(message.contains("never_captured"), "{message}");
}

#[tokio::test]
async fn a_handler_can_answer_with_a_json_rpc_error() {
    // The reference server's list_roots reports the message of the error it got.
    let (code, checks) = run(r#"
id: t/handler-error
title: a handler that answers roots/list with an error
client:
  capabilities: { roots: {} }
handlers:
  roots/list: { $error: { code: -32000, message: "no roots here" } }
requires: { role: uses_roots }
steps:
  - initialize: {}
  - request:
      method: tools/call
      params: { name: "${tool.name}", arguments: {} }
    expect:
      - check: tools/call-answered
        match: { result: { isError: true, content: [{ text: { $regex: "no roots here" } }] } }
"#)
    .await;
    assert_eq!(code, 0);
    assert_eq!(verdict_of(&checks, "tools/call-answered").0, Verdict::Pass);
}
