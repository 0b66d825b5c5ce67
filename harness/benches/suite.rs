//! Times the full run of the release binary, as a user runs it: against the embedded reference
//! server and over stdio against `zcpspec serve`. Prints median and p90 wall time and the peak
//! memory of the harness process.
//!
//! `cargo bench -p zcpspec --bench suite` (targets: under 1 s wall, under 50 MB peak).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_zcpspec");
const RUNS: usize = 15;

fn main() {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let reports = std::env::temp_dir().join("zcpspec-bench-reports");
    let reports = reports.to_str().expect("a UTF-8 temp dir");
    let cases: [(&str, Vec<&str>); 2] = [
        (
            "embedded",
            vec!["run", "--color", "never", "--report-dir", reports],
        ),
        (
            "stdio (zcpspec serve)",
            vec![
                "run",
                "--color",
                "never",
                "--report-dir",
                reports,
                "--",
                BIN,
                "serve",
            ],
        ),
    ];
    println!(
        "{:<24} {:>10} {:>10} {:>14}",
        "target", "median", "p90", "peak RSS"
    );
    for (name, args) in cases {
        let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
        let mut peak_kib = 0;
        for _ in 0..RUNS {
            let start = Instant::now();
            // Reaped by wait4 below, which also reports the child's peak memory.
            #[allow(clippy::zombie_processes)]
            let child = Command::new(BIN)
                .args(&args)
                .current_dir(&workspace)
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("zcpspec starts");
            let mut status = 0;
            let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: wait4 writes only into the status and rusage it is given.
            let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
            assert_eq!(pid, child.id() as i32);
            times.push(start.elapsed());
            assert!(
                libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
                "{name}: the run failed"
            );
            peak_kib = peak_kib.max(usage.ru_maxrss);
        }
        times.sort();
        println!(
            "{:<24} {:>8.1}ms {:>8.1}ms {:>11.1}MiB",
            name,
            times[RUNS / 2].as_secs_f64() * 1000.0,
            times[RUNS * 9 / 10].as_secs_f64() * 1000.0,
            peak_kib as f64 / 1024.0
        );
    }
}
