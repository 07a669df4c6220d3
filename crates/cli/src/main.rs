//! The ailedger command line: run a node, manage keys, sign and submit transactions, query the chain.
//!
//! # Usage
//!
//! `ailedger <noun> <verb>`, e.g. `ailedger keys new alice`, `ailedger tx transfer --from alice
//! --to <address> --amount 10 --wait`, `ailedger account show alice`, `ailedger block show latest`.
//! Provenance: `ailedger dataset register|show|list|prove|verify-proof|downstream|
//! export-croissant`, `ailedger model register|version register|version show|show|versions|
//! lineage|licences|downstream|deprecate|revoke|transfer|sign|verify-signature|keygen|
//! export-card|summary`, and `ailedger verify PATH`. Staking: `ailedger staking register|bond|
//! unbond|withdraw|report-double-sign` (signed with `--from`) and `ailedger staking validator|
//! set|params` (verified reads). Benchmarks: `ailedger bench transfers`,
//! `ailedger bench provenance`.
//! Global flags: `--json` (exactly one JSON document on stdout: the `ailedger-client` DTO of the
//! answer, or `{"error": {...}}`), `--home DIR` (default `$AILEDGER_HOME` or `~/.ailedger`),
//! `--node URL` (default `$AILEDGER_NODE` or `http://127.0.0.1:26657`). Logs go to stderr,
//! filtered by `RUST_LOG` (default `warn`).
//!
//! # Exit codes
//!
//! - 0: success (a licence report with conflicts is still a successful answer, unless
//!   `--strict`).
//! - 1: operational error: the node is unreachable or refused a transaction, a transaction
//!   was committed but failed, a file is missing or corrupt, a licence is malformed, a parent
//!   or dataset is not registered. With `--json` the error document has a stable code
//!   (`FILE_NOT_FOUND`, `CORRUPT_WEIGHTS`, `LICENCE_MALFORMED`, `PARENT_NOT_FOUND`, ...).
//! - 2: usage error.
//! - 3: verification failed: a proof the node served does not verify, or a claim checked
//!   locally came back false (a dataset proof, a membership, a signature, weights that are not
//!   the version named).
//! - 4: `model licences --strict` found conflicts with the intended use.
//!
//! # Status
//!
//! ALPHA: commands and output may change until the first network launches.
#![allow(clippy::print_stdout)]

mod cli;
mod commands;
mod failure;
mod keystore;
mod output;

use ailedger_client::ClientError;
use clap::Parser;
use failure::{Exit, Failure};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version print to stdout and exit 0; usage errors print to stderr and exit 2,
            // and with --json also a JSON error document on stdout (always exactly one document).
            let _ = error.print();
            let code = error.exit_code();
            if code != 0 && std::env::args().any(|arg| arg == "--json") {
                let document = serde_json::json!({
                    "error": { "code": "USAGE", "message": error.kind().to_string() }
                });
                println!("{document}");
            }
            return ExitCode::from(u8::try_from(code).unwrap_or(2));
        }
    };
    // A running node reports its blocks; other commands stay quiet unless asked.
    let default_filter = match cli.command {
        cli::Command::Node { .. } => "warn,ailedger=info",
        // The C2PA library warns about features this build leaves out (thumbnails) on every
        // signature; its verdicts are in the report, not the log.
        #[cfg(feature = "content")]
        cli::Command::Content { .. } => "warn,c2pa=error",
        _ => "warn",
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter)),
        )
        .init();
    let cli::Cli { global, command } = cli;
    let context = commands::Context::new(global);
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| runtime.block_on(commands::run(command, &context)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => report(&context, &error),
    }
}

/// Prints the error once, with its chain of causes, and picks the exit code.
#[allow(clippy::print_stderr)]
fn report(context: &commands::Context, error: &anyhow::Error) -> ExitCode {
    let client_error = error
        .chain()
        .find_map(|cause| cause.downcast_ref::<ClientError>());
    let failure = error
        .chain()
        .find_map(|cause| cause.downcast_ref::<Failure>());
    let exit = match failure {
        Some(failure) => failure.exit,
        None if client_error.is_some_and(ClientError::is_verification) => Exit::Verification,
        None => Exit::Error,
    };
    if context.output.is_json() && !context.output.printed() {
        let code = match (failure, client_error) {
            (Some(failure), _) => failure.code.as_str(),
            (None, Some(ClientError::Api { code, .. })) => code.as_str(),
            (None, Some(ClientError::Verification(_))) => "VERIFICATION_FAILED",
            (None, Some(ClientError::Transport { .. })) => "NODE_UNREACHABLE",
            (None, Some(ClientError::Timeout { .. })) => "TIMEOUT",
            (None, Some(ClientError::Decode { .. })) => "BAD_ANSWER",
            (None, Some(ClientError::InvalidUrl { .. })) => "INVALID_URL",
            _ => "ERROR",
        };
        let document =
            serde_json::json!({"error": {"code": code, "message": format!("{error:#}")}});
        println!("{document:#}");
    }
    match failure {
        Some(failure) => eprintln!("error: {error:#} [{}]", failure.code),
        None => eprintln!("error: {error:#}"),
    }
    ExitCode::from(exit.status())
}
