//! Properties of the judge over generated traces: responses that echo the ids the harness sent
//! (in any order, of any id type) satisfy the id invariants; one response with an id nobody sent
//! breaks exactly the id-matching invariant; and judging is deterministic.

use proptest::prelude::*;
use serde_json::{json, Value};
use zcpspec::checks::{invariants, CheckResult, Verdict};
use zcpspec::protocol::Frame;
use zcpspec::trace::{EventKind, Trace};

fn id_strategy() -> impl Strategy<Value = Value> {
    prop_oneof![
        (0i64..1_000_000).prop_map(Value::from),
        "[a-z0-9-]{1,12}".prop_map(Value::from),
    ]
}

/// Unique ids (by their JSON form), and a permutation for the order of the responses.
fn session() -> impl Strategy<Value = (Vec<Value>, Vec<usize>)> {
    proptest::collection::btree_map(id_strategy().prop_map(|v| v.to_string()), Just(()), 1..12)
        .prop_map(|m| {
            m.into_keys()
                .map(|text| serde_json::from_str(&text).expect("JSON text of an id"))
                .collect::<Vec<Value>>()
        })
        .prop_flat_map(|ids| {
            let n = ids.len();
            (
                Just(ids),
                Just((0..n).collect::<Vec<usize>>()).prop_shuffle(),
            )
        })
}

fn trace(ids: &[Value], order: &[usize], stray: Option<Value>) -> Trace {
    let mut t = Trace::new();
    for id in ids {
        t.record(EventKind::Sent {
            step: "0".into(),
            frame: Frame::from_value(json!({"jsonrpc": "2.0", "id": id, "method": "ping"})),
        });
    }
    for &i in order {
        let frame = Frame::from_value(json!({"jsonrpc": "2.0", "id": ids[i], "result": {}}));
        t.record_received(frame);
    }
    if let Some(id) = stray {
        t.record_received(Frame::from_value(
            json!({"jsonrpc": "2.0", "id": id, "result": {}}),
        ));
    }
    t
}

fn verdict(results: &[CheckResult], check: &str) -> Option<Verdict> {
    results.iter().find(|r| r.check == check).map(|r| r.verdict)
}

proptest! {
    #[test]
    fn echoed_ids_in_any_order_satisfy_the_id_invariants((ids, order) in session()) {
        let results = invariants::evaluate(trace(&ids, &order, None).events());
        prop_assert!(results.iter().all(|r| r.verdict == Verdict::Pass), "{results:#?}");
        prop_assert_eq!(verdict(&results, "base/response-id-matches-request"), Some(Verdict::Pass));
        prop_assert_eq!(verdict(&results, "base/one-response-per-request"), Some(Verdict::Pass));
    }

    #[test]
    fn a_response_with_an_id_nobody_sent_fails_id_matching((ids, order) in session(), stray in id_strategy()) {
        prop_assume!(!ids.contains(&stray));
        let results = invariants::evaluate(trace(&ids, &order, Some(stray)).events());
        prop_assert_eq!(verdict(&results, "base/response-id-matches-request"), Some(Verdict::Fail));
        prop_assert_eq!(verdict(&results, "base/one-response-per-request"), Some(Verdict::Pass));
    }

    #[test]
    fn a_second_response_to_the_same_request_fails_one_response((ids, order) in session(), pick in any::<prop::sample::Index>()) {
        let again = ids[pick.index(ids.len())].clone();
        let results = invariants::evaluate(trace(&ids, &order, Some(again)).events());
        prop_assert_eq!(verdict(&results, "base/one-response-per-request"), Some(Verdict::Fail));
        prop_assert_eq!(verdict(&results, "base/response-id-matches-request"), Some(Verdict::Pass));
    }

    #[test]
    fn judging_is_deterministic((ids, order) in session(), stray in proptest::option::of(id_strategy())) {
        let t = trace(&ids, &order, stray);
        prop_assert_eq!(invariants::evaluate(t.events()), invariants::evaluate(t.events()));
    }
}

/// A request whose id is neither a string nor a number cannot be answered by its id: the
/// error a server sends for it, with a null id, answers no notification, while the same
/// error after a well-formed notification alone does.
#[test]
fn a_null_id_error_answers_a_request_with_an_unusable_id_not_a_notification() {
    let judged = |first: Value| {
        let mut t = Trace::new();
        for message in [
            first,
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        ] {
            t.record(EventKind::Sent {
                step: "0".into(),
                frame: Frame::from_value(message),
            });
        }
        t.record_received(Frame::from_value(json!({"jsonrpc": "2.0", "id": null,
            "error": {"code": -32600, "message": "a request id must be a string or a number"}})));
        verdict(
            &invariants::evaluate(t.events()),
            "base/no-response-to-notification",
        )
    };
    for unusable in [json!(null), json!(true), json!({"k": 1})] {
        let request = json!({"jsonrpc": "2.0", "id": unusable, "method": "tasks/list"});
        assert_eq!(judged(request), Some(Verdict::Pass), "id {unusable}");
    }
    let usable = json!({"jsonrpc": "2.0", "id": 7, "method": "tasks/list"});
    assert_eq!(judged(usable), Some(Verdict::Fail));
}

/// A request with the wrong jsonrpc version is not well formed: a server may answer it with an
/// id-less error, which answers no notification sent in the same session. A second id-less
/// error, with nothing unreadable left to answer, does.
#[test]
fn an_id_less_error_may_answer_a_request_with_the_wrong_jsonrpc_version() {
    let judged = |errors: usize| {
        let mut t = Trace::new();
        let sent = [
            json!({"jsonrpc": "2.0", "method": "notifications/zcpspec-unknown"}),
            json!({"jsonrpc": "1.0", "id": 8, "method": "ping"}),
        ];
        for frame in sent {
            t.record(EventKind::Sent {
                step: "0".into(),
                frame: Frame::from_value(frame),
            });
        }
        for _ in 0..errors {
            let error =
                json!({"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}});
            t.record_received(Frame::from_value(error));
        }
        verdict(
            &invariants::evaluate(t.events()),
            "base/no-response-to-notification",
        )
    };
    assert_eq!(judged(1), Some(Verdict::Pass));
    assert_eq!(judged(2), Some(Verdict::Fail));
}
