//! A strict Server-Sent Events parser (WHATWG HTML §9.2): lines end in CRLF, LF or CR; fields
//! `data`, `event`, `id`, `retry`; `:` starts a comment; a blank line dispatches the event.
//! Fed bytes in whatever pieces the network gives, it never holds more than `max` bytes of one
//! event, so an endless or huge event cannot exhaust memory.

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The `event` field; None means the default type, `message`.
    pub event: Option<String>,
    pub data: String,
    /// The `id` field of this event, if it set one.
    pub id: Option<String>,
    pub retry: Option<u64>,
}

/// What the parser produced from a piece of input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Event(Event),
    /// An event larger than the maximum, discarded; its size so far.
    Oversize(usize),
    /// A line that is not valid UTF-8 (the stream is UTF-8 by definition), replaced.
    InvalidUtf8,
}

#[derive(Debug)]
pub struct Parser {
    max: usize,
    line: Vec<u8>,
    /// The previous chunk ended in CR: a following LF belongs to it.
    after_cr: bool,
    /// The stream has begun (past any byte order mark).
    started: bool,
    /// How many bytes of a leading byte order mark arrived so far.
    bom_seen: usize,
    event: Option<String>,
    data: String,
    id: Option<String>,
    retry: Option<u64>,
    /// Bytes of the event being built; past `max` it is dropped until its end.
    size: usize,
    oversize: bool,
}

impl Parser {
    pub fn new(max: usize) -> Self {
        Parser {
            max,
            line: Vec::new(),
            after_cr: false,
            started: false,
            bom_seen: 0,
            event: None,
            data: String::new(),
            id: None,
            retry: None,
            size: 0,
            oversize: false,
        }
    }

    /// Feeds a piece of the stream; returns the items it completed.
    pub fn feed(&mut self, mut bytes: &[u8]) -> Vec<Item> {
        let mut out = Vec::new();
        // A UTF-8 byte order mark at the very start is ignored, even when it arrives in pieces:
        // its leading bytes are held until the stream shows whether they are one.
        let mut held: &[u8] = &[];
        while !self.started && !bytes.is_empty() {
            if bytes[0] == BOM[self.bom_seen] {
                self.bom_seen += 1;
                bytes = &bytes[1..];
                self.started = self.bom_seen == BOM.len();
            } else {
                held = &BOM[..self.bom_seen];
                self.started = true;
            }
        }
        for &b in held.iter().chain(bytes) {
            if self.after_cr {
                self.after_cr = false;
                if b == b'\n' {
                    continue;
                }
            }
            match b {
                b'\n' | b'\r' => {
                    self.after_cr = b == b'\r';
                    let line = std::mem::take(&mut self.line);
                    self.line_done(&line, &mut out);
                }
                _ => {
                    self.size += 1;
                    if self.size > self.max {
                        self.oversize = true;
                        self.line.clear();
                    } else {
                        self.line.push(b);
                    }
                }
            }
        }
        out
    }

