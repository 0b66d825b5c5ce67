//! Every reference-server fault makes a run fail, and fails exactly the checks it breaks; every
//! registered check is broken by at least one fault, so no check is one that cannot fail.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;
use zcpspec::checks::{Verdict, CHECKS};
use zcpspec::reference::Fault;
use zcpspec::runner::{RunConfig, Target};
use zcpspec::suite::{self, SuiteOptions};

/// Hostile faults are judged on two scenarios: every session against them is slow by design.
const HOSTILE_SCENARIOS: &[&str] = &["lifecycle/ping", "basic/parse-error"];

/// For each fault, the checks that do not pass against it (fail, warn or not-observed).
const BROKEN: &[(&str, &[&str])] = &[
    ("missing-jsonrpc", &["base/jsonrpc-version"]),
    ("invalid-utf8", &["base/utf8"]),
    ("stdout-noise", &["stdio/only-messages-on-stdout"]),
    (
        "wrong-id",
        &[
            "base/batch",
            "base/invalid-request",
            "base/message-shape",
            "base/method-not-found",
            "base/no-response-to-notification",
            "base/parse-error",
            "base/response-id-matches-request",
            "base/survives-malformed-input",
            "completion/unknown-reference",
            "lifecycle/initialize-result",
            "lifecycle/ping",
            "lifecycle/survives-early-request",
            "lifecycle/version-echo",
            "lifecycle/version-fallback",
            "lifecycle/version-fallback-latest",
            "logging/respects-level",
            "logging/set-level-invalid",
            "pagination/invalid-cursor",
            "pagination/next-cursor",
            "progress/token-known",
            "prompts/get-missing-arguments",
            "prompts/get-unknown",
            "resources/blob-base64",
            "resources/read-listed",
            "resources/read-unknown",
            "stdio/exit-on-stdin-close",
            "tools/call-answered",
            "tools/execution-error-is-result",
            "tools/invalid-arguments",
            "tools/structured-content-conforms",
            "tools/structured-content-text",
            "tools/unknown-tool",
        ],
    ),
    (
        "duplicate-response",
        &["base/batch", "base/one-response-per-request"],
    ),
    (
        "result-and-error",
        &["base/message-shape", "base/result-xor-error"],
    ),
    (
        "error-code-string",
        &[
            "base/error-object",
            "base/invalid-request",
            "base/method-not-found",
            "base/parse-error",
            "completion/unknown-reference",
            "logging/set-level-invalid",
            "pagination/invalid-cursor",
            "prompts/get-missing-arguments",
            "prompts/get-unknown",
            "resources/read-unknown",
            "tools/unknown-tool",
        ],
    ),
    (
        "respond-to-notification",
        &[
            "base/batch",
            "base/invalid-request",
            "base/no-response-to-notification",
            "base/parse-error",
        ],
    ),
    (
        "notification-with-id",
        &[
            "base/message-shape",
            "base/notification-without-id",
            "progress/token-known",
        ],
    ),
    ("server-request-null-id", &["base/server-request-id"]),
    ("no-parse-error", &["base/parse-error"]),
    ("accept-invalid-request", &["base/invalid-request"]),
    ("wrong-error-code", &["base/method-not-found"]),
    (
        "crash-on-malformed-json",
        &["base/parse-error", "base/survives-malformed-input"],
    ),
    ("no-batch", &["base/batch"]),
    (
        "no-server-info",
        &["base/message-shape", "lifecycle/initialize-result"],
    ),
    ("ignore-version", &["lifecycle/version-echo"]),
    ("echo-unsupported-version", &["lifecycle/version-fallback"]),
    ("fallback-oldest", &["lifecycle/version-fallback-latest"]),
    ("undeclared-tools", &["lifecycle/features-declared"]),
    (
        "roots-without-capability",
        &["lifecycle/client-capabilities-respected"],
    ),
    (
        "crash-before-initialize",
        &["lifecycle/ping", "lifecycle/survives-early-request"],
    ),
    ("ping-non-empty", &["base/batch", "lifecycle/ping"]),
    ("ignore-stdin-close", &["stdio/exit-on-stdin-close"]),
    ("progress-unknown-token", &["progress/token-known"]),
    ("progress-decreasing", &["progress/increasing"]),
    ("progress-after-response", &["progress/none-after-response"]),
    (
        "cursor-ignored",
        &["pagination/invalid-cursor", "pagination/next-cursor"],
    ),
    ("invalid-cursor-accepted", &["pagination/invalid-cursor"]),
    ("setlevel-accepts-invalid", &["logging/set-level-invalid"]),
    ("log-ignores-level", &["logging/respects-level"]),
    ("log-bad-level", &["base/message-shape"]),
    ("completion-over-limit", &["base/message-shape"]),
    (
        "completion-unknown-ref-ok",
        &["completion/unknown-reference"],
    ),
    ("tool-without-input-schema", &["base/message-shape"]),
    (
        "hang-on-tools-call",
        &[
            "base/message-shape",
            "logging/respects-level",
            "progress/token-known",
            "tools/call-answered",
            "tools/execution-error-is-result",
            "tools/invalid-arguments",
            "tools/structured-content-conforms",
            "tools/structured-content-text",
            "tools/unknown-tool",
        ],
    ),
    ("unknown-tool-result", &["tools/unknown-tool"]),
    ("skip-argument-validation", &["tools/invalid-arguments"]),
    (
        "tool-error-as-protocol-error",
        &["tools/execution-error-is-result"],
    ),
    (
        "structured-output-mismatch",
        &["tools/structured-content-conforms"],
    ),
    (
        "structured-without-text",
        &["tools/structured-content-text"],
    ),
    ("read-wrong-uri", &["resources/read-listed"]),
    ("bad-base64-blob", &["resources/blob-base64"]),
    ("unknown-resource-empty", &["resources/read-unknown"]),
    ("unknown-prompt-internal-error", &["prompts/get-unknown"]),
    (
        "prompt-ignores-required-args",
        &["prompts/get-missing-arguments"],
    ),
    ("garbage-lines", &["stdio/only-messages-on-stdout"]),
    (
        "huge-line",
        &[
            "base/parse-error",
            "base/survives-malformed-input",
            "lifecycle/ping",
        ],
    ),
    (
        "silent",
        &[
            "base/parse-error",
            "base/survives-malformed-input",
            "lifecycle/ping",
        ],
    ),
    (
        "exit-mid-session",
        &[
            "base/parse-error",
            "base/survives-malformed-input",
            "lifecycle/ping",
        ],
    ),
    (
        "notification-flood",
        &[
            "base/parse-error",
            "base/survives-malformed-input",
            "lifecycle/ping",
            "progress/token-known",
        ],
    ),
];

