//! Unit tests of the reference server's protocol logic, driving `Server::handle_line` directly.

use super::hostile::{FLOOD_NOTIFICATIONS, HUGE_LINE_BYTES};
use super::{Fault, Output, Server};
use crate::protocol::Revision;
use serde_json::{json, Value};

fn send(server: &mut Server, message: &Value) -> Vec<Output> {
    server.handle_line(&serde_json::to_vec(message).unwrap())
}

fn messages(outputs: Vec<Output>) -> Vec<Value> {
    outputs
        .into_iter()
        .map(|output| match output {
            Output::Message(message) => message,
            other => panic!("expected a message, got {other:?}"),
        })
        .collect()
}

/// The messages answering one request.
fn request(server: &mut Server, id: i64, method: &str, params: Value) -> Vec<Value> {
    let message = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
    messages(send(server, &message))
}

/// The single response to one request.
fn call(server: &mut Server, method: &str, params: Value) -> Value {
    let mut answers = request(server, 100, method, params);
    assert_eq!(answers.len(), 1, "{answers:?}");
    answers.remove(0)
}

fn initialize(server: &mut Server, version: &str, capabilities: Value) -> Vec<Output> {
    let params = json!({ "protocolVersion": version, "capabilities": capabilities,
                         "clientInfo": { "name": "test", "version": "0" } });
    send(
        server,
        &json!({ "jsonrpc": "2.0", "id": 0, "method": "initialize", "params": params }),
    )
}

fn session(version: &str, fault: Option<Fault>, capabilities: Value) -> Server {
    let mut server = Server::new(fault);
    initialize(&mut server, version, capabilities);
    server
}

fn tool(server: &mut Server, name: &str, arguments: Value) -> Value {
    call(
        server,
        "tools/call",
        json!({ "name": name, "arguments": arguments }),
    )
}

#[test]
fn initialize_negotiates_each_supported_revision() {
    for revision in Revision::HANDSHAKE_ERA {
        let mut server = Server::new(None);
        let response = messages(initialize(&mut server, revision.as_str(), json!({}))).remove(0);
        let result = &response["result"];
        assert_eq!(result["protocolVersion"], revision.as_str());
        assert_eq!(result["serverInfo"]["name"], "zcpspec-reference");
        assert_eq!(
            result["capabilities"]["tools"],
            json!({ "listChanged": true })
        );
        let has_completions = result["capabilities"].get("completions").is_some();
        assert_eq!(has_completions, revision >= Revision::V2025_03_26);
    }
    let mut server = Server::new(None);
    let response = messages(initialize(&mut server, "1999-01-01", json!({}))).remove(0);
    assert_eq!(response["result"]["protocolVersion"], "2025-11-25");
}

#[test]
fn requests_before_initialize_are_refused_except_ping() {
    let mut server = Server::new(None);
    assert_eq!(
        call(&mut server, "tools/list", json!({}))["error"]["code"],
        -32600
    );
    assert_eq!(call(&mut server, "ping", json!({}))["result"], json!({}));
    initialize(&mut server, "2025-06-18", json!({}));
    let again = call(
        &mut server,
        "initialize",
        json!({ "protocolVersion": "2025-06-18" }),
    );
    assert_eq!(again["error"]["code"], -32600);
}

#[test]
fn tools_list_pages_through_every_tool_of_the_revision() {
    let mut server = session("2025-06-18", None, json!({}));
    let first = call(&mut server, "tools/list", json!({}))["result"].clone();
    let mut pages = vec![first.clone()];
    while let Some(cursor) = pages.last().unwrap().get("nextCursor").cloned() {
        let page = call(&mut server, "tools/list", json!({ "cursor": cursor }))["result"].clone();
        pages.push(page);
    }
    assert_eq!(pages.len(), 3);
    let names: Vec<&str> = pages
        .iter()
        .flat_map(|page| page["tools"].as_array().unwrap())
        .map(|tool| tool["name"].as_str().unwrap())
        .collect();
    let expected = [
        "echo",
        "add",
        "fail",
        "count",
        "log",
        "list_roots",
        "reverse",
        "uppercase",
        "sleep",
        "ask_user",
        "sample",
        "toggle_extras",
    ];
    assert_eq!(names, expected);
    assert!(first["tools"][1].get("outputSchema").is_some());
    let invalid = call(&mut server, "tools/list", json!({ "cursor": "page-9" }));
    assert_eq!(invalid["error"]["code"], -32602);

    let mut old = session("2024-11-05", None, json!({}));
    let tools = call(&mut old, "tools/list", json!({}))["result"]["tools"].clone();
    assert!(tools[1].get("outputSchema").is_none() && tools[0].get("annotations").is_none());
}

