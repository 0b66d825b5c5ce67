//! Catalogue coverage: for each area of the requirement catalogue, which mandatory rows (a level
//! containing MUST) some check covers, which are excluded on purpose (`exclusions`), and which
//! are neither. The catalogue is not part of the project: it is read at run time from its CSV.

use super::{exclusions, CHECKS};
use crate::protocol::revision::RevisionRange;
use crate::protocol::Revision;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

/// One catalogue row, as far as coverage needs it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Row {
    pub id: String,
    /// MUST, MUST NOT, SHOULD, `MAY / MUST`, schema, info, …
    pub level: String,
    /// The revisions the row applies to, `;`-separated (`2025-06-18;2025-11-25;draft`).
    pub versions: String,
}

impl Row {
    /// The id's prefix: `BASE` for `BASE-15`.
    pub fn area(&self) -> &str {
        self.id.split('-').next().unwrap_or(&self.id)
    }

    /// Whether the row states an obligation: its level contains MUST (MUST NOT and `MAY /
    /// MUST` included).
    pub fn is_mandatory(&self) -> bool {
        self.level.contains("MUST")
    }

    /// Whether the row applies to any revision of `revisions`. The tasks extension's rows
    /// (`ext-tasks-draft`) go with 2026-07-28, the revision it extends; versions the harness
    /// does not know (`draft`, later revisions) never match.
    pub fn applies_to(&self, revisions: &RevisionRange) -> bool {
        self.versions
            .split(';')
            .filter_map(|v| match v.trim() {
                "ext-tasks-draft" => Some(Revision::STATELESS),
                v => v.parse::<Revision>().ok(),
            })
            .any(|r| revisions.contains(r))
    }
}

/// Reads the catalogue CSV (a header row naming at least `id`, `level` and `versions`).
pub fn read_catalogue(path: &Path) -> Result<Vec<Row>, String> {
    let mut reader =
        csv::Reader::from_path(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    reader
        .deserialize()
        .collect::<Result<Vec<Row>, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Every catalogue id some check names.
pub fn covered_ids() -> BTreeSet<&'static str> {
    CHECKS
        .iter()
        .flat_map(|c| c.catalogue.iter().copied())
        .collect()
}

/// The mandatory rows of one area, sorted into covered, excluded and uncovered (catalogue order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AreaCoverage {
    pub area: String,
    pub covered: Vec<String>,
    pub excluded: Vec<String>,
    pub uncovered: Vec<String>,
}

impl AreaCoverage {
    pub fn rows(&self) -> usize {
        self.covered.len() + self.excluded.len() + self.uncovered.len()
    }
}

/// Coverage of the mandatory rows that apply to a set of revisions, area by area in catalogue
/// order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coverage {
    pub revisions: Vec<&'static str>,
    pub areas: Vec<AreaCoverage>,
}

impl Coverage {
    pub fn of(rows: &[Row], revisions: &RevisionRange) -> Coverage {
        let covered = covered_ids();
        let mut areas: Vec<AreaCoverage> = Vec::new();
        for row in rows
            .iter()
            .filter(|r| r.is_mandatory() && r.applies_to(revisions))
        {
            let index = match areas.iter().position(|a| a.area == row.area()) {
                Some(i) => i,
                None => {
                    areas.push(AreaCoverage {
                        area: row.area().to_string(),
                        covered: Vec::new(),
                        excluded: Vec::new(),
                        uncovered: Vec::new(),
                    });
                    areas.len() - 1
                }
            };
            let area = &mut areas[index];
            let id = row.id.clone();
            if covered.contains(row.id.as_str()) {
                area.covered.push(id);
            } else if exclusions::is_excluded(&row.id) {
                area.excluded.push(id);
            } else {
                area.uncovered.push(id);
            }
        }
        Coverage {
            revisions: revisions.revisions().iter().map(|r| r.as_str()).collect(),
            areas,
        }
    }

    /// (rows, covered, excluded, uncovered) over every area.
    pub fn totals(&self) -> (usize, usize, usize, usize) {
        self.areas.iter().fold((0, 0, 0, 0), |(r, c, e, u), a| {
            (
                r + a.rows(),
                c + a.covered.len(),
                e + a.excluded.len(),
                u + a.uncovered.len(),
            )
        })
    }

