//! Interop with PyPI `c2pa-python` (the C2PA reference SDK's Python binding, with its own build
//! of the Rust SDK): files signed here verify as `Trusted` given our root as trust anchor,
//! altered bytes turn `Invalid`, and a wrong root leaves the signer untrusted.
//!
//! Needs `python3 -c "import c2pa"` (CI: `pip install c2pa-python==0.38.1`).

use std::fs;
use std::path::Path;
use std::process::Command;

use ailedger_credentials::assertion::HumanSource;
use ailedger_credentials::verify::{Verdict, source_type};
use ailedger_credentials::{Generation, MediaFormat, Placement, TrustAnchors, sign_file, verify};
use serde_json::Value;

use crate::media::{
    ai_origin, credentials, human_origin, jpeg, model_id, other_pki, pki, png, png_chunk, wav,
};
use crate::python::{self, excerpt, text, tool_or_skip};

/// Reads a file with `c2pa.Reader` and prints its validation state, failure codes and the
/// active manifest's assertions as JSON.
const READER: &str = r#"
import io, json, sys
import c2pa

asset_path, mime, anchors_path, sidecar_path = sys.argv[1:5]
config = {}
if anchors_path != "-":
    with open(anchors_path) as f:
        config = {"trust": {"user_anchors": f.read()}}
context = c2pa.Context.from_dict(config)
with open(asset_path, "rb") as f:
    asset = f.read()
manifest = None
if sidecar_path != "-":
    with open(sidecar_path, "rb") as f:
        manifest = f.read()
reader = c2pa.Reader(mime, io.BytesIO(asset), manifest_data=manifest, context=context)
try:
    results = reader.get_validation_results() or {}
    active = results.get("activeManifest") or {}
    store = json.loads(reader.json())
    manifest = store["manifests"][store["active_manifest"]]
    print(json.dumps({
        "state": reader.get_validation_state(),
        "failure": [status.get("code") for status in active.get("failure", [])],
        "assertions": {a["label"]: a.get("data") for a in manifest.get("assertions", [])},
    }))
finally:
    reader.close()
"#;

struct Tool {
    python: String,
}

impl Tool {
    fn find() -> Result<Self, String> {
        let python = python::with_modules("c2pa", "c2pa-python==0.38.1")?;
        Ok(Self { python })
    }

