//! Target profiles: a YAML file saying, for one server, which tool (with which arguments) or
//! which resource plays a fixture role. The runner consults it before discovery, so a server
//! that names no roles in `_meta` can still fill them.
//!
//! ```yaml
//! roles:
//!   emits_progress: { tool: count, arguments: { to: 2 } }
//!   subscribable: { resource: "ref://counter" }
//! ```

use super::roles;
use crate::scenario::LoadError;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::{Location, Spanned};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// What plays a role on the target.
#[derive(Debug, Clone, PartialEq)]
pub enum Player {
    /// A listed tool, called with `arguments` when given (instead of generated ones).
    Tool {
        name: String,
        arguments: Option<Value>,
    },
    /// A listed resource, by URI.
    Resource { uri: String },
}

/// The roles a profile fills. The default profile fills none: every role comes from discovery.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    roles: BTreeMap<String, Player>,
}

impl Profile {
    /// What the profile says plays `role`, if anything.
    pub fn player(&self, role: &str) -> Option<&Player> {
        self.roles.get(role)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    roles: RoleEntries,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlayerSpec {
    tool: Option<String>,
    resource: Option<String>,
    arguments: Option<Spanned<Value>>,
}

/// The `roles` mapping in file order, each role name with its position.
struct RoleEntries(Vec<(Spanned<String>, Spanned<PlayerSpec>)>);

impl<'de> Deserialize<'de> for RoleEntries {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = RoleEntries;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping from role names to { tool, arguments } or { resource }")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RoleEntries, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(RoleEntries(entries))
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

/// Reads a profile file. Every error is `file:line:column: message`.
pub fn load(path: &Path) -> Result<Profile, LoadError> {
    parse(path, &crate::scenario::load::read_text(path)?)
}

/// Parses profile text; `path` is only used in errors.
pub fn parse(path: &Path, text: &str) -> Result<Profile, LoadError> {
    let err = |at: Location, message: String| LoadError {
        file: path.to_path_buf(),
        line: at.line(),
        column: at.column(),
        message,
    };
    let spec: FileSpec = serde_saphyr::from_str(text).map_err(|e| {
        let at = e.location().unwrap_or(Location::UNKNOWN);
        let rendered = e.to_string();
        let message = rendered.lines().next().unwrap_or("invalid YAML");
        LoadError {
            line: at.line().max(1),
            column: at.column().max(1),
            ..err(at, message.trim_start_matches("error: ").to_string())
        }
    })?;
    let mut profile = Profile::default();
    for (role, player) in spec.roles.0 {
        let (name, at) = (role.value, role.referenced);
        if !roles::is_known(&name) {
            return Err(err(
                at,
                format!("unknown role {name:?} (known: {})", roles::ROLES.join(", ")),
            ));
        }
        let player = player_for(&name, player).map_err(|(at, message)| err(at, message))?;
        profile.roles.insert(name, player);
    }
    Ok(profile)
}

/// What a role's entry names, checked against the kind of role: a tool role takes `tool` (and
/// optional `arguments`, a mapping), a resource role takes `resource`.
fn player_for(role: &str, spec: Spanned<PlayerSpec>) -> Result<Player, (Location, String)> {
    let at = spec.referenced;
    let PlayerSpec {
        tool,
        resource,
        arguments,
    } = spec.value;
    match (tool, resource, roles::is_resource_role(role)) {
        (Some(_), Some(_), _) => Err((
            at,
            format!("role {role}: name a tool or a resource, not both"),
        )),
        (Some(name), None, false) => match arguments {
            Some(args) if !args.value.is_object() => Err((
                args.referenced,
                format!("role {role}: arguments must be a mapping"),
            )),
            arguments => Ok(Player::Tool {
                name,
                arguments: arguments.map(|a| a.value),
            }),
        },
        (None, Some(uri), true) => match arguments {
            Some(args) => Err((
                args.referenced,
                format!("role {role}: a resource takes no arguments"),
            )),
            None => Ok(Player::Resource { uri }),
        },
        (_, _, true) => Err((
            at,
            format!("role {role} is played by a resource: {{ resource: URI }}"),
        )),
        (_, _, false) => Err((
            at,
            format!("role {role} is played by a tool: {{ tool: NAME, arguments: {{…}} }}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse_str(text: &str) -> Result<Profile, String> {
        parse(Path::new("p.yaml"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn loads_tool_and_resource_roles() {
        let profile = parse_str(
            "roles:\n  emits_progress: { tool: count, arguments: { to: 2 } }\n  long_running: { tool: sleep }\n  subscribable: { resource: \"ref://counter\" }\n",
        )
        .unwrap();
        assert_eq!(
            profile.player("emits_progress"),
            Some(&Player::Tool {
                name: "count".into(),
                arguments: Some(json!({"to": 2}))
            })
        );
        assert_eq!(
            profile.player("long_running"),
            Some(&Player::Tool {
                name: "sleep".into(),
                arguments: None
            })
        );
        assert_eq!(
            profile.player("subscribable"),
            Some(&Player::Resource {
                uri: "ref://counter".into()
            })
        );
        assert_eq!(profile.player("logs"), None);
        assert_eq!(parse_str("roles: {}\n").unwrap(), Profile::default());
    }

    #[test]
    fn errors_point_at_file_line_and_column() {
        let cases = [
            (
                "roles:\n  emits_progres: { tool: count }\n",
                "p.yaml:2:3: unknown role \"emits_progres\"",
            ),
            ("roles:\n  logs: { tool: log, note: x }\n", "p.yaml:2:"),
            (
                "roles:\n  logs: { tool: log, resource: \"a://b\" }\n",
                "p.yaml:2:9: role logs: name a tool or a resource, not both",
            ),
            (
                "roles:\n  logs:\n    tool: log\n    arguments: [1]\n",
                "p.yaml:4:16: role logs: arguments must be a mapping",
            ),
            ("roles:\n  logs: { tool: [log] }\n", "p.yaml:2:"),
            (
                "roles:\n  subscribable: { tool: log }\n",
                "p.yaml:2:17: role subscribable is played by a resource",
            ),
            (
                "roles:\n  logs: { resource: \"a://b\" }\n",
                "p.yaml:2:9: role logs is played by a tool",
            ),
            (
                "roles:\n  logs: { tool: a }\n  logs: { tool: b }\n",
                "p.yaml:3:",
            ),
            ("rolez: {}\n", "p.yaml:1:1:"),
        ];
        for (text, expected) in cases {
            let e = parse_str(text).unwrap_err();
            assert!(e.starts_with(expected), "{text:?}: {e}");
        }
    }
}
