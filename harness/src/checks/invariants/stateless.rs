//! The stateless era's marks on results (2026-07-28): judged on every request that said, in
//! its `_meta`, that it speaks that revision, whatever the rest of the session was. Its
//! result carries `resultType` (BASE-19) and the server's identity (BASE-23), and a complete
//! list, read or discover result carries caching hints (CACHE-01..03).

use super::{Finding, Msg, Rule, View};
use crate::protocol::stateless::{CACHEABLE_METHODS, PROTOCOL_VERSION, SERVER_INFO};
use crate::protocol::Revision;
use serde_json::Value;

pub(super) const RULES: &[(&str, Rule)] = &[
    ("base/result-type", result_type),
    ("base/result-server-info", result_server_info),
    ("cache/hints", cache_hints),
];

/// The result types a server may send without an extension.
const RESULT_TYPES: &[&str] = &["complete", "input_required"];

/// Each stateless request's method and the result it got.
fn stateless_results<'v, 'a>(
    v: &'v View<'a>,
) -> impl Iterator<Item = (&'a str, &'v Msg<'a>, &'a Value)> + 'v {
    v.client_requests().filter_map(move |(m, id, method)| {
        let version = m.value.pointer(&format!(
            "/params/_meta/{}",
            PROTOCOL_VERSION.replace('/', "~1")
        ))?;
        let stateless = (version.as_str()?.parse::<Revision>().ok())?.is_stateless();
        let response = v.response_to(id).filter(|_| stateless)?;
        Some((method, response, response.value.get("result")?))
    })
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
