//! Named faults of the reference server. Each one breaks one requirement, so that every check
//! can be shown to fail: `zcpspec serve --fault NAME`, or the in-process target with a fault.
//! The doc comment of each variant says what it does; tests assert which checks fail for it.

use std::fmt;
use std::str::FromStr;

macro_rules! faults {
    ($( $(#[doc = $doc:literal])* $variant:ident = $name:literal, )*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Fault {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl Fault {
            pub const ALL: &'static [Fault] = &[ $( Fault::$variant, )* ];

            pub fn name(self) -> &'static str {
                match self { $( Fault::$variant => $name, )* }
            }

            /// The first line of the variant's documentation: what the fault does.
            pub fn description(self) -> &'static str {
                match self { $( Fault::$variant => first_line(&[$($doc),*]), )* }
            }
        }
    };
}

const fn first_line(docs: &[&'static str]) -> &'static str {
    if docs.is_empty() {
        ""
    } else {
        docs[0]
    }
}

faults! {
    // ── base protocol ──
    /// Omits "jsonrpc" from every response.
    MissingJsonrpc = "missing-jsonrpc",
    /// Puts invalid UTF-8 bytes inside the text of tool results.
    InvalidUtf8 = "invalid-utf8",
    /// Writes a plain-text banner line to stdout before the initialize response.
    StdoutNoise = "stdout-noise",
    /// Answers every request with the request's id plus one (numbers) or with "x" appended (strings).
    WrongId = "wrong-id",
    /// Answers ping twice.
    DuplicateResponse = "duplicate-response",
    /// Sets both result and error ("result": {}) in every error response.
    ResultAndError = "result-and-error",
    /// Sends error codes as strings ("code": "-32601").
    ErrorCodeString = "error-code-string",
    /// Answers every notification it receives with {"jsonrpc":"2.0","id":null,"result":{}}.
    RespondToNotification = "respond-to-notification",
    /// Gives its notifications/progress and notifications/message an "id" member.
    NotificationWithId = "notification-with-id",
    /// Sends its requests to the client (roots/list, sampling, elicitation) with id null.
    ServerRequestNullId = "server-request-null-id",
    /// Answers unparseable JSON with -32600 instead of -32700.
    NoParseError = "no-parse-error",
    /// Answers a request whose method is not a string with -32601 instead of -32600.
    AcceptInvalidRequest = "accept-invalid-request",
    /// Answers unknown methods with -32603 instead of -32601.
    WrongErrorCode = "wrong-error-code",
    /// Exits with status 1 on input that is not valid JSON.
    CrashOnMalformedJson = "crash-on-malformed-json",
    /// Answers a batch (JSON array) with a single -32600 error, even in 2025-03-26.
    NoBatch = "no-batch",
    /// Answers resources/read without a uri and prompts/get without a string name with -32603 instead of -32602.
    MissingParamsInternalError = "missing-params-internal-error",
    /// Puts a key under the reserved _meta prefix dev.mcp.zcpspec/ on its prompts/list result.
    ReservedMetaKey = "reserved-meta-key",
    // ── lifecycle ──
    /// Omits serverInfo from the initialize result.
    NoServerInfo = "no-server-info",
    /// Negotiates the revision before the one requested (2024-11-05 stays), so it never agrees to
    /// a version it offered itself.
    IgnoreVersion = "ignore-version",
    /// Echoes an unsupported requested protocol version back instead of offering its own.
    EchoUnsupportedVersion = "echo-unsupported-version",
    /// Offers its oldest supported version (2024-11-05) in place of an unsupported one.
    FallbackOldest = "fallback-oldest",
    /// Serves tools but leaves "tools" out of its declared capabilities.
    UndeclaredTools = "undeclared-tools",
    /// Sends roots/list from the list_roots tool even when the client declared no roots capability.
    RootsWithoutCapability = "roots-without-capability",
    /// Exits with status 1 when a request arrives before initialize.
    CrashBeforeInitialize = "crash-before-initialize",
    /// Answers ping with {"pong": true} instead of an empty result.
    PingNonEmpty = "ping-non-empty",
    /// Keeps running after its input closes (the in-process server never ends; `serve` waits forever).
    IgnoreStdinClose = "ignore-stdin-close",
    // ── utilities ──
    /// Sends notifications/progress with a token the client never gave.
    ProgressUnknownToken = "progress-unknown-token",
    /// Sends progress values that go down (3, 2, 1).
    ProgressDecreasing = "progress-decreasing",
    /// Sends one more notifications/progress after the tool call's response.
    ProgressAfterResponse = "progress-after-response",
    /// Returns the first page again whatever cursor it is given.
    CursorIgnored = "cursor-ignored",
    /// Treats an invalid cursor as no cursor and returns the first page.
    InvalidCursorAccepted = "invalid-cursor-accepted",
    /// Accepts any string as a log level in logging/setLevel.
    SetLevelAcceptsInvalid = "setlevel-accepts-invalid",
    /// Sends log messages of every level whatever level was set.
    LogIgnoresLevel = "log-ignores-level",
    /// Sends notifications/message with level "verbose", which is not a log level.
    LogBadLevel = "log-bad-level",
    /// Returns 150 completion values (the limit is 100).
    CompletionOverLimit = "completion-over-limit",
    /// Answers completion for an unknown prompt with empty values instead of -32602.
    CompletionUnknownRefOk = "completion-unknown-ref-ok",
    /// The log tool's first message carries a bearer token (the Authorization header of a pretend upstream call).
    LogLeaksCredentials = "log-leaks-credentials",
    // ── tools ──
    /// Lists the echo tool without an inputSchema.
    ToolWithoutInputSchema = "tool-without-input-schema",
    /// Never answers tools/call.
    HangOnToolsCall = "hang-on-tools-call",
    /// Answers a call to an unknown tool with an isError result instead of a protocol error.
    UnknownToolResult = "unknown-tool-result",
    /// Runs tools without validating arguments against the inputSchema (add with strings "succeeds").
    SkipArgumentValidation = "skip-argument-validation",
    /// Reports the fail tool's execution error as JSON-RPC error -32603 instead of an isError result.
    ToolErrorAsProtocolError = "tool-error-as-protocol-error",
    /// Returns structuredContent that breaks the tool's outputSchema (a string where a number belongs).
    StructuredOutputMismatch = "structured-output-mismatch",
    /// Returns structuredContent with no TextContent block carrying its JSON.
    StructuredWithoutText = "structured-without-text",
    /// Lists the fail tool's inputSchema with "minProperties": -1, which no JSON Schema dialect allows.
    InvalidInputSchema = "invalid-input-schema",
    // ── cancellation ──
    /// Answers a cancelled sleep call anyway, as if no notifications/cancelled had arrived.
    IgnoreCancellation = "ignore-cancellation",
    /// Exits with status 1 on a notifications/cancelled for a request not in flight.
    CrashOnStaleCancel = "crash-on-stale-cancel",
    // ── tasks (2025-11-25) ──
    /// Serves tasks without declaring the tasks capability.
    TaskCapabilityUndeclared = "task-capability-undeclared",
    /// Answers any request but tools/call that carries params.task with a CreateTaskResult.
    TaskAugmentsAnything = "task-augments-anything",
    /// Runs a task-augmented call of a tool without taskSupport as an ordinary call.
    TaskForbiddenAccepted = "task-forbidden-accepted",
    /// Runs a call of a taskSupport "required" tool without params.task instead of refusing it.
    TaskRequiredRunsInline = "task-required-runs-inline",
    /// Shows a new task as "completed" in its CreateTaskResult.
    TaskStartsCompleted = "task-starts-completed",
    /// Gives every task the id "task-1".
    TaskIdReused = "task-id-reused",
    /// Leaves createdAt and lastUpdatedAt out of every Task.
    TaskWithoutTimestamps = "task-without-timestamps",
    /// Answers tasks/result for a working task at once, with an empty result.
    TaskResultEarly = "task-result-early",
    /// Leaves the related-task _meta out of tasks/result responses.
    TaskResultUnrelated = "task-result-unrelated",
    /// Leaves the related-task _meta out of the elicitation a task sends.
    TaskElicitationUnrelated = "task-elicitation-unrelated",
    /// Takes the task of tasks/get, tasks/result and tasks/cancel from the related-task _meta.
    TaskIdFromMeta = "task-id-from-meta",
    /// Lists only the oldest task in tasks/list.
    TaskListIncomplete = "task-list-incomplete",
    /// Cancels a task that already reached a terminal status instead of refusing.
    TaskCancelTerminal = "task-cancel-terminal",
    /// Answers tasks/cancel with the task unchanged and lets it go on working.
    TaskCancelIgnored = "task-cancel-ignored",
    /// Answers an unknown task id as if it named the newest task.
    TaskUnknownIdAccepted = "task-unknown-id-accepted",
    /// Fails a task that asked for input once the input arrives.
    TaskInputLost = "task-input-lost",
    /// Reports a task's progress under a new token instead of the request's progressToken.
    TaskProgressNewToken = "task-progress-new-token",
    // ── resources and prompts ──
    /// Answers resources/read with contents whose uri is not the one requested.
    ReadWrongUri = "read-wrong-uri",
    /// Returns the binary resource's blob as plain text that is not base64.
    BadBase64Blob = "bad-base64-blob",
    /// Answers resources/read of an unknown URI with empty contents instead of -32002.
    UnknownResourceEmpty = "unknown-resource-empty",
    /// Reads resource URIs that climb out with .. segments as files outside its root (/etc/passwd, say).
    ResourcePathTraversal = "resource-path-traversal",
    /// Declares resources.subscribe but answers resources/subscribe with -32601.
    SubscribeUnsupported = "subscribe-unsupported",
    /// Lets the subscribed ticker resource change without sending notifications/resources/updated.
    SubscribeNoUpdates = "subscribe-no-updates",
    /// Sends notifications/resources/updated for the readme, which nobody subscribed to, whenever the ticker changes.
    UpdatedUnsubscribed = "updated-unsubscribed",
    /// toggle_extras changes the tool list without notifications/tools/list_changed.
    ToolsListChangedSilent = "tools-list-changed-silent",
    /// toggle_extras changes the resource list without notifications/resources/list_changed.
    ResourcesListChangedSilent = "resources-list-changed-silent",
    /// toggle_extras changes the prompt list without notifications/prompts/list_changed.
    PromptsListChangedSilent = "prompts-list-changed-silent",
    /// Answers prompts/get for an unknown prompt with -32603 instead of -32602.
    UnknownPromptInternalError = "unknown-prompt-internal-error",
    /// Renders a prompt even when a required argument is missing.
    PromptIgnoresRequiredArgs = "prompt-ignores-required-args",
    /// Sends the describe_image prompt's image as a file path instead of base64 data.
    PromptImageNotBase64 = "prompt-image-not-base64",
    // ── client features: roots, sampling, elicitation; the server's own cancellations ──
    /// Exits with status 1 on notifications/roots/list_changed.
    RootsListChangedCrash = "roots-list-changed-crash",
    /// Leaves maxTokens out of its sampling/createMessage requests.
    SamplingWithoutMaxTokens = "sampling-without-max-tokens",
    /// Offers tools (tools, toolChoice) in sampling requests even when the client declared no sampling.tools.
    SamplingToolsUndeclared = "sampling-tools-undeclared",
    /// Asks ask_user's form with a nested object property (a street address), which form mode does not allow.
    ElicitationNestedSchema = "elicitation-nested-schema",
    /// Asks for a password in ask_user's form-mode elicitation.
    ElicitationAsksPassword = "elicitation-asks-password",
    /// Answers a tools/call whose elicitation was declined or cancelled with JSON-RPC error -32603.
    ElicitationDeclineError = "elicitation-decline-error",
    /// Lists the elicitation of its URLElicitationRequiredError (-32042) without mode "url".
    UrlRequiredWithoutMode = "url-required-without-mode",
    /// Sends notifications/elicitation/complete for an elicitationId it never handed out.
    ElicitationCompleteUnknownId = "elicitation-complete-unknown-id",
    /// Puts the user's access token in the query of its URL-mode elicitation URLs.
    ElicitationUrlWithToken = "elicitation-url-with-token",
    /// Cancels its own pending request to the client under the id of the client's cancelled tools/call.
    ServerCancelWrongId = "server-cancel-wrong-id",
    // ── HTTP transports (served by `zcpspec serve --transport http`) ──
    /// /mcp serves requests that carry no Mcp-Session-Id instead of answering 400.
    NoSessionCheck = "no-session-check",
    /// /mcp serves requests whose Mcp-Session-Id is unknown or deleted instead of answering 404.
    UnknownSessionAccepted = "unknown-session-accepted",
    /// /mcp answers a POSTed notification or response with 200 and a JSON body instead of 202.
    Notification200 = "notification-200",
    /// Every SSE stream of a session numbers its event ids from 1, so ids repeat across streams.
    DuplicateEventIds = "duplicate-event-ids",
    /// /mcp serves requests whose Origin header names a foreign site instead of answering 403.
    IgnoreOrigin = "ignore-origin",
    /// /mcp accepts an unsupported MCP-Protocol-Version header instead of answering 400.
    IgnoreProtocolVersionHeader = "ignore-protocol-version-header",
    /// GET /mcp with Last-Event-ID replays the whole stream, not only the events after that id.
    ReplayAllEvents = "replay-all-events",
    /// GET /mcp answers 200 with an application/json body instead of an SSE stream (or 405).
    GetReturnsJson = "get-returns-json",
    /// POST /mcp answers requests with Content-Type text/plain.
    WrongContentType = "wrong-content-type",
    /// The legacy /sse stream sends a message event before its endpoint event.
    EndpointNotFirst = "endpoint-not-first",
    /// /sse and /messages serve requests whose Origin header names a foreign site instead of answering 403.
    LegacyIgnoreOrigin = "legacy-ignore-origin",
    /// /mcp sends its roots/list requests on the session's GET stream as well as on the POST's stream.
    BroadcastRequests = "broadcast-requests",
    /// /mcp session ids contain a space, which is not visible ASCII.
    SessionIdWithSpace = "session-id-with-space",
    /// /ws does not select the mcp subprotocol when the client offers it.
    WsNoSubprotocol = "ws-no-subprotocol",
    /// /zcp lists tools in reverse order, unlike every other surface of the same server.
    ZcpReversedTools = "zcp-reversed-tools",
    /// HTTP responses stop halfway through their body and the connection stalls.
    StallMidBody = "stall-mid-body",
    /// HTTP requests after initialize get their connection closed without a response.
    HttpReset = "http-reset",
    /// SSE responses carry lines that are not SSE fields and data that is not JSON.
    InvalidSse = "invalid-sse",
    /// SSE responses never end and never carry the response: keep-alive comments forever.
    EndlessStream = "endless-stream",
    /// The initialize response is a 100 MB JSON body.
    HugeBody = "huge-body",
    // ── ZCP discovery (tools/list filters; the zcp/… checks judge them on /zcp) ──
    /// The groups filter of tools/list keeps only the first tool that matches it.
    ZcpGroupsFirstOnly = "zcp-groups-first-only",
    /// tools/list ignores excludeGroups.
    ZcpExcludeGroupsIgnored = "zcp-exclude-groups-ignored",
    /// The stages filter of tools/list matches the tools' groups instead of their stages.
    ZcpStagesReadGroups = "zcp-stages-read-groups",
    /// tools/list ignores the semantic-workflow profile and lists every tool.
    ZcpProfileIgnored = "zcp-profile-ignored",
    /// /zcp leaves the profile it applied out of its tools/list results.
    ZcpProfileUnreported = "zcp-profile-unreported",
    /// Reads a comma-separated filter string as one tag instead of splitting it at the commas.
    ZcpCommaUnsplit = "zcp-comma-unsplit",
    /// Pages after the first of a filtered tools/list repeat the filtered list's first tool.
    ZcpFilteredPageRepeats = "zcp-filtered-page-repeats",
    /// Answers a tools/list whose filters match no tool with -32602 instead of an empty list.
    ZcpNoMatchError = "zcp-no-match-error",
    // ── the stateless era (2026-07-28) ──
    /// Leaves supportedVersions out of the server/discover result.
    DiscoverNoVersions = "discover-no-versions",
    /// Leaves resultType out of stateless results.
    NoResultType = "no-result-type",
    /// Leaves ttlMs and cacheScope out of stateless list, read and discover results.
    NoCacheHints = "no-cache-hints",
    /// Leaves the server's identity out of stateless results' _meta.
    NoServerInfoMeta = "no-server-info-meta",
    /// Serves a stateless request whatever protocol version its _meta names.
    AnyProtocolVersion = "any-protocol-version",
    /// Serves a stateless request whose _meta lacks the protocol version or the client's capabilities.
    IgnoreMissingMeta = "ignore-missing-meta",
    /// Refuses stateless requests on a connection until server/discover has been called there.
    NeedsDiscoverFirst = "needs-discover-first",
    /// Still answers ping, which 2026-07-28 removed, in a stateless request.
    ServesRemovedMethods = "serves-removed-methods",
    /// The log tool logs from debug up for a stateless request that asked for no log level.
    LogsWithoutLevel = "logs-without-level",
    /// Answers a stateless read of an unknown resource with -32002, not -32602.
    StatelessResourceNotFound = "stateless-resource-not-found",
    /// Sends elicitation, sampling and roots requests to the client in the stateless era, as before it.
    StatelessServerRequests = "stateless-server-requests",
    /// Answers with an InputRequiredResult that has neither inputRequests nor requestState.
    InputRequiredBare = "input-required-bare",
    /// Asks the client for elicitation, sampling or roots it did not declare.
    AsksUndeclared = "asks-undeclared",
    /// Answers a stateless call that needs an undeclared client capability with a tool error, not -32021.
    CapabilityErrorAsResult = "capability-error-as-result",
    /// Serves a retried call whose requestState was altered.
    AcceptsTamperedState = "accepts-tampered-state",
    /// Lists the tools of a page in reverse order on every other stateless tools/list.
    ToolsListUnstable = "tools-list-unstable",
    /// Gives the last page of a stateless list cacheScope private, the others public.
    CacheScopeVaries = "cache-scope-varies",
    /// Answers a stateless call of an unknown tool with -32001, a code 2026-07-28 retires.
    StatelessLegacyErrorCode = "stateless-legacy-error-code",
    /// Opens a subscription without acknowledging it.
    ListenNoAck = "listen-no-ack",
    /// Acknowledges every list change on a subscription, asked for or not.
    ListenAckUnrequested = "listen-ack-unrequested",
    /// Announces every list change on every subscription, asked for or not.
    ListenUnrequested = "listen-unrequested",
    /// Leaves the subscription's id out of the notifications on it.
    ListenNoSubscriptionId = "listen-no-subscription-id",
    /// Logs on a subscription as it opens it.
    ListenLogs = "listen-logs",
    /// Keeps a subscription going after the client cancelled it.
    ListenIgnoresCancel = "listen-ignores-cancel",
    /// Answers a call of the sleep tool with a task though the request did not declare the tasks extension.
    TaskWithoutExtension = "task-without-extension",
    /// Refuses a call that needs a task, from a client without the tasks extension, with -32602 and no requiredCapabilities.
    TaskRequiredPlainError = "task-required-plain-error",
    /// Marks a CreateTaskResult resultType "complete".
    TaskResultTypeComplete = "task-result-type-complete",
    /// Answers the first tasks/get of a task with -32602, as if it did not exist yet.
    TaskNotYetGettable = "task-not-yet-gettable",
    /// Shows a completed task without its result.
    TaskCompletedWithoutResult = "task-completed-without-result",
    /// Ends a task whose tool reported an error (isError) failed, with a JSON-RPC error.
    TaskToolErrorFails = "task-tool-error-fails",
    /// Asks a second question under the key of the first, already answered.
    TaskReusesInputKey = "task-reuses-input-key",
    /// Acknowledges tasks/update and tasks/cancel with the task rather than an empty result.
    TaskAckCarriesTask = "task-ack-carries-task",
    /// Answers tasks/get of an unknown task with -32603.
    TaskUnknownInternalError = "task-unknown-internal-error",
    /// Serves tasks/* and task subscriptions to clients that did not declare the tasks extension.
    TasksServedWithoutExtension = "tasks-served-without-extension",
    /// Announces the prompt list change of a stateless call on the call's own stream too.
    ListChangedOnCallStream = "list-changed-on-call-stream",
    /// Compares the values of the era's headers with the body case-insensitively.
    HeaderValuesCaseInsensitive = "header-values-case-insensitive",
    /// Serves a stateless POST that has no MCP-Protocol-Version header as 2026-07-28.
    MissingVersionHeaderServed = "missing-version-header-served",
    /// Refuses a fresh call while an input it asked for in a result is still unanswered.
    AssumesRetry = "assumes-retry",
    /// Declares an extension under a key without a prefix.
    ExtensionKeyUnprefixed = "extension-key-unprefixed",
    /// Serves a stateless POST whose Mcp-Method or Mcp-Name header disagrees with its body.
    IgnoreHeaderMismatch = "ignore-header-mismatch",
    /// Serves a stateless tools/call whose Mcp-Param headers are missing, wrong or malformed.
    IgnoreParamHeaders = "ignore-param-headers",
    /// Compares a base64-encoded Mcp-Param header with the body without decoding it first.
    ParamHeaderNotDecoded = "param-header-not-decoded",
    /// Wants every Mcp-Param header of a tool, even for arguments absent from the call.
    ParamHeaderAlwaysExpected = "param-header-always-expected",
    /// Lists the route tool with an x-mcp-header on a number property.
    InvalidXMcpHeader = "invalid-x-mcp-header",
    /// Lists, in the stateless era, one more tool, resource and prompt once the connection has
    /// made a request of another kind (its lists vary as a side effect of other requests).
    ListsRememberRequests = "lists-remember-requests",
    /// Answers stateless POSTs 200 whatever the error: no 400 for an unsupported version, no 404 for an unknown method.
    StatelessErrors200 = "stateless-errors-200",
    // ── hostile servers ──
    /// Writes lines of random non-JSON garbage between its messages.
    GarbageLines = "garbage-lines",
    /// Answers initialize with a single 100 MB line.
    HugeLine = "huge-line",
    /// Reads everything and never answers anything.
    Silent = "silent",
    /// Exits with status 3 right after answering initialize.
    ExitMidSession = "exit-mid-session",
    /// After initialize, floods 200,000 notifications/progress with a token nobody gave.
    NotificationFlood = "notification-flood",
}

impl Fault {
    /// Whether the fault shows only on the HTTP surfaces (`serve_http`): it lives there, not in
    /// the protocol logic, or the checks it breaks are judged only there (ZCP discovery, /zcp).
    pub fn is_http(self) -> bool {
        matches!(
            self,
            Fault::NoSessionCheck
                | Fault::IgnoreHeaderMismatch
                | Fault::IgnoreParamHeaders
                | Fault::ParamHeaderNotDecoded
                | Fault::ParamHeaderAlwaysExpected
                | Fault::HeaderValuesCaseInsensitive
                | Fault::MissingVersionHeaderServed
                | Fault::ListChangedOnCallStream
                | Fault::StatelessErrors200
                | Fault::UnknownSessionAccepted
                | Fault::Notification200
                | Fault::DuplicateEventIds
                | Fault::IgnoreOrigin
                | Fault::IgnoreProtocolVersionHeader
                | Fault::ReplayAllEvents
                | Fault::GetReturnsJson
                | Fault::WrongContentType
                | Fault::EndpointNotFirst
                | Fault::LegacyIgnoreOrigin
                | Fault::BroadcastRequests
                | Fault::SessionIdWithSpace
                | Fault::WsNoSubprotocol
                | Fault::ZcpReversedTools
                | Fault::StallMidBody
                | Fault::HttpReset
                | Fault::InvalidSse
                | Fault::EndlessStream
                | Fault::HugeBody
        ) || self.is_zcp_discovery()
    }

    /// Whether the fault breaks a requirement of the stateless era, judged in 2026-07-28 runs.
    pub fn is_stateless(self) -> bool {
        matches!(
            self,
            Fault::DiscoverNoVersions
                | Fault::NoResultType
                | Fault::NoCacheHints
                | Fault::NoServerInfoMeta
                | Fault::AnyProtocolVersion
                | Fault::IgnoreMissingMeta
                | Fault::NeedsDiscoverFirst
                | Fault::ServesRemovedMethods
                | Fault::LogsWithoutLevel
                | Fault::StatelessResourceNotFound
                | Fault::IgnoreHeaderMismatch
                | Fault::IgnoreParamHeaders
                | Fault::ParamHeaderNotDecoded
                | Fault::ParamHeaderAlwaysExpected
                | Fault::InvalidXMcpHeader
                | Fault::ListsRememberRequests
                | Fault::StatelessErrors200
                | Fault::StatelessServerRequests
                | Fault::InputRequiredBare
                | Fault::AsksUndeclared
                | Fault::CapabilityErrorAsResult
                | Fault::AcceptsTamperedState
                | Fault::ToolsListUnstable
                | Fault::CacheScopeVaries
                | Fault::StatelessLegacyErrorCode
                | Fault::ListenNoAck
                | Fault::ListenAckUnrequested
                | Fault::ListenUnrequested
                | Fault::ListenNoSubscriptionId
                | Fault::ListenLogs
                | Fault::ListenIgnoresCancel
                | Fault::TaskWithoutExtension
                | Fault::TaskRequiredPlainError
                | Fault::TaskResultTypeComplete
                | Fault::TaskNotYetGettable
                | Fault::TaskCompletedWithoutResult
                | Fault::TaskToolErrorFails
                | Fault::TaskReusesInputKey
                | Fault::TaskAckCarriesTask
                | Fault::TaskUnknownInternalError
                | Fault::TasksServedWithoutExtension
                | Fault::HeaderValuesCaseInsensitive
                | Fault::MissingVersionHeaderServed
                | Fault::ListChangedOnCallStream
                | Fault::AssumesRetry
                | Fault::ExtensionKeyUnprefixed
        )
    }

    /// Whether the fault breaks ZCP discovery filtering, which is judged on native /zcp only.
    pub fn is_zcp_discovery(self) -> bool {
        matches!(
            self,
            Fault::ZcpGroupsFirstOnly
                | Fault::ZcpExcludeGroupsIgnored
                | Fault::ZcpStagesReadGroups
                | Fault::ZcpProfileIgnored
                | Fault::ZcpProfileUnreported
                | Fault::ZcpCommaUnsplit
                | Fault::ZcpFilteredPageRepeats
                | Fault::ZcpNoMatchError
        )
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fault::ALL
            .iter()
            .copied()
            .find(|f| f.name() == s)
            .ok_or_else(|| format!("unknown fault {s:?}; `zcpspec serve --list-faults` lists them"))
    }
}
