//! A writer process is killed with SIGKILL in the middle of a stream of concurrent appends,
//! several times over on the same log. After each kill the log must reopen with every entry
//! the writer got a receipt for, and with a tree consistent with every checkpoint in those
//! receipts.
//!
//! The test re-runs its own binary as the writer: with `AILEDGER_TLOG_CRASH_WRITER` set to a
//! directory, the same test function appends to the log there forever, printing one line per
//! acknowledged entry, until it is killed.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Command, Stdio};

use ailedger_tlog::{Log, LogOptions, Receipt};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::support::key;

const WRITER_ENV: &str = "AILEDGER_TLOG_CRASH_WRITER";
const THIS_TEST: &str = "crash::sigkill_during_appends_loses_no_acknowledged_entry";

/// Options that make the writer cross every code path often: small batches, frequent sync
/// points (so kills also land while the tile files are synced and `synced` is replaced).
fn options() -> LogOptions {
    LogOptions {
        max_batch_entries: 64,
        sync_tiles_every_batches: 16,
        ..LogOptions::default()
    }
}

/// The writer: four threads appending batches of 1..=8 entries of varied sizes, forever.
fn run_writer(dir: &Path) -> ! {
    let (log, _) = Log::open(dir, key(), options()).unwrap();
    let start = log.size();
    std::thread::scope(|scope| {
        for thread in 0..4u64 {
            let appender = log.appender();
            scope.spawn(move || {
                let mut stdout = std::io::stdout();
                for round in 0u64.. {
                    let n = 1 + (round * 7 + thread) % 8;
                    let entries: Vec<Vec<u8>> = (0..n)
                        .map(|k| {
                            let len = 1 + ((round * 131 + k * 17 + thread * 29) % 700) as usize;
                            let mut data =
                                format!("from-{start}-t{thread}-r{round}-k{k}-").into_bytes();
                            data.resize(len.max(data.len()), b'a' + (k % 26) as u8);
                            data
                        })
                        .collect();
                    let receipts = appender.append(entries.clone()).unwrap();
                    let mut lines = String::new();
                    for (data, receipt) in entries.iter().zip(receipts) {
                        lines.push_str(&format!(
                            "ACK {} {} {}\n",
                            receipt.index(),
                            BASE64.encode(data),
                            BASE64.encode(receipt.to_text())
                        ));
                    }
                    stdout.write_all(lines.as_bytes()).unwrap();
                    stdout.flush().unwrap();
                }
            });
        }
    });
    unreachable!("the writer threads never finish")
}

#[test]
fn sigkill_during_appends_loses_no_acknowledged_entry() {
    if let Some(dir) = std::env::var_os(WRITER_ENV) {
        run_writer(Path::new(&dir));
    }
    let dir = tempfile::tempdir().unwrap();
    let verifier = key().verifier();
    // index -> (entry, receipt text), over all rounds.
    let mut acknowledged: BTreeMap<u64, (Vec<u8>, String)> = BTreeMap::new();
    for (round, kill_after) in [150usize, 1, 900, 40, 2_500].into_iter().enumerate() {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([THIS_TEST, "--exact", "--nocapture", "--test-threads=1"])
            .env(WRITER_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut seen = 0usize;
        let mut lines = stdout.lines();
        for line in lines.by_ref() {
            if record_ack(&line.unwrap(), &mut acknowledged) {
                seen += 1;
                if seen >= kill_after {
                    break;
                }
            }
        }
        child.kill().unwrap();
        // Acknowledgements already in the pipe were acknowledged before the kill.
        for line in lines {
            record_ack(&line.unwrap(), &mut acknowledged);
        }
        let status = child.wait().unwrap();
        assert!(
            !status.success(),
            "round {round}: the writer was not killed"
        );
        eprintln!("round {round}: killed after {seen} acknowledgements");

        let (log, recovery) = Log::open(dir.path(), key(), options()).unwrap();
        eprintln!("round {round}: {recovery:?}");
        let latest = log.checkpoint();
        let last_index = *acknowledged.keys().last().unwrap();
        assert!(
            log.size() > last_index,
            "round {round}: acknowledged entry {last_index} lost"
        );
        for (index, (data, receipt_text)) in &acknowledged {
            assert_eq!(
                &log.entry(*index).unwrap(),
                data,
                "round {round}: entry {index}"
            );
            let receipt = Receipt::parse(receipt_text.as_bytes(), &verifier).unwrap();
            receipt.verify(data, &verifier).unwrap();
            // The tree now extends the tree of every checkpoint that was handed out.
            let old = receipt.checkpoint();
            let proof = log
                .consistency_proof(old.checkpoint().size(), latest.checkpoint().size())
                .unwrap();
            old.verify_consistency(&latest, &proof, &verifier).unwrap();
        }
        let audit = log.audit().unwrap();
        assert_eq!(audit.entries, log.size());
        log.close().unwrap();
    }
}

/// Records an `ACK` line; returns whether it was one.
fn record_ack(line: &str, acknowledged: &mut BTreeMap<u64, (Vec<u8>, String)>) -> bool {
    let mut fields = line.strip_prefix("ACK ").map(|rest| rest.split(' '));
    let Some(fields) = fields.as_mut() else {
        return false;
    };
    let index: u64 = fields.next().unwrap().parse().unwrap();
    let data = BASE64.decode(fields.next().unwrap()).unwrap();
    let receipt = String::from_utf8(BASE64.decode(fields.next().unwrap()).unwrap()).unwrap();
    let previous = acknowledged.insert(index, (data, receipt));
    assert!(previous.is_none(), "entry {index} acknowledged twice");
    true
}
