//! A small MCP server on rmcp, the Rust MCP SDK (crates.io `rmcp`, pinned in Cargo.toml), for
//! zcpspec's interoperability runs: interop/targets.sh starts it as the targets `rmcp-stdio`
//! and `rmcp-http`. It mirrors interop/mcp_server.py (the MCP Python SDK's server), written
//! the way rmcp's own examples are: `#[tool_router]`, `#[prompt_router]`, a `ServerHandler`.
//!
//!     rmcp-server stdio        newline-delimited JSON-RPC over stdin and stdout
//!     rmcp-server http PORT    streamable HTTP on 127.0.0.1:PORT, path /mcp
//!
//! Tools name the zcpspec fixture roles they play under `_meta["dev.zcpspec/roles"]`.

// rmcp 3.9 marks logging, roots and sampling deprecated (SEP-2577: protocol 2026-07-28 drops
// them); this server still offers them for the revisions that have them.
#![allow(deprecated)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::handler::server::router::{prompt::PromptRouter, tool::ToolRouter};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::*;
use rmcp::service::{ElicitationError, RequestContext};
use rmcp::transport::streamable_http_server::{
    session::local::LocalSessionManager, StreamableHttpServerConfig, StreamableHttpService,
};
use rmcp::{
    prompt, prompt_handler, prompt_router, tool, tool_handler, tool_router, ErrorData, Json,
    RoleServer, ServerHandler, ServiceExt,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The `_meta` key under which a tool names the zcpspec fixture roles it plays.
const ROLES: &str = "dev.zcpspec/roles";
const README_URI: &str = "zcpspec://interop/readme";
const ITEM_TEMPLATE: &str = "zcpspec://interop/items/{id}";

fn roles(role: &str) -> MetaObject {
    MetaObject(rmcp::object!({ ROLES: [role] }))
}

/// One session's server. Over HTTP each session gets its own (the service's factory makes
/// one per `initialize`), so the logging level is per session.
#[derive(Clone)]
struct Interop {
    log_level: Arc<Mutex<LoggingLevel>>,
    tool_router: ToolRouter<Interop>,
    prompt_router: PromptRouter<Interop>,
}

#[derive(Deserialize, JsonSchema)]
struct EchoArgs {
    /// The text to echo back.
    text: String,
}

#[derive(Deserialize, JsonSchema)]
struct AddArgs {
    a: f64,
    b: f64,
}

#[derive(Serialize, JsonSchema)]
struct Sum {
    sum: f64,
}

#[derive(Deserialize, JsonSchema)]
struct StepsArgs {
    /// How many progress notifications to send (default 3).
    steps: Option<u32>,
}

#[derive(Deserialize, JsonSchema)]
struct SleepArgs {
    /// How long to sleep, in milliseconds (default 250, at most 10000).
    ms: Option<u64>,
}

#[derive(Deserialize, JsonSchema)]
struct SampleArgs {
    /// What to ask the client's model (default "Say hello.").
    prompt: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
struct GreetArgs {
    /// Who to greet.
    name: String,
}

#[derive(Deserialize, JsonSchema)]
struct Approval {
    approved: bool,
}
rmcp::elicit_safe!(Approval);

/// Sends `progress` of `total` for the request's progressToken, if it gave one.
async fn report(ctx: &RequestContext<RoleServer>, progress: u32, total: u32) {
    if let Some(token) = ctx.meta.get_progress_token() {
        let param = ProgressNotificationParam::new(token, progress.into())
            .with_total(total.into())
            .with_message(format!("step {progress} of {total}"));
        let _ = ctx.peer.notify_progress(param).await;
    }
}

#[tool_router]
impl Interop {
    fn new() -> Self {
        Self {
            log_level: Arc::new(Mutex::new(LoggingLevel::Debug)),
            tool_router: Self::tool_router(),
            prompt_router: Self::prompt_router(),
        }
    }

    #[tool(description = "Echo the text back.", meta = roles("required_arguments"))]
    fn echo(&self, Parameters(EchoArgs { text }): Parameters<EchoArgs>) -> String {
        text
    }

    #[tool(
        description = "Add two numbers; the result is structured.",
        meta = roles("structured_output")
    )]
    fn add(&self, Parameters(AddArgs { a, b }): Parameters<AddArgs>) -> Json<Sum> {
        Json(Sum { sum: a + b })
    }

    #[tool(description = "Always fails while running.", meta = roles("errors"))]
    fn fail(&self) -> Result<String, String> {
        Err("fail: this tool always fails".into())
    }

    #[tool(
        description = "Reports progress (when the caller gave a progressToken), then answers.",
        meta = roles("emits_progress")
    )]
    async fn progress(
        &self,
        Parameters(StepsArgs { steps }): Parameters<StepsArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> String {
        let steps = steps.unwrap_or(3);
        for step in 1..=steps {
            report(&ctx, step, steps).await;
        }
        format!("done after {steps} steps")
    }

    #[tool(
        description = "Sends a notifications/message log entry, then answers.",
        meta = roles("logs")
    )]
    async fn log(&self, ctx: RequestContext<RoleServer>) -> String {
        // rmcp leaves filtering by the level the client set to the server. LoggingLevel lists
        // the levels from least to most severe but is not Ord.
        let level = *self.log_level.lock().unwrap();
        if level as u8 <= LoggingLevel::Info as u8 {
            let data = serde_json::json!("zcpspec-interop log tool called");
            let param = LoggingMessageNotificationParam::new(LoggingLevel::Info, data);
            let _ = ctx.peer.notify_logging_message(param).await;
        }
        "logged".into()
    }

    #[tool(
        description = "Sleeps for ms milliseconds (at most 10000), reporting progress four times, then answers.",
        meta = roles("long_running")
    )]
    async fn sleep(
        &self,
        Parameters(SleepArgs { ms }): Parameters<SleepArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<String, ErrorData> {
        let ms = ms.unwrap_or(250).min(10_000);
        for step in 1..=4 {
            tokio::select! {
                _ = ctx.ct.cancelled() => {
                    return Err(ErrorData::internal_error("sleep: cancelled", None));
                }
                _ = tokio::time::sleep(Duration::from_millis(ms / 4)) => report(&ctx, step, 4).await,
            }
        }
        Ok(format!("slept {ms} ms"))
    }

    #[tool(
        description = "Lists the client's roots when the client declared the roots capability.",
        meta = roles("uses_roots")
    )]
    async fn roots(&self, ctx: RequestContext<RoleServer>) -> Result<String, String> {
        let declared = ctx
            .peer
            .peer_info()
            .is_some_and(|i| i.capabilities.roots.is_some());
        if !declared {
            return Ok("the client declared no roots capability".into());
        }
        let roots = ctx
            .peer
            .list_roots()
            .await
            .map_err(|e| e.to_string())?
            .roots;
        let uris: Vec<String> = roots.into_iter().map(|r| r.uri).collect();
        Ok(if uris.is_empty() {
            "no roots".into()
        } else {
            uris.join(", ")
        })
    }

    #[tool(
        description = "Asks the user to approve (form elicitation) when the client declared elicitation.",
        meta = roles("elicits_input")
    )]
    async fn ask(&self, ctx: RequestContext<RoleServer>) -> Result<String, String> {
        match ctx
            .peer
            .elicit::<Approval>("Approve the zcpspec interop request?")
            .await
        {
            Ok(Some(Approval { approved })) => {
                Ok(format!("the user accepted: approved={approved}"))
            }
            Ok(None) => Ok("the user accepted with no content".into()),
            Err(ElicitationError::CapabilityNotSupported) => {
                Ok("the client declared no elicitation capability".into())
            }
            Err(ElicitationError::UserDeclined) => Ok("the user answered decline".into()),
            Err(ElicitationError::UserCancelled) => Ok("the user answered cancel".into()),
            Err(e) => Err(e.to_string()),
        }
    }

    #[tool(
        description = "Asks the user to open a URL (URL-mode elicitation) when the client declared it.",
        meta = roles("elicits_url")
    )]
    async fn ask_url(&self, ctx: RequestContext<RoleServer>) -> Result<String, String> {
        let url = url::Url::parse("https://example.com/zcpspec").expect("a valid URL");
        let id = format!("zcpspec-{}", ctx.id);
        match ctx
            .peer
            .elicit_url("Open the link to finish.", url, id)
            .await
        {
            Ok(action) => Ok(format!("the user answered {action:?}")),
            Err(ElicitationError::CapabilityNotSupported) => {
                Ok("the client declared no URL-mode elicitation".into())
            }
            Err(e) => Err(e.to_string()),
        }
    }

    #[tool(
        description = "Asks the client's model for a completion (sampling) when the client declared sampling.",
        meta = roles("samples")
    )]
    async fn sample(
        &self,
        Parameters(SampleArgs { prompt }): Parameters<SampleArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<String, String> {
        let declared = ctx
            .peer
            .peer_info()
            .is_some_and(|i| i.capabilities.sampling.is_some());
        if !declared {
            return Ok("the client declared no sampling capability".into());
        }
        let prompt = prompt.unwrap_or_else(|| "Say hello.".into());
        let params = CreateMessageRequestParams::new(vec![SamplingMessage::user_text(prompt)], 50);
        let answer = ctx
            .peer
            .create_message(params)
            .await
            .map_err(|e| e.to_string())?;
        let text = answer
            .message
            .content
            .first()
            .and_then(|c| c.as_text().map(|t| t.text.clone()));
        Ok(text.unwrap_or_else(|| format!("a non-text answer from {}", answer.model)))
    }
}

