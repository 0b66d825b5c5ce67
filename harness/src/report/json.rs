//! `report.json`: the report model as pretty-printed JSON, for tools and for CI history. The
//! shape is the serde form of [`Report`]; `version` says when it changes.

use super::Report;

pub fn render(report: &Report) -> String {
    let mut out =
        serde_json::to_string_pretty(report).expect("the report model always serializes to JSON");
    out.push('\n');
    out
}
