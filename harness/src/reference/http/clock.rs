//! The clock of a network session: it runs the work the session's server scheduled (slow calls,
//! tasks) when it comes due, and hands what comes out to the session's streams. One task per
//! session; it ends when the session is dropped.

use super::registry::{lock, Shared};
use crate::reference::serve::sleep_until;
use crate::reference::{Due, Server};
use std::sync::{Arc, Weak};
use std::time::Instant;
use tokio::sync::Notify;

/// A session with a clock.
pub(super) trait Clocked: Send + 'static {
    fn clock(&self) -> &Clock;
    fn server(&mut self) -> &mut Server;
    /// Sends what came due where it belongs.
    fn deliver(&mut self, due: Due);
}

/// Held by the session: `tick` after handling input (the schedule may have changed); dropping
/// it stops the clock's task.
#[derive(Default)]
pub(super) struct Clock {
    wake: Arc<Notify>,
}

impl Clock {
    pub(super) fn tick(&self) {
        self.wake.notify_one();
    }
}

impl Drop for Clock {
    fn drop(&mut self) {
        self.wake.notify_one();
    }
}

/// Starts the clock task of a session just registered.
pub(super) fn start<S: Clocked>(session: &Shared<S>) {
    let wake = lock(session).clock().wake.clone();
    let session: Weak<std::sync::Mutex<S>> = Arc::downgrade(session);
    tokio::spawn(async move {
        loop {
            let due = match session.upgrade() {
                Some(session) => lock(&session).server().next_due(),
                None => return,
            };
            tokio::select! {
                _ = sleep_until(due) => {}
                _ = wake.notified() => continue,
            }
            let Some(session) = session.upgrade() else {
                return;
            };
            let mut state = lock(&session);
            for due in state.server().run_due(Instant::now()) {
                state.deliver(due);
            }
        }
    });
}