fn scenarios() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn is_hostile(fault: Fault) -> bool {
    matches!(
        fault,
        Fault::Silent
            | Fault::HugeLine
            | Fault::ExitMidSession
            | Fault::NotificationFlood
            | Fault::GarbageLines
    )
}

async fn broken_checks(fault: Fault) -> (i32, BTreeSet<String>) {
    let filter = if is_hostile(fault) {
        HOSTILE_SCENARIOS.iter().map(|s| s.to_string()).collect()
    } else {
        Vec::new()
    };
    let opts = SuiteOptions {
        scenarios: scenarios(),
        filter,
        strict: true,
        target: Target::Embedded { fault: Some(fault) },
        config: RunConfig {
            timeout: Duration::from_millis(300),
            ..RunConfig::default()
        },
        report_dir: None,
        color: false,
    };
    let outcome = suite::run(opts, &mut Vec::new())
        .await
        .expect("scenarios load");
    let broken = outcome
        .report
        .checks
        .iter()
        .filter(|c| !matches!(c.verdict, Verdict::Pass | Verdict::Skip))
        .map(|c| c.id.clone())
        .collect();
    (outcome.exit_code, broken)
}

async fn assert_fault(name: &str) {
    let fault: Fault = name.parse().unwrap();
    let expected: BTreeSet<String> = BROKEN
        .iter()
        .find(|(f, _)| *f == name)
        .map(|(_, checks)| checks.iter().map(|c| c.to_string()).collect())
        .unwrap_or_else(|| panic!("fault {name} has no entry in BROKEN"));
    let (exit_code, broken) = broken_checks(fault).await;
    assert_eq!(exit_code, 1, "a strict run against {name} must exit 1");
    assert_eq!(broken, expected, "checks broken by fault {name}");
}

