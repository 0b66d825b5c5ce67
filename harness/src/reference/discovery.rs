//! ZCP tool discovery on `tools/list` (ZCP-WIRE.md §Tool discovery filters; ZCP client guide
//! §Semantic Tool Discovery): the list narrowed by `profile`, `groups` (alias `includeGroups`),
//! `excludeGroups` and `stages`, each a list or a comma-separated string, matched against the
//! tags a tool publishes as `_meta.groups` and `_meta.stages`, and then paginated.
//!
//! As in the ZCP SDK, the filters combine (a tool must pass each one given), a tool passes
//! `groups` or `stages` when it shares at least one tag with the filter and passes
//! `excludeGroups` when it shares none, and the profile `semantic-workflow` keeps the tools in
//! the group `workflow` (every tool when none is); another profile name selects nothing.
//! Like the SDK, whose MCP gateway hands these params to the same runtime, the server filters
//! on every surface; ZCP promises the filters only on its native path, so that is where the
//! `zcp/…` checks judge them (`/zcp`, which also names the profile applied in its result).

use super::jsonrpc::{Outcome, RpcError};
use super::{Fault, Server};
use serde_json::Value;

/// The built-in profile that keeps the workflow tools.
const SEMANTIC_WORKFLOW: &str = "semantic-workflow";
/// The group the semantic-workflow profile keeps.
const WORKFLOW_GROUP: &str = "workflow";

/// The discovery filters of one `tools/list` request; empty lists filter nothing.
struct Filters {
    profile: Option<String>,
    groups: Vec<String>,
    exclude_groups: Vec<String>,
    stages: Vec<String>,
}

impl Filters {
    /// Reads the filters from `params`; `split_commas` false reads a string as one tag (the
    /// zcp-comma-unsplit fault).
    fn read(params: &Value, split_commas: bool) -> Filters {
        let values = |key: &str| tag_values(params.get(key), split_commas);
        let groups = match values("groups") {
            groups if groups.is_empty() => values("includeGroups"),
            groups => groups,
        };
        Filters {
            profile: requested_profile(params).map(str::to_string),
            groups,
            exclude_groups: values("excludeGroups"),
            stages: values("stages"),
        }
    }

    fn any(&self) -> bool {
        self.profile.is_some()
            || !self.groups.is_empty()
            || !self.exclude_groups.is_empty()
            || !self.stages.is_empty()
    }
}

/// The profile a `tools/list` request names: its `profile` string, trimmed, if not empty.
pub(super) fn requested_profile(params: &Value) -> Option<&str> {
    let profile = params.get("profile").and_then(Value::as_str).map(str::trim);
    profile.filter(|p| !p.is_empty())
}

