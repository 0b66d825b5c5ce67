//! Loading scenario files: YAML into the scenario model, with every error (syntax, unknown
//! field, unknown check id, bad matcher) reported as `file:line:column: message`.

use super::{Action, ExpectSpec, ListKind, NotificationScope, Scenario, Step};
use crate::checks;
use crate::protocol::revision::RevisionRange;
use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::{Location, Spanned};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// A scenario file that could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub file: PathBuf,
    pub line: u64,
    pub column: u64,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

impl std::error::Error for LoadError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    id: Spanned<String>,
    title: String,
    #[serde(default)]
    revisions: Option<Spanned<String>>,
    #[serde(default)]
    requires: Option<RequiresSpec>,
    #[serde(default)]
    client: Option<ClientSpec>,
    #[serde(default)]
    handlers: BTreeMap<String, Value>,
    #[serde(default)]
    golden: Option<GoldenSpec>,
    #[serde(default = "yes")]
    parity: bool,
    #[serde(default)]
    tags: Vec<Spanned<String>>,
    steps: Vec<Spanned<StepSpec>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GoldenSpec {
    #[serde(default)]
    redact: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequiresSpec {
    #[serde(default)]
    capabilities: Vec<String>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    transport: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientSpec {
    #[serde(default)]
    capabilities: Option<Value>,
    #[serde(default = "yes")]
    get_stream: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepSpec {
    initialize: Option<InitializeSpec>,
    request: Option<MessageSpec>,
    /// A request every server answers in the session's era.
    probe: Option<EmptySpec>,
    notify: Option<MessageSpec>,
    raw: Option<String>,
    /// A raw frame given as hex, for bytes that are not text (invalid UTF-8) or hold a newline.
    raw_hex: Option<String>,
    expect_notification: Option<NotificationWaitSpec>,
    expect_silence: Option<SilenceSpec>,
    close_input: Option<CloseSpec>,
    reconnect: Option<EmptySpec>,
    http: Option<HttpStepSpec>,
    foreach: Option<ForeachSpec>,
    poll: Option<PollSpec>,
    pages: Option<MessageSpec>,
    expect_no_response: Option<NoResponseSpec>,
    cancel: Option<CancelSpec>,
    /// An explicit id for `request`.
    id: Option<Value>,
    /// `request` only: false sends it and goes on without waiting for the response.
    wait: Option<bool>,
    #[serde(default)]
    expect: Vec<Spanned<ExpectSpecYaml>>,
    #[serde(default)]
    capture: BTreeMap<String, String>,
    when: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EmptySpec {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpStepSpec {
    method: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    body: Option<Value>,
    #[serde(default = "yes")]
    session: bool,
    #[serde(default = "yes")]
    protocol_version: bool,
    #[serde(default)]
    events: usize,
    #[serde(default = "default_wait_ms")]
    within_ms: u64,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct InitializeSpec {
    #[serde(rename = "protocolVersion")]
    protocol_version: Option<String>,
    #[serde(default = "yes")]
    initialized: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageSpec {
    method: String,
    params: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NotificationWaitSpec {
    method: String,
    #[serde(default = "default_wait_ms")]
    within_ms: u64,
}

fn default_wait_ms() -> u64 {
    2000
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoResponseSpec {
    id: Value,
    #[serde(default = "default_wait_ms")]
    within_ms: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CancelSpec {
    id: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SilenceSpec {
    ms: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CloseSpec {
    #[serde(default = "default_wait_ms")]
    within_ms: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ForeachSpec {
    #[serde(rename = "in")]
    list: Spanned<String>,
    #[serde(rename = "as")]
    bind: String,
    steps: Vec<Spanned<StepSpec>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PollSpec {
    method: String,
    params: Option<Value>,
    until: Value,
    #[serde(default = "default_poll_interval")]
    interval_ms: u64,
    #[serde(default = "default_poll_timeout")]
    timeout_ms: u64,
}

fn default_poll_interval() -> u64 {
    100
}

fn default_poll_timeout() -> u64 {
    10_000
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectSpecYaml {
    check: Spanned<String>,
    subject: Option<String>,
    #[serde(rename = "match")]
    matcher: Option<Value>,
    notifications: Option<NotificationScopeYaml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NotificationScopeYaml {
    method: String,
    none: Option<Value>,
    some: Option<Value>,
}

/// Loads every `*.yaml` / `*.yml` file below `dir`, sorted by path. Ids must be unique.
pub fn load_dir(dir: &Path) -> Result<Vec<Scenario>, LoadError> {
    let mut files = Vec::new();
    collect_files(dir, &mut files).map_err(|e| LoadError {
        file: dir.to_path_buf(),
        line: 0,
        column: 0,
        message: format!("cannot read scenario directory: {e}"),
    })?;
    files.sort();
    let mut scenarios: Vec<Scenario> = Vec::new();
    for file in files {
        let scenario = load_file(&file)?;
        if let Some(other) = scenarios.iter().find(|s| s.id == scenario.id) {
            return Err(LoadError {
                file: file.clone(),
                line: 1,
                column: 1,
                message: format!(
                    "scenario id {:?} is already used by {}",
                    scenario.id,
                    other.file.display()
                ),
            });
        }
        scenarios.push(scenario);
    }
    Ok(scenarios)
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if dir.is_file() {
        out.push(dir.to_path_buf());
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            out.push(path);
        }
    }
    Ok(())
}

pub fn load_file(path: &Path) -> Result<Scenario, LoadError> {
    parse(path, &read_text(path)?)
}

/// A file's text, or the load error that says it cannot be read.
pub fn read_text(path: &Path) -> Result<String, LoadError> {
    std::fs::read_to_string(path).map_err(|e| LoadError {
        file: path.to_path_buf(),
        line: 0,
        column: 0,
        message: format!("cannot read: {e}"),
    })
}

/// Parses scenario text; `path` is only used in errors and the model.
pub fn parse(path: &Path, text: &str) -> Result<Scenario, LoadError> {
    let spec: FileSpec = serde_saphyr::from_str(text).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((1, 1));
        LoadError {
            file: path.to_path_buf(),
            line,
            column,
            message: plain_message(&e),
        }
    })?;
    let err = |at: Location, message: String| LoadError {
        file: path.to_path_buf(),
        line: at.line(),
        column: at.column(),
        message,
    };
    if spec.id.value.is_empty() {
        return Err(err(spec.id.referenced, "scenario id is empty".into()));
    }
    let revisions = match &spec.revisions {
        Some(r) => r
            .value
            .parse::<RevisionRange>()
            .map_err(|e| err(r.referenced, e))?,
        None => RevisionRange::all(),
    };
    let requires = spec.requires.unwrap_or(RequiresSpec {
        capabilities: Vec::new(),
        role: None,
        transport: Vec::new(),
    });
    let mut requires_transports = Vec::new();
    for t in &requires.transport {
        let kind = crate::transport::Kind::parse(&t.value).ok_or_else(|| {
            let known: Vec<&str> = crate::transport::Kind::ALL
                .iter()
                .map(|k| k.name())
                .collect();
            err(
                t.referenced,
                format!(
                    "unknown transport {:?} (known: {})",
                    t.value,
                    known.join(", ")
                ),
            )
        })?;
        requires_transports.push(kind);
    }
    if let Some(role) = &requires.role {
        if !crate::runner::roles::is_known(role) {
            return Err(err(
                spec.id.referenced,
                format!(
                    "unknown role {role:?} (known: {})",
                    crate::runner::roles::ROLES.join(", ")
                ),
            ));
        }
    }
    let mut tags = Vec::new();
    for tag in spec.tags {
        let known = super::TAGS.iter().find(|(name, _)| *name == tag.value);
        let Some((name, _)) = known else {
            let known: Vec<&str> = super::TAGS.iter().map(|(name, _)| *name).collect();
            let message = format!("unknown tag {:?} (known: {})", tag.value, known.join(", "));
            return Err(err(tag.referenced, message));
        };
        tags.push(*name);
    }
    let steps = convert_steps(spec.steps, &err)?;
    if steps.is_empty() {
        return Err(err(spec.id.referenced, "scenario has no steps".into()));
    }
    let scenario = Scenario {
        id: spec.id.value,
        title: spec.title,
        file: path.to_path_buf(),
        revisions,
        requires_capabilities: requires.capabilities,
        requires_role: requires.role,
        requires_transports,
        get_stream: spec.client.as_ref().is_none_or(|c| c.get_stream),
        client_capabilities: spec
            .client
            .and_then(|c| c.capabilities)
            .unwrap_or_else(|| Value::Object(Default::default())),
        handlers: spec.handlers.into_iter().collect(),
        golden_redact: spec.golden.map(|g| g.redact).unwrap_or_default(),
        parity: spec.parity,
        tags,
        steps,
    };
    if scenario.check_ids().is_empty() {
        return Err(LoadError {
            file: path.to_path_buf(),
            line: 1,
            column: 1,
            message:
                "scenario names no check in any expect: a scenario that checks nothing cannot pass"
                    .into(),
        });
    }
    Ok(scenario)
}

/// serde-saphyr's rendering includes a source snippet; the first line is the message.
/// A YAML error of one of our other files (baseline, exclusions) as `line:column: message`,
/// 1:1 when the parser knows no position.
pub fn yaml_error(e: &serde_saphyr::Error) -> String {
    let (line, column) = e
        .location()
        .map(|l| (l.line(), l.column()))
        .unwrap_or((1, 1));
    format!("{line}:{column}: {}", plain_message(e))
}

fn plain_message(e: &serde_saphyr::Error) -> String {
    let rendered = e.to_string();
    rendered
        .lines()
        .next()
        .unwrap_or("invalid YAML")
        .trim_start_matches("error: ")
        .to_string()
}

fn convert_steps(
    specs: Vec<Spanned<StepSpec>>,
    err: &impl Fn(Location, String) -> LoadError,
) -> Result<Vec<Step>, LoadError> {
    specs.into_iter().map(|s| convert_step(s, err)).collect()
}

fn convert_step(
    spanned: Spanned<StepSpec>,
    err: &impl Fn(Location, String) -> LoadError,
) -> Result<Step, LoadError> {
    let at = spanned.referenced;
    let s = spanned.value;
    let mut actions: Vec<Action> = Vec::new();
    if let Some(i) = s.initialize {
        actions.push(Action::Initialize {
            protocol_version: i.protocol_version,
            initialized: i.initialized,
        });
    }
    if let Some(m) = s.request {
        actions.push(Action::Request {
            method: m.method,
            params: m.params,
            id: s.id.clone(),
            wait: s.wait.unwrap_or(true),
        });
    } else if s.probe.is_some() {
        if s.wait.is_some() {
            return Err(err(at, "`wait` only goes with `request`".into()));
        }
        actions.push(Action::Probe { id: s.id.clone() });
    } else if s.id.is_some() || s.wait.is_some() {
        return Err(err(at, "`id` and `wait` only go with `request`".into()));
    }
    if let Some(m) = s.pages {
        actions.push(Action::Pages {
            method: m.method,
            params: m.params,
        });
    }
    if let Some(n) = s.expect_no_response {
        actions.push(Action::ExpectNoResponse {
            id: n.id,
            within_ms: n.within_ms,
        });
    }
    if let Some(c) = s.cancel {
        actions.push(Action::Cancel { id: c.id });
    }
    if let Some(m) = s.notify {
        actions.push(Action::Notify {
            method: m.method,
            params: m.params,
        });
    }
    let hex_bytes = (s.raw_hex.map(|hex| decode_hex(&hex)))
        .map(|bytes| bytes.ok_or_else(|| err(at, "raw_hex must be pairs of hex digits".into())))
        .transpose()?;
    for bytes in s.raw.map(String::into_bytes).into_iter().chain(hex_bytes) {
        if bytes.contains(&b'\n') {
            return Err(err(at, "a raw frame cannot contain a newline".into()));
        }
        actions.push(Action::Raw(bytes));
    }
    if let Some(n) = s.expect_notification {
        actions.push(Action::ExpectNotification {
            method: n.method,
            within_ms: n.within_ms,
        });
    }
    if let Some(q) = s.expect_silence {
        actions.push(Action::ExpectSilence { ms: q.ms });
    }
    if let Some(c) = s.close_input {
        actions.push(Action::CloseInput {
            within_ms: c.within_ms,
        });
    }
    if s.reconnect.is_some() {
        actions.push(Action::Reconnect);
    }
    if let Some(h) = s.http {
        actions.push(Action::Http(super::HttpSpec {
            method: h.method.to_ascii_uppercase(),
            headers: h.headers.into_iter().collect(),
            body: h.body,
            session: h.session,
            protocol_version: h.protocol_version,
            events: h.events,
            within_ms: h.within_ms,
        }));
    }
    if let Some(f) = s.foreach {
        let list = match f.list.value.as_str() {
            "tools" => ListKind::Tools,
            "resources" => ListKind::Resources,
            "prompts" => ListKind::Prompts,
            other => {
                return Err(err(
                    f.list.referenced,
                    format!("foreach over {other:?}: expected tools, resources or prompts"),
                ))
            }
        };
        actions.push(Action::Foreach {
            list,
            bind: f.bind,
            steps: convert_steps(f.steps, err)?,
        });
    }
    if let Some(p) = s.poll {
        matcher_ok(&p.until, at, err)?;
        actions.push(Action::Poll {
            method: p.method,
            params: p.params,
            until: p.until,
            interval_ms: p.interval_ms,
            timeout_ms: p.timeout_ms,
        });
    }
    if actions.len() != 1 {
        return Err(err(
            at,
            format!(
                "a step needs exactly one action (initialize, request, probe, pages, cancel, notify, raw, raw_hex, expect_notification, expect_silence, expect_no_response, close_input, reconnect, http, foreach, poll); found {}",
                actions.len()
            ),
        ));
    }
    let action = actions.pop().expect("exactly one");
    let mut expect = Vec::new();
    for e in s.expect {
        let e_at = e.referenced;
        let e = e.value;
        let check = checks::find(&e.check.value).ok_or_else(|| {
            err(
                e.check.referenced,
                format!(
                    "unknown check id {:?} (`zcpspec list` shows them)",
                    e.check.value
                ),
            )
        })?;
        if let Some(m) = &e.matcher {
            matcher_ok(m, e_at, err)?;
        }
        let notifications = match e.notifications {
            Some(n) => {
                for m in n.none.iter().chain(n.some.iter()) {
                    matcher_ok(m, e_at, err)?;
                }
                if n.none.is_none() && n.some.is_none() {
                    return Err(err(e_at, "notifications: needs `none` or `some`".into()));
                }
                Some(NotificationScope {
                    method: n.method,
                    none: n.none,
                    some: n.some,
                })
            }
            None => None,
        };
        if e.matcher.is_none()
            && notifications.is_none()
            && !matches!(
                action,
                Action::CloseInput { .. }
                    | Action::ExpectNotification { .. }
                    | Action::ExpectSilence { .. }
                    | Action::ExpectNoResponse { .. }
            )
        {
            return Err(err(
                e_at,
                "this expectation has no `match` or `notifications`: it would check nothing".into(),
            ));
        }
        expect.push(ExpectSpec {
            check: check.id,
            subject: e.subject,
            matcher: e.matcher,
            notifications,
        });
    }
    if !expect.is_empty() && matches!(action, Action::Foreach { .. } | Action::Notify { .. }) {
        return Err(err(
            at,
            "expectations go on the steps inside foreach, and a notification has no response to expect".into(),
        ));
    }
    let when = match s.when {
        Some(w) => Some(parse_when(&w.value).ok_or_else(|| {
            err(
                w.referenced,
                format!(
                    "`when` takes ${{var}} or ${{var}} == value, not {:?}",
                    w.value
                ),
            )
        })?),
        None => None,
    };
    Ok(Step {
        action,
        expect,
        capture: s.capture.into_iter().collect(),
        when,
    })
}

fn parse_when(text: &str) -> Option<super::When> {
    let (reference, equals) = match text.split_once("==") {
        Some((r, v)) => {
            let v = v.trim();
            let value = serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.to_string()));
            (r.trim(), Some(value))
        }
        None => (text.trim(), None),
    };
    let reference = reference.strip_prefix("${")?.strip_suffix('}')?;
    (!reference.is_empty()).then(|| super::When {
        reference: reference.to_string(),
        equals,
        text: text.trim().to_string(),
    })
}

fn matcher_ok(
    m: &Value,
    at: Location,
    err: &impl Fn(Location, String) -> LoadError,
) -> Result<(), LoadError> {
    super::matcher::validate(m).map_err(|e| err(at, format!("bad matcher: {e}")))
}

/// The bytes a hex string spells (two digits a byte, either case); None if it spells none.
fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    let digits = hex.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Scenario, LoadError> {
        parse(Path::new("t.yaml"), text)
    }

    #[test]
    fn loads_a_scenario() {
        let s = parse_str(
            r#"
id: base/ping
title: ping answers
steps:
  - initialize: {}
  - request: { method: ping }
    expect:
      - check: lifecycle/ping
        match: { result: { $exact: {} } }
"#,
        )
        .unwrap();
        assert_eq!(s.steps.len(), 2);
        assert_eq!(s.check_ids(), vec!["lifecycle/ping"]);
    }

    #[test]
    fn errors_carry_line_and_column() {
        let e = parse_str("id: x\ntitle: t\nsteps:\n  - request: { method: ping }\n    expect:\n      - check: no/such-check\n        match: {}\n").unwrap_err();
        assert_eq!((e.line, e.column), (6, 16), "{e}");
        assert!(e.message.contains("unknown check id"), "{e}");

        let e = parse_str("id: x\ntitle: t\nsteps:\n  - requets: {}\n").unwrap_err();
        assert_eq!(e.line, 4, "{e}");

        let e = parse_str("id: x\ntitle: [unclosed\n").unwrap_err();
        assert!(e.line >= 2, "{e}");
    }

    #[test]
    fn tags_come_from_the_known_ones() {
        let scenario = "id: a/b\ntitle: t\ntags: [slow, tasks]\nsteps:\n  - request: { method: ping }\n    expect:\n      - check: lifecycle/ping\n        match: {}\n";
        assert_eq!(parse_str(scenario).unwrap().tags, ["slow", "tasks"]);
        let e = parse_str(&scenario.replace("tasks]", "quick]")).unwrap_err();
        assert_eq!((e.line, e.column), (3, 14), "{e}");
        assert!(
            e.message.contains("unknown tag \"quick\" (known: slow,"),
            "{e}"
        );
    }

    #[test]
    fn raw_hex_frames_are_bytes_and_bad_hex_is_refused() {
        let scenario = "id: a/b\ntitle: t\nsteps:\n  - raw_hex: \"ff7b\"\n    expect:\n      - check: base/parse-error\n        match: { error: { code: -32700 } }\n";
        let loaded = parse_str(scenario).unwrap();
        assert!(matches!(&loaded.steps[0].action, Action::Raw(bytes) if bytes == &[0xff, b'{']));
        let error = parse_str(&scenario.replace("ff7b", "f7z"))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("t.yaml:4:") && error.contains("raw_hex must be pairs of hex digits"),
            "{error}"
        );
        let error = parse_str(&scenario.replace("ff7b", "0a"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("cannot contain a newline"), "{error}");
    }

    #[test]
    fn a_scenario_without_checks_is_refused() {
        let e = parse_str("id: x\ntitle: t\nsteps:\n  - initialize: {}\n").unwrap_err();
        assert!(e.message.contains("checks nothing"), "{e}");
    }
}
