//! The targets file (`run --targets FILE`): several servers, each with a name, how to reach
//! it, and its own profile, baseline and timeout, run one after the other into one report with
//! a section per target.
//!
//! ```yaml
//! - name: stdio
//!   command: [python, server.py]        # spawned over stdio, from the working directory
//!   profile: profiles/mine.yaml         # paths are relative to this file
//!   baseline: baselines/stdio.yaml
//! - name: http
//!   url: http://127.0.0.1:8000/mcp
//!   transport: streamable-http          # or sse, ws, zcp; by default from the scheme
//!   headers: { X-Tenant: ci }
//!   bearer_env: SERVER_TOKEN            # the token is read from this variable
//!   timeout_ms: 15000
//!   revision: 2026-07-28                # by default the run's (--revision)
//! - name: reference
//!   embedded: true                      # zcpspec's reference server
//!   fault: no-initialized-wait          # optionally broken
//! ```

use crate::protocol::Revision;
use crate::reference::Fault;
use crate::runner::profile::{self, Profile};
use crate::runner::Target;
use crate::transport::{self, Kind, NetOptions};
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One target as the file spells it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    name: String,
    command: Option<Vec<String>>,
    url: Option<String>,
    #[serde(default)]
    embedded: bool,
    fault: Option<String>,
    transport: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    bearer_env: Option<String>,
    profile: Option<PathBuf>,
    baseline: Option<PathBuf>,
    timeout_ms: Option<u64>,
    revision: Option<String>,
}

/// A target of a targets file, ready to run.
#[derive(Debug, Clone)]
pub struct NamedTarget {
    /// Names its section of the report and its folder among the report files.
    pub name: String,
    pub target: Target,
    pub profile: Profile,
    pub baseline: Option<PathBuf>,
    /// How long to wait for any one response, when not the run's.
    pub timeout: Option<Duration>,
    /// The revision to speak, when not the run's.
    pub revision: Option<Revision>,
}

/// Reads a targets file. `max_frame` and `timeout` are the run's, for network targets that
/// name no timeout of their own. Errors name the file, line and column of the entry (and a
/// bad profile's own position after it).
pub fn load(path: &Path, max_frame: usize, timeout: Duration) -> Result<Vec<NamedTarget>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read the targets file: {e}", path.display()))?;
    let raw: Vec<Spanned<RawTarget>> = serde_saphyr::from_str(&text).map_err(|e| {
        format!(
            "{}:{}",
            path.display(),
            crate::scenario::load::yaml_error(&e)
        )
    })?;
    if raw.is_empty() {
        return Err(format!("{}: names no target", path.display()));
    }
    let folder = path.parent().unwrap_or(Path::new(""));
    let mut targets: Vec<NamedTarget> = Vec::new();
    for spanned in raw {
        let at = spanned.referenced;
        let here = |message: String| {
            format!(
                "{}:{}:{}: {message}",
                path.display(),
                at.line(),
                at.column()
            )
        };
        let raw = spanned.value;
        if targets.iter().any(|t| t.name == raw.name) {
            return Err(here(format!("a second target named {:?}", raw.name)));
        }
        targets.push(named(raw, folder, max_frame, timeout).map_err(here)?);
    }
    Ok(targets)
}

fn named(
    raw: RawTarget,
    folder: &Path,
    max_frame: usize,
    run_timeout: Duration,
) -> Result<NamedTarget, String> {
    let name_ok = !raw.name.is_empty()
        && !raw.name.starts_with('.')
        && (raw.name.bytes()).all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if !name_ok {
        return Err(format!(
            "{:?} is not a target name: letters, digits, `-`, `_` and `.`, not first",
            raw.name
        ));
    }
    let networked = raw.transport.is_some() || !raw.headers.is_empty() || raw.bearer_env.is_some();
    if networked && raw.url.is_none() {
        return Err("transport, headers and bearer_env are for a target with a url".into());
    }
    if raw.fault.is_some() && !raw.embedded {
        return Err("fault is for the embedded reference server (embedded: true)".into());
    }
    let timeout = raw.timeout_ms.map(Duration::from_millis);
    let target = match (raw.command, raw.url, raw.embedded) {
        (Some(command), None, false) => {
            if command.is_empty() || command[0].is_empty() {
                return Err("command names no program".into());
            }
            Target::Command(command)
        }
        (None, Some(url), false) => {
            let transport = match raw.transport.as_deref() {
                None => None,
                Some(name) => Some(Kind::parse(name).filter(|k| *k != Kind::Stdio).ok_or_else(
                    || format!("transport {name:?}: expected streamable-http, sse, ws or zcp"),
                )?),
            };
            if let Some(header) = raw.headers.keys().find(|h| !transport::is_header_name(h)) {
                return Err(format!("{header:?} is not a header name"));
            }
            let bearer = match &raw.bearer_env {
                Some(var) => Some(
                    std::env::var(var)
                        .map_err(|_| format!("bearer_env {var}: the variable is not set"))?,
                ),
                None => None,
            };
            let options = NetOptions {
                headers: raw.headers.into_iter().collect(),
                bearer,
                max_frame,
                timeout: timeout.unwrap_or(run_timeout),
            };
            Target::url(url, transport, options)?
        }
        (None, None, true) => {
            let fault = match raw.fault {
                Some(name) => Some(name.parse::<Fault>()?),
                None => None,
            };
            Target::Embedded { fault }
        }
        _ => return Err("a target is exactly one of command, url and embedded: true".into()),
    };
    let profile = match raw.profile {
        Some(file) => profile::load(&folder.join(file)).map_err(|e| e.to_string())?,
        None => Profile::default(),
    };
    let revision = match raw.revision.as_deref() {
        Some(text) => Some(text.parse::<Revision>()?),
        None => None,
    };
    Ok(NamedTarget {
        revision,
        name: raw.name,
        target,
        profile,
        baseline: raw.baseline.map(|file| folder.join(file)),
        timeout,
    })
}
