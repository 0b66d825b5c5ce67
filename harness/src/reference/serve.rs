//! Serving newline-delimited JSON-RPC over a byte stream: lines in (bounded in length), the
//! server's [`Output`]s out.

use super::{Due, Output, Server};
use crate::transport::lines::{Line, LineReader};
use std::io;
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

/// The status returned when the output can no longer be written (the reader went away).
const OUTPUT_CLOSED_STATUS: i32 = 1;
/// The most bytes of an [`Output::Repeat`] held at once.
const REPEAT_PIECE: usize = 64 * 1024;

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
    let mut lines = LineReader::new(BufReader::new(input), max_line);
    loop {
        // The next line, and meanwhile the work the server scheduled as it comes due. The line
        // future lives across the wait, so no partly read line is lost.
        let next = lines.next();
        tokio::pin!(next);
        let line = loop {
            let due = server.next_due();
            tokio::select! {
                line = &mut next => break line,
                _ = sleep_until(due) => {
                    let outputs = Due::merged(server.run_due(Instant::now()));
                    match write_outputs(&mut output, outputs).await {
                        Ok(None) => {}
                        Ok(Some(status)) => return status,
                        Err(_) => return OUTPUT_CLOSED_STATUS,
                    }
                }
            }
        };
        let outputs = match line {
            Ok(Some(Line::Frame(line))) => server.handle_line(&line),
            Ok(Some(Line::Oversize(_))) => server.handle_oversized_line(),
            Ok(None) | Err(_) => break,
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

/// Sleeps until `due`, or forever when nothing is scheduled.
pub(super) async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(due) => tokio::time::sleep_until(due.into()).await,
        None => std::future::pending().await,
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
            Output::Repeat { byte, count } => {
                let piece = vec![byte; count.min(REPEAT_PIECE)];
                let mut left = count;
                while left > 0 {
                    let n = left.min(piece.len());
                    output.write_all(&piece[..n]).await?;
                    left -= n;
                }
            }
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
    use tokio::io::AsyncBufReadExt;

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
