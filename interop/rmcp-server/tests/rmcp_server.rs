//! The built server answers `initialize` over stdio with its name and the capabilities it
//! offers. Also how interop/setup.sh builds the binary: `cargo test --no-run --workspace
//! --test rmcp_server` reuses what a workspace `cargo test` built (see setup.sh).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value};

#[test]
fn answers_initialize_over_stdio() {
    let mut server = Command::new(env!("CARGO_BIN_EXE_rmcp-server"))
        .arg("stdio")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("rmcp-server starts");
    let initialize = json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": { "name": "rmcp-server-test", "version": "0" }
        }
    });
    let mut stdin = server.stdin.take().expect("stdin");
    writeln!(stdin, "{initialize}").expect("the request is written");
    let stdout = server.stdout.take().expect("stdout");
    let (lines, line) = mpsc::channel();
    std::thread::spawn(move || {
        let mut first = String::new();
        let _ = BufReader::new(stdout).read_line(&mut first);
        let _ = lines.send(first);
    });
    let answer = line.recv_timeout(Duration::from_secs(10));
    let _ = server.kill();
    let _ = server.wait();
    let answer: Value =
        serde_json::from_str(&answer.expect("an answer within 10 s")).expect("a JSON answer");

    let result = &answer["result"];
    assert_eq!(answer["id"], 1, "{answer}");
    assert_eq!(result["protocolVersion"], "2025-11-25", "{answer}");
    assert_eq!(
        result["serverInfo"]["name"], "zcpspec-interop-rmcp",
        "{answer}"
    );
    for capability in ["tools", "prompts", "resources", "logging", "completions"] {
        assert!(
            result["capabilities"][capability].is_object(),
            "{capability}: {answer}"
        );
    }
}