#[test]
fn tool_arguments_are_validated_against_the_input_schema() {
    let mut server = session("2025-06-18", None, json!({}));
    let added = tool(&mut server, "add", json!({ "a": 1, "b": 2 }))["result"].clone();
    assert_eq!(added["structuredContent"], json!({ "sum": 3 }));
    assert_eq!(added["content"][0]["text"], "{\"sum\":3}");
    let strings = tool(&mut server, "add", json!({ "a": "1", "b": 2 }))["result"].clone();
    assert_eq!(strings["isError"], true);
    assert!(strings["content"][0]["text"]
        .as_str()
        .unwrap()
        .contains("number"));
    let extra = tool(&mut server, "echo", json!({ "text": "hi", "loud": true }));
    assert_eq!(extra["result"]["isError"], true);
    let unknown = tool(&mut server, "nope", json!({}));
    assert_eq!(unknown["error"]["message"], "Unknown tool: nope");
    let nameless = call(&mut server, "tools/call", json!({ "arguments": {} }));
    assert_eq!(nameless["error"]["code"], -32602);
    let reversed = tool(&mut server, "reverse", json!({ "text": "abc" }));
    assert_eq!(reversed["result"]["content"][0]["text"], "cba");
}

#[test]
fn count_sends_its_progress_before_its_result() {
    let mut server = session("2025-03-26", None, json!({}));
    let params = json!({ "name": "count", "arguments": { "to": 3 },
                         "_meta": { "progressToken": "t" } });
    let answers = request(&mut server, 5, "tools/call", params);
    assert_eq!(answers.len(), 4);
    for (step, notification) in answers[..3].iter().enumerate() {
        assert_eq!(notification["method"], "notifications/progress");
        assert_eq!(notification["params"]["progressToken"], "t");
        assert_eq!(notification["params"]["progress"], step as u64 + 1);
        assert_eq!(notification["params"]["total"], 3);
        assert!(notification.get("id").is_none());
    }
    assert_eq!(answers[3]["result"]["content"][0]["text"], "counted to 3");
}

#[test]
fn log_tool_respects_the_level_set() {
    let mut server = session("2025-06-18", None, json!({}));
    let set = call(
        &mut server,
        "logging/setLevel",
        json!({ "level": "warning" }),
    );
    assert_eq!(set["result"], json!({}));
    let answers = request(&mut server, 3, "tools/call", json!({ "name": "log" }));
    let levels: Vec<&str> = answers[..answers.len() - 1]
        .iter()
        .map(|n| n["params"]["level"].as_str().unwrap())
        .collect();
    assert_eq!(
        levels,
        ["warning", "error", "critical", "alert", "emergency"]
    );
    let bad = call(&mut server, "logging/setLevel", json!({ "level": "loud" }));
    assert_eq!(bad["error"]["code"], -32602);
}

#[test]
fn list_roots_asks_the_client_and_answers_with_its_roots() {
    let mut server = session("2025-06-18", None, json!({ "roots": {} }));
    let params = json!({ "name": "list_roots" });
    let sent = request(&mut server, 9, "tools/call", params.clone());
    assert_eq!(
        sent,
        [json!({ "jsonrpc": "2.0", "id": "roots-1", "method": "roots/list" })]
    );
    let roots = json!({ "roots": [{ "uri": "file:///a" }, { "uri": "file:///b" }] });
    let reply = json!({ "jsonrpc": "2.0", "id": "roots-1", "result": roots });
    let answer = messages(send(&mut server, &reply)).remove(0);
    assert_eq!(answer["id"], 9);
    assert_eq!(
        answer["result"]["content"][0]["text"],
        "file:///a\nfile:///b"
    );

    let sent = request(&mut server, 10, "tools/call", params.clone());
    assert_eq!(sent[0]["id"], "roots-2");
    let error = json!({ "code": -1, "message": "no roots today" });
    let reply = json!({ "jsonrpc": "2.0", "id": "roots-2", "error": error });
    let answer = messages(send(&mut server, &reply)).remove(0);
    assert_eq!(answer["result"]["isError"], true);
    assert_eq!(answer["result"]["content"][0]["text"], "no roots today");

    let mut rootless = session("2025-06-18", None, json!({}));
    let refused = call(&mut rootless, "tools/call", params);
    assert_eq!(refused["result"]["isError"], true);
}

