//! Newline-delimited framing with a maximum frame size: reads lines from a byte stream without
//! ever buffering more than the maximum, so a server cannot exhaust memory with one huge line.

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// One unit read from a newline-delimited stream.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// A complete line without its terminating `\n` (a trailing `\r` is kept: it is part of
    /// what the server sent).
    Frame(Vec<u8>),
    /// A line longer than the maximum, discarded; its length in bytes.
    Oversize(u64),
}

pub struct LineReader<R> {
    reader: R,
    max: usize,
}

impl<R: AsyncBufRead + Unpin> LineReader<R> {
    pub fn new(reader: R, max: usize) -> Self {
        LineReader { reader, max }
    }

    /// The next line, or None at end of stream. A final line without a newline still counts.
    pub async fn next(&mut self) -> std::io::Result<Option<Line>> {
        let mut line = Vec::new();
        let mut oversize: Option<u64> = None;
        loop {
            let buf = self.reader.fill_buf().await?;
            if buf.is_empty() {
                return Ok(match oversize {
                    Some(n) => Some(Line::Oversize(n)),
                    None if line.is_empty() => None,
                    None => Some(Line::Frame(line)),
                });
            }
            let (chunk, found) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (&buf[..i], Some(i + 1)),
                None => (buf, None),
            };
            match &mut oversize {
                Some(n) => *n += chunk.len() as u64,
                None if line.len() + chunk.len() > self.max => {
                    oversize = Some((line.len() + chunk.len()) as u64);
                    line = Vec::new();
                }
                None => line.extend_from_slice(chunk),
            }
            let consumed = found.unwrap_or(buf.len());
            self.reader.consume(consumed);
            if found.is_some() {
                return Ok(Some(match oversize {
                    Some(n) => Line::Oversize(n),
                    None => Line::Frame(line),
                }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read_all(input: &[u8], max: usize) -> Vec<Line> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            // A small buffer makes lines span many fill_buf calls.
            let reader = tokio::io::BufReader::with_capacity(7, input);
            let mut lines = LineReader::new(reader, max);
            let mut out = Vec::new();
            while let Some(line) = lines.next().await.unwrap() {
                out.push(line);
            }
            out
        })
    }

    #[test]
    fn splits_lines_and_discards_oversize_ones() {
        let lines = read_all(b"{\"a\":1}\n0123456789abcdef\nok", 10);
        assert_eq!(
            lines,
            vec![
                Line::Frame(b"{\"a\":1}".to_vec()),
                Line::Oversize(16),
                Line::Frame(b"ok".to_vec()),
            ]
        );
    }

    proptest! {
        /// Joining frames with newlines and reading them back gives the same frames, and any
        /// frame longer than the maximum comes back as Oversize with its exact length.
        #[test]
        fn round_trips(frames in proptest::collection::vec(
            proptest::collection::vec(any::<u8>().prop_filter("no newline", |b| *b != b'\n'), 1..40), 0..20),
            max in 1usize..48)
        {
            let mut input = Vec::new();
            for f in &frames {
                input.extend_from_slice(f);
                input.push(b'\n');
            }
            let expected: Vec<Line> = frames.iter().map(|f| if f.len() > max {
                Line::Oversize(f.len() as u64)
            } else {
                Line::Frame(f.clone())
            }).collect();
            prop_assert_eq!(read_all(&input, max), expected);
        }
    }
}
