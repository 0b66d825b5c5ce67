//! The live fuzzing campaign (`zcpspec fuzz`). Workers run sessions against the target: a
//! session replays a valid prefix (initialize, discovery), or, every other time and briefly,
//! none, to fuzz the lifecycle; then it sends iterations of generated frames, every few of
//! them ended by a sentinel ping. The
//! oracle's flaws become findings, deduplicated by signature, minimised in fresh sessions and
//! saved under `--out` as scenarios that `zcpspec run` replays. A session that found something
//! ends (a spawned server that died is started afresh by the next one).

mod finding;
mod generate;
mod oracle;
mod probe;

use crate::protocol::Revision;
use crate::runner::Target;
use finding::{Finding, Minimiser};
use futures_util::stream::{FuturesUnordered, StreamExt};
use generate::Generator;
use oracle::Flaw;
use probe::Probe;
use serde::Serialize;
use std::cell::Cell;
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Iterations of one session before it starts afresh, so that state does not pile up (and
/// the wait for its slowest requests at the end is rare).
const SESSION_ITERATIONS: u64 = 1024;
/// Iterations between sentinel pings. Their frames go out in one batch, which the server
/// reads as fast as it can; every request still has its own deadline.
const SYNC_EVERY: u64 = 8;
/// Iterations of a session without the prefix: every other session fuzzes the lifecycle,
/// briefly, since an uninitialized server has little to offer beyond refusing.
const LIFECYCLE_ITERATIONS: u64 = 8;

/// A JSON value as the bytes of one frame.
fn to_bytes(value: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("JSON values serialise")
}

/// How long a campaign goes on.
#[derive(Debug, Clone, Copy)]
pub enum Budget {
    Time(Duration),
    Iterations(u64),
}

pub struct Campaign {
    pub target: Target,
    pub seed: u64,
    pub budget: Budget,
    pub out: PathBuf,
    pub jobs: usize,
    pub revision: Revision,
    /// How long a request may go unanswered.
    pub timeout: Duration,
    pub max_frame: usize,
    /// Also write every frame sent to this file, a line each (for replaying them elsewhere).
    pub save_frames: Option<PathBuf>,
}

/// What a campaign did, written as `summary.json` under `--out`.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub seed: u64,
    pub target: String,
    pub iterations: u64,
    /// Generated frames sent (the executions).
    pub frames: u64,
    pub sessions: u64,
    pub seconds: f64,
    pub frames_per_second: f64,
    pub findings: Vec<FindingRecord>,
}

/// One saved finding.
#[derive(Debug, Clone, Serialize)]
pub struct FindingRecord {
    pub signature: String,
    pub flaw: Flaw,
    pub description: String,
    pub worker: u64,
    pub iteration: u64,
    /// How many frames it took after minimisation (the prefix aside).
    pub frames: usize,
    /// The folder holding finding.yaml.
    pub dir: PathBuf,
    /// Whether `zcpspec run` of the saved scenario failed, as it should.
    pub reproduced_by_run: bool,
}

/// How often the campaign says how it is going, on stderr.
const PROGRESS_EVERY: Duration = Duration::from_secs(2);

/// The running counts every worker adds to, for the progress line.
struct Progress {
    started: Instant,
    last: Cell<Instant>,
    iterations: Cell<u64>,
    frames: Cell<u64>,
    findings: Cell<u64>,
}

impl Progress {
    fn iterations(&self, iterations: u64, frames: usize) {
        self.iterations.set(self.iterations.get() + iterations);
        self.frames.set(self.frames.get() + frames as u64);
        if self.last.get().elapsed() >= PROGRESS_EVERY {
            self.last.set(Instant::now());
            let seconds = self.started.elapsed().as_secs_f64();
            eprintln!(
                "fuzzing: {:.0} s, {} iterations, {} frames ({:.0}/s), {} finding(s)",
                seconds,
                self.iterations.get(),
                self.frames.get(),
                self.frames.get() as f64 / seconds.max(1e-9),
                self.findings.get()
            );
        }
    }
}

