//! Work the reference server does later: a slow tool's progress and answer, a task's work, a
//! task's expiry, a resource's change. Each job is due at an instant; the serving loop asks for the earliest one and
//! calls [`Server::run_due`] when it comes. Time is the server's only input besides lines.

use super::{Output, Server};
use serde_json::Value;
use std::time::{Duration, Instant};

/// What comes due: the outputs, and the client request they belong to (its stream, over HTTP).
pub struct Due {
    pub request: Option<Value>,
    pub outputs: Vec<Output>,
}

/// A job the server scheduled.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Job {
    /// One of the `steps` equal steps of a sleep tool call: a progress notification (when the
    /// call gave a token), and after the last step the response.
    SleepStep {
        call_id: Value,
        token: Option<Value>,
        step: u64,
        steps: u64,
        ms: u64,
        /// Whether the call was a stateless (2026-07-28) request, whose result is marked.
        stateless: bool,
    },
    /// A task's work is done: it completes (or asks for input first).
    TaskWork { task_id: String },
    /// A task's ttl has run out: the server forgets it.
    TaskExpiry { task_id: String },
    /// The ticker resource changes.
    ResourceTick,
    /// A task of the tasks extension takes its next step.
    ExtTaskWork { task_id: String },
}

impl Due {
    /// Every output of `dues`, in order: where there is one stream, it is all the same where a
    /// due belongs.
    pub fn merged(dues: Vec<Due>) -> Vec<Output> {
        dues.into_iter().flat_map(|due| due.outputs).collect()
    }
}

/// The scheduled jobs, in no particular order.
#[derive(Default)]
pub(super) struct Later {
    jobs: Vec<(Instant, Job)>,
}

impl Later {
    pub(super) fn after(&mut self, delay: Duration, job: Job) {
        self.jobs.push((Instant::now() + delay, job));
    }

    pub(super) fn next_due(&self) -> Option<Instant> {
        self.jobs.iter().map(|(due, _)| *due).min()
    }

    /// Removes and returns the jobs due by `now`, earliest first.
    fn take_due(&mut self, now: Instant) -> Vec<Job> {
        let mut due: Vec<(Instant, Job)> = Vec::new();
        let mut index = 0;
        while index < self.jobs.len() {
            if self.jobs[index].0 <= now {
                due.push(self.jobs.swap_remove(index));
            } else {
                index += 1;
            }
        }
        due.sort_by_key(|(at, _)| *at);
        due.into_iter().map(|(_, job)| job).collect()
    }

    /// Drops every job `unwanted` picks; returns whether any was dropped.
    pub(super) fn cancel(&mut self, unwanted: impl Fn(&Job) -> bool) -> bool {
        let before = self.jobs.len();
        self.jobs.retain(|(_, job)| !unwanted(job));
        self.jobs.len() != before
    }
}

impl Server {
    /// When the earliest scheduled job is due, if any.
    pub fn next_due(&self) -> Option<Instant> {
        self.later.next_due()
    }

    /// Runs every job due by `now`, in order.
    pub fn run_due(&mut self, now: Instant) -> Vec<Due> {
        let jobs = self.later.take_due(now);
        jobs.into_iter().flat_map(|job| self.run_job(job)).collect()
    }

    fn run_job(&mut self, job: Job) -> Vec<Due> {
        match job {
            Job::SleepStep {
                call_id,
                token,
                step,
                steps,
                ms,
                stateless,
            } => {
                let outputs = self.sleep_step(&call_id, token, step, steps, ms, stateless);
                vec![Due {
                    request: Some(call_id),
                    outputs,
                }]
            }
            Job::TaskWork { task_id } => self.task_work_done(&task_id),
            Job::TaskExpiry { task_id } => self.task_expired(&task_id),
            Job::ResourceTick => self.tick(),
            Job::ExtTaskWork { task_id } => self.ext_task_work_done(&task_id),
        }
    }
}
