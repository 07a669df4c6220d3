//! `ailedger tx transfer | show`.

use super::Context;
use crate::{
    cli::TransferArgs,
    output::{Fields, tx_record},
};
use ailedger_client::dto::{OutcomeView, SubmitTxResponse};
use ailedger_core::{Hash, SignedTransaction, Transaction};
use ailedger_state::{
    Module,
    bank::{Bank, BankMsg},
};
use anyhow::{Context as _, bail};
use commonware_codec::Encode;

/// Builds, signs and submits a transfer; with `--wait`, waits for its receipt.
pub(super) async fn transfer(context: &Context, args: TransferArgs) -> anyhow::Result<()> {
    let stored = context
        .keystore()?
        .load(&args.from)
        .with_context(|| format!("loading key {:?}", args.from))?;
    let sender = stored.key.address();
    let client = context.client()?;
    let chain = client.chain().await.context("fetching the chain id")?;
    let gas_price = args.gas_price.unwrap_or(chain.min_gas_price);
    let to = super::account::resolve(context, args.to.clone())?;
    let to_display = to.to_string();
    let payload = BankMsg::Transfer {
        to,
        amount: args.amount,
    }
    .encode()
    .to_vec();
    let sign = |nonce: u64| -> anyhow::Result<SignedTransaction> {
        let tx = Transaction::new(
            &chain.chain_id,
            sender.clone(),
            nonce,
            args.gas_limit,
            gas_price,
            Bank::ID,
            payload.clone(),
        )
        .context("building the transaction")?
        .sign(&stored.key);
        tracing::debug!(target: "ailedger::cli", hash = %tx.hash(), nonce, "submitting transfer");
        Ok(tx)
    };
    let (hash, nonce) = match args.nonce {
        Some(nonce) => client
            .submit(&sign(nonce)?)
            .await
            .map(|hash| (hash, nonce))
            .map_err(anyhow::Error::from),
        None => client.submit_at_next_nonce(&sender, sign).await,
    }
    .context("submitting the transaction")?;

    if !args.wait {
        let response = SubmitTxResponse { hash };
        return context.output.emit(&response, || {
            Fields::new()
                .add("hash", hash)
                .add("from", &sender)
                .add("to", &to_display)
                .add("amount", args.amount)
                .add("nonce", nonce)
                .render()
        });
    }
    let record = client
        .wait_for_tx(&hash, args.timeout)
        .await
        .with_context(|| format!("waiting for transaction {hash}"))?;
    context.output.emit(&record, || tx_record(&record))?;
    if let Some(receipt) = &record.receipt
        && let OutcomeView::Failed { code, message } = &receipt.outcome
    {
        bail!("transaction {hash} was committed but failed: {code}: {message}");
    }
    Ok(())
}

/// Shows a transaction.
pub(super) async fn show(context: &Context, hash: &Hash) -> anyhow::Result<()> {
    let record = context
        .client()?
        .tx(hash)
        .await
        .with_context(|| format!("fetching transaction {hash}"))?;
    context.output.emit(&record, || tx_record(&record))
}
