//! Interop tests: ailedger's documents checked by the reference tools that read them.
//!
//! Each test runs a real third-party tool through Python and skips, saying why, when the tool is
//! not installed; CI installs the tools and sets `AILEDGER_REQUIRE_INTEROP=1`, which turns a skip
//! into a failure. `AILEDGER_TEST_PYTHON` picks another interpreter than `python3`. The tools:
//!
//! - `model_signing` (OpenSSF Model Signing): `pip install model-signing==1.1.1 pyopenssl`, plus
//!   `openssl` on `PATH`.
//! - `croissant` (`mlcroissant validate` and `load`): `pip install mlcroissant==1.1.1`.
//! - `model_card` (`huggingface_hub.ModelCard`): `pip install huggingface_hub==2.4.0`.

mod croissant;
mod model_card;
mod model_signing;
mod python;
