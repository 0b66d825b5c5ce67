//! What the hostile-server faults write: garbage lines, one huge line, a notification flood.
//! Large outputs come as chunks so that they are written, and can be read, piece by piece.

use super::{Output, Server};

/// The huge line's length, not counting its newline.
pub(super) const HUGE_LINE_BYTES: usize = 100 * 1024 * 1024;
pub(super) const FLOOD_NOTIFICATIONS: u64 = 200_000;
const FLOOD_LINES_PER_CHUNK: u64 = 10_000;

impl Server {
    /// A line of non-JSON text, different each time.
    pub(super) fn garbage_line(&mut self) -> Output {
        self.garbage_lines_written += 1;
        let scrambled = self
            .garbage_lines_written
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            >> 48;
        Output::Raw(format!("garbage {scrambled:04x} not json\n").into_bytes())
    }
}

/// A line of [`HUGE_LINE_BYTES`] 'x' bytes and its newline.
pub(super) fn huge_line() -> Vec<Output> {
    vec![
        Output::Repeat {
            byte: b'x',
            count: HUGE_LINE_BYTES,
        },
        Output::Raw(b"\n".to_vec()),
    ]
}

/// [`FLOOD_NOTIFICATIONS`] progress notifications for a token nobody gave, pre-serialised in
/// chunks of lines (as JSON values they would take far more memory).
pub(super) fn notification_flood() -> Vec<Output> {
    (0..FLOOD_NOTIFICATIONS / FLOOD_LINES_PER_CHUNK)
        .map(|chunk| {
            let first = chunk * FLOOD_LINES_PER_CHUNK + 1;
            let lines: String = (first..first + FLOOD_LINES_PER_CHUNK)
                .map(|progress| {
                    format!(
                        "{{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\
                         \"params\":{{\"progressToken\":\"nobody-gave-this\",\"progress\":{progress}}}}}\n"
                    )
                })
                .collect();
            Output::Raw(lines.into_bytes())
        })
        .collect()
}
