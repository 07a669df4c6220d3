//! Interoperability with Go's reference implementation (`golang.org/x/mod/sumdb/note` and
//! `/tlog`, Debian packages `golang-go golang-golang-x-mod-dev`): checkpoints, receipts and
//! consistency proofs written here verify there, and tampered ones fail there too.
//!
//! Without `go` the test skips, unless `AILEDGER_REQUIRE_INTEROP` is set: then it fails.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use ailedger_tlog::{
    Checkpoint, ConsistencyProof, InclusionProof, LogKey, MemoryTree, Receipt, SignedCheckpoint,
    leaf_hash,
};

use crate::support::{ORIGIN, entry, key, other_key};

/// Where Debian's `golang-golang-x-mod-dev` installs the x/mod sources (GOPATH layout).
const DEBIAN_GOPATH: &str = "/usr/share/gocode";

/// Builds the Go verifier, or explains why it cannot (`Err`).
fn build_go_verifier(work: &Path) -> Result<PathBuf, String> {
    let go_version = Command::new("go").arg("version").output();
    match go_version {
        Ok(output) if output.status.success() => {}
        _ => return Err("`go` is not installed".to_owned()),
    }
    if !Path::new(DEBIAN_GOPATH)
        .join("src/golang.org/x/mod/sumdb/note")
        .is_dir()
    {
        return Err(format!("golang.org/x/mod is not under {DEBIAN_GOPATH}"));
    }
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go/verify.go");
    let binary = work.join("goverify");
    // GOPATH mode against the Debian package, with no network: nothing is downloaded.
    let output = Command::new("go")
        .args(["build", "-o"])
        .arg(&binary)
        .arg(&source)
        .env("GO111MODULE", "off")
        .env("GOPATH", DEBIAN_GOPATH)
        .env("GOPROXY", "off")
        .env("GOFLAGS", "")
        .env(
            "GOCACHE",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("go-build-cache"),
        )
        .output()
        .map_err(|error| format!("running go build: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "go build failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(binary)
}

struct GoVerifier {
    binary: PathBuf,
    work: PathBuf,
    vkey: String,
    n_files: std::cell::Cell<usize>,
}

impl GoVerifier {
    fn file(&self, contents: &[u8]) -> PathBuf {
        let n = self.n_files.get();
        self.n_files.set(n + 1);
        let path = self.work.join(format!("input-{n}"));
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// Runs the verifier; `Ok(stdout)` if Go accepted, `Err(stderr)` if it rejected.
    fn run(&self, command: &str, inputs: &[&[u8]]) -> Result<String, String> {
        let paths: Vec<PathBuf> = inputs.iter().map(|input| self.file(input)).collect();
        let output = Command::new(&self.binary)
            .arg(command)
            .arg(&self.vkey)
            .args(&paths)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        match output.status.code() {
            Some(0) => Ok(stdout),
            Some(1) => Err(stderr),
            other => panic!("go verifier failed to run ({other:?}): {stderr}"),
        }
    }
}

fn sign(tree: &MemoryTree, size: u64, key: &LogKey) -> SignedCheckpoint {
    let root = ailedger_tlog::merkle::tree_root(tree, size).unwrap();
    SignedCheckpoint::sign(Checkpoint::new(ORIGIN, size, root).unwrap(), key).unwrap()
}

fn proof_file(proof: &ConsistencyProof) -> Vec<u8> {
    proof
        .path
        .iter()
        .map(|hash| format!("{hash}\n"))
        .collect::<String>()
        .into_bytes()
}

#[test]
fn go_reference_verifies_ours_and_rejects_tampered() {
    let work = tempfile::tempdir().unwrap();
    let binary = match build_go_verifier(work.path()) {
        Ok(binary) => binary,
        Err(reason) if std::env::var_os("AILEDGER_REQUIRE_INTEROP").is_some() => {
            panic!("AILEDGER_REQUIRE_INTEROP is set but the Go verifier is unavailable: {reason}")
        }
        Err(reason) => {
            eprintln!("skipping Go interop test: {reason}");
            return;
        }
    };
    let go = GoVerifier {
        binary,
        work: work.path().to_owned(),
        vkey: key().verifier_key(),
        n_files: Default::default(),
    };
    let ours = key().verifier();
    let n = 300u64;
    let tree = MemoryTree::from_leaves((0..n).map(|i| leaf_hash(&entry(i))));

    // Checkpoints.
    let latest = sign(&tree, n, &key());
    let stdout = go.run("checkpoint", &[latest.as_bytes()]).unwrap();
    assert_eq!(stdout.trim(), format!("ok {ORIGIN} {n} {}", tree.root()));

    // Receipts (tlog-proof@v1) for entries at the edges of tiles and subtrees.
    let checkpoint = Arc::new(latest.clone());
    for index in [0, 1, 7, 8, 255, 256, 299] {
        let proof = InclusionProof::generate(&tree, index, n).unwrap();
        let receipt = Receipt::new(proof, checkpoint.clone())
            .unwrap()
            .with_extra(format!("id-{index}").into_bytes())
            .to_text();
        go.run("inclusion", &[receipt.as_bytes(), &entry(index)])
            .unwrap();
        // A changed record.
        let error = go
            .run("inclusion", &[receipt.as_bytes(), b"changed record"])
            .unwrap_err();
        assert!(error.contains("inclusion"), "{error}");
        assert!(
            Receipt::parse(receipt.as_bytes(), &ours)
                .unwrap()
                .verify(b"changed record", &ours)
                .is_err()
        );
        // A truncated proof: one hash line removed.
        let mut lines: Vec<&str> = receipt.split('\n').collect();
        lines.remove(3);
        let truncated = lines.join("\n");
        go.run("inclusion", &[truncated.as_bytes(), &entry(index)])
            .unwrap_err();
        assert!(Receipt::parse(truncated.as_bytes(), &ours).is_err());
    }

    // A changed size: the checkpoint claims one entry more than was signed.
    let text = String::from_utf8(latest.as_bytes().to_vec()).unwrap();
    let resized = text.replacen(&format!("\n{n}\n"), &format!("\n{}\n", n + 1), 1);
    let error = go.run("checkpoint", &[resized.as_bytes()]).unwrap_err();
    assert!(error.contains("signature"), "{error}");
    assert!(SignedCheckpoint::open(resized.as_bytes(), &ours).is_err());

    // A wrong key: same log name, other key material.
    let impostor = sign(&tree, n, &other_key());
    let error = go.run("checkpoint", &[impostor.as_bytes()]).unwrap_err();
    assert!(error.contains("signature"), "{error}");
    assert!(SignedCheckpoint::open(impostor.as_bytes(), &ours).is_err());

    // Consistency proofs between signed checkpoints, including the 8 -> 13 of the notes.
    for (old, new) in [
        (8, 13),
        (1, 300),
        (13, 300),
        (256, 300),
        (299, 300),
        (300, 300),
    ] {
        let old_checkpoint = sign(&tree, old, &key());
        let new_checkpoint = sign(&tree, new, &key());
        let proof = ConsistencyProof::generate(&tree, old, new).unwrap();
        old_checkpoint
            .verify_consistency(&new_checkpoint, &proof, &ours)
            .unwrap();
        go.run(
            "consistency",
            &[
                old_checkpoint.as_bytes(),
                new_checkpoint.as_bytes(),
                &proof_file(&proof),
            ],
        )
        .unwrap();
        if proof.path.is_empty() {
            continue;
        }
        // A truncated proof.
        let mut truncated = proof.clone();
        truncated.path.pop();
        go.run(
            "consistency",
            &[
                old_checkpoint.as_bytes(),
                new_checkpoint.as_bytes(),
                &proof_file(&truncated),
            ],
        )
        .unwrap_err();
        assert!(
            old_checkpoint
                .verify_consistency(&new_checkpoint, &truncated, &ours)
                .is_err()
        );
        // A forked old tree: one entry rewritten, signed by the log itself.
        let forked = MemoryTree::from_leaves((0..old).map(|i| {
            if i == old / 2 {
                leaf_hash(b"rewritten")
            } else {
                leaf_hash(&entry(i))
            }
        }));
        let forked_checkpoint = sign(&forked, old, &key());
        go.run(
            "consistency",
            &[
                forked_checkpoint.as_bytes(),
                new_checkpoint.as_bytes(),
                &proof_file(&proof),
            ],
        )
        .unwrap_err();
        assert!(
            forked_checkpoint
                .verify_consistency(&new_checkpoint, &proof, &ours)
                .is_err()
        );
    }
}
