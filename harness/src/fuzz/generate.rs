//! What the campaign sends: frames made from valid MCP traffic and then broken, drawn from a
//! seeded ChaCha generator so that the same seed gives the same frames. Structure-aware frames
//! use the revision's method names and the server's own tools, resources and prompts, with
//! arguments generated from and around each tool's inputSchema (wrong types, boundary numbers,
//! missing and unknown fields), ids of every JSON type, reused ids, deep nesting, huge strings
//! and out-of-order lifecycle requests; byte-level frames flip, cut, splice and repeat the bytes
//! of a valid frame, invalid UTF-8 included.

use super::to_bytes;
use crate::protocol::{Revision, LOG_LEVELS};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};

/// Client methods, with the first revision that has them.
const METHODS: &[(&str, Revision)] = &[
    ("initialize", Revision::V2024_11_05),
    ("ping", Revision::V2024_11_05),
    ("tools/list", Revision::V2024_11_05),
    ("tools/call", Revision::V2024_11_05),
    ("resources/list", Revision::V2024_11_05),
    ("resources/templates/list", Revision::V2024_11_05),
    ("resources/read", Revision::V2024_11_05),
    ("resources/subscribe", Revision::V2024_11_05),
    ("resources/unsubscribe", Revision::V2024_11_05),
    ("prompts/list", Revision::V2024_11_05),
    ("prompts/get", Revision::V2024_11_05),
    ("logging/setLevel", Revision::V2024_11_05),
    ("completion/complete", Revision::V2025_03_26),
    ("tasks/get", Revision::V2025_11_25),
    ("tasks/result", Revision::V2025_11_25),
    ("tasks/list", Revision::V2025_11_25),
    ("tasks/cancel", Revision::V2025_11_25),
];

const NOTIFICATIONS: &[&str] = &[
    "notifications/initialized",
    "notifications/cancelled",
    "notifications/progress",
    "notifications/roots/list_changed",
    "notifications/zcpspec-unknown",
];

/// Methods no revision has.
const UNKNOWN_METHODS: &[&str] = &[
    "zcpspec/unknown",
    "",
    "rpc.discover",
    "tools/",
    "TOOLS/LIST",
];

/// The most frames one iteration sends.
const MAX_FRAMES: usize = 6;
/// Huge strings are this long (or a fraction of it).
const HUGE: usize = 256 * 1024;

/// What the server offered in discovery, which the frames aim at.
#[derive(Debug, Default, Clone)]
pub struct Discovered {
    pub tools: Vec<Value>,
    pub resource_uris: Vec<String>,
    pub prompt_names: Vec<String>,
}

pub struct Generator {
    rng: ChaCha8Rng,
    revision: Revision,
    discovered: Discovered,
    /// The next integer id; ids are never reused except on purpose.
    next_id: i64,
    /// Ids already sent, to reuse on purpose.
    used_ids: Vec<Value>,
}