    /// The share of mandatory rows some check covers, in percent (excluded rows count against
    /// it: they are requirements the harness does not judge).
    pub fn percent(&self) -> f64 {
        let (rows, covered, _, _) = self.totals();
        if rows == 0 {
            100.0
        } else {
            covered as f64 * 100.0 / rows as f64
        }
    }

    /// Every uncovered id, in catalogue order.
    pub fn uncovered(&self) -> Vec<&str> {
        self.areas
            .iter()
            .flat_map(|a| a.uncovered.iter().map(String::as_str))
            .collect()
    }

    /// The table `zcpspec list --coverage` prints: one line per area, then the total.
    pub fn table(&self) -> String {
        let mut out = format!(
            "MUST / MUST NOT rows of the catalogue for {}\n",
            self.revisions.join(", ")
        );
        let _ = writeln!(
            out,
            "{:<8} {:>5} {:>8} {:>9} {:>10}  uncovered ids",
            "area", "rows", "covered", "excluded", "uncovered"
        );
        for a in &self.areas {
            let _ = writeln!(
                out,
                "{:<8} {:>5} {:>8} {:>9} {:>10}  {}",
                a.area,
                a.rows(),
                a.covered.len(),
                a.excluded.len(),
                a.uncovered.len(),
                a.uncovered.join(", ")
            );
        }
        let (rows, covered, excluded, uncovered) = self.totals();
        let _ = writeln!(
            out,
            "{:<8} {:>5} {:>8} {:>9} {:>10}  {:.1}% covered",
            "total",
            rows,
            covered,
            excluded,
            uncovered,
            self.percent()
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, level: &str, versions: &str) -> Row {
        Row {
            id: id.into(),
            level: level.into(),
            versions: versions.into(),
        }
    }

    #[test]
    fn counts_mandatory_rows_of_the_chosen_revisions_by_area() {
        let rows = [
            row("BASE-01", "MUST", "2024-11-05;2025-11-25;draft"),
            row("BASE-15", "MUST", "2024-11-05"),
            row("BASE-99", "MAY / MUST NOT", "2025-06-18"),
            row("BASE-98", "SHOULD", "2025-06-18"),
            row("MRTR-01", "MUST", "2026-07-28;draft"),
            row("TASKX-01", "MUST", "ext-tasks-draft"),
            row("LIFE-99", "MUST", "2024-11-05"),
        ];
        let handshake_era: RevisionRange = "<=2025-11-25".parse().unwrap();
        let coverage = Coverage::of(&rows, &handshake_era);
        let areas: Vec<&str> = coverage.areas.iter().map(|a| a.area.as_str()).collect();
        assert_eq!(areas, ["BASE", "LIFE"]);
        // 2026-07-28 brings its own rows, and the tasks extension's.
        let stateless = Coverage::of(&rows, &"2026-07-28".parse().unwrap());
        let areas: Vec<&str> = stateless.areas.iter().map(|a| a.area.as_str()).collect();
        assert_eq!(areas, ["MRTR", "TASKX"]);
        assert_eq!(Coverage::of(&rows, &RevisionRange::all()).totals().0, 6);
        let base = &coverage.areas[0];
        assert_eq!(base.covered, ["BASE-01"]);
        assert_eq!(base.excluded, ["BASE-15"]);
        assert_eq!(base.uncovered, ["BASE-99"]);
        assert_eq!(coverage.totals(), (4, 1, 1, 2));
        assert_eq!(coverage.percent(), 25.0);
        assert_eq!(coverage.uncovered(), ["BASE-99", "LIFE-99"]);
        let later: RevisionRange = "2025-06-18, 2025-11-25".parse().unwrap();
        assert_eq!(Coverage::of(&rows, &later).totals(), (2, 1, 0, 1));
        let table = coverage.table();
        assert!(
            table.contains("\nBASE         3        1         1          1  BASE-99\n"),
            "{table}"
        );
        assert!(table.ends_with("25.0% covered\n"), "{table}");
    }

    #[test]
    fn reads_quoted_fields_with_commas_and_doubled_quotes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.csv");
        std::fs::write(
            &path,
            "id,area,level,versions,requirement\nBASE-01,\"Base, JSON\",MUST,2024-11-05;2025-11-25,\"Says \"\"jsonrpc\"\", twice\"\n",
        )
        .unwrap();
        assert_eq!(
            read_catalogue(&path).unwrap(),
            [row("BASE-01", "MUST", "2024-11-05;2025-11-25")]
        );
        assert!(read_catalogue(&dir.path().join("absent.csv")).is_err());
    }
}
