//! The judge: a pure function from a scenario's trace (with the expectations the runner
//! recorded in it) to check results. It never talks to a server, so a trace re-judges to the
//! same verdicts and every rule is unit-testable on hand-made traces.

use crate::checks::{self, invariants, CheckResult, Verdict};
use crate::protocol::frame::same_id;
use crate::protocol::{Frame, MessageKind};
use crate::scenario::{matcher, Expectation, NotificationScope, Scenario, Target};
use crate::trace::{Event, EventKind};
use serde_json::Value;

/// Judges one scenario's session.
pub fn judge(scenario: &Scenario, events: &[Event]) -> Vec<CheckResult> {
    let mut results: Vec<CheckResult> = Vec::new();
    for event in events {
        match &event.kind {
            EventKind::Expect(x) => results.push(evaluate(x, events)),
            EventKind::Skip { checks, reason } => results.extend(checks.iter().filter_map(|c| {
                outcome(c, None, Verdict::Skip, format!("not applicable: {reason}"))
            })),
            EventKind::Unperformed {
                checks,
                subject,
                reason,
            } => results.extend(checks.iter().filter_map(|c| {
                outcome(
                    c,
                    subject.clone(),
                    Verdict::NotObserved,
                    format!("step not performed: {reason}"),
                )
            })),
            _ => {}
        }
    }
    for id in scenario.check_ids() {
        if !results.iter().any(|r| r.check == id) {
            results.extend(outcome(
                id,
                None,
                Verdict::NotObserved,
                "the session never reached this check".into(),
            ));
        }
    }
    results.extend(invariants::evaluate(events));
    let mut merged = merge(results);
    for r in &mut merged {
        r.scenario = scenario.id.clone();
    }
    merged
}

fn outcome(
    id: &str,
    subject: Option<String>,
    verdict: Verdict,
    message: String,
) -> Option<CheckResult> {
    let def = checks::find(id)?;
    Some(CheckResult {
        check: def.id,
        scenario: String::new(),
        verdict,
        subject,
        message,
        expected: None,
        actual: None,
        frames: Vec::new(),
    })
}

/// One result per (check, subject): the worst verdict wins, so one broken iteration fails the
/// check and a skipped iteration never hides an observed one. Counts are folded into the message.
fn merge(results: Vec<CheckResult>) -> Vec<CheckResult> {
    let mut merged: Vec<(CheckResult, usize)> = Vec::new();
    for r in results {
        match merged
            .iter_mut()
            .find(|(m, _)| m.check == r.check && m.subject == r.subject)
        {
            Some((m, n)) => {
                *n += 1;
                let rank = |v: Verdict| match v {
                    Verdict::Skip => 0,
                    Verdict::Pass => 1,
                    other => 2 + other as usize,
                };
                if rank(r.verdict) > rank(m.verdict) {
                    *m = r;
                }
            }
            None => merged.push((r, 1)),
        }
    }
    merged
        .into_iter()
        .map(|(mut r, n)| {
            if n > 1 && r.verdict == Verdict::Pass {
                r.message = format!("{} ({n} observations)", r.message);
            }
            r
        })
        .collect()
}

fn received(event: &Event) -> Option<&Frame> {
    match &event.kind {
        EventKind::Received { frame } => Some(frame),
        _ => None,
    }
}

/// Whether the event is the server's response to request `id`.
fn answers(event: &Event, id: &Value) -> bool {
    received(event)
        .is_some_and(|f| matches!(f.kind(), MessageKind::Response { id: got } if same_id(got, id)))
}

