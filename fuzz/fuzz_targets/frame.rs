//! Frame decoding: `Frame::from_bytes`, `Frame::kind`, `MessageKind::of`, `Frame::text`.
//!
//! Invariants:
//! - Decoding any bytes never panics, and the frame keeps the bytes verbatim.
//! - `is_utf8` says whether the bytes are UTF-8; `text` is exactly their lossy UTF-8 reading.
//! - `kind` is `NotJson` exactly when the bytes are not JSON (read lossily), and otherwise
//!   agrees with the value: `Batch` for an array (its very items); `Request` for an object with a
//!   string `method` and an `id` member (that member); `Notification` for one with a string
//!   `method` and no `id`; `Response` for one without a string `method` but with `result` or
//!   `error` (its `id`, null when absent); `Invalid` for anything else. `method()` is the
//!   method of requests and notifications only.
//! - A frame built from a JSON value (`Frame::from_value`) re-parses from its bytes to the same
//!   value and the same kind.
//!
//! The input is both the bytes of a frame and, read as structure, a generated line.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use zcpspec::protocol::{Frame, MessageKind};
use zcpspec_fuzz::frames::Line;

fuzz_target!(|data: &[u8]| {
    check_decoding(data);
    if let Ok(line) = Line::arbitrary_take_rest(Unstructured::new(data)) {
        if let Some(value) = line.to_value() {
            check_round_trip(value);
        }
    }
});

fn check_decoding(data: &[u8]) {
    let frame = Frame::from_bytes(data.to_vec());
    assert_eq!(frame.raw, data, "the frame keeps its bytes");
    assert_eq!(frame.is_utf8(), std::str::from_utf8(data).is_ok());
    assert_eq!(frame.text(), String::from_utf8_lossy(data));
    let parsed: Option<Value> = serde_json::from_str(&String::from_utf8_lossy(data)).ok();
    assert_eq!(frame.json, parsed, "json is the lossy text parsed");
    let kind = frame.kind();
    match &frame.json {
        None => assert_eq!(kind, MessageKind::NotJson),
        Some(value) => check_kind(value, &kind),
    }
}

/// `kind` is what JSON-RPC 2.0 makes of `value`.
fn check_kind(value: &Value, kind: &MessageKind<'_>) {
    let method = value.get("method").and_then(Value::as_str);
    match (value, kind) {
        (Value::Array(items), MessageKind::Batch(batch)) => {
            assert!(
                std::ptr::eq(items.as_slice(), *batch),
                "a batch is the array's items"
            )
        }
        (Value::Object(map), MessageKind::Request { id, method: m }) => {
            assert_eq!(Some(*m), method);
            assert_eq!(map.get("id"), Some(*id));
        }
        (Value::Object(map), MessageKind::Notification { method: m }) => {
            assert_eq!(Some(*m), method);
            assert!(!map.contains_key("id"), "a notification has no id");
        }
        (Value::Object(map), MessageKind::Response { id }) => {
            assert!(method.is_none(), "a response has no method");
            assert!(map.contains_key("result") || map.contains_key("error"));
            assert_eq!(map.get("id").unwrap_or(&Value::Null), *id);
        }
        (Value::Object(map), MessageKind::Invalid) => {
            assert!(
                method.is_none(),
                "a message with a method is valid: {value}"
            );
            assert!(!map.contains_key("result") && !map.contains_key("error"));
        }
        (Value::Array(_) | Value::Object(_), _) => panic!("{value} classified as {kind:?}"),
        (_, MessageKind::Invalid) => {}
        (_, _) => panic!("scalar {value} classified as {kind:?}"),
    }
    let has_method = matches!(
        kind,
        MessageKind::Request { .. } | MessageKind::Notification { .. }
    );
    assert_eq!(kind.method().is_some(), has_method);
    assert_eq!(&MessageKind::of(value), kind, "kind() is MessageKind::of");
}

fn check_round_trip(value: Value) {
    let built = Frame::from_value(value.clone());
    assert_eq!(built.json.as_ref(), Some(&value));
    assert!(built.is_utf8());
    let reparsed = Frame::from_bytes(built.raw.clone());
    assert_eq!(
        reparsed.json.as_ref(),
        Some(&value),
        "{} re-parses to another value",
        built.text()
    );
    assert_eq!(reparsed.kind(), built.kind());
}
