//! OpenSSF Model Signing: model directories signed here verify with `model_signing verify key`,
//! bundles made by `model_signing sign key` verify here, and a tampered file, an extra or missing
//! file and a wrong key fail both ways.
//!
//! The tests need `python3 -c "import model_signing, OpenSSL"` and `openssl` on `PATH` (CI:
//! `pip install model-signing==1.1.1 pyopenssl`).
//!
//! The model directory holds the files of `/work/shared/models` when that directory exists
//! (`AILEDGER_TEST_MODELS` overrides it), else generated files, plus a nested file, an empty file
//! and a file larger than a read buffer.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::python;
use ailedger_interop::model_signing::{
    HashOptions, PrivateKey, PublicKey, VerifyError, generate_key_pair, hash_directory,
    sign_directory, sign_directory_with, verify_directory,
};

/// The Python tool, found and importable.
struct Tool {
    python: String,
}

impl Tool {
    /// Finds the tool, or says why it cannot be used.
    fn find() -> Result<Self, String> {
        let python =
            python::with_modules("model_signing, OpenSSL", "model-signing==1.1.1 pyopenssl")?;
        match Command::new("openssl").arg("version").output() {
            Ok(output) if output.status.success() => Ok(Self { python }),
            _ => Err("`openssl version` failed; the tests make keys with openssl".to_owned()),
        }
    }

    /// Runs `model_signing ARGS`; returns whether it exited 0, and its stdout and stderr.
    fn run(&self, args: &[&str]) -> (bool, String) {
        let output = Command::new(&self.python)
            .args(["-m", "model_signing"])
            .args(args)
            .output()
            .expect("run model_signing");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        match output.status.code() {
            Some(0) => (true, text),
            Some(1) => (false, text),
            other => panic!("model_signing exited with {other:?}: {text}"),
        }
    }

    /// `model_signing sign key DIR --private_key KEY --signature SIG`, which must succeed.
    fn sign(&self, dir: &Path, private_key: &Path, signature: &Path) {
        let (ok, text) = self.run(&[
            "sign",
            "key",
            path(dir),
            "--private_key",
            path(private_key),
            "--signature",
            path(signature),
        ]);
        assert!(ok, "model_signing sign key failed: {text}");
    }

    /// `model_signing verify key DIR --signature SIG --public_key PUB [EXTRA...]`.
    fn verify(
        &self,
        dir: &Path,
        signature: &Path,
        public_key: &Path,
        extra: &[&str],
    ) -> (bool, String) {
        let mut args = vec![
            "verify",
            "key",
            path(dir),
            "--signature",
            path(signature),
            "--public_key",
            path(public_key),
        ];
        args.extend_from_slice(extra);
        self.run(&args)
    }
}

/// Finds the tool or returns from the test, saying why (or fails, if CI requires the tool).
macro_rules! tool_or_skip {
    () => {
        python::tool_or_skip!(Tool::find(), "model_signing")
    };
}

