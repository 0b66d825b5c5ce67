//! Serving newline-delimited JSON-RPC over a byte stream: lines in (bounded in length), the
//! server's [`Output`]s out.

use super::{Output, Server};
use std::io;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

/// The status returned when the output can no longer be written (the reader went away).
const OUTPUT_CLOSED_STATUS: i32 = 1;

/// Serves newline-delimited JSON-RPC: reads lines from `input` (each at most `max_line` bytes; a
/// longer line is discarded up to its newline and answered as a parse error), writes Outputs to
/// `output` (flushing after each handled line), until input ends or an [`Output::Exit`]. Returns
/// the exit status (0 at end of input, 1 if writing fails). With IgnoreStdinClose it awaits
/// forever (std::future::pending) after input ends.
pub async fn serve_lines<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(
    mut server: Server,
    input: R,
    mut output: W,
    max_line: usize,
) -> i32 {
    let mut input = BufReader::new(input);
    let mut line = Vec::new();
    loop {
        let outputs = match read_bounded_line(&mut input, max_line, &mut line).await {
            Ok(LineRead::Line) => server.handle_line(&line),
            Ok(LineRead::TooLong) => server.handle_oversized_line(),
            Ok(LineRead::End) | Err(_) => break,
        };
        match write_outputs(&mut output, outputs).await {
            Ok(None) => {}
            Ok(Some(status)) => return status,
            Err(_) => return OUTPUT_CLOSED_STATUS,
        }
    }
    if server.keeps_running_after_input_closes() {
        std::future::pending::<()>().await;
    }
    0
}

#[derive(Debug, PartialEq, Eq)]
enum LineRead {
    /// A line (without its newline) is in the buffer.
    Line,
    /// A line longer than the limit was read and discarded.
    TooLong,
    End,
}

/// Reads one line into `line`, never holding more than `max_line` bytes of it.
async fn read_bounded_line<R: AsyncBufRead + Unpin>(
    input: &mut R,
    max_line: usize,
    line: &mut Vec<u8>,
) -> io::Result<LineRead> {
    line.clear();
    let mut too_long = false;
    loop {
        let available = input.fill_buf().await?;
        if available.is_empty() {
            return Ok(match (too_long, line.is_empty()) {
                (true, _) => LineRead::TooLong,
                (false, true) => LineRead::End,
                (false, false) => LineRead::Line,
            });
        }
        let newline = available.iter().position(|&byte| byte == b'\n');
        let part = &available[..newline.unwrap_or(available.len())];
        if !too_long && line.len() + part.len() > max_line {
            too_long = true;
            line.clear();
        } else if !too_long {
            line.extend_from_slice(part);
        }
        let consumed = newline.map_or(available.len(), |at| at + 1);
        input.consume(consumed);
        if newline.is_some() {
            return Ok(if too_long {
                LineRead::TooLong
            } else {
                LineRead::Line
            });
        }
    }
}

/// Writes one line's outputs in order, then flushes; returns the status of an Exit among them.
async fn write_outputs<W: AsyncWrite + Unpin>(
    output: &mut W,
    outputs: Vec<Output>,
) -> io::Result<Option<i32>> {
    for item in outputs {
        match item {
            Output::Message(message) => {
                let mut bytes =
                    serde_json::to_vec(&message).expect("a JSON value always serialises");
                bytes.push(b'\n');
                output.write_all(&bytes).await?;
            }
            Output::Raw(bytes) => output.write_all(&bytes).await?,
            Output::Exit(status) => {
                output.flush().await?;
                return Ok(Some(status));
            }
        }
    }
    output.flush().await?;
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn an_overlong_line_is_discarded_without_being_held() {
        let max_line = 1024;
        let stream = tokio::io::repeat(b'x').take(8 << 20).chain(&b"\n{}\n"[..]);
        let mut input = BufReader::new(stream);
        let mut line = Vec::new();
        let first = read_bounded_line(&mut input, max_line, &mut line).await;
        assert_eq!(first.unwrap(), LineRead::TooLong);
        assert!(line.capacity() <= 2 * max_line, "held {}", line.capacity());
        let second = read_bounded_line(&mut input, max_line, &mut line).await;
        assert_eq!(
            (second.unwrap(), line.as_slice()),
            (LineRead::Line, &b"{}"[..])
        );
        let third = read_bounded_line(&mut input, max_line, &mut line).await;
        assert_eq!(third.unwrap(), LineRead::End);
    }

    #[tokio::test]
    async fn serves_initialize_then_answers_an_overlong_line_with_a_parse_error() {
        let (client, server_end) = tokio::io::duplex(4096);
        let (server_input, server_output) = tokio::io::split(server_end);
        let serving = tokio::spawn(serve_lines(
            Server::new(None),
            server_input,
            server_output,
            1024,
        ));
        let (client_input, mut client_output) = tokio::io::split(client);
        let mut responses = BufReader::new(client_input).lines();
        let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "test", "version": "0"}}});
        let mut request = serde_json::to_vec(&initialize).unwrap();
        request.push(b'\n');
        client_output.write_all(&request).await.unwrap();
        let line = responses.next_line().await.unwrap().unwrap();
        let response: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(response["id"], 1);
        assert_eq!(response["result"]["protocolVersion"], "2025-06-18");

        let mut overlong = vec![b'x'; 64 * 1024];
        overlong.push(b'\n');
        client_output.write_all(&overlong).await.unwrap();
        let line = responses.next_line().await.unwrap().unwrap();
        let response: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(response["error"]["code"], -32700);
        assert_eq!(response["id"], Value::Null);

        client_output.shutdown().await.unwrap();
        assert_eq!(serving.await.unwrap(), 0);
    }
}
