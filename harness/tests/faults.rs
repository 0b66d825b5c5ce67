//! Every reference-server fault makes a run fail, and fails exactly the checks it breaks; every
//! registered check is broken by at least one fault, so no check is one that cannot fail.
//! Protocol faults run in-process over stdio framing; transport faults run against the
//! reference server's HTTP surfaces on an ephemeral 127.0.0.1 port.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;
use zcpspec::checks::{Verdict, CHECKS};
use zcpspec::protocol::Revision;
use zcpspec::reference::Fault;
use zcpspec::runner::{RunConfig, Target};
use zcpspec::suite::{self, SuiteOptions};
use zcpspec::transport::{Kind, NetOptions};

/// Hostile faults are judged on two scenarios: every session against them is slow by design.
const HOSTILE_SCENARIOS: &[&str] = &["lifecycle/ping", "basic/parse-error"];
/// ZCP discovery faults are judged on the scenarios of the filters, over /zcp: the only surface
/// where those checks apply, and one without the notifications other scenarios wait for.
const ZCP_DISCOVERY_SCENARIOS: &str = "zcp/discovery/*";

/// For each fault, the checks that do not pass against it (fail, warn or not-observed):
/// exactly these for protocol and transport faults, at least these for hostile servers.
const BROKEN: &[(&str, &[&str])] = &[
    ("discover-no-versions", &["lifecycle/discover"]),
    (
        "no-result-type",
        &["base/result-type", "tasks-ext/ack-empty"],
    ),
    ("no-cache-hints", &["cache/hints"]),
    ("no-server-info-meta", &["base/result-server-info"]),
    (
        "any-protocol-version",
        &["lifecycle/unsupported-version-error"],
    ),
    ("ignore-missing-meta", &["base/request-meta-required"]),
    ("needs-discover-first", &["lifecycle/no-handshake"]),
    ("serves-removed-methods", &["lifecycle/removed-methods"]),
    ("logs-without-level", &["logging/needs-log-level"]),
    (
        "stateless-resource-not-found",
        &[
            "base/reserved-error-codes",
            "base/retired-error-codes",
            "resources/read-unknown-invalid-params",
        ],
    ),
    ("listen-no-ack", &["subscriptions/acknowledged"]),
    (
        "listen-ack-unrequested",
        &["subscriptions/ack-honoured-subset"],
    ),
    ("listen-unrequested", &["subscriptions/only-requested"]),
    (
        "listen-no-subscription-id",
        &[
            "subscriptions/acknowledged",
            "subscriptions/honoured",
            "subscriptions/id-on-notifications",
        ],
    ),
    ("listen-logs", &["subscriptions/no-progress-or-log"]),
    (
        "listen-ignores-cancel",
        &["cancellation/nothing-after-cancel"],
    ),
    (
        "task-without-extension",
        &[
            "cancellation/stops-work",
            "tasks-ext/no-task-without-extension",
        ],
    ),
    (
        "task-required-plain-error",
        &["tasks-ext/required-extension-error"],
    ),
    (
        "task-result-type-complete",
        &["base/message-shape", "tasks-ext/create-result"],
    ),
    ("task-not-yet-gettable", &["tasks-ext/created-is-gettable"]),
    (
        "task-completed-without-result",
        &["tasks-ext/get-detailed", "tasks-ext/tool-error-completes"],
    ),
    ("task-tool-error-fails", &["tasks-ext/tool-error-completes"]),
    (
        "task-reuses-input-key",
        &["tasks-ext/get-detailed", "tasks-ext/input-keys-unique"],
    ),
    ("task-ack-carries-task", &["tasks-ext/ack-empty"]),
    (
        "task-unknown-internal-error",
        &["tasks-ext/unknown-task-invalid-params"],
    ),
    (
        "tasks-served-without-extension",
        &["tasks-ext/undeclared-extension-refused"],
    ),
    (
        "ignore-header-mismatch",
        &[
            "http/header-case",
            "http/header-mismatch",
            "http/protocol-version-header-required",
        ],
    ),
    ("ignore-param-headers", &["http/param-header-validated"]),
    (
        "param-header-not-decoded",
        &["http/param-header-decoded", "http/param-header-validated"],
    ),
    (
        "param-header-always-expected",
        &[
            "http/param-header-decoded",
            "http/param-header-only-when-given",
            "http/param-header-validated",
        ],
    ),
    ("invalid-x-mcp-header", &["tools/x-mcp-header-valid"]),
    (
        "lists-remember-requests",
        &[
            "prompts/list-same-everywhere",
            "resources/list-same-everywhere",
            "tools/list-same-everywhere",
        ],
    ),
    ("header-values-case-insensitive", &["http/header-case"]),
    (
        "missing-version-header-served",
        &["http/protocol-version-header-required"],
    ),
    (
        "list-changed-on-call-stream",
        &[
            "http/stream-carries-its-request",
            "subscriptions/only-requested",
        ],
    ),
    ("assumes-retry", &["mrtr/no-retry-assumed"]),
    ("extension-key-unprefixed", &["lifecycle/extension-keys"]),
    ("stateless-server-requests", &["mrtr/no-server-requests"]),
    (
        "input-required-bare",
        &["mrtr/input-required-result", "tools/call-answered"],
    ),
    (
        "asks-undeclared",
        &[
            "base/missing-client-capability",
            "mrtr/declared-capabilities",
        ],
    ),
    (
        "capability-error-as-result",
        &["base/missing-client-capability"],
    ),
    ("accepts-tampered-state", &["mrtr/forged-state-refused"]),
    ("tools-list-unstable", &["tools/list-deterministic"]),
    ("cache-scope-varies", &["cache/scope-consistent"]),
    ("stateless-legacy-error-code", &["base/retired-error-codes"]),
    ("stateless-errors-200", &["http/stateless-error-status"]),
    ("ignore-cancellation", &["cancellation/stops-work"]),
    (
        "crash-on-stale-cancel",
        &[
            "cancellation/invalid-ignored",
            "cancellation/race-survives",
            "lifecycle/ping",
        ],
    ),
    ("task-capability-undeclared", &["tasks/capability-declared"]),
    (
        "task-augments-anything",
        &["base/message-shape", "tasks/ignored-without-capability"],
    ),
    ("task-forbidden-accepted", &["tasks/forbidden-refuses-task"]),
    ("task-required-runs-inline", &["tasks/required-needs-task"]),
    (
        "task-starts-completed",
        &["progress/none-after-response", "tasks/status-transitions"],
    ),
    ("task-id-reused", &["tasks/id-unique"]),
    (
        "task-without-timestamps",
        &[
            "base/message-shape",
            "tasks/create-result",
            "tasks/timestamps",
        ],
    ),
    (
        "task-result-early",
        &["tasks/create-result", "tasks/result-blocks"],
    ),
    ("task-result-unrelated", &["tasks/related-task-meta"]),
    ("task-elicitation-unrelated", &["tasks/related-task-meta"]),
    ("task-id-from-meta", &["tasks/task-id-authoritative"]),
    ("task-list-incomplete", &["tasks/list-complete"]),
    ("task-cancel-terminal", &["tasks/cancel-terminal"]),
    (
        "task-cancel-ignored",
        &["tasks/cancel-terminal", "tasks/cancel-working"],
    ),
    (
        "task-unknown-id-accepted",
        &["tasks/related-task-meta", "tasks/unknown-id"],
    ),
    ("task-input-lost", &["tasks/input-required"]),
    (
        "task-progress-new-token",
        &["progress/task-keeps-token", "progress/token-known"],
    ),
    ("missing-jsonrpc", &["base/jsonrpc-version"]),
    ("invalid-utf8", &["base/utf8"]),
    ("stdout-noise", &["base/only-messages"]),
    (
        "wrong-id",
        &[
            "base/batch",
            "base/invalid-params",
            "base/invalid-request",
            "base/message-shape",
            "base/method-not-found",
            "base/parse-error",
            "base/request-answered",
            "base/response-id-matches-request",
            "base/survives-malformed-input",
            "cancellation/invalid-ignored",
            "cancellation/race-survives",
            "cancellation/stops-work",
            "completion/unknown-reference",
            "elicitation/decline-handled",
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
            "resources/subscribe-supported",
            "resources/uri-validated",
            "roots/list-changed-tolerated",
            "stdio/exit-on-stdin-close",
            "tasks/cancel-terminal",
            "tasks/cancel-working",
            "tasks/create-result",
            "tasks/forbidden-refuses-task",
            "tasks/ignored-without-capability",
            "tasks/input-required",
            "tasks/list-complete",
            "tasks/list-invalid-cursor",
            "tasks/required-needs-task",
            "tasks/result-blocks",
            "tasks/task-id-authoritative",
            "tasks/unknown-id",
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
        &[
            "base/message-shape",
            "base/result-xor-error",
            "tasks/related-task-meta",
            "tasks/timestamps",
        ],
    ),
    (
        "error-code-string",
        &[
            "base/error-object",
            "base/invalid-params",
            "base/invalid-request",
            "base/method-not-found",
            "base/parse-error",
            "completion/unknown-reference",
            "logging/set-level-invalid",
            "pagination/invalid-cursor",
            "prompts/get-missing-arguments",
            "prompts/get-unknown",
            "resources/read-unknown",
            "tasks/cancel-terminal",
            "tasks/forbidden-refuses-task",
            "tasks/list-invalid-cursor",
            "tasks/required-needs-task",
            "tasks/unknown-id",
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
            "cancellation/stops-work",
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
    ("missing-params-internal-error", &["base/invalid-params"]),
    ("reserved-meta-key", &["base/meta-key-names"]),
    ("log-leaks-credentials", &["logging/no-secrets"]),
    ("invalid-input-schema", &["base/schemas-valid"]),
    ("resource-path-traversal", &["resources/uri-validated"]),
    ("subscribe-unsupported", &["resources/subscribe-supported"]),
    ("subscribe-no-updates", &["resources/subscribe-updates"]),
    (
        "updated-unsubscribed",
        &["resources/updated-only-subscribed"],
    ),
    (
        "tools-list-changed-silent",
        &["tools/list-changed-notified"],
    ),
    (
        "resources-list-changed-silent",
        &["resources/list-changed-notified"],
    ),
    (
        "prompts-list-changed-silent",
        &["prompts/list-changed-notified"],
    ),
    ("prompt-image-not-base64", &["prompts/content-encoding"]),
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
    (
        "invalid-cursor-accepted",
        &["pagination/invalid-cursor", "tasks/list-invalid-cursor"],
    ),
    ("setlevel-accepts-invalid", &["logging/set-level-invalid"]),
    ("log-ignores-level", &["logging/respects-level"]),
    ("log-bad-level", &["base/message-shape"]),
    ("completion-over-limit", &["base/message-shape"]),
    (
        "completion-unknown-ref-ok",
        &["completion/unknown-reference"],
    ),
    (
        "tool-without-input-schema",
        &["base/message-shape", "tasks/forbidden-refuses-task"],
    ),
    (
        "hang-on-tools-call",
        &[
            "base/invalid-params",
            "base/message-shape",
            "base/request-answered",
            "elicitation/decline-handled",
            "logging/respects-level",
            "progress/token-known",
            "tasks/cancel-terminal",
            "tasks/cancel-working",
            "tasks/create-result",
            "tasks/forbidden-refuses-task",
            "tasks/input-required",
            "tasks/list-complete",
            "tasks/list-invalid-cursor",
            "tasks/required-needs-task",
            "tasks/result-blocks",
            "tasks/task-id-authoritative",
            "tasks/unknown-id",
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
    (
        "roots-list-changed-crash",
        &["roots/list-changed-tolerated"],
    ),
    ("sampling-without-max-tokens", &["sampling/request-shape"]),
    ("sampling-tools-undeclared", &["sampling/tools-declared"]),
    ("elicitation-nested-schema", &["elicitation/request-shape"]),
    (
        "elicitation-asks-password",
        &["elicitation/no-sensitive-form"],
    ),
    (
        "elicitation-decline-error",
        &["elicitation/decline-handled"],
    ),
    (
        "url-required-without-mode",
        &["elicitation/url-required-error"],
    ),
    (
        "elicitation-complete-unknown-id",
        &["elicitation/complete-known-id"],
    ),
    (
        "elicitation-url-with-token",
        &["elicitation/url-no-credentials"],
    ),
    (
        "server-cancel-wrong-id",
        &["cancellation/server-cancel-known"],
    ),
    ("garbage-lines", &["base/only-messages"]),
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
    ("notification-flood", &["progress/token-known"]),
    ("no-session-check", &["http/session-required"]),
    ("unknown-session-accepted", &["http/unknown-session"]),
    ("notification-200", &["http/notification-accepted"]),
    ("duplicate-event-ids", &["http/sse-event-ids-unique"]),
    ("ignore-origin", &["http/origin-validated"]),
    (
        "ignore-protocol-version-header",
        &["http/protocol-version-header"],
    ),
    ("replay-all-events", &["http/resumption"]),
    (
        "get-returns-json",
        &[
            "http/get-stream",
            "resources/subscribe-updates",
            "tasks/input-required",
            "tools/call-answered",
        ],
    ),
    ("wrong-content-type", &["http/response-content-type"]),
    ("endpoint-not-first", &["sse/endpoint-first"]),
    ("legacy-ignore-origin", &["sse/origin-validated"]),
    (
        "broadcast-requests",
        &["base/server-request-id", "http/one-stream-per-message"],
    ),
    ("session-id-with-space", &["http/session-id-visible-ascii"]),
    ("ws-no-subprotocol", &["ws/subprotocol"]),
    (
        "stall-mid-body",
        &[
            "base/parse-error",
            "base/survives-malformed-input",
            "lifecycle/ping",
        ],
    ),
    (
        "http-reset",
        &[
            "base/parse-error",
            "base/survives-malformed-input",
            "lifecycle/ping",
        ],
    ),
    ("invalid-sse", &["base/only-messages"]),
    (
        "endless-stream",
        &[
            "base/parse-error",
            "base/survives-malformed-input",
            "lifecycle/ping",
        ],
    ),
    (
        "huge-body",
        &[
            "base/parse-error",
            "base/survives-malformed-input",
            "lifecycle/ping",
        ],
    ),
    (
        "zcp-reversed-tools",
        &[
            "parity/basic/string-ids",
            "parity/server/tools/call-each",
            "parity/server/tools/execution-error",
            "parity/server/tools/invalid-arguments",
            "parity/server/tools/list",
            "parity/server/tools/pagination",
            "parity/server/tools/structured-output",
            "parity/server/tools/task-forbidden",
            "parity/server/tools/task-required",
            "parity/utilities/tasks/cancel",
            "parity/utilities/tasks/create",
            "parity/utilities/tasks/ignored-without-capability",
            "parity/utilities/tasks/list",
            "parity/utilities/tasks/progress",
            "parity/utilities/tasks/result",
            "parity/utilities/tasks/task-id-authoritative",
            "parity/utilities/tasks/unknown-id",
        ],
    ),
    ("zcp-groups-first-only", &["zcp/groups-filter"]),
    ("zcp-exclude-groups-ignored", &["zcp/exclude-groups-filter"]),
    ("zcp-stages-read-groups", &["zcp/stages-filter"]),
    ("zcp-profile-ignored", &["zcp/semantic-workflow-profile"]),
    ("zcp-profile-unreported", &["zcp/profile-reported"]),
    ("zcp-comma-unsplit", &["zcp/filter-forms"]),
    ("zcp-filtered-page-repeats", &["zcp/filtered-pagination"]),
    ("zcp-no-match-error", &["zcp/filter-no-match-empty"]),
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
            | Fault::StallMidBody
            | Fault::HttpReset
            | Fault::InvalidSse
            | Fault::EndlessStream
            | Fault::HugeBody
    )
}

/// The transport over which a fault shows itself.
fn transport_of(fault: Fault) -> Kind {
    match fault {
        _ if !fault.is_http() => Kind::Stdio,
        _ if fault.is_zcp_discovery() => Kind::Zcp,
        Fault::EndpointNotFirst | Fault::LegacyIgnoreOrigin => Kind::Sse,
        Fault::WsNoSubprotocol => Kind::Ws,
        Fault::ZcpReversedTools => Kind::Zcp,
        _ => Kind::StreamableHttp,
    }
}

/// Serves the reference server's HTTP surfaces with `fault` on an ephemeral port, and returns
/// the target for `kind` and the serving task (aborted when the test ends).
async fn http_target(
    fault: Fault,
    kind: Kind,
) -> (Target, tokio::task::JoinHandle<std::io::Result<()>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(zcpspec::reference::serve_http(
        listener,
        Some(fault),
        16 << 20,
    ));
    let url = match kind {
        Kind::Sse => format!("http://{addr}/sse"),
        Kind::Ws => format!("ws://{addr}/ws"),
        Kind::Zcp => format!("http://{addr}/zcp"),
        _ => format!("http://{addr}/mcp"),
    };
    let options = NetOptions {
        timeout: Duration::from_millis(1000),
        ..NetOptions::default()
    };
    (Target::Url { url, kind, options }, server)
}

/// The exit code, and each check that did not pass with whether it was only not observed.
async fn broken_checks(fault: Fault) -> (i32, BTreeSet<(String, bool)>) {
    let filter = if is_hostile(fault) {
        HOSTILE_SCENARIOS.iter().map(|s| s.to_string()).collect()
    } else if fault.is_zcp_discovery() {
        vec![ZCP_DISCOVERY_SCENARIOS.to_string()]
    } else {
        Vec::new()
    };
    let kind = transport_of(fault);
    let mut parity = Vec::new();
    let (target, server) = match kind {
        Kind::Stdio => (Target::Embedded { fault: Some(fault) }, None),
        // A fault in one surface only: the main target is /mcp, /zcp is compared with it.
        Kind::Zcp if fault == Fault::ZcpReversedTools => {
            let (zcp, server) = http_target(fault, Kind::Zcp).await;
            let Target::Url { url, options, .. } = &zcp else {
                unreachable!()
            };
            let mcp = Target::Url {
                url: url.replace("/zcp", "/mcp"),
                kind: Kind::StreamableHttp,
                options: options.clone(),
            };
            parity.push(zcp);
            (mcp, Some(server))
        }
        _ => {
            let (target, server) = http_target(fault, kind).await;
            (target, Some(server))
        }
    };
    // A fault of the stateless era shows in a 2026-07-28 run.
    let revision = match fault.is_stateless() {
        true => Revision::STATELESS,
        false => Revision::LATEST,
    };
    let opts = SuiteOptions {
        name: None,
        scenarios: scenarios(),
        filter,
        strict: true,
        target,
        config: RunConfig {
            timeout: Duration::from_millis(1000),
            revision,
            ..RunConfig::default()
        },
        report_dir: None,
        color: false,
        golden: None,
        parity,
        baseline: None,
        write_baseline: None,
        partition: None,
    };
    let outcome = suite::run(opts, &mut Vec::new())
        .await
        .expect("scenarios load");
    if let Some(server) = server {
        server.abort();
    }
    let broken = outcome
        .report
        .checks
        .iter()
        .filter(|c| !matches!(c.verdict, Verdict::Pass | Verdict::Skip))
        .map(|c| (c.id.clone(), c.verdict == Verdict::NotObserved))
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
    let ids: BTreeSet<String> = broken.iter().map(|(id, _)| id.clone()).collect();
    if is_hostile(fault) {
        // How much of a session a hostile server lets through depends on the machine's load:
        // the listed checks must break, and anything else may only go unobserved.
        assert!(
            ids.is_superset(&expected),
            "fault {name} broke {ids:?}, not all of {expected:?}"
        );
        let unexpected: Vec<&String> = broken
            .iter()
            .filter(|(id, unobserved)| !expected.contains(id) && !unobserved)
            .map(|(id, _)| id)
            .collect();
        assert!(
            unexpected.is_empty(),
            "fault {name} also broke {unexpected:?}"
        );
    } else {
        assert_eq!(ids, expected, "checks broken by fault {name}");
    }
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
    fault_discover_no_versions => "discover-no-versions",
    fault_no_result_type => "no-result-type",
    fault_no_cache_hints => "no-cache-hints",
    fault_no_server_info_meta => "no-server-info-meta",
    fault_any_protocol_version => "any-protocol-version",
    fault_ignore_missing_meta => "ignore-missing-meta",
    fault_needs_discover_first => "needs-discover-first",
    fault_serves_removed_methods => "serves-removed-methods",
    fault_logs_without_level => "logs-without-level",
    fault_stateless_resource_not_found => "stateless-resource-not-found",
    fault_ignore_header_mismatch => "ignore-header-mismatch",
    fault_ignore_param_headers => "ignore-param-headers",
    fault_param_header_not_decoded => "param-header-not-decoded",
    fault_param_header_always_expected => "param-header-always-expected",
    fault_invalid_x_mcp_header => "invalid-x-mcp-header",
    fault_lists_remember_requests => "lists-remember-requests",
    fault_stateless_server_requests => "stateless-server-requests",
    fault_input_required_bare => "input-required-bare",
    fault_asks_undeclared => "asks-undeclared",
    fault_capability_error_as_result => "capability-error-as-result",
    fault_accepts_tampered_state => "accepts-tampered-state",
    fault_listen_no_ack => "listen-no-ack",
    fault_listen_ack_unrequested => "listen-ack-unrequested",
    fault_listen_unrequested => "listen-unrequested",
    fault_listen_no_subscription_id => "listen-no-subscription-id",
    fault_listen_logs => "listen-logs",
    fault_listen_ignores_cancel => "listen-ignores-cancel",
    fault_header_values_case_insensitive => "header-values-case-insensitive",
    fault_missing_version_header_served => "missing-version-header-served",
    fault_list_changed_on_call_stream => "list-changed-on-call-stream",
    fault_assumes_retry => "assumes-retry",
    fault_extension_key_unprefixed => "extension-key-unprefixed",
    fault_task_without_extension => "task-without-extension",
    fault_task_required_plain_error => "task-required-plain-error",
    fault_task_result_type_complete => "task-result-type-complete",
    fault_task_not_yet_gettable => "task-not-yet-gettable",
    fault_task_completed_without_result => "task-completed-without-result",
    fault_task_tool_error_fails => "task-tool-error-fails",
    fault_task_reuses_input_key => "task-reuses-input-key",
    fault_task_ack_carries_task => "task-ack-carries-task",
    fault_task_unknown_internal_error => "task-unknown-internal-error",
    fault_tasks_served_without_extension => "tasks-served-without-extension",
    fault_tools_list_unstable => "tools-list-unstable",
    fault_cache_scope_varies => "cache-scope-varies",
    fault_stateless_legacy_error_code => "stateless-legacy-error-code",
    fault_stateless_errors_200 => "stateless-errors-200",
    fault_ignore_cancellation => "ignore-cancellation",
    fault_crash_on_stale_cancel => "crash-on-stale-cancel",
    fault_task_capability_undeclared => "task-capability-undeclared",
    fault_task_augments_anything => "task-augments-anything",
    fault_task_forbidden_accepted => "task-forbidden-accepted",
    fault_task_required_runs_inline => "task-required-runs-inline",
    fault_task_starts_completed => "task-starts-completed",
    fault_task_id_reused => "task-id-reused",
    fault_task_without_timestamps => "task-without-timestamps",
    fault_task_result_early => "task-result-early",
    fault_task_result_unrelated => "task-result-unrelated",
    fault_task_elicitation_unrelated => "task-elicitation-unrelated",
    fault_task_id_from_meta => "task-id-from-meta",
    fault_task_list_incomplete => "task-list-incomplete",
    fault_task_cancel_terminal => "task-cancel-terminal",
    fault_task_cancel_ignored => "task-cancel-ignored",
    fault_task_unknown_id_accepted => "task-unknown-id-accepted",
    fault_task_input_lost => "task-input-lost",
    fault_task_progress_new_token => "task-progress-new-token",
    fault_missing_jsonrpc => "missing-jsonrpc",
    fault_invalid_utf8 => "invalid-utf8",
    fault_stdout_noise => "stdout-noise",
    fault_wrong_id => "wrong-id",
    fault_duplicate_response => "duplicate-response",
    fault_result_and_error => "result-and-error",
    fault_error_code_string => "error-code-string",
    fault_respond_to_notification => "respond-to-notification",
    fault_notification_with_id => "notification-with-id",
    fault_server_request_null_id => "server-request-null-id",
    fault_no_parse_error => "no-parse-error",
    fault_accept_invalid_request => "accept-invalid-request",
    fault_wrong_error_code => "wrong-error-code",
    fault_crash_on_malformed_json => "crash-on-malformed-json",
    fault_no_batch => "no-batch",
    fault_no_server_info => "no-server-info",
    fault_ignore_version => "ignore-version",
    fault_echo_unsupported_version => "echo-unsupported-version",
    fault_fallback_oldest => "fallback-oldest",
    fault_undeclared_tools => "undeclared-tools",
    fault_roots_without_capability => "roots-without-capability",
    fault_crash_before_initialize => "crash-before-initialize",
    fault_ping_non_empty => "ping-non-empty",
    fault_ignore_stdin_close => "ignore-stdin-close",
    fault_progress_unknown_token => "progress-unknown-token",
    fault_progress_decreasing => "progress-decreasing",
    fault_progress_after_response => "progress-after-response",
    fault_cursor_ignored => "cursor-ignored",
    fault_invalid_cursor_accepted => "invalid-cursor-accepted",
    fault_setlevel_accepts_invalid => "setlevel-accepts-invalid",
    fault_log_ignores_level => "log-ignores-level",
    fault_log_bad_level => "log-bad-level",
    fault_completion_over_limit => "completion-over-limit",
    fault_completion_unknown_ref_ok => "completion-unknown-ref-ok",
    fault_tool_without_input_schema => "tool-without-input-schema",
    fault_hang_on_tools_call => "hang-on-tools-call",
    fault_unknown_tool_result => "unknown-tool-result",
    fault_skip_argument_validation => "skip-argument-validation",
    fault_tool_error_as_protocol_error => "tool-error-as-protocol-error",
    fault_structured_output_mismatch => "structured-output-mismatch",
    fault_structured_without_text => "structured-without-text",
    fault_read_wrong_uri => "read-wrong-uri",
    fault_bad_base64_blob => "bad-base64-blob",
    fault_unknown_resource_empty => "unknown-resource-empty",
    fault_unknown_prompt_internal_error => "unknown-prompt-internal-error",
    fault_prompt_ignores_required_args => "prompt-ignores-required-args",
    fault_missing_params_internal_error => "missing-params-internal-error",
    fault_reserved_meta_key => "reserved-meta-key",
    fault_log_leaks_credentials => "log-leaks-credentials",
    fault_invalid_input_schema => "invalid-input-schema",
    fault_resource_path_traversal => "resource-path-traversal",
    fault_subscribe_unsupported => "subscribe-unsupported",
    fault_subscribe_no_updates => "subscribe-no-updates",
    fault_updated_unsubscribed => "updated-unsubscribed",
    fault_tools_list_changed_silent => "tools-list-changed-silent",
    fault_resources_list_changed_silent => "resources-list-changed-silent",
    fault_prompts_list_changed_silent => "prompts-list-changed-silent",
    fault_prompt_image_not_base64 => "prompt-image-not-base64",
    fault_roots_list_changed_crash => "roots-list-changed-crash",
    fault_sampling_without_max_tokens => "sampling-without-max-tokens",
    fault_sampling_tools_undeclared => "sampling-tools-undeclared",
    fault_elicitation_nested_schema => "elicitation-nested-schema",
    fault_elicitation_asks_password => "elicitation-asks-password",
    fault_elicitation_decline_error => "elicitation-decline-error",
    fault_url_required_without_mode => "url-required-without-mode",
    fault_elicitation_complete_unknown_id => "elicitation-complete-unknown-id",
    fault_elicitation_url_with_token => "elicitation-url-with-token",
    fault_server_cancel_wrong_id => "server-cancel-wrong-id",
    fault_garbage_lines => "garbage-lines",
    fault_huge_line => "huge-line",
    fault_silent => "silent",
    fault_exit_mid_session => "exit-mid-session",
    fault_notification_flood => "notification-flood",
    fault_no_session_check => "no-session-check",
    fault_unknown_session_accepted => "unknown-session-accepted",
    fault_notification_200 => "notification-200",
    fault_duplicate_event_ids => "duplicate-event-ids",
    fault_ignore_origin => "ignore-origin",
    fault_ignore_protocol_version_header => "ignore-protocol-version-header",
    fault_replay_all_events => "replay-all-events",
    fault_get_returns_json => "get-returns-json",
    fault_wrong_content_type => "wrong-content-type",
    fault_endpoint_not_first => "endpoint-not-first",
    fault_legacy_ignore_origin => "legacy-ignore-origin",
    fault_broadcast_requests => "broadcast-requests",
    fault_session_id_with_space => "session-id-with-space",
    fault_ws_no_subprotocol => "ws-no-subprotocol",
    fault_stall_mid_body => "stall-mid-body",
    fault_http_reset => "http-reset",
    fault_invalid_sse => "invalid-sse",
    fault_endless_stream => "endless-stream",
    fault_huge_body => "huge-body",
    fault_zcp_reversed_tools => "zcp-reversed-tools",
    fault_zcp_groups_first_only => "zcp-groups-first-only",
    fault_zcp_exclude_groups_ignored => "zcp-exclude-groups-ignored",
    fault_zcp_stages_read_groups => "zcp-stages-read-groups",
    fault_zcp_profile_ignored => "zcp-profile-ignored",
    fault_zcp_profile_unreported => "zcp-profile-unreported",
    fault_zcp_comma_unsplit => "zcp-comma-unsplit",
    fault_zcp_filtered_page_repeats => "zcp-filtered-page-repeats",
    fault_zcp_no_match_error => "zcp-no-match-error",
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
    for id in covered.iter().filter(|id| !id.starts_with("parity/")) {
        assert!(
            CHECKS.iter().any(|c| c.id == *id),
            "{id} is not a registered check"
        );
    }
}
