//! The stateless era's rules on results (2026-07-28): judged on every request that said, in
//! its `_meta`, that it speaks that revision, whatever the rest of the session was. Its
//! result carries `resultType` (BASE-19) and the server's identity (BASE-23), and a complete
//! list, read or discover result carries caching hints (CACHE-01..03). Multi round-trip
//! requests (MRTR): the server sends no requests of its own, and asks in an
//! InputRequiredResult, only where allowed, only for elicitation, sampling or roots, and only
//! what the request declared. Error codes stay out of the ranges the era reserves or retires;
//! a list's pages share one cacheScope; tools/list keeps its order; the parameters a tool
//! mirrors into headers are annotated by the rules (TOOL-15).

use super::{Finding, Msg, Rule, View};
use crate::protocol::param_headers;
use crate::protocol::stateless::{CACHEABLE_METHODS, CLIENT_CAPABILITIES, SERVER_INFO};
use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

pub(super) const RULES: &[(&str, Rule)] = &[
    ("base/result-type", result_type),
    ("base/result-server-info", result_server_info),
    ("cache/hints", cache_hints),
    ("mrtr/no-server-requests", no_server_requests),
    ("mrtr/input-required-result", input_required_result),
    ("mrtr/declared-capabilities", declared_capabilities),
    ("base/reserved-error-codes", reserved_error_codes),
    ("base/retired-error-codes", retired_error_codes),
    ("cache/scope-consistent", scope_consistent),
    ("tools/list-deterministic", list_deterministic),
    ("tools/x-mcp-header-valid", x_mcp_header_valid),
    ("lifecycle/extension-keys", extension_keys),
];

/// A `_meta`-style key with its mandatory prefix: dot-separated labels, a slash, a name.
static PREFIXED_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^([a-zA-Z]([a-zA-Z0-9-]*[a-zA-Z0-9])?\.)*[a-zA-Z]([a-zA-Z0-9-]*[a-zA-Z0-9])?/[a-zA-Z0-9]([a-zA-Z0-9._-]*[a-zA-Z0-9])?$",
    )
    .expect("a valid pattern")
});

/// The codes 2026-07-28 defines in its reserved range (-32020 … -32099).
const DEFINED_CODES: [i64; 3] = [-32020, -32021, -32022];

/// The requests a server may answer with input_required (MRTR-02).
const MULTI_ROUND: &[&str] = &["tools/call", "prompts/get", "resources/read"];
/// What an inputRequests entry may ask, and the client capability each needs (MRTR-04/05).
const INPUT_KINDS: &[(&str, &str)] = &[
    ("elicitation/create", "elicitation"),
    ("sampling/createMessage", "sampling"),
    ("roots/list", "roots"),
];

/// The result types a server may send without an extension.
const RESULT_TYPES: &[&str] = &["complete", "input_required"];

/// Each stateless request (its message and method) with the result it got.
pub(super) fn stateless_exchanges<'v, 'a>(
    v: &'v View<'a>,
) -> impl Iterator<Item = (&'v Msg<'a>, &'a str, &'v Msg<'a>, &'a Value)> + 'v {
    v.stateless_requests().filter_map(move |(m, id, method)| {
        let response = v.response_to(id)?;
        Some((m, method, response, response.value.get("result")?))
    })
}

/// A session in which the client spoke 2026-07-28 gets no request from the server: what it
/// needs of the client it asks in an InputRequiredResult (MRTR-01).
fn no_server_requests(v: &View) -> Finding {
    let mut f = Finding::new();
    if stateless_exchanges(v).next().is_none() {
        return f;
    }
    let first = v.server_requests().next();
    let last = v.received.last().map_or(0, |m| m.seq);
    f.judge(
        first.map_or(last, |(m, _, _)| m.seq),
        first.is_none(),
        || "no JSON-RPC request from the server: input asked for in an InputRequiredResult".into(),
        || match first {
            Some((_, id, method)) => format!("a {method} request with id {id}"),
            None => String::new(),
        },
    );
    f
}

/// An InputRequiredResult answers tools/call, prompts/get or resources/read only, carries
/// inputRequests or requestState, and asks only for elicitation, sampling or roots.
fn input_required_result(v: &View) -> Finding {
    let mut f = Finding::new();
    for (_, method, response, result) in stateless_exchanges(v) {
        if result.get("resultType").and_then(Value::as_str) != Some("input_required") {
            continue;
        }
        let requests = result.get("inputRequests");
        let problem = if !MULTI_ROUND.contains(&method) {
            Some(format!("input_required in answer to {method}"))
        } else if requests.is_none() && result.get("requestState").is_none() {
            Some("neither inputRequests nor requestState".to_string())
        } else {
            let entries = requests.and_then(Value::as_object);
            match (requests, entries) {
                (Some(other), None) => Some(format!("inputRequests {other}, not an object")),
                (_, entries) => (entries.into_iter().flatten()).find_map(|(key, request)| {
                    let kind = request.get("method").and_then(Value::as_str);
                    let known = kind.is_some_and(|k| INPUT_KINDS.iter().any(|(m, _)| *m == k));
                    (!known).then(|| format!("inputRequests[{key:?}] = {request}"))
                }),
            }
        };
        f.judge(
            response.seq,
            problem.is_none(),
            || {
                "input_required only on tools/call, prompts/get or resources/read, with \
                 inputRequests (elicitation, sampling or roots requests) or requestState"
                    .into()
            },
            || problem.clone().unwrap_or_default(),
        );
    }
    f
}

