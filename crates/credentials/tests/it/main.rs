//! Integration tests of content credentials: the development PKI and certificate checks,
//! signing and verifying PNG, JPEG and WAV, detached credentials, fingerprints, robustness
//! against damaged files, and interop with the reference C2PA reader.
//!
//! The interop test runs PyPI `c2pa-python` and skips, saying why, when it is not installed;
//! CI installs it (`pip install c2pa-python==0.38.1`) and sets `AILEDGER_REQUIRE_INTEROP=1`,
//! which turns a skip into a failure. `AILEDGER_TEST_PYTHON` picks another interpreter than
//! `python3`.

mod c2pa_python;
mod certificates;
mod detached;
mod fingerprint;
mod media;
// One copy of the helper that finds a Python interpreter able to import a tool.
#[path = "../../../interop/tests/it/python.rs"]
mod python;
mod robustness;
mod sign_verify;