/// Evaluates one expectation against the events recorded around it.
fn evaluate(x: &Expectation, events: &[Event]) -> CheckResult {
    let def = checks::find(x.check).expect("the loader only accepts registered checks");
    let mut result = CheckResult {
        check: def.id,
        scenario: String::new(),
        verdict: Verdict::Pass,
        subject: x.subject.clone(),
        message: String::new(),
        expected: None,
        actual: None,
        frames: Vec::new(),
    };
    let broken = Verdict::broken(def.level);
    match &x.target {
        Target::Response { id, sent } => {
            let found = (events.iter().skip(*sent as usize + 1)).find(|e| answers(e, id));
            judge_message(&mut result, x, events, found, *sent, broken, || {
                format!("the response to request id {}", matcher::compact(id))
            });
        }
        Target::NextResponse { sent } => {
            let found = events.iter().skip(*sent as usize + 1).find(|e| {
                received(e).is_some_and(|f| {
                    matches!(
                        f.kind(),
                        MessageKind::Response { .. } | MessageKind::Batch(_)
                    )
                })
            });
            judge_message(&mut result, x, events, found, *sent, broken, || {
                "a response to the frame sent".into()
            });
        }
        Target::Notification {
            method,
            after,
            within_ms,
        } => {
            let start = events.get(*after as usize).map_or(0.0, |e| e.ms);
            let found = events.iter().skip(*after as usize).find(|e| {
                e.ms <= start + *within_ms as f64
                    && received(e).is_some_and(|f| f.kind().method() == Some(method.as_str()))
            });
            judge_message(&mut result, x, events, found, *after, broken, || {
                format!("a {method} notification within {within_ms} ms")
            });
        }
        Target::Silence { after, ms } => {
            let start = events.get(*after as usize).map_or(0.0, |e| e.ms);
            let noise: Vec<&Event> = events
                .iter()
                .skip(*after as usize)
                .filter(|e| e.ms <= start + *ms as f64 && received(e).is_some())
                .collect();
            if noise.is_empty() {
                result.message = format!("nothing arrived for {ms} ms");
            } else {
                result.verdict = broken;
                result.message = format!(
                    "{} message(s) arrived during {ms} ms of expected silence",
                    noise.len()
                );
                result.expected = Some("no message".into());
                result.actual = received(noise[0]).map(|f| f.text());
                result.frames = noise.iter().map(|e| e.seq).take(5).collect();
            }
        }
        Target::Pages { requests } => judge_pages(&mut result, x, events, requests, broken),
        Target::NoResponse {
            id,
            after,
            within_ms,
        } => {
            let is_response = |e: &&Event| answers(e, id);
            let start = events.get(*after as usize).map_or(0.0, |e| e.ms);
            let before = events.iter().take(*after as usize).find(is_response);
            let within = (events.iter().skip(*after as usize))
                .filter(|e| e.ms <= start + *within_ms as f64)
                .find(is_response);
            match (before, within) {
                (Some(answered), _) => {
                    result.verdict = Verdict::NotObserved;
                    result.message = format!(
                        "request {} was answered (event #{}) before the window opened",
                        matcher::compact(id),
                        answered.seq
                    );
                }
                (None, Some(answered)) => {
                    result.verdict = broken;
                    result.message = format!(
                        "request {} was answered during the {within_ms} ms it should have stayed unanswered",
                        matcher::compact(id)
                    );
                    result.expected = Some(format!("no response to {}", matcher::compact(id)));
                    result.actual = received(answered).map(|f| f.text());
                    result.frames = vec![answered.seq];
                }
                (None, None) => {
                    result.message =
                        format!("no response to {} for {within_ms} ms", matcher::compact(id));
                }
            }
        }
        Target::Exchange { seq } => {
            let view = match events.get(*seq as usize).map(|e| &e.kind) {
                Some(EventKind::HttpExchange { view, .. }) => view,
                _ => &Value::Null,
            };
            result.frames = vec![*seq];
            if view.get("status").is_none() {
                result.verdict = Verdict::NotObserved;
                result.message = format!(
                    "the HTTP exchange got no answer: {}",
                    matcher::describe(view.get("error"))
                );
            } else {
                let problems = x
                    .matcher
                    .as_ref()
                    .map(|m| matcher::check(m, view))
                    .unwrap_or_default();
                describe_problems(&mut result, problems, broken, || "the HTTP answer".into());
            }
        }
        Target::Exit { after, within_ms } => {
            let start = events.get(*after as usize).map_or(0.0, |e| e.ms);
            let exit = events
                .iter()
                .skip(*after as usize)
                .find_map(|e| match e.kind {
                    EventKind::Exited { code, signal } if e.ms <= start + *within_ms as f64 => {
                        Some((e.seq, code, signal))
                    }
                    _ => None,
                });
            match exit {
                Some((seq, code, signal)) => {
                    result.message = match (code, signal) {
                        (Some(c), _) => format!("the server exited with status {c}"),
                        (None, Some(s)) => format!("the server was ended by signal {s}"),
                        _ => "the server exited".into(),
                    };
                    result.frames = vec![seq];
                }
                None => {
                    result.verdict = broken;
                    result.message = format!(
                        "the server was still running {within_ms} ms after its input closed"
                    );
                    result.expected = Some(format!("exit within {within_ms} ms"));
                    result.actual = Some("still running".into());
                }
            }
        }
    }
    result
}

/// Judges the message an expectation is about (or its absence).
fn judge_message(
    result: &mut CheckResult,
    x: &Expectation,
    events: &[Event],
    found: Option<&Event>,
    from: u64,
    broken: Verdict,
    what: impl Fn() -> String,
) {
    let Some(event) = found else {
        result.verdict = Verdict::NotObserved;
        result.message = format!("{} never arrived: {}", what(), why_missing(events, from));
        result.expected = Some(what());
        result.actual = Some("nothing".into());
        return;
    };
    let frame = received(event).expect("found among received frames");
    let message = frame.json.clone().unwrap_or(Value::Null);
    result.frames = vec![event.seq];
    let mut problems: Vec<matcher::Mismatch> = Vec::new();
    if let Some(m) = &x.matcher {
        problems.extend(matcher::check(m, &message));
    }
    if let Some(scope) = &x.notifications {
        problems.extend(check_notifications(
            scope,
            events,
            from,
            event.seq,
            &mut result.frames,
        ));
    }
    describe_problems(result, problems, broken, what);
}