fn path(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

fn write(dir: &Path, path: &str, content: &[u8]) {
    let path = dir.join(path);
    fs::create_dir_all(path.parent().expect("a file in a directory")).expect("create directories");
    fs::write(path, content).expect("write a model file");
}

/// A scratch area with a model directory `root/digits-model` and room for keys and bundles beside it.
struct Scratch {
    root: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Self {
        let root = tempfile::tempdir().expect("temporary directory");
        let dir = root.path().join("digits-model");
        let models = std::env::var_os("AILEDGER_TEST_MODELS").map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/models"),
            PathBuf::from,
        );
        let mut n_copied = 0;
        if let Ok(entries) = fs::read_dir(&models) {
            for entry in entries {
                let entry = entry.expect("list the shared models");
                if entry.file_type().expect("file type").is_file() {
                    // Read and write rather than copy, so the copies are writable (the originals are read-only).
                    let content = fs::read(entry.path()).expect("read a shared model file");
                    write(
                        &dir,
                        entry.file_name().to_str().expect("UTF-8 model file name"),
                        &content,
                    );
                    n_copied += 1;
                }
            }
        }
        if n_copied == 0 {
            write(
                &dir,
                "model.onnx",
                &(0..50_000u32)
                    .flat_map(|i| i.to_le_bytes())
                    .collect::<Vec<_>>(),
            );
            write(&dir, "meta.json", br#"{"name": "generated"}"#);
        }
        write(
            &dir,
            "nested/deeper/tokenizer.json",
            br#"{"vocab": ["a", "b"]}"#,
        );
        write(&dir, "empty.bin", b"");
        write(
            &dir,
            "weights/big.bin",
            &(0..2_500_000u32)
                .map(|i| (i * 31 % 251) as u8)
                .collect::<Vec<_>>(),
        );
        write(&dir, ".gitattributes", b"*.bin filter=lfs\n");
        Self { root }
    }

    fn dir(&self) -> PathBuf {
        self.root.path().join("digits-model")
    }

    fn file(&self, name: &str) -> PathBuf {
        self.root.path().join(name)
    }

    /// An OpenSSL key pair (`ecparam -genkey -noout`, so SEC1) on `curve`: (private, public).
    fn openssl_key(&self, name: &str, curve: &str) -> (PathBuf, PathBuf) {
        let private_key = self.file(&format!("{name}.pem"));
        let public_key = self.file(&format!("{name}.pub"));
        let status = Command::new("openssl")
            .args([
                "ecparam",
                "-name",
                curve,
                "-genkey",
                "-noout",
                "-out",
                path(&private_key),
            ])
            .status()
            .expect("run openssl ecparam");
        assert!(status.success(), "openssl ecparam -name {curve} failed");
        let status = Command::new("openssl")
            .args([
                "ec",
                "-in",
                path(&private_key),
                "-pubout",
                "-out",
                path(&public_key),
            ])
            .stderr(std::process::Stdio::null())
            .status()
            .expect("run openssl ec");
        assert!(status.success(), "openssl ec -pubout failed");
        (private_key, public_key)
    }

    /// Our key pair written by us (PKCS#8 and SPKI PEM): (key, private path, public path).
    fn our_key(&self, name: &str) -> (PrivateKey, PathBuf, PathBuf) {
        let private_path = self.file(&format!("{name}.pem"));
        let public_path = self.file(&format!("{name}.pub"));
        let key = generate_key_pair(&private_path, &public_path).expect("write our key pair");
        (key, private_path, public_path)
    }

    /// Signs the model here with a new key; returns the bundle's path and the public key's path.
    fn our_bundle(&self) -> (PathBuf, PathBuf) {
        let (key, _, public_path) = self.our_key("ours");
        let bundle = self.file("ours.sig");
        let signed = sign_directory(&self.dir(), &key).expect("sign the model");
        signed.write(&bundle).expect("write the bundle");
        (bundle, public_path)
    }

    /// Signs the model with the tool and an OpenSSL P-256 key; returns the bundle's and the public key's paths.
    fn their_bundle(&self, tool: &Tool) -> (PathBuf, PathBuf) {
        let (private_key, public_key) = self.openssl_key("theirs", "prime256v1");
        let bundle = self.file("theirs.sig");
        tool.sign(&self.dir(), &private_key, &bundle);
        (bundle, public_key)
    }
}

fn verify_here(dir: &Path, bundle: &Path, public_key: &Path) -> Result<(), VerifyError> {
    let public_key =
        PublicKey::from_pem(&fs::read_to_string(public_key).expect("read the public key"))
            .expect("parse the public key");
    verify_directory(
        dir,
        &fs::read(bundle).expect("read the bundle"),
        &public_key,
    )
    .map(|_| ())
}

#[test]
fn test_our_bundle_verifies_with_model_signing() {
    let tool = tool_or_skip!();
    let scratch = Scratch::new();
    let (bundle, public_key) = scratch.our_bundle();
    let (ok, text) = tool.verify(&scratch.dir(), &bundle, &public_key, &[]);
    assert!(ok && text.contains("Verification succeeded"), "{text}");
}

#[test]
fn test_our_bundle_signed_with_an_openssl_sec1_key_verifies_with_model_signing() {
    let tool = tool_or_skip!();
    let scratch = Scratch::new();
    let (private_key, public_key) = scratch.openssl_key("openssl", "prime256v1");
    let key = PrivateKey::from_pem(&fs::read_to_string(&private_key).unwrap()).unwrap();
    let bundle = scratch.file("ours.sig");
    sign_directory(&scratch.dir(), &key)
        .unwrap()
        .write(&bundle)
        .unwrap();
    let (ok, text) = tool.verify(&scratch.dir(), &bundle, &public_key, &[]);
    assert!(ok, "{text}");
}

#[test]
fn test_our_bundle_inside_the_model_with_symlinks_verifies_with_model_signing() {
    let tool = tool_or_skip!();
    let scratch = Scratch::new();
    let dir = scratch.dir();
    #[cfg(unix)]
    std::os::unix::fs::symlink("weights/big.bin", dir.join("big-link.bin")).unwrap();
    let (key, _, public_key) = scratch.our_key("ours");
    let options = HashOptions {
        allow_symlinks: true,
        ignore_paths: vec!["model.sig".to_owned()],
        ..HashOptions::default()
    };
    let bundle = dir.join("model.sig");
    sign_directory_with(&dir, &key, &options)
        .unwrap()
        .write(&bundle)
        .unwrap();
    // The tool's CLI hashes with its own flags, not the signed `allow_symlinks`.
    let (ok, text) = tool.verify(&dir, &bundle, &public_key, &["--allow_symlinks"]);
    assert!(ok, "{text}");
    verify_here(&dir, &bundle, &public_key).unwrap();
}

#[test]
fn test_model_signing_bundles_verify_here_on_every_curve() {
    let tool = tool_or_skip!();
    let scratch = Scratch::new();
    for curve in ["prime256v1", "secp384r1", "secp521r1"] {
        let (private_key, public_key) = scratch.openssl_key(curve, curve);
        let bundle = scratch.file(&format!("{curve}.sig"));
        tool.sign(&scratch.dir(), &private_key, &bundle);
        verify_here(&scratch.dir(), &bundle, &public_key)
            .unwrap_or_else(|error| panic!("{curve}: {error}"));
    }
}

#[test]
fn test_model_signing_subject_digest_equals_ours() {
    let tool = tool_or_skip!();
    let scratch = Scratch::new();
    let (bundle, public_key) = scratch.their_bundle(&tool);
    let public_key = PublicKey::from_pem(&fs::read_to_string(public_key).unwrap()).unwrap();
    let verified =
        verify_directory(&scratch.dir(), &fs::read(bundle).unwrap(), &public_key).unwrap();
    let ours = hash_directory(&scratch.dir(), &HashOptions::default()).unwrap();
    assert_eq!(verified.manifest.subject_digest(), ours.subject_digest());
    assert_eq!(verified.manifest.files, ours.files);
    assert_eq!(verified.manifest.model_name, "digits-model");
}

#[test]
fn test_model_signing_bundle_inside_the_model_verifies_here() {
    let tool = tool_or_skip!();
    let scratch = Scratch::new();
    let (private_key, public_key) = scratch.openssl_key("theirs", "prime256v1");
    let bundle = scratch.dir().join("model.sig");
    tool.sign(&scratch.dir(), &private_key, &bundle);
    // The tool records the signature's own path in `ignore_paths`, so it is not an extra file.
    verify_here(&scratch.dir(), &bundle, &public_key).unwrap();
}

#[test]
fn test_tampered_file_fails_both_ways() {
    let tool = tool_or_skip!();
    let scratch = Scratch::new();
    let (ours, our_public_key) = scratch.our_bundle();
    let (theirs, their_public_key) = scratch.their_bundle(&tool);
    let big = scratch.dir().join("weights/big.bin");
    let mut content = fs::read(&big).unwrap();
    content[1_234_567] ^= 0x80;
    fs::write(&big, content).unwrap();

    let (ok, text) = tool.verify(&scratch.dir(), &ours, &our_public_key, &[]);
    assert!(
        !ok && text.contains("Hash mismatch for") && text.contains("weights/big.bin"),
        "{text}"
    );
    let result = verify_here(&scratch.dir(), &theirs, &their_public_key);
    assert!(
        matches!(result, Err(VerifyError::DigestMismatch { ref path, .. }) if path == "weights/big.bin"),
        "{result:?}"
    );
}

#[test]
fn test_extra_file_fails_both_ways() {
    let tool = tool_or_skip!();
    let scratch = Scratch::new();
    let (ours, our_public_key) = scratch.our_bundle();
    let (theirs, their_public_key) = scratch.their_bundle(&tool);
    write(&scratch.dir(), "nested/backdoor.py", b"import os\n");

    let (ok, text) = tool.verify(&scratch.dir(), &ours, &our_public_key, &[]);
    assert!(
        !ok && text.contains("Extra files found") && text.contains("nested/backdoor.py"),
        "{text}"
    );
    let result = verify_here(&scratch.dir(), &theirs, &their_public_key);
    assert!(
        matches!(result, Err(VerifyError::ExtraFiles(ref paths)) if paths == &["nested/backdoor.py"]),
        "{result:?}"
    );
}

#[test]
fn test_missing_file_fails_both_ways() {
    let tool = tool_or_skip!();
    let scratch = Scratch::new();
    let (ours, our_public_key) = scratch.our_bundle();
    let (theirs, their_public_key) = scratch.their_bundle(&tool);
    fs::remove_file(scratch.dir().join("empty.bin")).unwrap();

    let (ok, text) = tool.verify(&scratch.dir(), &ours, &our_public_key, &[]);
    assert!(
        !ok && text.contains("Missing files") && text.contains("empty.bin"),
        "{text}"
    );
    let result = verify_here(&scratch.dir(), &theirs, &their_public_key);
    assert!(
        matches!(result, Err(VerifyError::MissingFiles(ref paths)) if paths == &["empty.bin"]),
        "{result:?}"
    );
}

#[test]
fn test_wrong_key_fails_both_ways() {
    let tool = tool_or_skip!();
    let scratch = Scratch::new();
    let (ours, _) = scratch.our_bundle();
    let (theirs, _) = scratch.their_bundle(&tool);
    let (_, other_public_key) = scratch.openssl_key("other", "prime256v1");

    let (ok, text) = tool.verify(&scratch.dir(), &ours, &other_public_key, &[]);
    assert!(!ok && text.contains("Key mismatch"), "{text}");
    let result = verify_here(&scratch.dir(), &theirs, &other_public_key);
    assert!(
        matches!(result, Err(VerifyError::KeyMismatch { .. })),
        "{result:?}"
    );
}

#[test]
fn test_forged_signature_fails_both_ways() {
    let tool = tool_or_skip!();
    let scratch = Scratch::new();
    let (ours, our_public_key) = scratch.our_bundle();
    let (theirs, their_public_key) = scratch.their_bundle(&tool);
    // Sign each bundle's statement again with another key but keep the original key hint.
    for (bundle, public_key) in [(&ours, &our_public_key), (&theirs, &their_public_key)] {
        let original: serde_json::Value =
            serde_json::from_slice(&fs::read(bundle).unwrap()).unwrap();
        let forged = sign_directory(&scratch.dir(), &PrivateKey::generate()).unwrap();
        let mut forged: serde_json::Value = serde_json::from_str(&forged.to_json()).unwrap();
        forged["verificationMaterial"] = original["verificationMaterial"].clone();
        fs::write(bundle, forged.to_string()).unwrap();

        let (ok, text) = tool.verify(&scratch.dir(), bundle, public_key, &[]);
        assert!(!ok && text.contains("Verification failed"), "{text}");
        let result = verify_here(&scratch.dir(), bundle, public_key);
        assert!(
            matches!(result, Err(VerifyError::BadSignature)),
            "{result:?}"
        );
    }
}