#[test]
fn batches_are_answered_only_in_2025_03_26() {
    let batch = json!([
        { "jsonrpc": "2.0", "id": 1, "method": "ping" },
        { "jsonrpc": "2.0", "method": "notifications/initialized" },
        { "jsonrpc": "2.0", "id": 2, "method": "nope" },
    ]);
    let mut server = session("2025-03-26", None, json!({}));
    let answer = messages(send(&mut server, &batch)).remove(0);
    let answers = answer.as_array().unwrap();
    assert_eq!((answers.len(), &answers[0]["id"]), (2, &json!(1)));
    assert_eq!(answers[1]["error"]["code"], -32601);
    let empty = messages(send(&mut server, &json!([]))).remove(0);
    assert_eq!(empty["error"]["code"], -32600);
    let notifications = json!([{ "jsonrpc": "2.0", "method": "notifications/initialized" }]);
    assert!(send(&mut server, &notifications).is_empty());

    let mut later = session("2025-06-18", None, json!({}));
    let refused = messages(send(&mut later, &batch)).remove(0);
    assert_eq!(
        (&refused["error"]["code"], &refused["id"]),
        (&json!(-32600), &Value::Null)
    );
}

#[test]
fn malformed_messages_get_the_right_errors() {
    let mut server = session("2025-06-18", None, json!({}));
    let unparseable = messages(server.handle_line(b"{\"jsonrpc\": ")).remove(0);
    assert_eq!(
        unparseable,
        json!({ "jsonrpc": "2.0", "id": null,
        "error": { "code": -32700, "message": "Parse error: the line is not valid JSON" } })
    );
    let cases = [
        (json!({ "jsonrpc": "2.0", "id": 5, "method": 7 }), json!(5)),
        (
            json!({ "jsonrpc": "1.0", "id": "a", "method": "ping" }),
            json!("a"),
        ),
        (json!({ "jsonrpc": "2.0", "id": 1 }), json!(1)),
        (
            json!({ "jsonrpc": "2.0", "id": {}, "method": "ping" }),
            Value::Null,
        ),
        (json!(42), Value::Null),
    ];
    for (message, id) in cases {
        let answer = messages(send(&mut server, &message)).remove(0);
        assert_eq!(
            (&answer["error"]["code"], &answer["id"]),
            (&json!(-32600), &id)
        );
    }
    assert_eq!(
        call(&mut server, "nope", json!({}))["error"]["code"],
        -32601
    );
}

#[test]
fn notifications_are_never_answered() {
    let mut server = session("2025-06-18", None, json!({}));
    for method in [
        "notifications/initialized",
        "notifications/cancelled",
        "notifications/roots/list_changed",
        "notifications/unknown",
    ] {
        let notification = json!({ "jsonrpc": "2.0", "method": method, "params": {} });
        assert!(send(&mut server, &notification).is_empty(), "{method}");
    }
}

#[test]
fn resources_prompts_and_completion_work() {
    let mut server = session("2025-06-18", None, json!({}));
    let item = call(
        &mut server,
        "resources/read",
        json!({ "uri": "ref://items/7" }),
    );
    assert_eq!(item["result"]["contents"][0]["text"], "item 7");
    let missing = call(
        &mut server,
        "resources/read",
        json!({ "uri": "ref://nothing" }),
    );
    assert_eq!(missing["error"]["code"], -32002);
    assert_eq!(missing["error"]["data"]["uri"], "ref://nothing");
    let greeting = json!({ "name": "greeting", "arguments": { "name": "Ada" } });
    let prompt = call(&mut server, "prompts/get", greeting);
    assert_eq!(
        prompt["result"]["messages"][0]["content"]["text"],
        "Say hello to Ada"
    );
    let nameless = call(&mut server, "prompts/get", json!({ "name": "greeting" }));
    assert_eq!(nameless["error"]["code"], -32602);
    let completion = json!({ "ref": { "type": "ref/resource", "uri": "ref://items/{id}" },
                             "argument": { "name": "id", "value": "4" } });
    let complete = call(&mut server, "completion/complete", completion);
    assert_eq!(complete["result"]["completion"]["values"], json!(["42"]));
}

#[test]
fn fault_wrong_id_and_duplicate_response() {
    let mut server = session("2025-06-18", Some(Fault::WrongId), json!({}));
    assert_eq!(call(&mut server, "ping", json!({}))["id"], 101);
    let mut server = session("2025-06-18", Some(Fault::DuplicateResponse), json!({}));
    assert_eq!(request(&mut server, 1, "ping", json!({})).len(), 2);
    assert_eq!(request(&mut server, 2, "tools/list", json!({})).len(), 1);
}