impl Generator {
    /// A generator for one worker of a campaign: the seed picks the campaign, the worker its
    /// own stream of it.
    pub fn new(seed: u64, worker: u64, revision: Revision) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(worker);
        Generator {
            rng,
            revision,
            discovered: Discovered::default(),
            next_id: 1,
            used_ids: Vec::new(),
        }
    }

    pub fn learn(&mut self, discovered: Discovered) {
        self.discovered = discovered;
    }

    /// The frames of one iteration.
    pub fn iteration(&mut self) -> Vec<Vec<u8>> {
        let count = self.rng.random_range(1..=MAX_FRAMES);
        (0..count).map(|_| self.frame()).collect()
    }

    fn frame(&mut self) -> Vec<u8> {
        let bytes = match self.rng.random_range(0..100) {
            0..42 => to_bytes(&self.request()),
            42..57 => to_bytes(&self.notification()),
            57..72 => to_bytes(&self.broken_envelope()),
            72..75 => self.oversized(),
            75..95 => self.byte_mutation(),
            _ => to_bytes(&self.batch()),
        };
        // A newline would split the frame in two on stdio: the splitting is the byte
        // mutation's business, not an accident of it.
        bytes
            .into_iter()
            .map(|b| if b == b'\n' { b' ' } else { b })
            .collect()
    }

    fn fresh_id(&mut self) -> Value {
        let id = match self.rng.random_range(0..10) {
            0..7 => json!(self.next_id),
            _ => json!(format!("f-{}", self.next_id)),
        };
        self.next_id += 1;
        self.used_ids.push(id.clone());
        id
    }

    /// A well-formed request to a method of the revision, with fitting or near-fitting params.
    fn request(&mut self) -> Value {
        let revision = self.revision;
        let methods: Vec<&str> = (METHODS.iter())
            .filter(|(_, since)| *since <= revision)
            .map(|(m, _)| *m)
            .collect();
        // tools/call is where servers do their own work: it gets a third of the requests.
        let method = match self.rng.random_ratio(1, 3) {
            true => "tools/call",
            false => methods.choose(&mut self.rng).copied().unwrap_or("ping"),
        };
        let params = self.params(method);
        let mut request = json!({ "jsonrpc": "2.0", "id": self.fresh_id(), "method": method });
        if let Some(params) = params {
            request["params"] = params;
        }
        request
    }

    fn params(&mut self, method: &str) -> Option<Value> {
        let params = match method {
            "initialize" => json!({
                "protocolVersion": self.pick_str(&["2025-11-25", "2024-11-05", "1999-01-01", ""]),
                "capabilities": self.any_value(2),
                "clientInfo": { "name": "zcpspec-fuzz", "version": "0" },
            }),
            "tools/call" => self.tool_call(),
            "resources/read" | "resources/subscribe" | "resources/unsubscribe" => {
                json!({ "uri": self.uri() })
            }
            "prompts/get" => {
                let name = self.pick_name(|d| &d.prompt_names);
                json!({ "name": name, "arguments": self.any_value(1) })
            }
            "logging/setLevel" => {
                let level = match self.rng.random_ratio(4, 5) {
                    true => json!(self.pick_str(&LOG_LEVELS)),
                    false => self.any_value(0),
                };
                json!({ "level": level })
            }
            "completion/complete" => {
                let name = self.pick_name(|d| &d.prompt_names);
                json!({
                    "ref": { "type": "ref/prompt", "name": name },
                    "argument": { "name": "name", "value": self.string() },
                })
            }
            "tasks/get" | "tasks/result" | "tasks/cancel" => {
                json!({ "taskId": self.string() })
            }
            m if m.ends_with("/list") => match self.rng.random_ratio(1, 2) {
                true => json!({ "cursor": self.any_value(0) }),
                false => return None,
            },
            _ => return None,
        };
        Some(params)
    }

    fn tool_call(&mut self) -> Value {
        let tool = self.discovered.tools.choose(&mut self.rng).cloned();
        let (name, arguments) = match tool {
            Some(tool) if self.rng.random_ratio(9, 10) => {
                let name = tool.get("name").cloned().unwrap_or(Value::Null);
                let schema = tool.get("inputSchema").cloned().unwrap_or(json!({}));
                (name, self.value_for_schema(&schema, 0))
            }
            _ => (json!(self.string()), self.any_value(2)),
        };
        let mut params = json!({ "name": name, "arguments": arguments });
        if self.rng.random_ratio(1, 8) {
            params["_meta"] = json!({ "progressToken": self.fresh_id() });
        }
        if self.revision >= Revision::V2025_11_25 && self.rng.random_ratio(1, 8) {
            params["task"] = json!({ "ttl": self.number() });
        }
        params
    }

    fn uri(&mut self) -> Value {
        let uris: fn(&Discovered) -> &[String] = |d| &d.resource_uris;
        let known = !self.discovered.resource_uris.is_empty();
        match self.rng.random_range(0..4) {
            0 | 1 if known => json!(self.pick_name(uris)),
            2 if known => json!(format!("{}/../../etc/passwd", self.pick_name(uris))),
            _ => self.any_value(0),
        }
    }

    /// A value for `schema`, usually one it accepts, sometimes one just outside it.
    fn value_for_schema(&mut self, schema: &Value, depth: usize) -> Value {
        if depth > 4 || self.rng.random_ratio(1, 10) {
            return self.any_value(1);
        }
        if let Some(choices) = schema.get("enum").and_then(Value::as_array) {
            if let Some(choice) = choices.choose(&mut self.rng) {
                return choice.clone();
            }
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("object") => {
                let mut object = Map::new();
                let properties = schema.get("properties").and_then(Value::as_object);
                for (name, property) in properties.into_iter().flatten() {
                    if self.rng.random_ratio(7, 8) {
                        object.insert(name.clone(), self.value_for_schema(property, depth + 1));
                    }
                }
                if self.rng.random_ratio(1, 8) {
                    object.insert("zcpspec_unknown".into(), self.any_value(1));
                }
                Value::Object(object)
            }
            Some("integer") | Some("number") => self.number_near(schema),
            Some("boolean") => json!(self.rng.random_bool(0.5)),
            Some("array") => {
                let items = schema.get("items").cloned().unwrap_or(json!({}));
                let len = self.rng.random_range(0..4);
                Value::Array(
                    (0..len)
                        .map(|_| self.value_for_schema(&items, depth + 1))
                        .collect(),
                )
            }
            Some("string") => json!(self.string()),
            _ => self.any_value(1),
        }
    }

    /// A number at or around the schema's bounds, or anywhere.
    fn number_near(&mut self, schema: &Value) -> Value {
        let bounds: Vec<f64> = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]
            .iter()
            .filter_map(|key| schema.get(key).and_then(Value::as_f64))
            .collect();
        match bounds.choose(&mut self.rng) {
            Some(bound) if self.rng.random_ratio(2, 3) => {
                let nudge = [-1.0, 0.0, 1.0, 0.5]
                    .choose(&mut self.rng)
                    .copied()
                    .unwrap_or(0.0);
                json!(bound + nudge)
            }
            _ => self.number(),
        }
    }

    fn number(&mut self) -> Value {
        match self.rng.random_range(0..8) {
            0 => json!(0),
            1 => json!(-1),
            2 => json!(i64::MAX),
            3 => json!(i64::MIN),
            4 => json!(u64::MAX),
            5 => json!(1e308),
            6 => json!(0.5),
            _ => json!(self.rng.random_range(-1000..1000)),
        }
    }

    fn string(&mut self) -> String {
        match self.rng.random_range(0..32) {
            0..4 => String::new(),
            4 => "a".repeat(self.rng.random_range(1..HUGE)),
            5..9 => "\u{0}\u{7f}\u{fffd}\u{1F600}\\\"".into(),
            9..13 => "../../../../etc/passwd".into(),
            13..17 => "%s%n%x{{}}${jndi:x}".into(),
            _ => format!("fuzz-{}", self.rng.random_range(0..1000)),
        }
    }

    /// Any JSON value, nested up to `depth`.
    fn any_value(&mut self, depth: usize) -> Value {
        let kinds = if depth == 0 { 5 } else { 7 };
        match self.rng.random_range(0..kinds) {
            0 => Value::Null,
            1 => json!(self.rng.random_bool(0.5)),
            2 => self.number(),
            3 | 4 => json!(self.string()),
            5 => {
                let len = self.rng.random_range(0..4);
                Value::Array((0..len).map(|_| self.any_value(depth - 1)).collect())
            }
            _ => {
                let len = self.rng.random_range(0..4);
                let object: Map<String, Value> = (0..len)
                    .map(|i| (format!("k{i}"), self.any_value(depth - 1)))
                    .collect();
                Value::Object(object)
            }
        }
    }

    fn notification(&mut self) -> Value {
        let method = self.pick_str(NOTIFICATIONS);
        let params = match method {
            "notifications/cancelled" => {
                let id = self
                    .used_ids
                    .choose(&mut self.rng)
                    .cloned()
                    .unwrap_or(json!(0));
                json!({ "requestId": id, "reason": "fuzz" })
            }
            "notifications/progress" => {
                json!({ "progressToken": self.any_value(0), "progress": self.number() })
            }
            _ => self.any_value(1),
        };
        json!({ "jsonrpc": "2.0", "method": method, "params": params })
    }

    /// A request whose envelope is wrong in one way.
    fn broken_envelope(&mut self) -> Value {
        let mut frame = self.request();
        let object = frame.as_object_mut().expect("requests are objects");
        match self.rng.random_range(0..9) {
            0 => {
                object.remove("jsonrpc");
            }
            1 => {
                object.insert("jsonrpc".into(), json!("1.0"));
            }
            2 => {
                let id = match self.rng.random_range(0..5) {
                    0 => Value::Null,
                    1 => json!(1.5),
                    2 => json!(true),
                    3 => json!({ "id": 1 }),
                    _ => json!([1]),
                };
                object.insert("id".into(), id);
            }
            3 => {
                object.insert("method".into(), self.any_value(1));
            }
            4 => {
                object.insert("params".into(), json!(["not", "an", "object"]));
            }
            5 => {
                object.insert("zcpspec_unknown".into(), self.any_value(1));
            }
            6 => {
                object.insert("result".into(), json!({}));
            }
            7 => {
                let reused = self.used_ids.choose(&mut self.rng).cloned();
                object.insert("id".into(), reused.unwrap_or(json!(1)));
            }
            _ => {
                let method = self.pick_str(UNKNOWN_METHODS);
                object.insert("method".into(), json!(method));
            }
        }
        frame
    }

    /// A request with deep nesting or a huge string in its params. The nesting is written as
    /// text: a serde_json value that deep would cost quadratic time to build.
    fn oversized(&mut self) -> Vec<u8> {
        let mut frame = self.request();
        const PLACEHOLDER: &str = "zcpspec-fuzz-payload";
        frame["params"] = json!({ "name": "echo", "arguments": { "text": PLACEHOLDER } });
        let payload = match self.rng.random_ratio(1, 2) {
            true => {
                let depth = self.rng.random_range(64..4096);
                format!("{}0{}", "[".repeat(depth), "]".repeat(depth))
            }
            false => format!("\"{}\"", "x".repeat(self.rng.random_range(HUGE..4 * HUGE))),
        };
        let text = String::from_utf8(to_bytes(&frame)).expect("serde_json writes UTF-8");
        text.replacen(&format!("\"{PLACEHOLDER}\""), &payload, 1)
            .into_bytes()
    }

    /// A batch (an array) of requests and notifications, possibly empty.
    fn batch(&mut self) -> Value {
        let len = self.rng.random_range(0..4);
        let items = (0..len)
            .map(|_| match self.rng.random_bool(0.7) {
                true => self.request(),
                false => self.notification(),
            })
            .collect();
        Value::Array(items)
    }

    /// The bytes of a valid frame, broken by one to four byte-level mutations.
    fn byte_mutation(&mut self) -> Vec<u8> {
        let mut bytes = to_bytes(&self.request());
        for _ in 0..self.rng.random_range(1..=4) {
            if bytes.is_empty() {
                break;
            }
            let at = self.rng.random_range(0..bytes.len());
            match self.rng.random_range(0..6) {
                0 => bytes[at] ^= 1 << self.rng.random_range(0..8),
                1 => bytes.insert(
                    at,
                    *[0xff, 0xfe, 0xc3, 0x00, b'"', b'{', b']']
                        .choose(&mut self.rng)
                        .unwrap_or(&0),
                ),
                2 => {
                    let end = self.rng.random_range(at..=bytes.len());
                    bytes.drain(at..end);
                }
                3 => bytes.truncate(at),
                4 => {
                    let end = self.rng.random_range(at..=bytes.len().min(at + 64));
                    let piece: Vec<u8> = bytes[at..end].to_vec();
                    bytes.splice(at..at, piece);
                }
                _ => bytes[at] = self.rng.random(),
            }
        }
        bytes
    }

    fn pick_str(&mut self, from: &[&'static str]) -> &'static str {
        from.choose(&mut self.rng).copied().unwrap_or_default()
    }

    /// One of the names discovery found (which `names` says), or now and then any string.
    fn pick_name(&mut self, names: fn(&Discovered) -> &[String]) -> String {
        let chosen = names(&self.discovered).choose(&mut self.rng).cloned();
        match chosen {
            Some(name) if self.rng.random_ratio(7, 8) => name,
            _ => self.string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_frames() {
        let frames = |seed, worker| {
            let mut generator = Generator::new(seed, worker, Revision::LATEST);
            (0..50)
                .flat_map(|_| generator.iteration())
                .collect::<Vec<_>>()
        };
        assert_eq!(frames(7, 0), frames(7, 0));
        assert_ne!(frames(7, 0), frames(8, 0));
        assert_ne!(frames(7, 0), frames(7, 1));
    }

    #[test]
    fn frames_never_hold_a_newline() {
        let mut generator = Generator::new(1, 0, Revision::LATEST);
        for _ in 0..500 {
            for frame in generator.iteration() {
                assert!(!frame.contains(&b'\n'));
            }
        }
    }
}