/// An InputRequiredResult asks only for what the request's clientCapabilities declared.
fn declared_capabilities(v: &View) -> Finding {
    let mut f = Finding::new();
    let pointer = format!("/params/_meta/{}", CLIENT_CAPABILITIES.replace('/', "~1"));
    for (request, _, response, result) in stateless_exchanges(v) {
        let Some(requests) = result.get("inputRequests").and_then(Value::as_object) else {
            continue;
        };
        let declared = request.value.pointer(&pointer);
        for (key, input) in requests {
            let kind = input
                .get("method")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let Some((_, capability)) = INPUT_KINDS.iter().find(|(m, _)| *m == kind) else {
                continue;
            };
            let ok = declared.and_then(|d| d.get(capability)).is_some();
            f.judge(
                response.seq,
                ok,
                || format!("inputRequests only of kinds the request declared ({capability} for {kind})"),
                || format!("inputRequests[{key:?}] asks {kind}; the request declared {}", declared.map_or("nothing".into(), Value::to_string)),
            );
        }
    }
    f
}

/// Each stateless request (its method) with the error it got.
fn stateless_errors<'v, 'a>(
    v: &'v View<'a>,
) -> impl Iterator<Item = (&'a str, &'v Msg<'a>, i64)> + 'v {
    v.stateless_requests().filter_map(move |(_, id, method)| {
        let response = v.response_to(id)?;
        let code = response.value.pointer("/error/code")?.as_i64()?;
        Some((method, response, code))
    })
}

/// No code of the spec's reserved range it does not define, and neither -32002 nor -32042,
/// which 2026-07-28 retired (BASE-24).
fn reserved_error_codes(v: &View) -> Finding {
    let mut f = Finding::new();
    for (method, response, code) in stateless_errors(v) {
        let undefined = (-32099..=-32020).contains(&code) && !DEFINED_CODES.contains(&code);
        f.judge(
            response.seq,
            !(undefined || code == -32002 || code == -32042),
            || format!("{method}: no error code of -32020…-32099 but -32020/-32021/-32022, neither -32002 nor -32042"),
            || format!("{method}: error code {code}"),
        );
    }
    f
}

/// No codes of -32000 … -32019, which new implementations should not use (BASE-25).
fn retired_error_codes(v: &View) -> Finding {
    let mut f = Finding::new();
    for (method, response, code) in stateless_errors(v) {
        f.judge(
            response.seq,
            !(-32019..=-32000).contains(&code),
            || format!("{method}: no error code of -32000…-32019"),
            || format!("{method}: error code {code}"),
        );
    }
    f
}

/// All pages of one list carry the same cacheScope (CACHE-04): a page asked for with a cursor
/// has the scope of the page that gave the cursor.
fn scope_consistent(v: &View) -> Finding {
    let mut f = Finding::new();
    let mut scopes: Vec<(&Value, &Value)> = Vec::new();
    for (request, method, response, result) in stateless_exchanges(v) {
        let Some(scope) = result.get("cacheScope") else {
            continue;
        };
        let cursor = request.value.pointer("/params/cursor");
        let before = cursor.and_then(|c| scopes.iter().find(|(given, _)| *given == c));
        if let Some((_, first)) = before {
            f.judge(
                response.seq,
                *first == scope,
                || format!("{method}: every page with the cacheScope of the first, {first}"),
                || format!("{method}: a later page with cacheScope {scope}"),
            );
        }
        if let Some(next) = result.get("nextCursor") {
            scopes.push((next, scope));
        }
    }
    f
}

/// The first page of tools/list lists the same tools in the same order every time, while the
/// set is unchanged (TOOL-03).
fn list_deterministic(v: &View) -> Finding {
    let mut f = Finding::new();
    let mut first: Option<Vec<&str>> = None;
    for (request, method, response, result) in stateless_exchanges(v) {
        let filtered = request
            .value
            .get("params")
            .and_then(Value::as_object)
            .is_some_and(|p| p.keys().any(|k| k != "_meta"));
        if method != "tools/list" || filtered {
            continue;
        }
        let names: Vec<&str> = (result
            .get("tools")
            .and_then(Value::as_array)
            .into_iter()
            .flatten())
        .filter_map(|t| t.get("name").and_then(Value::as_str))
        .collect();
        match &first {
            None => first = Some(names),
            Some(earlier) => {
                let same_set = {
                    let mut a = earlier.clone();
                    let mut b = names.clone();
                    a.sort_unstable();
                    b.sort_unstable();
                    a == b
                };
                if same_set {
                    f.judge(
                        response.seq,
                        *earlier == names,
                        || {
                            format!(
                                "tools/list in the order of the first listing: {}",
                                earlier.join(", ")
                            )
                        },
                        || format!("tools/list in another order: {}", names.join(", ")),
                    );
                }
            }
        }
    }
    f
}

/// Each stateless request's method and the result it got.
fn stateless_results<'v, 'a>(
    v: &'v View<'a>,
) -> impl Iterator<Item = (&'a str, &'v Msg<'a>, &'a Value)> + 'v {
    stateless_exchanges(v).map(|(_, method, response, result)| (method, response, result))
}