/// A filter's tags: the trimmed, non-empty items of a list of strings or of a comma-separated
/// string (the whole string when `split_commas` is false).
fn tag_values(value: Option<&Value>, split_commas: bool) -> Vec<String> {
    let items: Vec<&str> = match value {
        Some(Value::String(text)) if split_commas => text.split(',').collect(),
        Some(Value::String(text)) => vec![text],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    (items.into_iter().map(str::trim))
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether `tool` publishes, under `_meta.<kind>`, at least one of `tags`.
fn shares(tool: &Value, kind: &str, tags: &[String]) -> bool {
    (tool.pointer("/_meta").and_then(|meta| meta.get(kind)))
        .and_then(Value::as_array)
        .is_some_and(|own| own.iter().any(|tag| tags.iter().any(|t| tag == t.as_str())))
}

impl Server {
    /// The page of the tools `params` selects: `tools` (in listing order) filtered, then paged.
    pub(super) fn list_discovered(&self, tools: Vec<Value>, params: &Value) -> Outcome {
        let filters = Filters::read(params, !self.has(Fault::ZcpCommaUnsplit));
        let selected = self.select(tools, &filters);
        if selected.is_empty() && filters.any() && self.has(Fault::ZcpNoMatchError) {
            return Err(RpcError::invalid_params("no tool matches the filters"));
        }
        let first = selected.first().cloned();
        let mut page = self.page("tools", selected, params)?;
        let later_page = params.get("cursor").is_some_and(|c| !c.is_null());
        if self.has(Fault::ZcpFilteredPageRepeats) && filters.any() && later_page {
            if let (Some(first), Some(Value::Array(tools))) = (first, page.get_mut("tools")) {
                tools.insert(0, first);
            }
        }
        Ok(page)
    }

    fn select(&self, mut tools: Vec<Value>, filters: &Filters) -> Vec<Value> {
        let workflow = [WORKFLOW_GROUP.to_string()];
        let semantic = filters.profile.as_deref() == Some(SEMANTIC_WORKFLOW);
        if semantic && !self.has(Fault::ZcpProfileIgnored) {
            let kept: Vec<Value> = (tools.iter())
                .filter(|tool| shares(tool, "groups", &workflow))
                .cloned()
                .collect();
            if !kept.is_empty() {
                tools = kept;
            }
        }
        if !filters.groups.is_empty() {
            tools.retain(|tool| shares(tool, "groups", &filters.groups));
            if self.has(Fault::ZcpGroupsFirstOnly) {
                tools.truncate(1);
            }
        }
        if !self.has(Fault::ZcpExcludeGroupsIgnored) {
            tools.retain(|tool| !shares(tool, "groups", &filters.exclude_groups));
        }
        if !filters.stages.is_empty() {
            let stages_tag = match self.has(Fault::ZcpStagesReadGroups) {
                true => "groups",
                false => "stages",
            };
            tools.retain(|tool| shares(tool, stages_tag, &filters.stages));
        }
        tools
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tool(name: &str, groups: &[&str], stages: &[&str]) -> Value {
        json!({ "name": name, "_meta": { "groups": groups, "stages": stages } })
    }

    fn names(server: &Server, params: Value) -> Vec<String> {
        let tools = vec![
            tool("a", &["text", "workflow"], &["plan"]),
            tool("b", &["math"], &["run"]),
            tool("c", &["text"], &["run", "check"]),
            json!({ "name": "d" }),
        ];
        let page = server.list_discovered(tools, &params).unwrap();
        (page["tools"].as_array().unwrap().iter())
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn filters_select_by_published_tags() {
        let server = Server::new(None);
        assert_eq!(names(&server, json!({})), ["a", "b", "c", "d"]);
        assert_eq!(names(&server, json!({ "groups": ["text"] })), ["a", "c"]);
        assert_eq!(
            names(&server, json!({ "includeGroups": "math, text" })),
            ["a", "b", "c"]
        );
        assert_eq!(
            names(&server, json!({ "excludeGroups": "text" })),
            ["b", "d"]
        );
        assert_eq!(names(&server, json!({ "stages": ["run"] })), ["b", "c"]);
        assert_eq!(
            names(&server, json!({ "profile": " semantic-workflow " })),
            ["a"]
        );
        let combined =
            json!({ "groups": "text,math", "excludeGroups": ["workflow"], "stages": "check" });
        assert_eq!(names(&server, combined), ["c"]);
        assert!(names(&server, json!({ "groups": ["none"] })).is_empty());
        assert_eq!(
            names(&server, json!({ "profile": "other" })),
            ["a", "b", "c", "d"]
        );
    }

    #[test]
    fn semantic_workflow_keeps_everything_when_no_tool_is_a_workflow() {
        let server = Server::new(None);
        let tools = vec![tool("b", &["math"], &[]), json!({ "name": "d" })];
        let page = server.list_discovered(tools, &json!({ "profile": "semantic-workflow" }));
        assert_eq!(page.unwrap()["tools"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn faults_break_one_filter_each() {
        let with = |fault| Server::new(Some(fault));
        assert_eq!(
            names(
                &with(Fault::ZcpGroupsFirstOnly),
                json!({ "groups": ["text"] })
            ),
            ["a"]
        );
        let all = ["a", "b", "c", "d"];
        assert_eq!(
            names(
                &with(Fault::ZcpExcludeGroupsIgnored),
                json!({ "excludeGroups": ["text"] })
            ),
            all
        );
        assert!(names(
            &with(Fault::ZcpStagesReadGroups),
            json!({ "stages": ["run"] })
        )
        .is_empty());
        assert_eq!(
            names(
                &with(Fault::ZcpProfileIgnored),
                json!({ "profile": "semantic-workflow" })
            ),
            all
        );
        assert!(names(
            &with(Fault::ZcpCommaUnsplit),
            json!({ "groups": "text,math" })
        )
        .is_empty());
        let refused =
            with(Fault::ZcpNoMatchError).list_discovered(vec![], &json!({ "groups": ["x"] }));
        assert!(refused.is_err());
    }

    #[test]
    fn the_page_repeats_fault_shows_on_later_pages_of_filtered_lists() {
        let tools: Vec<Value> = (0..7)
            .map(|i| tool(&format!("t{i}"), &["g"], &[]))
            .collect();
        let server = Server::new(Some(Fault::ZcpFilteredPageRepeats));
        let page = |params| server.list_discovered(tools.clone(), &params).unwrap();
        let second = page(json!({ "groups": ["g"], "cursor": "page-1" }));
        assert_eq!(second["tools"][0]["name"], "t0");
        assert_eq!(second["tools"].as_array().unwrap().len(), 3);
        let unfiltered = page(json!({ "cursor": "page-1" }));
        assert_eq!(unfiltered["tools"][0]["name"], "t5");
    }
}
