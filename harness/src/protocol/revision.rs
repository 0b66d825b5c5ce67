//! The MCP spec revisions the harness judges, and what each one defines: the methods a client may
//! call, and the server capabilities that gate them.

use std::fmt;
use std::str::FromStr;

/// A published MCP revision, ordered by date, so that `>=` comparisons are meaningful.
/// 2026-07-28 begins the stateless era: no handshake, every request carrying its own protocol
/// version and client capabilities in `_meta`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Revision {
    V2024_11_05,
    V2025_03_26,
    V2025_06_18,
    V2025_11_25,
    V2026_07_28,
}

impl Revision {
    pub const ALL: [Revision; 5] = [
        Revision::V2024_11_05,
        Revision::V2025_03_26,
        Revision::V2025_06_18,
        Revision::V2025_11_25,
        Revision::V2026_07_28,
    ];

    /// The revisions a session reaches through `initialize`.
    pub const HANDSHAKE_ERA: [Revision; 4] = [
        Revision::V2024_11_05,
        Revision::V2025_03_26,
        Revision::V2025_06_18,
        Revision::V2025_11_25,
    ];

    /// The latest revision reached through `initialize`.
    pub const LATEST: Revision = Revision::V2025_11_25;

    /// The stateless revision: `server/discover`, no handshake.
    pub const STATELESS: Revision = Revision::V2026_07_28;

    /// Whether sessions of this revision have no handshake: each request says its revision
    /// and the client's capabilities in `_meta` (2026-07-28).
    pub fn is_stateless(self) -> bool {
        self >= Revision::V2026_07_28
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Revision::V2024_11_05 => "2024-11-05",
            Revision::V2025_03_26 => "2025-03-26",
            Revision::V2025_06_18 => "2025-06-18",
            Revision::V2025_11_25 => "2025-11-25",
            Revision::V2026_07_28 => "2026-07-28",
        }
    }

    /// JSON-RPC batches: receiving them is a MUST in 2025-03-26 only (BASE-16, BASE-17).
    pub fn has_batches(self) -> bool {
        self == Revision::V2025_03_26
    }

    /// The server capability that must be declared for a client request to be served, if any
    /// (LIFE-07, TOOL-01, RES-01, PROM-01, COMP-01, LOG-01).
    pub fn capability_for(self, method: &str) -> Option<&'static str> {
        let feature = method.split('/').next()?;
        match feature {
            "tools" => Some("tools"),
            "resources" => Some("resources"),
            "prompts" => Some("prompts"),
            "logging" => Some("logging"),
            // 2024-11-05 had no completions capability flag.
            "completion" if self >= Revision::V2025_03_26 => Some("completions"),
            _ => None,
        }
    }
}

impl fmt::Display for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Revision {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Revision::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<_> = Revision::ALL.iter().map(|r| r.as_str()).collect();
                format!("unknown revision {s:?} (known: {})", known.join(", "))
            })
    }
}

/// A set of revisions written as in scenario files: `all`, `2025-06-18`, `>=2025-06-18`,
/// `<=2025-03-26`, or a comma-separated list of those.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionRange(Vec<Revision>);

impl RevisionRange {
    pub fn all() -> Self {
        RevisionRange(Revision::ALL.to_vec())
    }

    pub fn contains(&self, r: Revision) -> bool {
        self.0.contains(&r)
    }

    pub fn revisions(&self) -> &[Revision] {
        &self.0
    }
}

impl FromStr for RevisionRange {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut set = Vec::new();
        for part in s.split(',').map(str::trim) {
            let matching: Vec<Revision> = if part == "all" {
                Revision::ALL.to_vec()
            } else if let Some(v) = part.strip_prefix(">=") {
                let v: Revision = v.trim().parse()?;
                Revision::ALL.into_iter().filter(|r| *r >= v).collect()
            } else if let Some(v) = part.strip_prefix("<=") {
                let v: Revision = v.trim().parse()?;
                Revision::ALL.into_iter().filter(|r| *r <= v).collect()
            } else {
                vec![part.parse()?]
            };
            for r in matching {
                if !set.contains(&r) {
                    set.push(r);
                }
            }
        }
        set.sort();
        Ok(RevisionRange(set))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse() {
        let r: RevisionRange = ">=2025-06-18".parse().unwrap();
        assert_eq!(
            r.revisions(),
            &[
                Revision::V2025_06_18,
                Revision::V2025_11_25,
                Revision::V2026_07_28
            ]
        );
        let r: RevisionRange = "2024-11-05, 2025-03-26".parse().unwrap();
        assert_eq!(r.revisions().len(), 2);
        assert!("2023-01-01".parse::<RevisionRange>().is_err());
    }
}
