//! The stdio transport: spawns the server command in its own process group, writes frames to
//! its stdin, reads newline-delimited frames from its stdout and lines from its stderr, and
//! always kills and reaps the whole group when the session ends.

use super::lines::{Line, LineReader};
use super::{forward_frames, Connection, Incoming, Kind, LineLink, Process, EVENT_BUFFER};
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use tokio::io::BufReader;
use tokio::process::Command;
use tokio::sync::mpsc;

/// Longest stderr line kept whole; the rest of a longer line is cut, so stderr cannot exhaust
/// memory either.
const MAX_STDERR_LINE: usize = 64 * 1024;

/// Kills the child's process group when dropped or asked to. The group is killed even after the
/// child itself exited: it may have left grandchildren behind.
pub struct ChildGuard {
    pgid: Option<i32>,
}

impl ChildGuard {
    pub fn terminate(&mut self) {
        self.signal(libc::SIGTERM);
    }

    pub fn kill(&mut self) {
        self.signal(libc::SIGKILL);
        self.pgid = None;
    }

    fn signal(&self, signal: libc::c_int) {
        if let Some(pgid) = self.pgid {
            // SAFETY: kill(2) with a negative pid signals a process group; no memory is involved.
            unsafe {
                libc::kill(-pgid, signal);
            }
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Spawns `command` (program and arguments) and connects to it.
pub fn spawn(command: &[String], max_frame: usize) -> std::io::Result<Connection> {
    let (program, args) = command
        .split_first()
        .ok_or_else(|| std::io::Error::other("no server command given"))?;
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()?;
    let pid = child.id();
    let stdin = child.stdin.take().expect("stdin is piped");
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let (tx, rx) = mpsc::channel(EVENT_BUFFER);

    let out_tx = tx.clone();
    let stdout_task = tokio::spawn(async move { forward_frames(stdout, max_frame, &out_tx).await });

    let err_tx = tx.clone();
    let stderr_task = tokio::spawn(async move {
        let mut lines = LineReader::new(BufReader::new(stderr), MAX_STDERR_LINE);
        while let Ok(Some(line)) = lines.next().await {
            let text = match line {
                Line::Frame(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Line::Oversize(n) => format!("[stderr line of {n} bytes not kept]"),
            };
            if err_tx.send(Incoming::Stderr(text)).await.is_err() {
                return;
            }
        }
    });

    tokio::spawn(async move {
        let status = child.wait().await;
        // Output that the server wrote before exiting is delivered before its exit.
        let _ = stdout_task.await;
        let _ = stderr_task.await;
        let (code, signal) = match status {
            Ok(s) => (s.code(), s.signal()),
            Err(_) => (None, None),
        };
        let _ = tx.send(Incoming::Exited { code, signal }).await;
    });

    Ok(Connection {
        link: Box::new(LineLink(Some(Box::new(stdin)))),
        events: rx,
        kind: Kind::Stdio,
        process: Process::Child(ChildGuard {
            pgid: pid.map(|p| p as i32),
        }),
        description: command.join(" "),
        pid,
    })
}