    fn line_done(&mut self, line: &[u8], out: &mut Vec<Item>) {
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        if self.oversize {
            return;
        }
        let text = match std::str::from_utf8(line) {
            Ok(t) => t.to_string(),
            Err(_) => {
                out.push(Item::InvalidUtf8);
                String::from_utf8_lossy(line).into_owned()
            }
        };
        if text.starts_with(':') {
            return;
        }
        let (field, value) = match text.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (text.as_str(), ""),
        };
        match field {
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
            }
            "event" => self.event = Some(value.to_string()),
            // An id containing NUL is ignored, as the standard says.
            "id" if !value.contains('\0') => self.id = Some(value.to_string()),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                self.retry = value.parse().ok();
            }
            _ => {}
        }
    }

    fn dispatch(&mut self, out: &mut Vec<Item>) {
        let size = std::mem::take(&mut self.size);
        let event = self.event.take();
        let id = self.id.take();
        let retry = self.retry.take();
        let mut data = std::mem::take(&mut self.data);
        if std::mem::take(&mut self.oversize) {
            out.push(Item::Oversize(size));
            return;
        }
        if data.is_empty() && id.is_none() && retry.is_none() && event.is_none() {
            return;
        }
        if data.ends_with('\n') {
            data.pop();
        }
        out.push(Item::Event(Event {
            event,
            data,
            id,
            retry,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(pieces: &[&[u8]]) -> Vec<Item> {
        let mut p = Parser::new(1 << 20);
        pieces.iter().flat_map(|piece| p.feed(piece)).collect()
    }

    fn event(event: Option<&str>, data: &str, id: Option<&str>) -> Item {
        Item::Event(Event {
            event: event.map(String::from),
            data: data.into(),
            id: id.map(String::from),
            retry: None,
        })
    }

    #[test]
    fn fields_comments_and_line_endings() {
        let items = parse(&[
            b"\xEF\xBB\xBF: comment\r\nid: 7\revent: message\ndata: {\"a\":\ndata:1}\r\n\r\n",
            b"data: x\n\n",
        ]);
        assert_eq!(
            items,
            vec![
                event(Some("message"), "{\"a\":\n1}", Some("7")),
                event(None, "x", None)
            ]
        );
    }

    #[test]
    fn a_byte_order_mark_split_across_pieces_is_still_skipped() {
        let whole = parse(&[b"\xEF\xBB\xBFdata: x\n\n"]);
        let split = parse(&[b"\xEF", b"\xBB", b"\xBFdata: x\n\n"]);
        assert_eq!(split, whole);
        assert_eq!(whole, vec![event(None, "x", None)]);
        // The start of a mark that is not one is kept as the bytes it was.
        let not_a_mark = parse(&[b"\xEF", b"data: x\n\n"]);
        assert_eq!(not_a_mark, parse(&[b"\xEFdata: x\n\n"]));
    }

    #[test]
    fn retry_and_priming_events_dispatch() {
        let items = parse(&[b"id: p1\nretry: 1500\ndata:\n\n"]);
        assert_eq!(
            items,
            vec![Item::Event(Event {
                event: None,
                data: String::new(),
                id: Some("p1".into()),
                retry: Some(1500)
            })]
        );
    }

    #[test]
    fn an_oversize_event_is_dropped_and_the_next_one_parsed() {
        let mut p = Parser::new(16);
        let mut items = p.feed(b"data: 0123456789abcdefghij\n\n");
        items.extend(p.feed(b"data: ok\n\n"));
        assert!(matches!(items[0], Item::Oversize(n) if n > 16));
        assert_eq!(items[1], event(None, "ok", None));
    }

    fn render(events: &[(Option<String>, String, Option<String>)]) -> Vec<u8> {
        let mut out = String::new();
        for (ev, data, id) in events {
            if let Some(e) = ev {
                out.push_str(&format!("event: {e}\n"));
            }
            if let Some(i) = id {
                out.push_str(&format!("id: {i}\n"));
            }
            for line in data.split('\n') {
                out.push_str(&format!("data: {line}\n"));
            }
            out.push('\n');
        }
        out.into_bytes()
    }

    proptest! {
        /// Events rendered to the wire parse back to the same events, however the bytes are
        /// split into pieces.
        #[test]
        fn round_trips_across_any_split(
            events in proptest::collection::vec((
                proptest::option::of("[a-z]{1,8}"),
                "[ -~]{0,20}(\n[ -~]{0,20}){0,2}",
                proptest::option::of("[a-z0-9]{1,6}"),
            ), 0..6),
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..8),
        ) {
            let wire = render(&events);
            let mut points: Vec<usize> = cuts.iter().map(|c| c.index(wire.len() + 1)).collect();
            points.sort();
            let mut pieces: Vec<&[u8]> = Vec::new();
            let mut last = 0;
            for p in points.into_iter().chain([wire.len()]) {
                pieces.push(&wire[last..p]);
                last = p;
            }
            let expected: Vec<Item> = events
                .iter()
                .map(|(e, d, i)| Item::Event(Event { event: e.clone(), data: d.clone(), id: i.clone(), retry: None }))
                .collect();
            prop_assert_eq!(parse(&pieces), expected);
        }

        /// Arbitrary bytes never panic and never yield an event larger than the maximum: at
        /// most `max` bytes were read for it, each invalid one shown as one U+FFFD.
        #[test]
        fn arbitrary_input_is_bounded(bytes in proptest::collection::vec(any::<u8>(), 0..512), max in 1usize..64) {
            let mut p = Parser::new(max);
            for item in p.feed(&bytes) {
                if let Item::Event(e) = item {
                    let read = e.data.chars().map(|c| if c == '\u{fffd}' { 1 } else { c.len_utf8() }).sum::<usize>();
                    prop_assert!(read <= max);
                }
            }
        }
    }
}
