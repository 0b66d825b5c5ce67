//! Change notifications. A server that declared `listChanged` for tools, resources or prompts
//! announces a change of that list: wherever the trace holds two complete, unfiltered listings
//! that differ, the list_changed notification must have come after the first. A subscription
//! is kept: a resource the client subscribed to and then read twice with different contents
//! must have been announced with notifications/resources/updated, and no update may come for a
//! resource the client never subscribed to. In the stateless era (2026-07-28) changes are
//! announced only to `subscriptions/listen` subscriptions, judged in `subscriptions`.

use super::{Finding, Msg, Rule, View};
use crate::protocol::Revision;
use serde_json::Value;
use std::collections::BTreeSet;

pub(super) const RULES: &[(&str, Rule)] = &[
    ("tools/list-changed-notified", |v| list_changed(v, &TOOLS)),
    ("resources/list-changed-notified", |v| {
        list_changed(v, &RESOURCES)
    }),
    ("prompts/list-changed-notified", |v| {
        list_changed(v, &PROMPTS)
    }),
    ("resources/subscribe-updates", subscribe_updates),
    ("resources/updated-only-subscribed", updated_only_subscribed),
];

const UPDATED: &str = "notifications/resources/updated";

/// A list a server may declare `listChanged` for.
struct List {
    method: &'static str,
    capability: &'static str,
    /// The result's array.
    key: &'static str,
    /// What tells two items apart.
    identity: &'static str,
    notification: &'static str,
}

const TOOLS: List = List {
    method: "tools/list",
    capability: "tools",
    key: "tools",
    identity: "name",
    notification: "notifications/tools/list_changed",
};
const RESOURCES: List = List {
    method: "resources/list",
    capability: "resources",
    key: "resources",
    identity: "uri",
    notification: "notifications/resources/list_changed",
};
const PROMPTS: List = List {
    method: "prompts/list",
    capability: "prompts",
    key: "prompts",
    identity: "name",
    notification: "notifications/prompts/list_changed",
};

fn list_changed(v: &View, list: &List) -> Finding {
    let mut f = Finding::new();
    if v.revision.is_some_and(Revision::is_stateless) {
        return f;
    }
    let declared = v
        .server_caps
        .and_then(|caps| caps.get(list.capability))
        .and_then(|cap| cap.get("listChanged"))
        == Some(&Value::Bool(true));
    if !declared {
        return f;
    }
    let listings = complete_listings(v, list);
    for pair in listings.windows(2) {
        let ((before_seq, before), (after_seq, after)) = (&pair[0], &pair[1]);
        if before == after {
            continue;
        }
        // Lenient about where it lands: over HTTP it may come on another stream, later.
        let notified = v
            .notifications(list.notification)
            .any(|m| m.seq > *before_seq);
        f.judge(
            *after_seq,
            notified,
            || format!("{} after the {} list changed", list.notification, list.key),
            || {
                let added: Vec<_> = after.difference(before).collect();
                let removed: Vec<_> = before.difference(after).collect();
                format!(
                    "no {}, yet the listing changed (added {added:?}, removed {removed:?})",
                    list.notification
                )
            },
        );
    }
    f
}

/// Every complete, unfiltered listing in the trace, in order: the seq of its last page's
/// response and the identities it listed. Pages are joined when each request carries the
/// cursor the previous page handed out.
fn complete_listings(v: &View, list: &List) -> Vec<(u64, BTreeSet<String>)> {
    let mut listings = Vec::new();
    // The listing being joined, and the cursor its next page must carry.
    let mut joining: Option<(BTreeSet<String>, String)> = None;
    for (m, id, method) in v.client_requests() {
        if method != list.method {
            continue;
        }
        let params = m.value.get("params").and_then(Value::as_object);
        let cursor = params.and_then(|p| p.get("cursor")).and_then(Value::as_str);
        // A filtered listing (ZCP discovery) is not the whole list.
        let filtered = params.is_some_and(|p| p.keys().any(|k| k != "cursor" && k != "_meta"));
        let result = v
            .response_to(id)
            .and_then(|r| Some((r.seq, r.value.get("result")?)));
        let items = result
            .and_then(|(_, r)| r.get(list.key))
            .and_then(Value::as_array);
        let (Some((seq, result)), Some(items), false) = (result, items, filtered) else {
            joining = None;
            continue;
        };
        let mut seen = match (cursor, joining.take()) {
            (None, _) => BTreeSet::new(),
            (Some(cursor), Some((seen, next))) if cursor == next => seen,
            (Some(_), _) => continue,
        };
        seen.extend(
            items
                .iter()
                .filter_map(|item| Some(item.get(list.identity)?.as_str()?.to_string())),
        );
        match result.get("nextCursor").and_then(Value::as_str) {
            Some(next) => joining = Some((seen, next.to_string())),
            None => listings.push((seq, seen)),
        }
    }
    listings
}

/// The `uri` a request or notification carries.
fn uri<'a>(m: &Msg<'a>) -> Option<&'a str> {
    m.value.pointer("/params/uri").and_then(Value::as_str)
}

fn subscribe_updates(v: &View) -> Finding {
    let mut f = Finding::new();
    for (subscribe, id, _) in v
        .client_requests()
        .filter(|(_, _, m)| *m == "resources/subscribe")
    {
        let (Some(subscribed), Some(answer)) = (uri(subscribe), v.response_to(id)) else {
            continue;
        };
        if answer.value.get("result").is_none() {
            continue;
        }
        let unsubscribed_at = v
            .client_requests()
            .find(|(m, _, method)| {
                *method == "resources/unsubscribe"
                    && m.seq > answer.seq
                    && uri(m) == Some(subscribed)
            })
            .map_or(u64::MAX, |(m, _, _)| m.seq);
        // Reads of the resource sent and answered while the subscription held.
        let reads: Vec<(u64, &Value)> = v
            .client_requests()
            .filter(|(m, _, method)| {
                *method == "resources/read"
                    && uri(m) == Some(subscribed)
                    && m.seq > answer.seq
                    && m.seq < unsubscribed_at
            })
            .filter_map(|(_, id, _)| {
                let read = v.response_to(id)?;
                Some((read.seq, read.value.pointer("/result/contents")?))
            })
            .collect();
        let changed = reads.windows(2).find(|pair| pair[0].1 != pair[1].1);
        if let Some(pair) = changed {
            let notified = v
                .notifications(UPDATED)
                .any(|n| n.seq > answer.seq && uri(n) == Some(subscribed));
            f.judge(
                pair[1].0,
                notified,
                || format!("{UPDATED} for {subscribed}, which changed while subscribed"),
                || format!("no {UPDATED} for {subscribed}, yet two reads of it differ"),
            );
        }
    }
    f
}

fn updated_only_subscribed(v: &View) -> Finding {
    let mut f = Finding::new();
    if v.revision.is_some_and(Revision::is_stateless) {
        return f;
    }
    for update in v.notifications(UPDATED) {
        let Some(updated) = uri(update) else {
            continue;
        };
        // The update may name a sub-resource of the one subscribed to.
        let subscribed = v.client_requests().any(|(m, _, method)| {
            method == "resources/subscribe"
                && m.seq < update.seq
                && uri(m).is_some_and(|s| updated.starts_with(s))
        });
        f.judge(
            update.seq,
            subscribed,
            || "updates only for resources subscribed to".into(),
            || format!("{UPDATED} for {updated}, which the client never subscribed to"),
        );
    }
    f
}
