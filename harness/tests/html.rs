//! `report.html` in a real browser: headless Chromium loads the page of a failing run from
//! disk (nothing else is fetched: the page is self-contained), runs its script, and the DOM it
//! ends with shows the failure, with the failed rows shown and the passing ones filtered out.
//!
//! Needs Chromium: `ZCPSPEC_CHROMIUM` names the binary (`.ci/run` installs Debian's and sets
//! it). Without it the test says so and checks nothing.

use std::path::PathBuf;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_zcpspec");

#[test]
fn a_failing_run_shows_its_failures_in_headless_chromium() {
    let Some(chromium) = std::env::var_os("ZCPSPEC_CHROMIUM") else {
        eprintln!("ZCPSPEC_CHROMIUM is not set: the browser test did not run");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let run = Command::new(BIN)
        .args(["run", "--color", "never", "--fault", "missing-jsonrpc"])
        .args(["--filter", "lifecycle/ping", "--report-dir"])
        .arg(dir.path())
        .current_dir(workspace)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let page = dir.path().join("report.html");
    let profile = dir.path().join("chromium-profile");
    let dom = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains(">FAIL<"), "{dom}");
    assert!(
        dom.contains("<b><code>base/jsonrpc-version</code></b>"),
        "{dom}"
    );
    assert!(
        dom.contains("jsonrpc: absent"),
        "expected versus actual: {dom}"
    );
    // The script ran: it chose the failed rows, marked the button, and counted them.
    assert!(dom.contains("<span id=\"shown\">1 shown</span>"), "{dom}");
    assert!(dom.contains("data-show=\"fail\" class=\"on\""), "{dom}");
    assert!(
        dom.contains("<tr data-verdict=\"pass\" hidden=\"\">"),
        "{dom}"
    );
}
