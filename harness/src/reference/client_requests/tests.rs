//! Unit tests of what the reference server asks of the client: elicitation in form and URL
//! mode, sampling with its tool loop, roots/list_changed, and cancelling a call that waits on
//! the client.

use crate::reference::{Fault, Output, Server};
use serde_json::{json, Value};

fn outputs(server: &mut Server, message: Value) -> Vec<Output> {
    server.handle_line(&serde_json::to_vec(&message).unwrap())
}

fn messages(server: &mut Server, message: Value) -> Vec<Value> {
    (outputs(server, message).into_iter())
        .map(|output| match output {
            Output::Message(message) => message,
            other => panic!("expected a message, got {other:?}"),
        })
        .collect()
}

fn session(fault: Option<Fault>, version: &str, capabilities: Value) -> Server {
    let mut server = Server::new(fault);
    let params = json!({ "protocolVersion": version, "capabilities": capabilities,
                         "clientInfo": { "name": "test", "version": "0" } });
    let initialize = json!({ "jsonrpc": "2.0", "id": 0, "method": "initialize", "params": params });
    outputs(&mut server, initialize);
    server
}

/// Every client capability these tools use, sampling tools excepted.
fn capabilities() -> Value {
    json!({ "roots": {}, "sampling": {}, "elicitation": { "form": {}, "url": {} } })
}

