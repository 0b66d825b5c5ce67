//! Cross-checks against the official material beside the project (../shared/spec): the
//! harness's own message shapes agree with the official JSON schemas on every message the
//! reference server sends, and every catalogue id a check names exists in the catalogue.
//! Without ../shared these tests say so and pass, except under CI, where its absence fails.

use serde_json::{json, Value};
use std::path::PathBuf;
use zcpspec::checks::CHECKS;
use zcpspec::protocol::frame::same_id;
use zcpspec::protocol::{shapes, MessageKind, Revision};
use zcpspec::runner::{self, RunConfig, Target};
use zcpspec::trace::EventKind;

fn shared_spec() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec");
    if dir.is_dir() {
        Some(dir)
    } else if std::env::var_os("CI").is_some() {
        panic!(
            "{} is missing; CI must have ../shared beside the checkout",
            dir.display()
        );
    } else {
        eprintln!("{} is absent: cross-check not run", dir.display());
        None
    }
}

/// The official definition describing a result (or a whole notification or server request) of
/// `method`.
fn definition(method: &str) -> Option<&'static str> {
    Some(match method {
        "initialize" => "InitializeResult",
        "ping" | "logging/setLevel" => "EmptyResult",
        "tools/list" => "ListToolsResult",
        "tools/call" => "CallToolResult",
        "resources/list" => "ListResourcesResult",
        "resources/templates/list" => "ListResourceTemplatesResult",
        "resources/read" => "ReadResourceResult",
        "prompts/list" => "ListPromptsResult",
        "prompts/get" => "GetPromptResult",
        "completion/complete" => "CompleteResult",
        "notifications/progress" => "ProgressNotification",
        "notifications/message" => "LoggingMessageNotification",
        "notifications/elicitation/complete" => "ElicitationCompleteNotification",
        "notifications/resources/updated" => "ResourceUpdatedNotification",
        "notifications/subscriptions/acknowledged" => "SubscriptionsAcknowledgedNotification",
        "elicitation/create" => "ElicitRequest",
        "sampling/createMessage" => "CreateMessageRequest",
        shapes::CREATE_TASK_RESULT => "CreateTaskResult",
        shapes::INPUT_REQUIRED_RESULT => "InputRequiredResult",
        "tasks/get" => "GetTaskResult",
        "tasks/cancel" => "CancelTaskResult",
        "tasks/list" => "ListTasksResult",
        "notifications/tasks/status" => "TaskStatusNotification",
        _ => return None,
    })
}

struct Official(Value);

impl Official {
    fn load(spec: &std::path::Path, revision: Revision) -> Self {
        let text = std::fs::read_to_string(spec.join(format!("mcp-schema/{revision}/schema.json")))
            .unwrap();
        Official(serde_json::from_str(&text).unwrap())
    }

    fn accepts(&self, definition: &str, instance: &Value) -> bool {
        let mut schema = self.0.clone();
        let defs = if schema.get("$defs").is_some() {
            "$defs"
        } else {
            "definitions"
        };
        schema["$ref"] = json!(format!("#/{defs}/{definition}"));
        jsonschema::validator_for(&schema)
            .unwrap()
            .is_valid(instance)
    }
}

/// (negotiated revision, method, value our shape covers, message the official definition covers)
fn samples(revision: Revision) -> Vec<(Revision, String, Value, Value)> {
    let scenarios = zcpspec::scenario::load_dir(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios"),
    )
    .unwrap();
    let config = RunConfig {
        revision,
        ..RunConfig::default()
    };
    let target = Target::Embedded { fault: None };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut out = Vec::new();
    for scenario in &scenarios {
        let run = rt.block_on(runner::run_scenario(scenario, &target, &config));
        let mut sent: Vec<(Value, String, Option<Value>)> = Vec::new();
        let mut negotiated = revision;
        for e in run.trace.events() {
            match &e.kind {
                EventKind::Sent { frame, .. } => {
                    if let MessageKind::Request { id, method } = frame.kind() {
                        let params = frame.json.as_ref().and_then(|m| m.get("params")).cloned();
                        sent.push((id.clone(), method.to_string(), params));
                    }
                }
                EventKind::Received { frame } => {
                    let Some(msg) = &frame.json else { continue };
                    match frame.kind() {
                        MessageKind::Response { id } => {
                            let Some(result) = msg.get("result") else {
                                continue;
                            };
                            let Some((_, method, params)) =
                                sent.iter().find(|(s, _, _)| same_id(s, id))
                            else {
                                continue;
                            };
                            let method = shapes::result_key(method, params.as_ref(), result);
                            if method == "initialize" {
                                if let Some(r) = result["protocolVersion"]
                                    .as_str()
                                    .and_then(|v| v.parse().ok())
                                {
                                    negotiated = r;
                                }
                            }
                            out.push((
                                negotiated,
                                method.to_string(),
                                result.clone(),
                                result.clone(),
                            ));
                        }
                        MessageKind::Notification { method }
                        | MessageKind::Request { method, .. } => {
                            out.push((
                                negotiated,
                                method.to_string(),
                                msg["params"].clone(),
                                msg.clone(),
                            ));
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
    }
    out
}

#[test]
fn our_shapes_agree_with_the_official_schemas_on_every_reference_message() {
    let Some(spec) = shared_spec() else { return };
    let officials: Vec<(Revision, Official)> = Revision::ALL
        .iter()
        .map(|r| (*r, Official::load(&spec, *r)))
        .collect();
    let mut judged = 0;
    for revision in Revision::ALL {
        for (negotiated, method, ours, whole) in samples(revision) {
            let (Some(def), true) = (definition(&method), shapes::knows(&method)) else {
                continue;
            };
            let official = &officials.iter().find(|(r, _)| *r == negotiated).unwrap().1;
            assert!(
                shapes::violations(&method, &ours).is_empty(),
                "our {method} shape rejects {ours}"
            );
            assert!(
                official.accepts(def, &whole),
                "the official {negotiated} {def} rejects {whole}"
            );
            // Every key our shape requires is required by the official schema too.
            let required = shapes::schema_for(&method).unwrap()["required"].clone();
            for key in required
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                let mut without = whole.clone();
                // A notification's or a server request's shape covers its params.
                let target = if whole.get("method").is_some() {
                    &mut without["params"]
                } else {
                    &mut without
                };
                target.as_object_mut().unwrap().remove(key);
                assert!(
                    !official.accepts(def, &without),
                    "{negotiated} {def} accepts a {method} without {key}, which our shape requires"
                );
            }
            judged += 1;
        }
    }
    assert!(judged > 100, "only {judged} messages cross-checked");
}

#[test]
fn every_catalogue_id_a_check_names_is_in_the_catalogue() {
    let Some(spec) = shared_spec() else { return };
    let csv = std::fs::read_to_string(spec.join("catalogue.csv")).unwrap();
    let known: Vec<&str> = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .collect();
    for check in CHECKS {
        for id in check.catalogue {
            assert!(
                known.contains(id),
                "{} names {id}, which the catalogue does not have",
                check.id
            );
        }
    }
}
