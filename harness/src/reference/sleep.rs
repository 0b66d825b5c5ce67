//! The sleep tool, a long-running call answered after `ms` with progress on the way, and how the
//! server takes `notifications/cancelled`: the named in-flight call stops unanswered; a
//! cancellation of anything else (unknown, finished) is ignored.

use super::later::Job;
use super::tools::text_result;
use super::{Fault, Output, Server};
use crate::protocol::frame::same_id;
use serde_json::Value;
use std::time::Duration;

/// Progress steps of a sleep.
const STEPS: u64 = 4;

impl Server {
    pub(super) fn start_sleep(
        &mut self,
        call_id: &Value,
        ms: u64,
        token: Option<Value>,
    ) -> Vec<Output> {
        let job = Job::SleepStep {
            call_id: call_id.clone(),
            token,
            step: 1,
            steps: STEPS,
            ms,
            stateless: self.stateless.is_some(),
        };
        self.later.after(Duration::from_millis(ms / STEPS), job);
        Vec::new()
    }

    pub(super) fn sleep_step(
        &mut self,
        call_id: &Value,
        token: Option<Value>,
        step: u64,
        steps: u64,
        ms: u64,
        stateless: bool,
    ) -> Vec<Output> {
        let mut outputs = Vec::new();
        if let Some(token) = &token {
            outputs.push(self.progress(token, step, Some(steps)));
        }
        if step < steps {
            let job = Job::SleepStep {
                call_id: call_id.clone(),
                token,
                step: step + 1,
                steps,
                ms,
                stateless,
            };
            self.later.after(Duration::from_millis(ms / steps), job);
            return outputs;
        }
        let result = Ok(text_result(format!("slept {ms} ms")));
        let method = stateless.then(|| "tools/call".to_string());
        outputs.extend(self.respond_marked(call_id, result, method));
        outputs
    }

    /// notifications/cancelled from the client.
    pub(super) fn cancelled(&mut self, params: &Value) -> Vec<Output> {
        let Some(request_id) = params.get("requestId") else {
            return Vec::new();
        };
        if self.has(Fault::IgnoreCancellation) || self.stop_listening(request_id) {
            return Vec::new();
        }
        let stopped = self.later.cancel(
            |job| matches!(job, Job::SleepStep { call_id, .. } if same_id(call_id, request_id)),
        );
        if !stopped && self.has(Fault::CrashOnStaleCancel) {
            return vec![Output::Exit(1)];
        }
        Vec::new()
    }
}