#[test]
fn fault_invalid_utf8_writes_raw_bytes() {
    let mut server = session("2025-06-18", Some(Fault::InvalidUtf8), json!({}));
    let echo = json!({ "jsonrpc": "2.0", "id": 1, "method": "tools/call",
                       "params": { "name": "echo", "arguments": { "text": "hi" } } });
    let outputs = send(&mut server, &echo);
    let [Output::Raw(bytes)] = outputs.as_slice() else {
        panic!("expected one raw output, got {outputs:?}");
    };
    assert!(bytes.windows(2).any(|w| w == [0xFF, 0xFE]) && bytes.ends_with(b"\n"));
    assert!(std::str::from_utf8(bytes).is_err());
}

#[test]
fn fault_hostile_outputs() {
    let mut server = Server::new(Some(Fault::HugeLine));
    let chunks = initialize(&mut server, "2025-06-18", json!({}));
    assert_eq!(
        chunks,
        vec![
            Output::Repeat {
                byte: b'x',
                count: HUGE_LINE_BYTES
            },
            Output::Raw(b"\n".to_vec())
        ]
    );

    let mut server = Server::new(Some(Fault::NotificationFlood));
    let outputs = initialize(&mut server, "2025-06-18", json!({}));
    let lines: usize = (outputs.iter())
        .map(|output| match output {
            Output::Raw(bytes) => bytes.iter().filter(|&&b| b == b'\n').count(),
            _ => 0,
        })
        .sum();
    assert_eq!(lines as u64, FLOOD_NOTIFICATIONS);

    let mut server = Server::new(Some(Fault::ExitMidSession));
    let outputs = initialize(&mut server, "2025-06-18", json!({}));
    assert_eq!(outputs.last(), Some(&Output::Exit(3)));
    let mut server = Server::new(Some(Fault::CrashBeforeInitialize));
    assert_eq!(
        send(
            &mut server,
            &json!({ "jsonrpc": "2.0", "id": 1, "method": "ping" })
        ),
        [Output::Exit(1)]
    );
    let mut server = Server::new(Some(Fault::Silent));
    assert!(initialize(&mut server, "2025-06-18", json!({})).is_empty());
}

#[test]
fn fault_server_request_null_id_still_correlates() {
    let mut server = session(
        "2025-06-18",
        Some(Fault::ServerRequestNullId),
        json!({ "roots": {} }),
    );
    let sent = request(
        &mut server,
        4,
        "tools/call",
        json!({ "name": "list_roots" }),
    );
    assert_eq!(sent[0]["id"], Value::Null);
    let reply = json!({ "jsonrpc": "2.0", "id": null, "result": { "roots": [] } });
    assert_eq!(messages(send(&mut server, &reply))[0]["id"], 4);
}

#[test]
fn fault_progress_and_logging() {
    let count = json!({ "name": "count", "_meta": { "progressToken": 8 } });
    let mut server = session("2025-06-18", Some(Fault::ProgressAfterResponse), json!({}));
    let answers = request(&mut server, 1, "tools/call", count.clone());
    assert!(answers[3].get("result").is_some() && answers[4]["params"]["progress"] == 4);
    let mut server = session("2025-06-18", Some(Fault::ProgressUnknownToken), json!({}));
    let answers = request(&mut server, 1, "tools/call", count);
    assert_eq!(answers[0]["params"]["progressToken"], "not-yours");
    let mut server = session("2025-06-18", Some(Fault::LogBadLevel), json!({}));
    let answers = request(&mut server, 1, "tools/call", json!({ "name": "log" }));
    assert_eq!(answers[0]["params"]["level"], "verbose");
}

