//! The reference server's network surfaces (`zcpspec serve --transport http`), each wrapping the
//! synchronous [`Server`](crate::reference::Server): streamable HTTP on `/mcp`, the legacy
//! HTTP+SSE transport on `/sse` and `/messages`, WebSocket on `/ws`, the ZCP native dialect on
//! `/zcp`, and `GET /healthz` (`ok`). The HTTP faults of [`Fault`] are implemented here.

mod body;
mod clock;
mod conn;
mod gate;
mod hostile;
mod legacy;
mod mcp;
mod message;
mod native;
mod registry;
mod session;
mod stateless;
#[cfg(test)]
mod tests;
mod ws;

use crate::reference::{Fault, Server};
use axum::routing::{get, post};
use axum::Router;
use registry::Registry;
use std::sync::Arc;
use tokio::net::TcpListener;

/// What every handler shares.
struct App {
    fault: Option<Fault>,
    /// The largest request body (and WebSocket message) accepted, in bytes.
    max_body: usize,
    mcp: Registry<session::Session>,
    legacy: Registry<legacy::Session>,
    native: Registry<Server>,
    /// The server of sessionless 2026-07-28 requests on /mcp: each is served on its own, so
    /// one server serves them all.
    stateless: registry::Shared<session::Session>,
}

impl App {
    fn has(&self, fault: Fault) -> bool {
        self.fault == Some(fault)
    }
}

/// Serves every surface on `listener` with `fault` (if any) until the returned future is
/// dropped. Request bodies over `max_body` bytes are refused with 413.
pub async fn serve_http(
    listener: TcpListener,
    fault: Option<Fault>,
    max_body: usize,
) -> std::io::Result<()> {
    let app = Arc::new(App {
        fault,
        max_body,
        mcp: Registry::default(),
        legacy: Registry::default(),
        native: Registry::default(),
        stateless: Arc::new(std::sync::Mutex::new(session::Session::new(fault))),
    });
    clock::start(&app.stateless);
    let router = Router::new()
        .route("/mcp", post(mcp::post).get(mcp::get).delete(mcp::delete))
        .route("/sse", get(legacy::open))
        .route("/messages", post(legacy::post))
        .route("/ws", get(ws::upgrade))
        .route("/zcp", post(native::post))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(app);
    let service = router.into_make_service_with_connect_info::<conn::Conn>();
    axum::serve(conn::Listener(listener), service).await
}
