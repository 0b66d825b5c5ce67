//! Findings: the frames behind a flaw, minimised by replaying them in fresh sessions (fewest
//! frames first, then smaller frames), and saved as a scenario that `zcpspec run` replays,
//! beside a JSON record with the seed that found it.

use super::oracle::Flaw;
use super::probe::Probe;
use super::to_bytes;
use super::Campaign;
use serde_json::{Map, Value};
use std::time::{Duration, Instant};

/// The most fresh sessions one minimisation may use, and how long it may take.
const MAX_ATTEMPTS: usize = 200;
const MAX_TIME: Duration = Duration::from_secs(60);

pub struct Finding {
    pub flaw: Flaw,
    /// The frames sent after the prefix (or from the start, without one).
    pub frames: Vec<Vec<u8>>,
    /// The session sent no initialize first.
    pub skip_prefix: bool,
    pub worker: u64,
    /// The iteration (of its worker) that showed it.
    pub iteration: u64,
}

/// Replays frames in fresh sessions to find fewer and smaller ones that still show the flaw.
pub struct Minimiser<'a> {
    campaign: &'a Campaign,
    signature: String,
    skip_prefix: bool,
    attempts: usize,
    started: Instant,
}

impl<'a> Minimiser<'a> {
    pub fn new(campaign: &'a Campaign, finding: &Finding) -> Self {
        Minimiser {
            campaign,
            signature: finding.flaw.signature(),
            skip_prefix: finding.skip_prefix,
            attempts: 0,
            started: Instant::now(),
        }
    }

    fn exhausted(&self) -> bool {
        self.attempts >= MAX_ATTEMPTS || self.started.elapsed() >= MAX_TIME
    }

    /// Whether `frames`, sent in a fresh session, show a flaw of the same signature.
    pub async fn reproduces(&mut self, frames: &[Vec<u8>]) -> bool {
        self.attempts += 1;
        let c = self.campaign;
        let Ok(mut probe) = Probe::open(&c.target, c.timeout, c.max_frame, None).await else {
            return false;
        };
        let mut flaws = Vec::new();
        if !self.skip_prefix {
            flaws.extend(probe.initialize(c.revision).await);
        }
        flaws.extend(probe.exchange(frames).await);
        flaws.extend(probe.finish().await);
        flaws.iter().any(|f| f.signature() == self.signature)
    }

    /// The smallest frames found that still show the flaw (the input itself if nothing smaller
    /// does, or if it does not reproduce at all).
    pub async fn minimise(&mut self, frames: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        let fewer = self.fewer_frames(frames).await;
        let mut frames = fewer;
        for index in 0..frames.len() {
            frames = self.smaller_frame(frames, index).await;
        }
        frames
    }

    /// Delta debugging over whole frames.
    async fn fewer_frames(&mut self, mut frames: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        if self.reproduces(&[]).await {
            return Vec::new();
        }
        let mut parts = 2;
        while frames.len() >= 2 && !self.exhausted() {
            let chunk = frames.len().div_ceil(parts);
            let mut reduced = false;
            for start in (0..frames.len()).step_by(chunk) {
                let mut rest = frames[..start].to_vec();
                rest.extend_from_slice(&frames[(start + chunk).min(frames.len())..]);
                if self.reproduces(&rest).await {
                    frames = rest;
                    parts = (parts - 1).max(2);
                    reduced = true;
                    break;
                }
            }
            if !reduced {
                if parts >= frames.len() {
                    break;
                }
                parts = (parts * 2).min(frames.len());
            }
        }
        frames
    }

    /// Greedy shrinking of one frame: JSON made simpler, other bytes cut.
    async fn smaller_frame(&mut self, mut frames: Vec<Vec<u8>>, index: usize) -> Vec<Vec<u8>> {
        loop {
            let candidates = match serde_json::from_slice::<Value>(&frames[index]) {
                Ok(value) => simpler(&value).iter().map(to_bytes).collect(),
                Err(_) => shorter(&frames[index]),
            };
            let mut shrunk = false;
            for candidate in candidates {
                if self.exhausted() {
                    return frames;
                }
                let mut trial = frames.clone();
                trial[index] = candidate;
                if self.reproduces(&trial).await {
                    frames = trial;
                    shrunk = true;
                    break;
                }
            }
            if !shrunk {
                return frames;
            }
        }
    }
}