/// A session that touches every feature and edge the faults break.
fn exercise(fault: Option<Fault>, version: &str, capabilities: Value) -> (Vec<Output>, bool) {
    let mut server = Server::new(fault);
    let mut outputs = send(
        &mut server,
        &json!({ "jsonrpc": "2.0", "id": -1, "method": "ping" }),
    );
    outputs.extend(initialize(&mut server, version, capabilities));
    let lines = [
        json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }),
        json!({ "jsonrpc": "2.0", "id": 1, "method": 7 }),
        json!({ "jsonrpc": "2.0", "id": "s", "method": "nope" }),
        json!([{ "jsonrpc": "2.0", "id": 2, "method": "ping" }]),
        json!({ "jsonrpc": "2.0", "id": 3, "method": "tools/list" }),
        json!({ "jsonrpc": "2.0", "id": 4, "method": "tools/list", "params": { "cursor": "page-1" } }),
        json!({ "jsonrpc": "2.0", "id": 5, "method": "tools/list", "params": { "cursor": "bad" } }),
        json!({ "jsonrpc": "2.0", "id": 6, "method": "logging/setLevel", "params": { "level": "loud" } }),
        json!({ "jsonrpc": "2.0", "id": 7, "method": "logging/setLevel", "params": { "level": "error" } }),
        json!({ "jsonrpc": "2.0", "id": 8, "method": "completion/complete", "params": {
            "ref": { "type": "ref/prompt", "name": "nope" }, "argument": { "name": "x", "value": "" } } }),
        json!({ "jsonrpc": "2.0", "id": 9, "method": "completion/complete", "params": {
            "ref": { "type": "ref/prompt", "name": "greeting" }, "argument": { "name": "name", "value": "" } } }),
        json!({ "jsonrpc": "2.0", "id": 10, "method": "resources/read", "params": { "uri": "ref://text/readme" } }),
        json!({ "jsonrpc": "2.0", "id": 11, "method": "resources/read", "params": { "uri": "ref://binary/pixel" } }),
        json!({ "jsonrpc": "2.0", "id": 12, "method": "resources/read", "params": { "uri": "ref://nothing" } }),
        json!({ "jsonrpc": "2.0", "id": 13, "method": "prompts/get", "params": { "name": "nope" } }),
        json!({ "jsonrpc": "2.0", "id": 14, "method": "prompts/get", "params": { "name": "greeting" } }),
        json!({ "jsonrpc": "2.0", "id": 15, "method": "resources/read", "params": {} }),
        json!({ "jsonrpc": "2.0", "id": 16, "method": "resources/read", "params": { "uri": "file:///../etc/passwd" } }),
        json!({ "jsonrpc": "2.0", "id": 17, "method": "prompts/list" }),
        json!({ "jsonrpc": "2.0", "id": 18, "method": "prompts/get", "params": { "name": "describe_image" } }),
    ];
    for line in &lines {
        outputs.extend(send(&mut server, line));
    }
    let calls = [
        json!({ "name": "echo", "arguments": { "text": "hi" } }),
        json!({ "name": "add", "arguments": { "a": 1, "b": 2 } }),
        json!({ "name": "add", "arguments": { "a": "1", "b": "2" } }),
        json!({ "name": "fail" }),
        json!({ "name": "count", "_meta": { "progressToken": "t" } }),
        json!({ "name": "log" }),
        json!({ "name": "list_roots" }),
        json!({ "name": "nope" }),
    ];
    for (id, params) in (20..).zip(calls) {
        let call = json!({ "jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params });
        outputs.extend(send(&mut server, &call));
    }
    outputs.extend(server.handle_line(b"not json"));
    outputs.extend(super::client_requests::tests::exercise(fault));
    outputs.extend(super::tasks::exercise::exercise(fault));
    (outputs, server.keeps_running_after_input_closes())
}

#[test]
fn every_fault_changes_what_the_server_does() {
    let sessions = [
        ("2025-06-18", json!({})),
        ("2025-03-26", json!({ "roots": {} })),
        ("1999-01-01", json!({})),
    ];
    let correct: Vec<_> = (sessions.iter())
        .map(|(version, capabilities)| exercise(None, version, capabilities.clone()))
        .collect();
    // HTTP faults act in the HTTP surfaces; their tests are in reference/http.
    for &fault in Fault::ALL.iter().filter(|f| !f.is_http()) {
        let observable = sessions
            .iter()
            .zip(&correct)
            .any(|((version, caps), correct)| {
                exercise(Some(fault), version, caps.clone()) != *correct
            });
        assert!(observable, "fault {fault} changes nothing");
    }
}

/// Every name (or uri) a list method lists, following nextCursor.
fn listed(server: &mut Server, method: &str, key: &str, identity: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut params = json!({});
    loop {
        let result = call(server, method, params)["result"].clone();
        let items = result[key].as_array().unwrap();
        names.extend(
            items
                .iter()
                .map(|item| item[identity].as_str().unwrap().to_string()),
        );
        match result.get("nextCursor") {
            Some(cursor) => params = json!({ "cursor": cursor }),
            None => return names,
        }
    }
}

#[test]
fn toggle_extras_changes_three_lists_and_announces_each_change() {
    let mut server = session("2025-11-25", None, json!({}));
    let lists = [
        ("tools/list", "tools", "name", "extra"),
        ("resources/list", "resources", "uri", "ref://text/extra"),
        ("prompts/list", "prompts", "name", "extra"),
    ];
    for (method, key, identity, extra) in lists {
        assert!(!listed(&mut server, method, key, identity).contains(&extra.to_string()));
    }
    let call = json!({ "name": "toggle_extras", "arguments": {} });
    let answers = request(&mut server, 7, "tools/call", call.clone());
    let methods: Vec<&str> = answers
        .iter()
        .filter_map(|m| m["method"].as_str())
        .collect();
    assert_eq!(
        methods,
        [
            "notifications/tools/list_changed",
            "notifications/resources/list_changed",
            "notifications/prompts/list_changed",
        ]
    );
    assert_eq!(answers.last().unwrap()["id"], 7);
    for (method, key, identity, extra) in lists {
        assert!(listed(&mut server, method, key, identity).contains(&extra.to_string()));
    }
    assert_eq!(
        tool(&mut server, "extra", json!({}))["result"]["isError"],
        Value::Null
    );
    let read = call_read(&mut server, "ref://text/extra");
    assert_eq!(read["result"]["contents"][0]["uri"], "ref://text/extra");
    request(&mut server, 8, "tools/call", call);
    assert!(!listed(&mut server, "tools/list", "tools", "name").contains(&"extra".to_string()));
    assert_eq!(
        tool(&mut server, "extra", json!({}))["error"]["code"],
        -32602
    );
}

fn call_read(server: &mut Server, uri: &str) -> Value {
    call(server, "resources/read", json!({ "uri": uri }))
}

#[test]
fn the_ticker_changes_once_after_its_subscriber_first_reads_it() {
    let mut server = session("2025-11-25", None, json!({}));
    let ticker = "ref://clock/ticker";
    let text = |read: Value| read["result"]["contents"][0]["text"].clone();
    assert_eq!(
        call(&mut server, "resources/subscribe", json!({ "uri": ticker }))["result"],
        json!({})
    );
    assert_eq!(
        server.next_due(),
        None,
        "nothing ticks before the first read"
    );
    assert_eq!(text(call_read(&mut server, ticker)), "ticks: 0");
    let due = server.next_due().expect("the read sets the ticker ticking");
    let outputs = messages(super::Due::merged(server.run_due(due)));
    assert_eq!(
        outputs,
        [
            json!({ "jsonrpc": "2.0", "method": "notifications/resources/updated",
                  "params": { "uri": ticker } })
        ]
    );
    assert_eq!(text(call_read(&mut server, ticker)), "ticks: 1");
    assert_eq!(server.next_due(), None, "one change per subscription");
    let unknown = call(
        &mut server,
        "resources/subscribe",
        json!({ "uri": "ref://nope" }),
    );
    assert_eq!(unknown["error"]["code"], -32002);
}

#[test]
fn unsubscribing_stops_a_pending_change() {
    let mut server = session("2025-11-25", None, json!({}));
    let ticker = json!({ "uri": "ref://clock/ticker" });
    call(&mut server, "resources/subscribe", ticker.clone());
    call(&mut server, "resources/read", ticker.clone());
    assert!(server.next_due().is_some());
    assert_eq!(
        call(&mut server, "resources/unsubscribe", ticker)["result"],
        json!({})
    );
    assert_eq!(server.next_due(), None);
}

/// Found by the reference_server fuzz target: a tasks/result waiting on a task whose ttl ran
/// out before its work finished was never answered.
#[test]
fn a_task_that_expires_answers_its_waiting_results() {
    let mut server = session("2025-11-25", None, json!({}));
    let params = json!({ "name": "sleep", "arguments": { "ms": 1000 }, "task": { "ttl": 100 } });
    let created = call(&mut server, "tools/call", params);
    let task_id = created["result"]["task"]["taskId"].clone();
    let waiting = request(&mut server, 9, "tasks/result", json!({ "taskId": task_id }));
    assert_eq!(
        waiting,
        Vec::<Value>::new(),
        "tasks/result waits for the task"
    );
    let expiry = server.next_due().expect("the expiry is scheduled");
    let answers = messages(super::Due::merged(server.run_due(expiry)));
    let answer = answers
        .iter()
        .find(|m| m["id"] == 9)
        .expect("the waiting request is answered");
    assert_eq!(answer["error"]["code"], -32602);
}