/// What one worker did.
#[derive(Default)]
struct Tally {
    iterations: u64,
    frames: u64,
    sessions: u64,
    findings: Vec<Finding>,
    /// The signatures of `findings`.
    signatures: BTreeSet<String>,
}

/// Runs the campaign, printing progress to `progress`, and writes the findings and
/// `summary.json` under `campaign.out`.
pub async fn run(campaign: &Campaign, progress: &mut dyn Write) -> std::io::Result<Summary> {
    std::fs::create_dir_all(&campaign.out)?;
    let recorder = match &campaign.save_frames {
        Some(path) => Some(Arc::new(Mutex::new(BufWriter::new(File::create(path)?)))),
        None => None,
    };
    let started = Instant::now();
    let counts = Progress {
        started,
        last: Cell::new(started),
        iterations: Cell::new(0),
        frames: Cell::new(0),
        findings: Cell::new(0),
    };
    let jobs = campaign.jobs.max(1) as u64;
    let workers =
        (0..jobs).map(|worker| fuzz_worker(campaign, worker, jobs, &counts, recorder.clone()));
    let tallies = futures_util::future::join_all(workers).await;
    if let Some(recorder) = recorder {
        recorder.lock().unwrap_or_else(|e| e.into_inner()).flush()?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let mut summary = Summary {
        seed: campaign.seed,
        target: campaign.target.describe(),
        iterations: tallies.iter().map(|t| t.iterations).sum(),
        frames: tallies.iter().map(|t| t.frames).sum(),
        sessions: tallies.iter().map(|t| t.sessions).sum(),
        seconds,
        frames_per_second: 0.0,
        findings: Vec::new(),
    };
    summary.frames_per_second = summary.frames as f64 / seconds.max(1e-9);
    writeln!(
        progress,
        "fuzzed {} iterations, {} frames in {:.1} s ({:.0} frames/s), {} sessions",
        summary.iterations, summary.frames, seconds, summary.frames_per_second, summary.sessions
    )?;
    // Deduplicated across workers by signature, the earliest worker's first.
    let mut seen = BTreeSet::new();
    let findings = tallies.into_iter().flat_map(|t| t.findings);
    for finding in findings {
        if !seen.insert(finding.flaw.signature()) {
            continue;
        }
        let record = save(campaign, finding, seen.len()).await?;
        writeln!(
            progress,
            "finding {}: {} ({} frame(s)) -> {}{}",
            seen.len(),
            record.description,
            record.frames,
            record.dir.display(),
            if record.reproduced_by_run {
                ""
            } else {
                " (zcpspec run does not fail on it)"
            }
        )?;
        summary.findings.push(record);
    }
    let json = serde_json::to_string_pretty(&summary).expect("the summary serialises");
    std::fs::write(campaign.out.join("summary.json"), json + "\n")?;
    Ok(summary)
}

/// One worker: sessions until the budget is spent. A session's end, the wait for its slowest
/// requests, overlaps the sessions after it, so that the server is never idle waiting for the
/// harness.
async fn fuzz_worker(
    campaign: &Campaign,
    worker: u64,
    jobs: u64,
    progress: &Progress,
    recorder: Option<probe::Recorder>,
) -> Tally {
    let started = progress.started;
    let mut generator = Generator::new(campaign.seed, worker, campaign.revision);
    let mut tally = Tally::default();
    let spent = |tally: &Tally| match campaign.budget {
        Budget::Time(limit) => started.elapsed() >= limit,
        // The iterations are shared out: worker w does every jobs-th one.
        Budget::Iterations(total) => tally.iterations >= (total + jobs - 1 - worker) / jobs,
    };
    // The sessions still finishing, and those finished while the current one ran (it holds
    // the tally, so they are recorded after it).
    let mut finishing = FuturesUnordered::new();
    let mut finished: Vec<Finished> = Vec::new();
    while !spent(&tally) {
        let end = {
            let session = session(
                campaign,
                worker,
                &mut generator,
                &mut tally,
                progress,
                &recorder,
                &spent,
            );
            tokio::pin!(session);
            loop {
                tokio::select! {
                    end = &mut session => break end,
                    Some(done) = finishing.next() => finished.push(done),
                }
            }
        };
        for done in finished.drain(..) {
            done.record(&mut tally, progress, worker);
        }
        match end {
            SessionEnd::Finish(probe, skip_prefix) => finishing.push(finish(probe, skip_prefix)),
            SessionEnd::Ended => {}
            SessionEnd::Stop => break,
        }
    }
    while let Some(done) = finishing.next().await {
        done.record(&mut tally, progress, worker);
    }
    tally
}

/// How a session ended: with requests perhaps still unanswered (the probe, to be finished),
/// with the server unable to go on, or with nothing more to learn from this server.
enum SessionEnd {
    Finish(Box<Probe>, bool),
    Ended,
    Stop,
}

/// What a session's end found, with the frames that led to it.
struct Finished {
    flaws: Vec<Flaw>,
    frames: Vec<Vec<u8>>,
    skip_prefix: bool,
}

async fn finish(mut probe: Box<Probe>, skip_prefix: bool) -> Finished {
    // Finishing sends no more generated frames, so the history is done.
    let frames = std::mem::take(&mut probe.history);
    Finished {
        flaws: probe.finish().await,
        frames,
        skip_prefix,
    }
}

impl Finished {
    fn record(self, tally: &mut Tally, progress: &Progress, worker: u64) {
        for flaw in self.flaws {
            tally.record(
                progress,
                flaw,
                self.frames.clone(),
                self.skip_prefix,
                worker,
            );
        }
    }
}

/// One session: the prefix (every other session, none: the lifecycle), then iterations until
/// a fatal flaw, the session's length or the budget.
async fn session(
    campaign: &Campaign,
    worker: u64,
    generator: &mut Generator,
    tally: &mut Tally,
    progress: &Progress,
    recorder: &Option<probe::Recorder>,
    spent: &dyn Fn(&Tally) -> bool,
) -> SessionEnd {
    // The lifecycle first: it is brief, and a server that breaks there breaks at once.
    let skip_prefix = tally.sessions.is_multiple_of(2);
    tally.sessions += 1;
    let length = if skip_prefix {
        LIFECYCLE_ITERATIONS
    } else {
        SESSION_ITERATIONS
    };
    let Ok(mut probe) = Probe::open(
        &campaign.target,
        campaign.timeout,
        campaign.max_frame,
        recorder.clone(),
    )
    .await
    else {
        let flaw = Flaw::Dropped {
            detail: "the target could not be reached".into(),
        };
        tally.record(progress, flaw, Vec::new(), skip_prefix, worker);
        return SessionEnd::Stop;
    };
    let mut flaws = Vec::new();
    if !skip_prefix {
        flaws.extend(probe.initialize(campaign.revision).await);
        if !flaws.iter().any(Flaw::is_fatal) {
            let (discovered, found) = probe.discover().await;
            flaws.extend(found);
            generator.learn(discovered);
        }
    }
    let mut flaws = probe.diagnose(flaws).await;
    // A flaw that leaves the server unable to go on (an exit, a dropped connection, a hang)
    // ends the session; any other is recorded, with the frames so far, and fuzzing goes on.
    let mut fatal = flaws.iter().any(Flaw::is_fatal);
    let prefix_failed = fatal;
    let nothing_new = flaws
        .iter()
        .all(|f| tally.signatures.contains(&f.signature()));
    let mut iterations = 0;
    loop {
        for flaw in std::mem::take(&mut flaws) {
            let frames = probe.history.clone();
            tally.record(progress, flaw, frames, skip_prefix, worker);
        }
        if fatal || probe.ended || iterations >= length || spent(tally) {
            break;
        }
        // The iterations up to the next sentinel ping (or the session's or budget's end) go
        // out together, as a server reads them: a batch of lines.
        let mut frames = Vec::new();
        let mut batch = 0;
        loop {
            frames.extend(generator.iteration());
            batch += 1;
            tally.iterations += 1;
            iterations += 1;
            if iterations.is_multiple_of(SYNC_EVERY) || iterations == length || spent(tally) {
                break;
            }
        }
        tally.frames += frames.len() as u64;
        let found = probe.exchange(&frames).await;
        flaws = probe.diagnose(found).await;
        fatal = flaws.iter().any(Flaw::is_fatal);
        progress.iterations(batch, frames.len());
    }
    if iterations == 0 {
        // The prefix failed: it counts as the iteration, or a dead server would keep an
        // iteration budget from ever being spent.
        tally.iterations += 1;
    }
    // A server that fails its prefix the way it failed before offers nothing more: every
    // session would end the same.
    if prefix_failed && nothing_new && !skip_prefix {
        SessionEnd::Stop
    } else if fatal || probe.ended {
        SessionEnd::Ended
    } else {
        SessionEnd::Finish(Box::new(probe), skip_prefix)
    }
}

impl Tally {
    /// Keeps a flaw of a signature the worker has not seen yet.
    fn record(
        &mut self,
        progress: &Progress,
        flaw: Flaw,
        frames: Vec<Vec<u8>>,
        skip_prefix: bool,
        worker: u64,
    ) {
        if self.signatures.insert(flaw.signature()) {
            progress.findings.set(progress.findings.get() + 1);
            let iteration = self.iterations;
            self.findings.push(Finding {
                flaw,
                frames,
                skip_prefix,
                worker,
                iteration,
            });
        }
    }
}

/// Minimises a finding and writes it under `out/findings/`, then replays the saved scenario.
async fn save(
    campaign: &Campaign,
    mut finding: Finding,
    number: usize,
) -> std::io::Result<FindingRecord> {
    let mut minimiser = Minimiser::new(campaign, &finding);
    finding.frames = minimiser
        .minimise(std::mem::take(&mut finding.frames))
        .await;
    let signature = finding.flaw.signature();
    let slug: String = signature
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let dir = campaign
        .out
        .join("findings")
        .join(format!("{number:03}-{slug}"));
    std::fs::create_dir_all(&dir)?;
    let id = format!("fuzz/{number:03}-{slug}");
    let yaml = finding::scenario(&finding, &id, campaign.seed, &campaign.target.describe());
    let file = dir.join("finding.yaml");
    std::fs::write(&file, yaml)?;
    let reproduced_by_run = replay(campaign, &file, &dir).await;
    let record = FindingRecord {
        description: finding.flaw.describe(),
        signature,
        flaw: finding.flaw,
        worker: finding.worker,
        iteration: finding.iteration,
        frames: finding.frames.len(),
        dir,
        reproduced_by_run,
    };
    let json = serde_json::to_string_pretty(&record).expect("the record serialises");
    std::fs::write(record.dir.join("finding.json"), json + "\n")?;
    Ok(record)
}

/// Runs the saved scenario as `zcpspec run` would, writing its report and trace beside it;
/// true when the run fails (the finding is reproduced).
async fn replay(campaign: &Campaign, file: &Path, dir: &Path) -> bool {
    let options = crate::suite::SuiteOptions {
        name: None,
        scenarios: file.to_path_buf(),
        filter: Vec::new(),
        strict: false,
        target: campaign.target.clone(),
        config: crate::runner::RunConfig {
            revision: campaign.revision,
            timeout: campaign.timeout,
            max_frame: campaign.max_frame,
            jobs: 1,
            profile: Default::default(),
        },
        report_dir: Some(dir.join("replay")),
        color: false,
        golden: None,
        parity: Vec::new(),
        baseline: None,
        write_baseline: None,
        partition: None,
    };
    let mut sink = std::io::sink();
    match crate::suite::run(options, &mut sink).await {
        Ok(outcome) => outcome.exit_code == crate::suite::exit::FAILED,
        Err(_) => false,
    }
}
