"""A small ZCP server for zcpspec interoperability runs.

Built on the ZCP Python SDK (PyPI `zero-context-protocol-sdk`, import `zcp`; pinned in
interop/setup.sh) and, for the network surfaces, `uvicorn`.

    python zcp_server.py stdio          # MCP over newline-delimited stdio (the SDK's gateway)
    python zcp_server.py http PORT      # uvicorn on 127.0.0.1:PORT, one ASGI app serving
                                        #   POST/GET/DELETE /mcp  streamable HTTP (MCP)
                                        #   GET /sse              event stream (same handler as GET /mcp)
                                        #   /ws                   WebSocket (MCP), subprotocol "mcp"
                                        #   POST /zcp             native ZCP JSON-RPC
                                        #   GET /healthz /readyz /metadata

Tools name the zcpspec fixture roles they play under `_meta["dev.zcpspec/roles"]` (the SDK
publishes a tool's `metadata` as its `_meta`), and carry the ZCP discovery tags `groups` and
`stages` that the SDK's tools/list filters select by.
"""

from __future__ import annotations

import asyncio
import sys

from zcp import (
    FastZCP,
    HTTPConfig,
    PromptArgument,
    RateLimitConfig,
    ZCPServerConfig,
    create_asgi_app,
    run_mcp_stdio_server_sync,
)

ROLES = "dev.zcpspec/roles"

app = FastZCP("zcpspec-interop", version="0.1.0")


@app.tool(
    name="echo",
    description="Echo the text back as a text content block.",
    input_schema={
        "type": "object",
        "properties": {"text": {"type": "string", "description": "What to echo."}},
        "required": ["text"],
    },
    output_mode="scalar",
    inline_ok=True,
    metadata={ROLES: ["required_arguments"], "groups": ["primitive", "text"], "stages": ["prepare"]},
)
def echo(text: str):
    # A list of content blocks is passed through as the MCP `content` array.
    return [{"type": "text", "text": text}]


@app.tool(
    name="add",
    description="Add two numbers; the result is structured.",
    input_schema={
        "type": "object",
        "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
        "required": ["a", "b"],
    },
    output_schema={
        "type": "object",
        "properties": {"sum": {"type": "number"}},
        "required": ["sum"],
    },
    output_mode="scalar",
    inline_ok=True,
    metadata={ROLES: ["structured_output"], "groups": ["math", "workflow"], "stages": ["execute"]},
)
def add(a: float, b: float):
    return {"sum": a + b}


@app.tool(
    name="fail",
    description="Always fails while running.",
    input_schema={"type": "object", "properties": {}},
    output_mode="scalar",
    inline_ok=True,
    metadata={ROLES: ["errors"], "groups": ["diagnostics", "primitive"], "stages": ["verify"]},
)
def fail():
    raise RuntimeError("fail: this tool always fails")


@app.tool(
    name="progress",
    description="Reports progress three times (when the caller gave a progressToken), then answers.",
    input_schema={"type": "object", "properties": {"steps": {"type": "integer", "minimum": 1, "maximum": 10}}},
    output_mode="scalar",
    inline_ok=True,
    metadata={ROLES: ["emits_progress"], "groups": ["primitive", "progress"], "stages": ["execute"]},
)
async def progress(ctx, steps: int = 3):
    for i in range(1, steps + 1):
        await ctx.report_progress(i, steps, f"step {i} of {steps}")
        await asyncio.sleep(0.01)
    return [{"type": "text", "text": f"done after {steps} steps"}]


@app.tool(
    name="sleep",
    description="Sleeps for ms milliseconds (at most 10000), reporting progress four times, then answers.",
    input_schema={"type": "object", "properties": {"ms": {"type": "integer", "minimum": 0, "maximum": 10000}}},
    output_mode="scalar",
    inline_ok=True,
    metadata={ROLES: ["long_running"], "groups": ["progress", "workflow"], "stages": ["execute"]},
)
async def sleep(ctx, ms: int = 250):
    ms = max(0, min(ms, 10_000))
    steps = 4
    for i in range(1, steps + 1):
        await asyncio.sleep(ms / steps / 1000)
        await ctx.report_progress(i, steps, f"step {i} of {steps}")
    return [{"type": "text", "text": f"slept {ms} ms"}]


@app.tool(
    name="log",
    description="Sends a notifications/message log entry, then answers.",
    input_schema={"type": "object", "properties": {}},
    output_mode="scalar",
    inline_ok=True,
    metadata={ROLES: ["logs"], "groups": ["diagnostics"], "stages": ["prepare", "verify"]},
)
async def log(ctx):
    await ctx.log("info", "zcpspec-interop log tool called", logger_name="zcpspec-interop")
    return [{"type": "text", "text": "logged"}]


@app.resource("zcpspec://interop/readme", name="readme", mime_type="text/plain", description="A static text resource.")
def readme():
    return "zcpspec interop server (ZCP Python SDK)"


@app.resource_template(
    "zcpspec://interop/items/{id}", name="item", mime_type="text/plain", description="One item by id."
)
def item(uri: str):
    return f"item at {uri}"


@app.prompt(
    name="greet",
    description="Greets someone by name.",
    arguments=[PromptArgument(name="name", description="Who to greet.", required=True)],
)
def greet(name: str):
    return [{"role": "user", "content": {"type": "text", "text": f"Say hello to {name}."}}]


@app.completion("greet")
def complete_greet(request):
    return ["Ada", "Grace", "Linus"]


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[1] == "stdio":
        run_mcp_stdio_server_sync(app)
        return 0
    if len(argv) >= 3 and argv[1] == "http":
        import uvicorn

        port = int(argv[2])
        config = ZCPServerConfig(
            service_name="zcpspec-interop",
            environment="test",
            http=HTTPConfig(),
            # The default is 120 requests a minute per client IP, every path counted: a test
            # suite's burst would be throttled with 429s.
            rate_limit=RateLimitConfig(window_seconds=60, max_requests=1_000_000),
        )
        uvicorn.run(
            create_asgi_app(app, config=config),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            ws="auto",
        )
        return 0
    print("usage: zcp_server.py stdio | http PORT", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
