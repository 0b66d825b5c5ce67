//! The SSE parser: `zcpspec::transport::sse::Parser` (`new(max)`, `feed(bytes) -> Vec<Item>`).
//!
//! Invariants, for any bytes and several maxima:
//! - Feeding never panics.
//! - Feeding the bytes split at any points (here: one byte at a time, and at points derived
//!   from the input) gives the same items as feeding them all at once.
//! - No item exceeds the maximum: an event's fields (event type, data, id) add up to at most
//!   `max` bytes, counting each U+FFFD as one byte (a line that is not UTF-8 is read with one
//!   U+FFFD, three bytes, for each invalid byte, so the decoded text may outgrow the wire
//!   bytes it came from); an `Oversize` item reports more than `max` bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zcpspec::transport::sse::{Item, Parser};

fuzz_target!(|data: &[u8]| {
    let small = 1 + usize::from(data.first().copied().unwrap_or(0) % 64);
    for max in [1 << 20, small, 1 + data.len() / 2] {
        check(data, max);
    }
});

fn check(data: &[u8], max: usize) {
    let whole = Parser::new(max).feed(data);
    let mut bytewise = Parser::new(max);
    let one_at_a_time: Vec<Item> = data.chunks(1).flat_map(|b| bytewise.feed(b)).collect();
    assert_eq!(one_at_a_time, whole, "fed one byte at a time (max {max})");
    let mut split = Parser::new(max);
    let pieces: Vec<Item> = pieces(data).flat_map(|piece| split.feed(piece)).collect();
    assert_eq!(pieces, whole, "fed in pieces (max {max})");
    for item in &whole {
        match item {
            Item::Event(event) => {
                let fields = [
                    event.event.as_deref(),
                    Some(&*event.data),
                    event.id.as_deref(),
                ];
                let size: usize = fields.into_iter().flatten().map(wire_size).sum();
                assert!(
                    size <= max,
                    "an event of {size} bytes passed the maximum {max}"
                );
            }
            Item::Oversize(size) => assert!(*size > max, "Oversize({size}) within {max}"),
            Item::InvalidUtf8 => {}
        }
    }
}

/// The bytes `text` took on the wire at least: U+FFFD may stand for a single invalid byte.
fn wire_size(text: &str) -> usize {
    text.len() - 2 * text.matches('\u{FFFD}').count()
}

/// `data` cut at points chosen by a hash of the data, so that every input has its own cuts.
fn pieces(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut state = data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let mut rest = data;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let len = 1 + (state % 8) as usize;
        let (piece, tail) = rest.split_at(len.min(rest.len()));
        rest = tail;
        Some(piece)
    })
}