fn result_type(v: &View) -> Finding {
    let mut f = Finding::new();
    // A server that advertises extensions may send their result types too.
    let extended = v.server_caps.and_then(|c| c.get("extensions")).is_some();
    for (method, response, result) in stateless_results(v) {
        let kind = result.get("resultType").and_then(Value::as_str);
        let known = kind.is_some_and(|k| RESULT_TYPES.contains(&k) || extended);
        f.judge(
            response.seq,
            known,
            || format!("{method}: resultType \"complete\" or \"input_required\""),
            || match result.get("resultType") {
                Some(other) => format!("{method}: resultType {other}"),
                None => format!("{method}: no resultType"),
            },
        );
    }
    f
}

fn result_server_info(v: &View) -> Finding {
    let mut f = Finding::new();
    for (method, response, result) in stateless_results(v) {
        let info = result.get("_meta").and_then(|m| m.get(SERVER_INFO));
        let named = info.is_some_and(|i| i.get("name").is_some_and(Value::is_string));
        f.judge(
            response.seq,
            named,
            || format!("{method}: _meta[\"{SERVER_INFO}\"] with the server's name and version"),
            || match info {
                Some(info) => format!("{method}: _meta[\"{SERVER_INFO}\"] = {info}"),
                None => format!("{method}: no _meta[\"{SERVER_INFO}\"]"),
            },
        );
    }
    f
}

fn cache_hints(v: &View) -> Finding {
    let mut f = Finding::new();
    for (method, response, result) in stateless_results(v) {
        let complete = result.get("resultType").is_none_or(|t| t == "complete");
        if !CACHEABLE_METHODS.contains(&method) || !complete {
            continue;
        }
        let ttl = result.get("ttlMs");
        let scope = result.get("cacheScope");
        let ttl_ok = ttl.and_then(Value::as_u64).is_some();
        let scope_ok = scope
            .and_then(Value::as_str)
            .is_some_and(|s| s == "public" || s == "private");
        f.judge(
            response.seq,
            ttl_ok && scope_ok,
            || format!("{method}: ttlMs an integer ≥ 0 and cacheScope \"public\" or \"private\""),
            || {
                let shown = |v: Option<&Value>| v.map_or("absent".to_string(), Value::to_string);
                format!(
                    "{method}: ttlMs {}, cacheScope {}",
                    shown(ttl),
                    shown(scope)
                )
            },
        );
    }
    f
}

/// Every key of a discover result's `capabilities.extensions` has a prefix (LIFE-17).
fn extension_keys(v: &View) -> Finding {
    let mut f = Finding::new();
    for (_, method, response, result) in stateless_exchanges(v) {
        if method != "server/discover" {
            continue;
        }
        for key in (result.pointer("/capabilities/extensions"))
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
        {
            f.judge(
                response.seq,
                PREFIXED_KEY.is_match(key),
                || "extension keys with a prefix, like io.modelcontextprotocol/tasks".into(),
                || format!("extension key {key:?}"),
            );
        }
    }
    f
}

/// Every listed tool that marks parameters with x-mcp-header marks them by the rules: a
/// non-empty token, unique ignoring case, on an integer, string or boolean property reached
/// through `properties` alone (TOOL-15). Tools that mark none are not judged.
fn x_mcp_header_valid(v: &View) -> Finding {
    let mut f = Finding::new();
    for (_, method, response, result) in stateless_exchanges(v) {
        if method != "tools/list" {
            continue;
        }
        for tool in result
            .get("tools")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(schema) = tool.get("inputSchema") else {
                continue;
            };
            let name = tool.get("name").and_then(Value::as_str).unwrap_or("?");
            let verdict = param_headers::annotations(schema);
            if verdict.as_ref().is_ok_and(Vec::is_empty) {
                continue;
            }
            f.judge(
                response.seq,
                verdict.is_ok(),
                || format!("{name}: every x-mcp-header a token, unique, on an integer, string or boolean property reached through properties"),
                || verdict.as_ref().err().map(|p| p.join("; ")).unwrap_or_default(),
            );
        }
    }
    f
}
