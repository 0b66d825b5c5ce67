//! Streamable HTTP on `/mcp`: sessions, JSON and SSE answers, the GET stream and resumption,
//! and the checks made before serving.

use super::*;

fn request(id: u64, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

fn count_with_progress(id: u64) -> Value {
    request(
        id,
        "tools/call",
        json!({"name": "count", "arguments": {"to": 3}, "_meta": {"progressToken": id}}),
    )
}

/// POSTs a count with progress; the ids of the stream's events (priming event first).
pub(super) async fn progress_stream_ids(mcp: &Mcp, id: u64) -> Vec<String> {
    let response = mcp.send(&count_with_progress(id)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "text/event-stream");
    let mut events = Events::new(response);
    let priming = events.next().await.unwrap();
    assert_eq!(priming.data, "");
    let mut ids = vec![priming.id.unwrap()];
    for step in 1..=3 {
        let (event_id, progress) = events.message().await;
        assert_eq!(progress["method"], "notifications/progress");
        assert_eq!(progress["params"]["progress"], step);
        ids.push(event_id.unwrap());
    }
    let (event_id, response) = events.message().await;
    assert_eq!(response["id"], id);
    assert_eq!(response["result"]["content"][0]["text"], "counted to 3");
    ids.push(event_id.unwrap());
    assert!(
        events.next().await.is_none(),
        "the stream ends after the response"
    );
    ids
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_are_created_required_and_deleted() {
    let mut mcp = Mcp::start(None).await;
    let response = mcp.send(&initialize_request(1)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "application/json");
    let session = header(&response, "mcp-session-id").to_string();
    assert_eq!(session.len(), 32);
    assert!(session.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(
        json_body(response).await["result"]["protocolVersion"],
        "2025-11-25"
    );

    let ping = request(2, "ping", json!({}));
    assert_eq!(mcp.send(&ping).await.status(), 400);
    mcp.session = Some("0123456789abcdef0123456789abcdef".into());
    assert_eq!(mcp.send(&ping).await.status(), 404);
    mcp.session = Some(session);
    let response = mcp.send(&ping).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        json_body(response).await,
        json!({"jsonrpc": "2.0", "id": 2, "result": {}})
    );

    let delete = within(mcp.with_session(mcp.http.delete(&mcp.url)).send()).await;
    assert_eq!(delete.unwrap().status(), 200);
    assert_eq!(mcp.send(&ping).await.status(), 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_notification_is_accepted_with_202_and_an_empty_body() {
    let mcp = Mcp::initialized(None).await;
    let response = mcp.send(&notification("notifications/initialized")).await;
    assert_eq!(response.status(), 202);
    assert!(within(response.bytes()).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn progress_comes_as_an_sse_stream_with_ids_unique_across_streams() {
    let mcp = Mcp::initialized(None).await;
    let mut ids = progress_stream_ids(&mcp, 2).await;
    ids.extend(progress_stream_ids(&mcp, 3).await);
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tool_waiting_for_roots_keeps_its_stream_open_for_the_answer() {
    let mcp = Mcp::initialized(None).await;
    let call = request(
        7,
        "tools/call",
        json!({"name": "list_roots", "arguments": {}}),
    );
    let response = mcp.send(&call).await;
    assert_eq!(header(&response, "content-type"), "text/event-stream");
    let mut events = Events::new(response);
    assert_eq!(events.next().await.unwrap().data, "");
    let (_, roots_request) = events.message().await;
    assert_eq!(roots_request["method"], "roots/list");

    let roots = json!({"jsonrpc": "2.0", "id": roots_request["id"],
                       "result": {"roots": [{"uri": "file:///tmp/a"}]}});
    assert_eq!(mcp.send(&roots).await.status(), 202);
    let (_, response) = events.message().await;
    assert_eq!(response["id"], 7);
    assert_eq!(response["result"]["content"][0]["text"], "file:///tmp/a");
    assert!(events.next().await.is_none());
}

/// Two events on the GET stream, then a reconnection from the first one's id: the events
/// replayed before the live one.
pub(super) async fn replayed_after_reconnecting(fault: Option<Fault>) -> Vec<String> {
    let mcp = Mcp::initialized(fault).await;
    let mut events = mcp.open_stream(None).await;
    mcp.ping_stream().await;
    let (first_id, first) = events.message().await;
    assert_eq!(first["method"], "notifications/message");
    assert_eq!(first["params"]["data"], "stream event 1");
    assert_eq!(first["params"]["logger"], "http");
    mcp.ping_stream().await;
    assert_eq!(events.message().await.1["params"]["data"], "stream event 2");
    drop(events);

    let mut events = mcp.open_stream(first_id.as_deref()).await;
    mcp.ping_stream().await;
    let mut seen = Vec::new();
    loop {
        let (_, message) = events.message().await;
        let data = message["params"]["data"].as_str().unwrap().to_string();
        if data == "stream event 3" {
            return seen;
        }
        seen.push(data);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn get_stream_carries_pushed_events_and_resumes_after_last_event_id() {
    assert_eq!(replayed_after_reconnecting(None).await, ["stream event 2"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn events_pushed_before_the_get_stream_opens_wait_for_it() {
    let mcp = Mcp::initialized(None).await;
    mcp.ping_stream().await;
    let mut events = mcp.open_stream(None).await;
    assert_eq!(events.message().await.1["params"]["data"], "stream event 1");
}

#[tokio::test(flavor = "multi_thread")]
async fn get_without_event_stream_accept_is_405() {
    let mcp = Mcp::initialized(None).await;
    let request = mcp
        .with_session(mcp.http.get(&mcp.url))
        .header("accept", "application/json");
    assert_eq!(within(request.send()).await.unwrap().status(), 405);
}

#[tokio::test(flavor = "multi_thread")]
async fn foreign_origins_unknown_protocol_versions_and_huge_bodies_are_refused() {
    let mcp = Mcp::initialized(None).await;
    let ping = request(2, "ping", json!({}));
    let send = |request: RequestBuilder| async { within(request.send()).await.unwrap().status() };
    assert_eq!(
        send(mcp.post(&ping).header("origin", "http://evil.example")).await,
        403
    );
    assert_eq!(
        send(mcp.post(&ping).header("origin", "http://localhost:3000")).await,
        200
    );
    assert_eq!(
        send(mcp.post(&ping).header("origin", "http://[::1]:3000")).await,
        200
    );
    assert_eq!(
        send(mcp.post(&ping).header("mcp-protocol-version", "1999-01-01")).await,
        400
    );
    assert_eq!(
        send(mcp.post(&ping).header("mcp-protocol-version", "2025-06-18")).await,
        200
    );
    // The server answers 413 and closes without reading the rest, so the client either reads
    // that status or fails to write the remainder (broken pipe): both are the refusal.
    let huge = mcp.post(&ping).body(vec![b' '; MAX_BODY + 1]);
    match within(huge.send()).await {
        Ok(response) => assert_eq!(response.status(), 413),
        Err(e) => assert!(e.is_request(), "{e}"),
    }
}
