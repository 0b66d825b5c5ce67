"""A small MCP server for zcpspec interoperability runs, on the official MCP Python SDK.

PyPI `mcp` (pinned in interop/setup.sh). In mcp 2.x `FastMCP` is named `MCPServer`
(`mcp.server.mcpserver`); with an mcp 1.x install the same file uses `FastMCP`.

    python mcp_server.py stdio          # newline-delimited JSON-RPC over stdio
    python mcp_server.py http PORT      # streamable HTTP on 127.0.0.1:PORT, path /mcp
    python mcp_server.py sse PORT       # legacy HTTP+SSE on 127.0.0.1:PORT: GET /sse, POST /messages/

Tools name the zcpspec fixture roles they play under `_meta["dev.zcpspec/roles"]`.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
import warnings
from typing import Annotated, TypedDict

from pydantic import BaseModel, Field

# The SDK marks logging and roots deprecated as of protocol 2026-07-28; this server still
# offers them for the revisions that have them, so the warnings are noise on stderr.
warnings.filterwarnings("ignore", message=r".*deprecated as of 2026-07-28")
try:  # mcp 2.x
    from mcp.server.mcpserver import Context, MCPServer as _Server

    _V2 = True
except ImportError:  # mcp 1.x
    from mcp.server.fastmcp import Context, FastMCP as _Server  # type: ignore[no-redef]

    _V2 = False
try:
    from mcp.server.mcpserver.exceptions import ToolError as _ToolFailure
except ImportError:
    from mcp.server.fastmcp.exceptions import ToolError as _ToolFailure  # type: ignore[no-redef]
try:
    import mcp_types as types  # mcp 2.x ships its types as their own distribution
except ImportError:
    import mcp.types as types  # type: ignore[no-redef]

ROLES = "dev.zcpspec/roles"

mcp = _Server("zcpspec-interop")


@mcp.tool(
    name="echo",
    description="Echo the text back.",
    meta={ROLES: ["required_arguments"]},
    structured_output=False,
)
def echo(text: str) -> str:
    return text


class Sum(TypedDict):
    sum: float


@mcp.tool(name="add", description="Add two numbers; the result is structured.", meta={ROLES: ["structured_output"]})
def add(a: float, b: float) -> Sum:
    return Sum(sum=a + b)


@mcp.tool(name="fail", description="Always fails while running.", meta={ROLES: ["errors"]}, structured_output=False)
def fail() -> str:
    raise _ToolFailure("fail: this tool always fails")


@mcp.tool(
    name="progress",
    description="Reports progress three times (when the caller gave a progressToken), then answers.",
    meta={ROLES: ["emits_progress"]},
    structured_output=False,
)
async def progress(ctx: Context, steps: int = 3) -> str:
    for i in range(1, steps + 1):
        await ctx.report_progress(i, steps, f"step {i} of {steps}")
        await asyncio.sleep(0.01)
    return f"done after {steps} steps"


@mcp.tool(
    name="log",
    description="Sends a notifications/message log entry, then answers.",
    meta={ROLES: ["logs"]},
    structured_output=False,
)
async def log(ctx: Context) -> str:
    # The SDK does not filter by the level the client set; the server has to.
    if _LEVELS.index(_level_of(ctx.session)) <= _LEVELS.index("info"):
        await ctx.info("zcpspec-interop log tool called")
    return "logged"


@mcp.tool(
    name="roots",
    description="Lists the client's roots when the client declared the roots capability.",
    meta={ROLES: ["uses_roots"]},
    structured_output=False,
)
async def roots(ctx: Context) -> str:
    caps = ctx.session.client_params.capabilities if not _V2 else ctx.client_capabilities
    if caps is None or getattr(caps, "roots", None) is None:
        return "the client declared no roots capability"
    result = await ctx.session.list_roots()
    return ", ".join(str(r.uri) for r in result.roots) or "no roots"


def _declared(ctx: Context, capability: str) -> bool:
    """Whether the client declared `capability` (roots, sampling, elicitation) in initialize."""
    caps = ctx.session.client_params.capabilities if not _V2 else ctx.client_capabilities
    return caps is not None and getattr(caps, capability, None) is not None


@mcp.tool(
    name="sleep",
    description="Sleeps for ms milliseconds (at most 10000), reporting progress four times, then answers.",
    meta={ROLES: ["long_running"]},
    structured_output=False,
)
async def sleep(ctx: Context, ms: int = 250) -> str:
    ms = max(0, min(ms, 10_000))
    steps = 4
    for i in range(1, steps + 1):
        await asyncio.sleep(ms / steps / 1000)
        await ctx.report_progress(i, steps, f"step {i} of {steps}")
    return f"slept {ms} ms"


class Approval(BaseModel):
    approved: bool


@mcp.tool(
    name="ask",
    description="Asks the user to approve (form elicitation) when the client declared elicitation.",
    meta={ROLES: ["elicits_input"]},
    structured_output=False,
)
async def ask(ctx: Context) -> str:
    if not _declared(ctx, "elicitation"):
        return "the client declared no elicitation capability"
    result = await ctx.elicit("Approve the zcpspec interop request?", Approval)
    return f"the user answered {result.action}"


@mcp.tool(
    name="ask_url",
    description="Asks the user to open a URL (URL-mode elicitation) when the client declared it, then says it completed.",
    meta={ROLES: ["elicits_url"]},
    structured_output=False,
)
async def ask_url(ctx: Context) -> str:
    caps = ctx.session.client_params.capabilities if not _V2 else ctx.client_capabilities
    elicitation = getattr(caps, "elicitation", None) if caps is not None else None
    if getattr(elicitation, "url", None) is None:
        return "the client declared no URL-mode elicitation"
    elicitation_id = str(uuid.uuid4())
    result = await ctx.elicit_url("Open the link to finish.", "https://example.com/zcpspec", elicitation_id)
    if result.action == "accept":
        await ctx.session.send_elicit_complete(elicitation_id, related_request_id=ctx.request_context.request_id)
    return f"the user answered {result.action}"


@mcp.tool(
    name="sample",
    description="Asks the client's model for a completion (sampling) when the client declared sampling.",
    meta={ROLES: ["samples"]},
    structured_output=False,
)
async def sample(ctx: Context, prompt: str = "Say hello.") -> str:
    if not _declared(ctx, "sampling"):
        return "the client declared no sampling capability"
    message = types.SamplingMessage(role="user", content=types.TextContent(type="text", text=prompt))
    result = await ctx.session.create_message(
        [message], max_tokens=50, related_request_id=ctx.request_context.request_id
    )
    content = result.content
    return content.text if getattr(content, "type", None) == "text" else f"a {content.type} answer"


@mcp.tool(
    name="route",
    description="Says where a call would be routed; over HTTP region and shard travel in Mcp-Param headers.",
    meta={ROLES: ["mirrors_parameters"]},
    structured_output=False,
)
def route(
    region: Annotated[str, Field(json_schema_extra={"x-mcp-header": "Region"})],
    shard: Annotated[int, Field(json_schema_extra={"x-mcp-header": "Shard"})] = 0,
) -> str:
    return f"region {region}, shard {shard}"


@mcp.resource("zcpspec://interop/readme", name="readme", mime_type="text/plain", description="A static text resource.")
def readme() -> str:
    return "zcpspec interop server (MCP Python SDK)"


@mcp.resource("zcpspec://interop/items/{id}", name="item", mime_type="text/plain", description="One item by id.")
def item(id: str) -> str:
    return f"item {id}"


@mcp.prompt(name="greet", description="Greets someone by name.")
def greet(name: str) -> str:
    return f"Say hello to {name}."


@mcp.completion()
async def complete(ref, argument, context):
    if getattr(ref, "type", None) == "ref/prompt" and getattr(ref, "name", None) == "greet":
        return types.Completion(values=["Ada", "Grace", "Linus"], total=3, hasMore=False)
    return None


# MCPServer only declares the logging capability when a logging/setLevel handler exists and
# offers no decorator for one; register it on the low-level server the way MCPServer
# registers its own handlers.
_LEVELS = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]
_V1_STATE: dict[int, dict] = {}


def _conn_state(session) -> dict:
    """Per-connection scratch state. In mcp 2.x a ServerSession is made per request and wraps
    the connection, whose `state` dict persists across requests; in 1.x the session is the
    connection."""
    conn = getattr(session, "_connection", None)
    if conn is not None and isinstance(getattr(conn, "state", None), dict):
        return conn.state
    return _V1_STATE.setdefault(id(session), {})


def _level_of(session) -> str:
    return _conn_state(session).get("zcpspec_log_level", "debug")


async def _set_level(ctx, params):  # mcp 2.x handler signature: (ctx, params)
    _conn_state(ctx.session)["zcpspec_log_level"] = params.level
    return types.EmptyResult()


if _V2:
    mcp._lowlevel_server.add_request_handler("logging/setLevel", types.SetLevelRequestParams, _set_level)
else:  # pragma: no cover - mcp 1.x

    @mcp._mcp_server.set_logging_level()
    async def _set_level_v1(level):
        _conn_state(mcp._mcp_server.request_context.session)["zcpspec_log_level"] = level


def main(argv: list[str]) -> int:
    mode = argv[1] if len(argv) >= 2 else ""
    if mode == "stdio":
        mcp.run("stdio")
        return 0
    if mode in ("http", "sse") and len(argv) >= 3:
        port = int(argv[2])
        if mode == "http":
            if _V2:
                mcp.run("streamable-http", host="127.0.0.1", port=port, streamable_http_path="/mcp")
            else:  # pragma: no cover - mcp 1.x
                mcp.settings.host, mcp.settings.port = "127.0.0.1", port
                mcp.run("streamable-http")
        else:
            if _V2:
                mcp.run("sse", host="127.0.0.1", port=port)
            else:  # pragma: no cover - mcp 1.x
                mcp.settings.host, mcp.settings.port = "127.0.0.1", port
                mcp.run("sse")
        return 0
    print("usage: mcp_server.py stdio | http PORT | sse PORT", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
