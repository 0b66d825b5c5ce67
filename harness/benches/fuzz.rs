//! Fuzzing throughput: how many generated frames a `zcpspec fuzz` campaign sends per second to
//! `zcpspec serve` over stdio, next to the server's own limit: the rate at which the same
//! server answers the same frames replayed from a file on its stdin, its answers read from a
//! pipe by nobody who waits on them.
//! The campaign's rate over that limit says how much the harness holds the server back.
//!
//! `cargo bench -p zcpspec --bench fuzz` (target: the campaign reaches 70% of the limit).

use std::process::{Command, Stdio};
use std::time::Instant;

const BIN: &str = env!("CARGO_BIN_EXE_zcpspec");
const ITERATIONS: &str = "3000";
const RUNS: usize = 5;

fn main() {
    let dir = tempfile_dir();
    let frames_file = dir.join("frames.jsonl");
    let mut campaign_rates = Vec::new();
    let mut replay_rates = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let status = Command::new(BIN)
            .args(["fuzz", "--seed", "1", "--iterations", ITERATIONS, "--out"])
            .arg(dir.join("out"))
            .arg("--save-frames")
            .arg(&frames_file)
            .args(["--", BIN, "serve"])
            .stdout(Stdio::null())
            .status()
            .expect("zcpspec fuzz runs");
        let campaign = started.elapsed().as_secs_f64();
        assert_eq!(
            status.code(),
            Some(0),
            "the reference server gives no findings"
        );
        let bytes = std::fs::read(&frames_file).expect("the frames were saved");
        let frames = bytes.iter().filter(|b| **b == b'\n').count() as f64;
        // The replay writes its answers into a pipe that is read and dropped, as a client's
        // would be, rather than into /dev/null.
        let started = Instant::now();
        let mut server = Command::new(BIN)
            .arg("serve")
            .stdin(std::fs::File::open(&frames_file).expect("the frames file opens"))
            .stdout(Stdio::piped())
            .spawn()
            .expect("zcpspec serve runs");
        let mut answers = server.stdout.take().expect("stdout is piped");
        std::io::copy(&mut answers, &mut std::io::sink()).expect("the answers are read");
        let status = server.wait().expect("zcpspec serve is reaped");
        let replay = started.elapsed().as_secs_f64();
        assert!(status.success());
        campaign_rates.push(frames / campaign);
        replay_rates.push(frames / replay);
    }
    let (campaign, replay) = (median(campaign_rates), median(replay_rates));
    println!("frames per second over stdio, median of {RUNS} runs of {ITERATIONS} iterations");
    println!("{:<32} {:>10.0}", "zcpspec fuzz -- zcpspec serve", campaign);
    println!("{:<32} {:>10.0}", "replay into zcpspec serve", replay);
    println!(
        "{:<32} {:>9.0}%",
        "campaign / server limit",
        100.0 * campaign / replay
    );
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("zcpspec-bench-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}
