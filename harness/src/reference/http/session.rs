//! One streamable-HTTP session: its [`Server`], the POSTs still waiting for their response, and
//! the GET stream with the history of its events (for resumption with Last-Event-ID).
//!
//! Event ids are decimal numbers from a session-wide counter, so they are unique across all the
//! session's streams (DuplicateEventIds: every stream counts from 1 instead). Every SSE stream
//! starts with a priming event, `id: <n>` and empty data.

use super::body::{self, Chunk, Drain, Feed};
use super::clock::{Clock, Clocked};
use super::message::{answers, finishes, is_server_message, only_responses};
use crate::reference::{subscription_of, Due, Fault, Output, Server};
use serde_json::{json, Value};

pub(super) struct Session {
    pub(super) server: Server,
    ids: EventIds,
    /// POSTs whose response has not been sent yet, oldest first.
    waiting: Vec<Waiting>,
    get: GetStream,
    /// ping-stream notifications received so far.
    pings: u64,
    clock: Clock,
    /// BroadcastRequests: roots/list requests on a POST's stream go to the GET stream too.
    broadcast: bool,
}

/// How a request is answered.
pub(super) enum Reply {
    /// 202 Accepted with an empty body.
    Accepted,
    /// A JSON body with what the drain receives.
    Json(Drain),
    /// An SSE stream of what the drain receives.
    Sse(Drain),
}

/// When a request is answered with an SSE stream.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum SseWhen {
    Never,
    /// When the answer is more than responses, or the response is not ready yet.
    Needed,
    Always,
}

struct EventIds {
    per_stream: bool,
    last: u64,
}

impl EventIds {
    fn next(&mut self, stream_count: &mut u64) -> u64 {
        *stream_count += 1;
        if self.per_stream {
            return *stream_count;
        }
        self.last += 1;
        self.last
    }
}

struct Waiting {
    request_id: Value,
    sink: Sink,
}

/// Where the outputs for one request go.
enum Sink {
    /// Every output as an event.
    Sse { feed: Feed, count: u64 },
    /// Responses and raw bytes into the body; server messages to the GET stream.
    Json(Feed),
}

impl Sink {
    /// Whether the client still reads what goes in.
    fn is_open(&self) -> bool {
        match self {
            Sink::Sse { feed, .. } | Sink::Json(feed) => !feed.is_closed(),
        }
    }
}

/// The session's standalone SSE stream. Its events are kept so that a later GET can replay them.
#[derive(Default)]
struct GetStream {
    live: Option<Feed>,
    count: u64,
    history: Vec<(u64, [Chunk; 3])>,
    /// How many events of the history went out on a live stream.
    delivered: usize,
}

impl GetStream {
    fn send_undelivered(&mut self) {
        let Some(feed) = &self.live else { return };
        let undelivered = &self.history[self.delivered..];
        if undelivered.iter().all(|(_, e)| body::send(feed, e.clone())) {
            self.delivered = self.history.len();
        } else {
            self.live = None;
        }
    }
}

impl Session {
    pub(super) fn new(fault: Option<Fault>) -> Self {
        Session {
            server: Server::new(fault),
            ids: EventIds {
                per_stream: fault == Some(Fault::DuplicateEventIds),
                last: 0,
            },
            waiting: Vec::new(),
            get: GetStream::default(),
            pings: 0,
            clock: Clock::default(),
            broadcast: fault == Some(Fault::BroadcastRequests),
        }
    }

    /// Answers a POST that needs an answer with `outputs` (what the server wrote for it). A
    /// single request (`request_id`) whose response is not among them stays open, waiting for
    /// it; anything else without a response is answered 202 (its outputs are routed).
    pub(super) fn answer(
        &mut self,
        request_id: Option<&Value>,
        outputs: Vec<Output>,
        sse: SseWhen,
    ) -> Reply {
        self.clock.tick();
        let outputs = self.answer_others(request_id, outputs);
        match request_id {
            _ if finishes(&outputs) => self.reply(outputs, sse).1,
            Some(request_id) => {
                let (sink, reply) = self.reply(outputs, sse);
                let request_id = request_id.clone();
                self.waiting.push(Waiting { request_id, sink });
                reply
            }
            None => {
                self.route(outputs);
                Reply::Accepted
            }
        }
    }

    /// Delivers the responses among `outputs` that answer other waiting POSTs (a tasks/cancel
    /// releases the tasks/result calls waiting on its task); returns the rest.
    fn answer_others(&mut self, request_id: Option<&Value>, outputs: Vec<Output>) -> Vec<Output> {
        let mut rest = Vec::new();
        for output in outputs {
            let own = subscription_of(&output).is_some_and(|id| Some(id) == request_id);
            let Some(output) = (match own {
                true => Some(output),
                false => self.deliver_on_subscription(output),
            }) else {
                continue;
            };
            let other = (self.waiting.iter()).position(|w| {
                answers(&output, &w.request_id) && request_id.is_none_or(|id| *id != w.request_id)
            });
            match other {
                Some(index) => {
                    let mut sink = self.waiting.remove(index).sink;
                    self.deliver(&mut sink, vec![output]);
                }
                None => rest.push(output),
            }
        }
        rest
    }