/// The pages of one list judged as one response: each page's response must have arrived; the
/// matcher sees the first page with every result array joined across the pages.
fn judge_pages(
    result: &mut CheckResult,
    x: &Expectation,
    events: &[Event],
    requests: &[(Value, u64)],
    broken: Verdict,
) {
    let mut joined: Option<Value> = None;
    for (id, sent) in requests {
        let found = (events.iter().skip(*sent as usize + 1)).find(|e| answers(e, id));
        let Some(event) = found else {
            judge_message(result, x, events, None, *sent, broken, || {
                format!("the response to request id {}", matcher::compact(id))
            });
            return;
        };
        result.frames.push(event.seq);
        let page = received(event)
            .and_then(|f| f.json.clone())
            .unwrap_or(Value::Null);
        join_page(&mut joined, page);
    }
    let message = joined.unwrap_or(Value::Null);
    let problems = (x.matcher.as_ref())
        .map(|m| matcher::check(m, &message))
        .unwrap_or_default();
    let pages = requests.len();
    describe_problems(result, problems, broken, || {
        format!("the {pages} page(s) joined")
    });
}

/// Adds a page of a list to the pages before it: the first page's response, with the result
/// arrays of the later pages appended to its own.
pub(crate) fn join_page(joined: &mut Option<Value>, page: Value) {
    match (joined.as_mut(), page.get("result")) {
        (None, _) => *joined = Some(page),
        (Some(first), Some(Value::Object(more))) => {
            for (key, items) in more {
                if let (Some(Value::Array(all)), Value::Array(items)) =
                    (first.pointer_mut(&format!("/result/{key}")), items)
                {
                    all.extend(items.iter().cloned());
                }
            }
        }
        (Some(_), _) => {}
    }
}

/// Sets a result from matcher problems: pass when there are none, else the level's verdict with
/// expected versus actual.
fn describe_problems(
    result: &mut CheckResult,
    problems: Vec<matcher::Mismatch>,
    broken: Verdict,
    what: impl Fn() -> String,
) {
    if problems.is_empty() {
        result.message = format!("{} arrived as expected", what());
    } else {
        result.verdict = broken;
        result.message = problems[0].to_string();
        result.expected = Some(
            problems
                .iter()
                .map(|p| format!("{}: {}", p.path, p.expected))
                .collect::<Vec<_>>()
                .join("\n"),
        );
        result.actual = Some(
            problems
                .iter()
                .map(|p| format!("{}: {}", p.path, p.actual))
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
}

/// Notifications of `scope.method` received between `from` and `until` (the response).
fn check_notifications(
    scope: &NotificationScope,
    events: &[Event],
    from: u64,
    until: u64,
    frames: &mut Vec<u64>,
) -> Vec<matcher::Mismatch> {
    let seen: Vec<(u64, Value)> = events[from as usize..=until as usize]
        .iter()
        .filter_map(|e| {
            let f = received(e)?;
            (f.kind().method() == Some(scope.method.as_str()))
                .then(|| (e.seq, f.json.clone().unwrap_or_default()))
        })
        .collect();
    let mut problems = Vec::new();
    if let Some(none) = &scope.none {
        if let Some((seq, msg)) = seen
            .iter()
            .find(|(_, m)| matcher::check(none, m).is_empty())
        {
            frames.push(*seq);
            problems.push(matcher::Mismatch {
                path: format!("{} notifications", scope.method),
                expected: format!("none matching {}", matcher::compact(none)),
                actual: matcher::compact(msg),
            });
        }
    }
    if let Some(some) = &scope.some {
        if !seen.iter().any(|(_, m)| matcher::check(some, m).is_empty()) {
            problems.push(matcher::Mismatch {
                path: format!("{} notifications", scope.method),
                expected: format!("at least one matching {}", matcher::compact(some)),
                actual: format!("{} received, none matching", seen.len()),
            });
        }
    }
    problems
}

/// Why nothing arrived: the first timeout, exit or oversize frame after `from`.
fn why_missing(events: &[Event], from: u64) -> String {
    for e in events.iter().skip(from as usize) {
        match &e.kind {
            EventKind::Timeout { waited_ms, .. } => return format!("nothing within {waited_ms} ms"),
            EventKind::Exited { code, signal } => {
                return match (code, signal) {
                    (Some(c), _) => format!("the server exited with status {c} (event #{})", e.seq),
                    (_, Some(s)) => format!("the server was ended by signal {s} (event #{})", e.seq),
                    _ => format!("the server exited (event #{})", e.seq),
                }
            }
            EventKind::Oversize { bytes } => {
                return format!("the server sent a {bytes}-byte line, over the maximum frame size, which was discarded (event #{})", e.seq)
            }
            EventKind::Closed => return format!("the server closed its output (event #{})", e.seq),
            _ => {}
        }
    }
    "the session ended first".into()
}