    fn read(
        &self,
        asset: &Path,
        mime: &str,
        anchors: Option<&Path>,
        sidecar: Option<&Path>,
    ) -> Value {
        let arg = |path: Option<&Path>| {
            path.map_or_else(|| "-".to_owned(), |path| path.display().to_string())
        };
        let output = Command::new(&self.python)
            .args(["-c", READER])
            .arg(asset)
            .arg(mime)
            .arg(arg(anchors))
            .arg(arg(sidecar))
            .output()
            .expect("run python");
        let all = text(&output);
        assert!(
            output.status.success(),
            "c2pa.Reader failed: {}",
            excerpt(&all)
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        serde_json::from_str(stdout.trim().lines().last().unwrap_or(""))
            .unwrap_or_else(|error| panic!("unexpected output ({error}): {}", excerpt(&all)))
    }
}

fn failures(result: &Value) -> Vec<String> {
    result["failure"]
        .as_array()
        .expect("failure list")
        .iter()
        .map(|code| code.as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn files_signed_here_verify_in_c2pa_python() {
    let tool = tool_or_skip!(Tool::find(), "c2pa-python");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("root.pem");
    fs::write(&root, &pki().root_pem).expect("root");
    let wrong_root = dir.path().join("wrong-root.pem");
    fs::write(&wrong_root, &other_pki().root_pem).expect("root");
    let anchors = TrustAnchors::from_pem(&pki().root_pem).expect("anchors");

    let cases = [
        (
            "ai.png",
            png(96, 64, 31),
            Placement::Embedded,
            ai_origin(Generation::Created),
        ),
        (
            "ai.jpg",
            jpeg(96, 64, 32),
            Placement::Embedded,
            ai_origin(Generation::Edited),
        ),
        (
            "ai.wav",
            wav(1, 8000),
            Placement::Embedded,
            ai_origin(Generation::Created),
        ),
        (
            "sidecar.png",
            png(64, 64, 33),
            Placement::Sidecar,
            ai_origin(Generation::Created),
        ),
        (
            "sidecar.wav",
            wav(1, 8000),
            Placement::Sidecar,
            ai_origin(Generation::Created),
        ),
        (
            "photo.jpg",
            jpeg(64, 64, 34),
            Placement::Embedded,
            human_origin(HumanSource::DigitalCapture),
        ),
    ];
    for (name, bytes, placement, origin) in cases {
        let path = dir.path().join(name);
        fs::write(&path, &bytes).expect("write");
        let signed = sign_file(&path, &credentials(), &origin, placement).expect("sign");
        let format = MediaFormat::from_path(&path).expect("format");
        let mime = format.mime_type();
        let sidecar = signed.sidecar.as_deref();

        let trusted = tool.read(&path, mime, Some(&root), sidecar);
        assert_eq!(trusted["state"], "Trusted", "{name}: {trusted}");
        assert!(failures(&trusted).is_empty(), "{name}: {trusted}");
        let assertions = &trusted["assertions"];
        let actions = assertions["c2pa.actions.v2"]["actions"]
            .as_array()
            .expect("actions");
        let source_types: Vec<&str> = actions
            .iter()
            .filter_map(|action| action["digitalSourceType"].as_str())
            .collect();
        assert!(!source_types.is_empty(), "{name}: {actions:?}");
        assert!(
            assertions["cawg.training-mining"]["entries"]["cawg.ai_training"]["use"]
                == "notAllowed",
            "{name}: {assertions}"
        );
        if matches!(origin, ailedger_credentials::Origin::AiGenerated(_)) {
            assert_eq!(
                assertions["org.ailedger.inference"]["model_version"],
                model_id().to_string(),
                "{name}"
            );
            assert!(
                source_types
                    .iter()
                    .any(|uri| *uri == source_type::TRAINED_ALGORITHMIC_MEDIA
                        || *uri == source_type::COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA)
            );
        } else {
            assert!(assertions["org.ailedger.attestation"]["chain_id"].is_string());
            assert_eq!(source_types, [source_type::DIGITAL_CAPTURE]);
        }
        // Our own verifier agrees.
        let ours = verify(&path, sidecar, &anchors).expect("verify");
        assert_eq!(ours.verdict, Verdict::Trusted, "{name}: {ours:#?}");

        let wrong = tool.read(&path, mime, Some(&wrong_root), sidecar);
        assert_eq!(wrong["state"], "Valid", "{name}: {wrong}");
        assert!(
            failures(&wrong).contains(&"signingCredential.untrusted".to_owned()),
            "{name}: {wrong}"
        );
        let no_anchor = tool.read(&path, mime, None, sidecar);
        assert_ne!(no_anchor["state"], "Trusted", "{name}: {no_anchor}");
    }
}

#[test]
fn altered_bytes_are_invalid_in_c2pa_python() {
    let tool = tool_or_skip!(Tool::find(), "c2pa-python");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("root.pem");
    fs::write(&root, &pki().root_pem).expect("root");

    // Embedded PNG: one pixel-data byte changed.
    let path = dir.path().join("altered.png");
    fs::write(&path, png(64, 48, 35)).expect("write");
    sign_file(
        &path,
        &credentials(),
        &ai_origin(Generation::Created),
        Placement::Embedded,
    )
    .expect("sign");
    let mut bytes = fs::read(&path).expect("read");
    let idat = png_chunk(&bytes, b"IDAT").expect("pixel data");
    bytes[idat.start + 12] ^= 0x40;
    fs::write(&path, &bytes).expect("write");
    let result = tool.read(&path, "image/png", Some(&root), None);
    assert_eq!(result["state"], "Invalid", "{result}");
    assert!(
        failures(&result).contains(&"assertion.dataHash.mismatch".to_owned()),
        "{result}"
    );

    // Sidecar WAV: one sample changed after signing.
    let path = dir.path().join("altered.wav");
    fs::write(&path, wav(1, 8000)).expect("write");
    let signed = sign_file(
        &path,
        &credentials(),
        &ai_origin(Generation::Created),
        Placement::Sidecar,
    )
    .expect("sign");
    let mut bytes = fs::read(&path).expect("read");
    let last = bytes.len() - 2;
    bytes[last] ^= 0x01;
    fs::write(&path, &bytes).expect("write");
    let result = tool.read(&path, "audio/wav", Some(&root), signed.sidecar.as_deref());
    assert_eq!(result["state"], "Invalid", "{result}");
    let ours = verify(
        &path,
        signed.sidecar.as_deref(),
        &TrustAnchors::from_pem(&pki().root_pem).expect("anchors"),
    )
    .expect("verify");
    assert_eq!(ours.verdict, Verdict::Invalid);
}