macro_rules! fault_tests {
    ($($test:ident => $name:literal,)*) => {
        $(
            #[tokio::test]
            async fn $test() {
                assert_fault($name).await;
            }
        )*

        #[test]
        fn every_fault_has_a_test() {
            let tested: BTreeSet<&str> = [$($name),*].into_iter().collect();
            let listed: BTreeSet<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
            assert_eq!(tested, listed);
        }
    };
}

fault_tests! {
    missing_jsonrpc => "missing-jsonrpc",
    invalid_utf8 => "invalid-utf8",
    stdout_noise => "stdout-noise",
    wrong_id => "wrong-id",
    duplicate_response => "duplicate-response",
    result_and_error => "result-and-error",
    error_code_string => "error-code-string",
    respond_to_notification => "respond-to-notification",
    notification_with_id => "notification-with-id",
    server_request_null_id => "server-request-null-id",
    no_parse_error => "no-parse-error",
    accept_invalid_request => "accept-invalid-request",
    wrong_error_code => "wrong-error-code",
    crash_on_malformed_json => "crash-on-malformed-json",
    no_batch => "no-batch",
    no_server_info => "no-server-info",
    ignore_version => "ignore-version",
    echo_unsupported_version => "echo-unsupported-version",
    fallback_oldest => "fallback-oldest",
    undeclared_tools => "undeclared-tools",
    roots_without_capability => "roots-without-capability",
    crash_before_initialize => "crash-before-initialize",
    ping_non_empty => "ping-non-empty",
    ignore_stdin_close => "ignore-stdin-close",
    progress_unknown_token => "progress-unknown-token",
    progress_decreasing => "progress-decreasing",
    progress_after_response => "progress-after-response",
    cursor_ignored => "cursor-ignored",
    invalid_cursor_accepted => "invalid-cursor-accepted",
    setlevel_accepts_invalid => "setlevel-accepts-invalid",
    log_ignores_level => "log-ignores-level",
    log_bad_level => "log-bad-level",
    completion_over_limit => "completion-over-limit",
    completion_unknown_ref_ok => "completion-unknown-ref-ok",
    tool_without_input_schema => "tool-without-input-schema",
    hang_on_tools_call => "hang-on-tools-call",
    unknown_tool_result => "unknown-tool-result",
    skip_argument_validation => "skip-argument-validation",
    tool_error_as_protocol_error => "tool-error-as-protocol-error",
    structured_output_mismatch => "structured-output-mismatch",
    structured_without_text => "structured-without-text",
    read_wrong_uri => "read-wrong-uri",
    bad_base64_blob => "bad-base64-blob",
    unknown_resource_empty => "unknown-resource-empty",
    unknown_prompt_internal_error => "unknown-prompt-internal-error",
    prompt_ignores_required_args => "prompt-ignores-required-args",
    garbage_lines => "garbage-lines",
    huge_line => "huge-line",
    silent => "silent",
    exit_mid_session => "exit-mid-session",
    notification_flood => "notification-flood",
}

#[test]
fn every_check_is_broken_by_some_fault() {
    let covered: BTreeSet<&str> = BROKEN.iter().flat_map(|(_, c)| c.iter().copied()).collect();
    let never_broken: Vec<&str> = CHECKS
        .iter()
        .map(|c| c.id)
        .filter(|id| !covered.contains(id))
        .collect();
    assert!(
        never_broken.is_empty(),
        "checks no fault breaks: {never_broken:?}"
    );
    for id in covered {
        assert!(
            CHECKS.iter().any(|c| c.id == id),
            "{id} is not a registered check"
        );
    }
}