/// Values one step simpler than `value`: a member or element removed, a long string halved,
/// a nested array replaced by its first element; biggest savings first.
fn simpler(value: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    match value {
        Value::String(s) if s.len() > 8 => {
            out.push(Value::String(
                s.chars().take(s.chars().count() / 2).collect(),
            ));
        }
        Value::Array(items) => {
            if let Some(Value::Array(_)) = items.first() {
                out.push(items[0].clone());
            }
            for i in 0..items.len() {
                let mut fewer = items.clone();
                fewer.remove(i);
                out.push(Value::Array(fewer));
            }
            for (i, item) in items.iter().enumerate() {
                for simple in simpler(item) {
                    let mut changed = items.clone();
                    changed[i] = simple;
                    out.push(Value::Array(changed));
                }
            }
        }
        Value::Object(members) => {
            for key in members.keys() {
                let mut fewer: Map<String, Value> = members.clone();
                fewer.remove(key);
                out.push(Value::Object(fewer));
            }
            for (key, member) in members {
                for simple in simpler(member) {
                    let mut changed = members.clone();
                    changed.insert(key.clone(), simple);
                    out.push(Value::Object(changed));
                }
            }
        }
        _ => {}
    }
    let size = value_size(value);
    out.sort_by_cached_key(|v| value_size(v).min(size));
    out
}

fn value_size(value: &Value) -> usize {
    to_bytes(value).len()
}

/// Bytes with a half, a quarter or an eighth cut out.
fn shorter(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for parts in [2, 4, 8] {
        let chunk = bytes.len() / parts;
        if chunk == 0 {
            continue;
        }
        for start in (0..bytes.len()).step_by(chunk) {
            let mut cut = bytes[..start].to_vec();
            cut.extend_from_slice(&bytes[(start + chunk).min(bytes.len())..]);
            out.push(cut);
        }
    }
    out
}

/// The finding as a scenario: initialize (unless the session had no prefix), each frame sent
/// raw (as text, or as hex when it is not printable text), a valid request expected to be
/// answered, and a final ping the server must still answer.
pub fn scenario(finding: &Finding, id: &str, seed: u64, target: &str) -> String {
    let mut yaml = format!(
        "# Found by `zcpspec fuzz --seed {seed}` (worker {}, iteration {}) against {target}.\n\
         # Replay: zcpspec run --scenarios <this file> against the same target.\n\
         id: {id}\ntitle: {}\nsteps:\n",
        finding.worker,
        finding.iteration,
        quote(&format!("Fuzz finding: {}", finding.flaw.describe())),
    );
    if !finding.skip_prefix {
        yaml.push_str("  - initialize: {}\n");
    }
    for frame in &finding.frames {
        match std::str::from_utf8(frame) {
            Ok(text) if !text.chars().any(char::is_control) => {
                yaml.push_str(&format!("  - raw: {}\n", quote(text)));
            }
            _ => yaml.push_str(&format!("  - raw_hex: \"{}\"\n", hex(frame))),
        }
        let parsed = serde_json::from_slice::<Value>(frame).ok();
        if parsed
            .as_ref()
            .and_then(crate::protocol::frame::answerable_id)
            .is_some()
        {
            yaml.push_str(
                "    expect:\n      - check: base/request-answered\n        match: { $type: object }\n",
            );
        }
    }
    yaml.push_str(
        "  - request: { method: ping }\n    expect:\n      - check: base/survives-malformed-input\n        match: { $type: object }\n",
    );
    yaml
}

/// A YAML single-quoted scalar.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn simpler_values_are_smaller_and_keep_nothing_new() {
        let value = json!({ "a": "a long string here", "b": [[1], 2] });
        let candidates = simpler(&value);
        assert!(!candidates.is_empty());
        for candidate in &candidates {
            assert!(value_size(candidate) < value_size(&value), "{candidate}");
        }
    }

    #[test]
    fn scenarios_send_text_raw_and_other_bytes_as_hex() {
        let finding = Finding {
            flaw: Flaw::Exited {
                code: Some(1),
                signal: None,
            },
            frames: vec![
                b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}".to_vec(),
                vec![0xff, b'{'],
            ],
            skip_prefix: false,
            worker: 0,
            iteration: 3,
        };
        let yaml = scenario(&finding, "fuzz/exit", 7, "embedded reference server");
        assert!(yaml.contains("  - raw: '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}'\n    expect:\n      - check: base/request-answered"));
        assert!(yaml.contains("  - raw_hex: \"ff7b\"\n"));
        let parsed = crate::scenario::load::parse(std::path::Path::new("finding.yaml"), &yaml);
        assert!(parsed.is_ok(), "{parsed:?}");
    }
}