fn call_tool(server: &mut Server, id: i64, name: &str, arguments: Value) -> Vec<Value> {
    let params = json!({ "name": name, "arguments": arguments });
    messages(
        server,
        json!({ "jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params }),
    )
}

fn answer(server: &mut Server, request: &Value, result: Value) -> Vec<Value> {
    let id = &request["id"];
    messages(
        server,
        json!({ "jsonrpc": "2.0", "id": id, "result": result }),
    )
}

fn text(response: &Value) -> &str {
    response["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or("")
}

#[test]
fn ask_user_asks_in_form_mode_and_reports_each_action() {
    let cases = [
        (
            json!({ "action": "accept", "content": { "name": "Ada" } }),
            "Hello, Ada!",
            false,
        ),
        (
            json!({ "action": "accept", "content": { "name": 7 } }),
            "the accepted content does not match the requested schema",
            true,
        ),
        (
            json!({ "action": "decline" }),
            "The user declined to give a name.",
            false,
        ),
        (
            json!({ "action": "cancel" }),
            "The user dismissed the question.",
            false,
        ),
    ];
    for (reply, expected, is_error) in cases {
        let mut server = session(None, "2025-11-25", json!({ "elicitation": {} }));
        let request = call_tool(&mut server, 1, "ask_user", json!({})).remove(0);
        assert_eq!(request["method"], "elicitation/create");
        assert_eq!(request["params"]["mode"], "form");
        let schema = &request["params"]["requestedSchema"];
        assert_eq!(schema["required"], json!(["name"]));
        let response = answer(&mut server, &request, reply).remove(0);
        assert_eq!(response["id"], 1);
        assert_eq!(text(&response), expected);
        assert_eq!(response["result"].get("isError").is_some(), is_error);
    }
}

#[test]
fn a_failed_elicitation_ends_the_call_with_a_tool_error() {
    let mut server = session(None, "2025-06-18", json!({ "elicitation": {} }));
    let request = call_tool(&mut server, 1, "ask_user", json!({})).remove(0);
    assert!(
        request["params"].get("mode").is_none(),
        "2025-06-18 has no modes"
    );
    let error = json!({ "code": -32603, "message": "no UI" });
    let reply = json!({ "jsonrpc": "2.0", "id": request["id"], "error": error });
    let response = messages(&mut server, reply).remove(0);
    assert_eq!(response["result"]["isError"], true);
    assert_eq!(text(&response), "the elicitation failed: no UI");
}

#[test]
fn nothing_is_asked_of_a_client_that_did_not_declare_it() {
    let cases = [
        (json!({}), "ask_user", json!({})),
        (
            json!({ "elicitation": { "url": {} } }),
            "ask_user",
            json!({}),
        ),
        (json!({ "elicitation": {} }), "connect_account", json!({})),
        (
            json!({ "elicitation": {} }),
            "connect_account",
            json!({ "flow": "error" }),
        ),
        (json!({ "elicitation": {} }), "sample", json!({})),
        (json!({ "sampling": {} }), "list_roots", json!({})),
    ];
    for (capabilities, tool, arguments) in cases {
        let mut server = session(None, "2025-11-25", capabilities.clone());
        let answers = call_tool(&mut server, 1, tool, arguments);
        assert_eq!(answers.len(), 1, "{tool} with {capabilities}: {answers:?}");
        assert_eq!(
            answers[0]["result"]["isError"], true,
            "{tool} with {capabilities}"
        );
    }
}

#[test]
fn connect_account_asks_in_url_mode_and_announces_the_completion() {
    let mut server = session(None, "2025-11-25", capabilities());
    let request = call_tool(&mut server, 1, "connect_account", json!({})).remove(0);
    let params = &request["params"];
    assert_eq!(params["mode"], "url");
    assert_eq!(params["elicitationId"], "connect-1");
    let url = "https://example.com/connect?elicitationId=connect-1";
    assert_eq!(params["url"], url);
    let after = answer(&mut server, &request, json!({ "action": "accept" }));
    assert_eq!(after[0]["method"], "notifications/elicitation/complete");
    assert_eq!(after[0]["params"], json!({ "elicitationId": "connect-1" }));
    assert_eq!(after[1]["id"], 1);
    assert_eq!(text(&after[1]), "Connected the Example account.");
    let again = call_tool(&mut server, 2, "connect_account", json!({}));
    assert_eq!(text(&again[0]), "The Example account is connected.");
}

#[test]
fn a_declined_url_elicitation_leaves_the_account_unconnected() {
    let mut server = session(None, "2025-11-25", capabilities());
    let request = call_tool(&mut server, 1, "connect_account", json!({})).remove(0);
    let after = answer(&mut server, &request, json!({ "action": "decline" }));
    assert_eq!(after.len(), 1, "no completion notification: {after:?}");
    assert_eq!(text(&after[0]), "The Example account was not connected.");
    let again = call_tool(&mut server, 2, "connect_account", json!({})).remove(0);
    assert_eq!(again["params"]["elicitationId"], "connect-2");
}

#[test]
fn connect_account_can_answer_url_elicitation_required() {
    let mut server = session(None, "2025-11-25", capabilities());
    let answers = call_tool(
        &mut server,
        1,
        "connect_account",
        json!({ "flow": "error" }),
    );
    let error = &answers[0]["error"];
    assert_eq!(error["code"], -32042);
    let elicitation = &error["data"]["elicitations"][0];
    assert_eq!(elicitation["mode"], "url");
    assert_eq!(elicitation["elicitationId"], "connect-1");
    assert_eq!(answers[1]["method"], "notifications/elicitation/complete");
    assert_eq!(answers[1]["params"]["elicitationId"], "connect-1");
    let retried = call_tool(
        &mut server,
        2,
        "connect_account",
        json!({ "flow": "error" }),
    );
    assert_eq!(text(&retried[0]), "The Example account is connected.");
}

#[test]
fn sample_answers_with_the_text_the_model_gave() {
    let mut server = session(None, "2025-06-18", json!({ "sampling": {} }));
    let request = call_tool(&mut server, 1, "sample", json!({ "prompt": "hi" })).remove(0);
    assert_eq!(request["method"], "sampling/createMessage");
    assert_eq!(request["params"]["maxTokens"], 100);
    assert_eq!(request["params"]["messages"][0]["content"]["text"], "hi");
    assert!(request["params"].get("tools").is_none());
    let content = json!({ "type": "text", "text": "hello" });
    let reply = json!({ "role": "assistant", "content": content, "model": "m" });
    assert_eq!(text(&answer(&mut server, &request, reply)[0]), "hello");
}

#[test]
fn sample_runs_the_tool_the_model_uses_and_asks_once_more() {
    let mut server = session(None, "2025-11-25", json!({ "sampling": { "tools": {} } }));
    let first = call_tool(&mut server, 1, "sample", json!({})).remove(0);
    assert_eq!(first["params"]["tools"][0]["name"], "get_time");
    assert_eq!(first["params"]["toolChoice"]["mode"], "auto");
    let tool_use = json!({ "type": "tool_use", "id": "u1", "name": "get_time", "input": {} });
    let uses = json!({ "role": "assistant", "content": [tool_use], "model": "m" });
    let second = answer(&mut server, &first, uses).remove(0);
    let history = &second["params"]["messages"];
    assert_eq!(history[1]["content"][0]["id"], "u1");
    assert_eq!(history[2]["role"], "user");
    assert_eq!(history[2]["content"][0]["type"], "tool_result");
    assert_eq!(history[2]["content"][0]["toolUseId"], "u1");
    assert_eq!(second["params"]["toolChoice"]["mode"], "none");
    let content = json!({ "type": "text", "text": "noon" });
    let reply = json!({ "role": "assistant", "content": content, "model": "m" });
    let response = answer(&mut server, &second, reply).remove(0);
    assert_eq!(response["id"], 1);
    assert_eq!(text(&response), "noon");
}

#[test]
fn cancelling_a_waiting_call_cancels_the_servers_own_request() {
    let mut server = session(None, "2025-11-25", capabilities());
    let request = call_tool(&mut server, 1, "ask_user", json!({})).remove(0);
    let cancel = json!({ "jsonrpc": "2.0", "method": "notifications/cancelled",
                         "params": { "requestId": 1 } });
    let sent = messages(&mut server, cancel);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["method"], "notifications/cancelled");
    assert_eq!(sent[0]["params"]["requestId"], request["id"]);
    let late = json!({ "action": "accept", "content": { "name": "Ada" } });
    assert!(
        answer(&mut server, &request, late).is_empty(),
        "the call stays unanswered"
    );
}

#[test]
fn roots_list_changed_gets_no_reply() {
    let mut server = session(
        None,
        "2025-11-25",
        json!({ "roots": { "listChanged": true } }),
    );
    let changed = json!({ "jsonrpc": "2.0", "method": "notifications/roots/list_changed" });
    assert!(messages(&mut server, changed).is_empty());
}

/// Every flow above once, with `fault`: for the test that every fault changes what the server
/// does.
pub(in crate::reference) fn exercise(fault: Option<Fault>) -> Vec<Output> {
    let mut server = session(fault, "2025-11-25", capabilities());
    let mut all = Vec::new();
    let mut run = |server: &mut Server, message: Value| {
        let out = outputs(server, message);
        all.extend(out.clone());
        out
    };
    let changed = json!({ "jsonrpc": "2.0", "method": "notifications/roots/list_changed" });
    run(&mut server, changed);
    let flows = [
        ("ask_user", json!({}), json!({ "action": "decline" })),
        (
            "sample",
            json!({}),
            json!({ "role": "assistant", "model": "m",
                                      "content": { "type": "text", "text": "hi" } }),
        ),
        ("connect_account", json!({}), json!({ "action": "accept" })),
    ];
    for (id, (tool, arguments, reply)) in (1..).zip(flows) {
        let params = json!({ "name": tool, "arguments": arguments });
        let call = json!({ "jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params });
        let sent = run(&mut server, call);
        if let Some(Output::Message(request)) = sent.first() {
            let reply = json!({ "jsonrpc": "2.0", "id": request["id"], "result": reply });
            run(&mut server, reply);
        }
    }
    let params = json!({ "name": "ask_user", "arguments": {} });
    run(
        &mut server,
        json!({ "jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": params }),
    );
    let cancel = json!({ "jsonrpc": "2.0", "method": "notifications/cancelled",
                         "params": { "requestId": 9 } });
    run(&mut server, cancel);
    let mut fresh = session(fault, "2025-11-25", capabilities());
    let params = json!({ "name": "connect_account", "arguments": { "flow": "error" } });
    run(
        &mut fresh,
        json!({ "jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params }),
    );
    all
}