    fn reply(&mut self, outputs: Vec<Output>, sse: SseWhen) -> (Sink, Reply) {
        let streamed = match sse {
            SseWhen::Never => false,
            SseWhen::Needed => !(finishes(&outputs) && only_responses(&outputs)),
            SseWhen::Always => true,
        };
        let (feed, drain) = body::channel();
        let mut sink = if streamed {
            let mut count = 0;
            let id = self.ids.next(&mut count);
            body::send(&feed, [body::priming(id)]);
            Sink::Sse { feed, count }
        } else {
            Sink::Json(feed)
        };
        self.deliver(&mut sink, outputs);
        let reply = match streamed {
            true => Reply::Sse(drain),
            false => Reply::Json(drain),
        };
        (sink, reply)
    }

    /// A notification on a subscription goes to the stream of its `subscriptions/listen`
    /// request, and nowhere else: where that stream is gone (the client closed it, which
    /// cancels the subscription), the subscription ends. Any other output is given back.
    fn deliver_on_subscription(&mut self, output: Output) -> Option<Output> {
        let Some(id) = subscription_of(&output).cloned() else {
            return Some(output);
        };
        // The newest listen with that id: an older one is a stream its client has left (one
        // stateless server serves every client, and ids are each client's own).
        let index = self.waiting.iter().rposition(|w| w.request_id == id);
        let Some(index) = index else {
            self.server.stop_listening(&id);
            return None;
        };
        let mut waiting = self.waiting.remove(index);
        self.deliver(&mut waiting.sink, vec![output]);
        match waiting.sink.is_open() {
            true => self.waiting.insert(index, waiting),
            false => drop(self.server.stop_listening(&id)),
        }
        None
    }

    /// Outputs not tied to a POST being answered (from a POSTed notification or response): to
    /// the waiting POST whose response is among them, else to the GET stream.
    pub(super) fn route(&mut self, outputs: Vec<Output>) {
        self.clock.tick();
        let outputs: Vec<Output> = (outputs.into_iter())
            .filter_map(|output| self.deliver_on_subscription(output))
            .collect();
        if outputs.is_empty() {
            return;
        }
        let waiting = (self.waiting.iter())
            .position(|w| outputs.iter().any(|output| answers(output, &w.request_id)));
        let Some(index) = waiting else {
            outputs.into_iter().for_each(|output| self.push_get(output));
            return;
        };
        // Its response is among the outputs: once they are delivered, the stream ends.
        let mut sink = self.waiting.remove(index).sink;
        self.deliver(&mut sink, outputs);
    }

    fn deliver(&mut self, sink: &mut Sink, outputs: Vec<Output>) {
        for output in outputs {
            let roots_request = matches!(&output, Output::Message(m)
                if m.get("method").is_some_and(|m| m == "roots/list"));
            if self.broadcast && roots_request && matches!(sink, Sink::Sse { .. }) {
                self.push_get(output.clone());
            }
            match sink {
                Sink::Sse { feed, count } => {
                    for data in body::event_data(output) {
                        let id = self.ids.next(count);
                        body::send(feed, body::event(Some(id), Some("message"), data));
                    }
                }
                Sink::Json(_) if is_server_message(&output) => self.push_get(output),
                Sink::Json(feed) => {
                    body::send(feed, body::json_chunk(output));
                }
            }
        }
    }

    fn push_get(&mut self, output: Output) {
        for data in body::event_data(output) {
            let id = self.ids.next(&mut self.get.count);
            let event = body::event(Some(id), Some("message"), data);
            self.get.history.push((id, event));
        }
        self.get.send_undelivered();
    }

    /// Opens the GET stream (a previous one ends): a priming event, then the events after
    /// `last_event_id` if given (with `replay_all`, every event), else those not delivered yet.
    pub(super) fn open_get(&mut self, last_event_id: Option<u64>, replay_all: bool) -> Drain {
        let (feed, drain) = body::channel();
        let id = self.ids.next(&mut self.get.count);
        body::send(&feed, [body::priming(id)]);
        self.get.delivered = match last_event_id {
            Some(_) if replay_all => 0,
            Some(last) => (self.get.history.iter())
                .position(|(id, _)| *id > last)
                .unwrap_or(self.get.history.len()),
            None => self.get.delivered,
        };
        self.get.live = Some(feed);
        self.get.send_undelivered();
        drain
    }

    /// The answer to `notifications/zcpspec/ping-stream`: a log message on the GET stream.
    pub(super) fn ping_stream(&mut self) {
        self.pings += 1;
        let params = json!({
            "level": "info",
            "logger": "http",
            "data": format!("stream event {}", self.pings),
        });
        let message = self.server.notify("notifications/message", params);
        self.push_get(message);
    }

    /// The session is over: its open streams end.
    pub(super) fn end(&mut self) {
        self.waiting.clear();
        self.get.live = None;
    }
}

impl Clocked for Session {
    fn clock(&self) -> &Clock {
        &self.clock
    }

    fn server(&mut self) -> &mut Server {
        &mut self.server
    }

    /// Work that came due goes to the stream of the POST it belongs to while that one waits for
    /// its response, else where [`Session::route`] sends it.
    fn deliver(&mut self, due: Due) {
        let waiting = (due.request.as_ref())
            .and_then(|id| self.waiting.iter().position(|w| w.request_id == *id));
        let Some(index) = waiting else {
            self.route(due.outputs);
            return;
        };
        let mut waiting = self.waiting.remove(index);
        let finished = (due.outputs.iter()).any(|o| answers(o, &waiting.request_id));
        self.deliver(&mut waiting.sink, due.outputs);
        if !finished {
            self.waiting.insert(index, waiting);
        }
    }
}