#[prompt_router]
impl Interop {
    /// Greets someone by name.
    #[prompt(name = "greet")]
    async fn greet(
        &self,
        Parameters(GreetArgs { name }): Parameters<GreetArgs>,
    ) -> Vec<PromptMessage> {
        vec![PromptMessage::new_text(
            Role::User,
            format!("Say hello to {name}."),
        )]
    }
}

#[tool_handler(router = self.tool_router)]
#[prompt_handler(router = self.prompt_router)]
impl ServerHandler for Interop {
    fn get_info(&self) -> ServerInfo {
        let capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_prompts()
            .enable_resources()
            .enable_logging()
            .enable_completions()
            .build();
        ServerInfo::new(capabilities).with_server_info(Implementation::new(
            "zcpspec-interop-rmcp",
            env!("CARGO_PKG_VERSION"),
        ))
    }

    async fn set_level(
        &self,
        request: SetLevelRequestParams,
        _: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        *self.log_level.lock().unwrap() = request.level;
        Ok(())
    }

    async fn list_resources(
        &self,
        _: Option<PaginatedRequestParams>,
        _: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let readme = Resource::new(README_URI, "readme")
            .with_description("A static text resource.")
            .with_mime_type("text/plain");
        Ok(ListResourcesResult::with_all_items(vec![readme]))
    }

