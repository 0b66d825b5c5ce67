//! A few of the HTTP faults, each seen to break what the tests of the correct server assert.

use super::mcp::{progress_stream_ids, replayed_after_reconnecting};
use super::surfaces::open_legacy;
use super::*;

#[tokio::test(flavor = "multi_thread")]
async fn duplicate_event_ids_repeat_across_streams() {
    let mcp = Mcp::initialized(Some(Fault::DuplicateEventIds)).await;
    let first = progress_stream_ids(&mcp, 2).await;
    let second = progress_stream_ids(&mcp, 3).await;
    assert_eq!(first, second);
    assert_eq!(first[0], "1");
}

#[tokio::test(flavor = "multi_thread")]
async fn notification_200_answers_a_notification_with_a_json_body() {
    let mcp = Mcp::initialized(Some(Fault::Notification200)).await;
    let response = mcp.send(&notification("notifications/initialized")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "application/json");
    assert_eq!(json_body(response).await, json!({}));
}

#[tokio::test(flavor = "multi_thread")]
async fn replay_all_events_replays_the_events_before_last_event_id_too() {
    let replayed = replayed_after_reconnecting(Some(Fault::ReplayAllEvents)).await;
    assert_eq!(replayed, ["stream event 1", "stream event 2"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn endpoint_not_first_sends_a_message_before_the_endpoint() {
    let (_, mut events, first) = open_legacy(Some(Fault::EndpointNotFirst)).await;
    assert_eq!(first.event.as_deref(), Some("message"));
    assert_eq!(
        events.next().await.unwrap().event.as_deref(),
        Some("endpoint")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn http_reset_closes_the_connection_without_a_response() {
    let mcp = Mcp::initialized(Some(Fault::HttpReset)).await;
    let ping = json!({"jsonrpc": "2.0", "id": 2, "method": "ping"});
    assert!(within(mcp.post(&ping).send()).await.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn exit_mid_session_answers_initialize_then_forgets_the_session() {
    let mcp = Mcp::initialized(Some(Fault::ExitMidSession)).await;
    let ping = json!({"jsonrpc": "2.0", "id": 2, "method": "ping"});
    assert_eq!(mcp.send(&ping).await.status(), 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_sse_sends_garbage_before_the_events_even_to_json_clients() {
    let mcp = Mcp::initialized(Some(Fault::InvalidSse)).await;
    let ping = json!({"jsonrpc": "2.0", "id": 2, "method": "ping"});
    let response = within(mcp.post(&ping).header(ACCEPT, "application/json").send()).await;
    let response = response.unwrap();
    assert_eq!(header(&response, "content-type"), "text/event-stream");
    let body = within(response.bytes()).await.unwrap();
    assert!(
        body.starts_with(b"garbage line\ndata: not json\n\n"),
        "{body:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn endless_stream_sends_only_keepalive_comments() {
    let mcp = Mcp::initialized(Some(Fault::EndlessStream)).await;
    let ping = json!({"jsonrpc": "2.0", "id": 2, "method": "ping"});
    let mut response = mcp.send(&ping).await;
    assert_eq!(header(&response, "content-type"), "text/event-stream");
    for _ in 0..3 {
        let chunk = within(response.chunk()).await.unwrap().unwrap();
        assert_eq!(&chunk[..], b": keepalive\n\n");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn stall_mid_body_sends_half_the_declared_body_then_nothing() {
    let mcp = Mcp::initialized(Some(Fault::StallMidBody)).await;
    let ping = json!({"jsonrpc": "2.0", "id": 2, "method": "ping"});
    let mut response = mcp.send(&ping).await;
    let length: usize = header(&response, "content-length").parse().unwrap();
    assert_eq!(length, r#"{"jsonrpc":"2.0","id":2,"result":{}}"#.len());
    let mut received = 0;
    while received < length / 2 {
        received += within(response.chunk()).await.unwrap().unwrap().len();
    }
    assert_eq!(received, length / 2);
    let more = tokio::time::timeout(Duration::from_millis(300), response.chunk()).await;
    assert!(more.is_err(), "the body went on: {more:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn huge_body_declares_a_100_mb_initialize_response() {
    let mut mcp = Mcp::start(Some(Fault::HugeBody)).await;
    let mut response = mcp.send(&initialize_request(1)).await;
    mcp.session = Some(header(&response, "mcp-session-id").to_string());
    let length: usize = header(&response, "content-length").parse().unwrap();
    assert!(length > 100 * 1024 * 1024);
    let first = within(response.chunk()).await.unwrap().unwrap();
    assert!(first.starts_with(br#"{"jsonrpc":"2.0","id":1,"result":{"pad":""#));
    drop(response);
    let ping = json!({"jsonrpc": "2.0", "id": 2, "method": "ping"});
    assert_eq!(mcp.send(&ping).await.status(), 200);
}
