//! The other surfaces: legacy HTTP+SSE, WebSocket and ZCP native.

use super::*;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

/// Opens `/sse`; the stream, and the first event (endpoint, or not under EndpointNotFirst).
pub(super) async fn open_legacy(fault: Option<Fault>) -> (String, Events, Event) {
    let base = start(fault).await;
    let request = http_client()
        .get(format!("{base}/sse"))
        .header(ACCEPT, "text/event-stream");
    let response = within(request.send()).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "text/event-stream");
    let mut events = Events::new(response);
    let first = events.next().await.unwrap();
    (base, events, first)
}

#[tokio::test(flavor = "multi_thread")]
async fn legacy_sse_names_its_endpoint_first_and_answers_on_the_stream() {
    let (base, mut events, endpoint) = open_legacy(None).await;
    assert_eq!(endpoint.event.as_deref(), Some("endpoint"));
    assert!(
        endpoint.data.starts_with("/messages?sessionId="),
        "{}",
        endpoint.data
    );

    let post = (http_client().post(format!("{base}{}", endpoint.data)))
        .header(CONTENT_TYPE, "application/json")
        .body(initialize_request(1).to_string());
    let response = within(post.send()).await.unwrap();
    assert_eq!(response.status(), 202);
    let event = events.next().await.unwrap();
    assert_eq!(event.event.as_deref(), Some("message"));
    let message: Value = serde_json::from_str(&event.data).unwrap();
    assert_eq!(message["id"], 1);
    assert_eq!(message["result"]["protocolVersion"], "2025-11-25");

    let unknown = http_client()
        .post(format!("{base}/messages?sessionId=nope"))
        .body("{}");
    assert_eq!(within(unknown.send()).await.unwrap().status(), 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn websocket_selects_the_mcp_subprotocol_and_answers_frame_by_frame() {
    let base = start(None).await;
    let mut request = format!("{}/ws", base.replacen("http", "ws", 1))
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "mcp".parse().unwrap());
    let (mut socket, response) = within(tokio_tungstenite::connect_async(request))
        .await
        .unwrap();
    assert_eq!(response.headers()["sec-websocket-protocol"], "mcp");

    let initialize = Message::text(initialize_request(1).to_string());
    within(socket.send(initialize)).await.unwrap();
    let Message::Text(text) = within(socket.next()).await.unwrap().unwrap() else {
        panic!("not a text frame");
    };
    let response: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(response["id"], 1);
    assert_eq!(
        response["result"]["serverInfo"]["name"],
        "zcpspec-reference"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn zcp_native_answers_in_snake_case_with_both_session_headers() {
    let url = format!("{}/zcp", start(None).await);
    let http = http_client();
    let post = |body: Value| {
        http.post(&url)
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string())
    };
    let response = within(post(initialize_request(1)).send()).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "application/json");
    let session = header(&response, "x-zcp-session").to_string();
    assert_eq!(header(&response, "mcp-session-id"), session);
    let result = json_body(response).await["result"].clone();
    assert_eq!(result["protocol_version"], "2025-11-25");
    assert_eq!(result["server_info"]["name"], "zcpspec-reference");
    assert!(result.get("protocolVersion").is_none());

    let fail = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                      "params": {"name": "fail", "arguments": {}}});
    let response = within(post(fail.clone()).send()).await.unwrap();
    assert_eq!(response.status(), 400);
    let response = within(post(fail).header("x-zcp-session", &session).send())
        .await
        .unwrap();
    let result = json_body(response).await["result"].clone();
    assert_eq!(result["error"], "exec:error");
    assert_eq!(result["isError"], true);
}