    async fn list_resource_templates(
        &self,
        _: Option<PaginatedRequestParams>,
        _: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        let item = ResourceTemplate::new(ITEM_TEMPLATE, "item")
            .with_description("One item by id.")
            .with_mime_type("text/plain");
        Ok(ListResourceTemplatesResult::with_all_items(vec![item]))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let uri = request.uri;
        let text = match uri.strip_prefix("zcpspec://interop/items/") {
            _ if uri == README_URI => "zcpspec interop server (rmcp)".to_string(),
            Some(id) if !id.is_empty() && !id.contains('/') => format!("item {id}"),
            _ => {
                let data = serde_json::json!({ "uri": uri });
                return Err(ErrorData::resource_not_found(
                    "no such resource",
                    Some(data),
                ));
            }
        };
        let contents = ResourceContents::text(text, uri).with_mime_type("text/plain");
        Ok(ReadResourceResult::new(vec![contents]).into())
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        _: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        let greet = match &request.r#ref {
            Reference::Prompt(prompt) if prompt.name == "greet" => true,
            Reference::Resource(template) if template.uri == ITEM_TEMPLATE => false,
            _ => {
                return Err(ErrorData::invalid_params(
                    "no such prompt or template",
                    None,
                ))
            }
        };
        let names: &[&str] = match greet && request.argument.name == "name" {
            true => &["Ada", "Grace", "Linus"],
            false => &[],
        };
        let typed = request.argument.value.to_lowercase();
        let values = names
            .iter()
            .filter(|v| v.to_lowercase().starts_with(&typed))
            .map(|v| v.to_string())
            .collect();
        let completion = CompletionInfo::with_all_values(values)
            .map_err(|e| ErrorData::internal_error(e, None))?;
        Ok(CompleteResult::new(completion))
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["stdio"] => {
            Interop::new()
                .serve(rmcp::transport::stdio())
                .await?
                .waiting()
                .await?;
        }
        ["http", port] => {
            let port: u16 = port.parse()?;
            let service = StreamableHttpService::new(
                || Ok(Interop::new()),
                LocalSessionManager::default().into(),
                // rmcp checks Origin only when given the origins to allow.
                StreamableHttpServerConfig::default()
                    .with_allowed_origins(["http://127.0.0.1:*", "http://localhost:*"]),
            );
            let router = axum::Router::new().nest_service("/mcp", service);
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
            axum::serve(listener, router).await?;
        }
        _ => {
            eprintln!("usage: rmcp-server stdio | http PORT");
            std::process::exit(2);
        }
    }
    Ok(())
}
