//! What several test binaries share: the reference server served over HTTP by the binary.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// `zcpspec serve --transport http --port 0`, killed and reaped when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`, as the server printed it.
    pub base: String,
}

impl Server {
    pub fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_zcpspec"))
            .args(["serve", "--transport", "http", "--port", "0"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("zcpspec serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("the address line");
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .expect("listening on …")
            .to_string();
        Server { child, base }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
