//! The catalogue rows the harness deliberately does not check, each with its reason: a
//! requirement a black-box client cannot provoke or observe. They live in
//! `harness/exclusions.yaml`, embedded at build time, so `list` and coverage need no file.

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use std::sync::OnceLock;

/// The embedded `harness/exclusions.yaml`.
const EXCLUSIONS_YAML: &str = include_str!("../../exclusions.yaml");

/// One catalogue row the harness does not check, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exclusion {
    pub catalogue: String,
    pub reason: String,
}

/// Every exclusion, in file order. The embedded file is proven to load by a unit test.
pub fn all() -> &'static [Exclusion] {
    static ALL: OnceLock<Vec<Exclusion>> = OnceLock::new();
    ALL.get_or_init(|| {
        parse(EXCLUSIONS_YAML).unwrap_or_else(|e| panic!("harness/exclusions.yaml:{e}"))
    })
}

/// Parses an exclusions file: a list of `{catalogue, reason}`. Unknown keys, an empty id or
/// reason, and an id listed twice are errors, as `line:column: message`.
pub fn parse(text: &str) -> Result<Vec<Exclusion>, String> {
    let entries: Vec<Spanned<Exclusion>> =
        serde_saphyr::from_str(text).map_err(|e| crate::scenario::load::yaml_error(&e))?;
    let mut seen: Vec<Exclusion> = Vec::new();
    for entry in entries {
        let at = entry.referenced;
        let here = |message: String| format!("{}:{}: {message}", at.line(), at.column());
        let exclusion = entry.value;
        if exclusion.catalogue.trim().is_empty() || exclusion.reason.trim().is_empty() {
            return Err(here(
                "an exclusion needs a catalogue id and a reason".into(),
            ));
        }
        if seen.iter().any(|e| e.catalogue == exclusion.catalogue) {
            return Err(here(format!("{} is excluded twice", exclusion.catalogue)));
        }
        seen.push(exclusion);
    }
    Ok(seen)
}

/// Whether the harness deliberately leaves this catalogue id unchecked.
pub fn is_excluded(catalogue_id: &str) -> bool {
    all().iter().any(|e| e.catalogue == catalogue_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_file_loads() {
        let ids: Vec<&str> = all().iter().map(|e| e.catalogue.as_str()).collect();
        assert!(
            ids.contains(&"BASE-15") && ids.contains(&"TASK-18"),
            "{ids:?}"
        );
        assert!(is_excluded("TASK-18") && !is_excluded("BASE-01"));
    }

    #[test]
    fn unknown_keys_duplicates_and_empty_fields_are_errors_with_positions() {
        let unknown = parse("- catalogue: X-1\n  reason: r\n  note: n\n").unwrap_err();
        assert!(unknown.starts_with("3:3:"), "{unknown}");
        let twice = parse("- { catalogue: X-1, reason: a }\n- { catalogue: X-1, reason: b }\n")
            .unwrap_err();
        assert!(
            twice.starts_with("2:3:") && twice.contains("X-1 is excluded twice"),
            "{twice}"
        );
        let empty = parse("- { catalogue: X-1, reason: \"\" }\n").unwrap_err();
        assert!(empty.starts_with("1:3:"), "{empty}");
        let key_twice = parse("- catalogue: X-1\n  catalogue: X-2\n  reason: r\n").unwrap_err();
        assert!(key_twice.starts_with("2:"), "{key_twice}");
    }
}
