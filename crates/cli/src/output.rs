//! What commands print: one JSON document with `--json`, aligned `key  value` lines otherwise.

use ailedger_client::{
    VerifiedAccount,
    dto::{BlockView, DecodedMsg, NodeStatusView, OutcomeView, ReceiptView, TxRecordView, TxView},
};
use serde::Serialize;
use std::{cell::Cell, fmt::Display};

/// Where command results go.
#[derive(Debug)]
pub(crate) struct Output {
    json: bool,
    printed: Cell<bool>,
}

impl Output {
    /// JSON if `json`, text otherwise.
    pub(crate) fn new(json: bool) -> Self {
        Self {
            json,
            printed: Cell::new(false),
        }
    }

    /// Whether results are printed as JSON.
    pub(crate) fn is_json(&self) -> bool {
        self.json
    }

    /// Whether a result was printed (so an error must not print a second JSON document).
    pub(crate) fn printed(&self) -> bool {
        self.printed.get()
    }

    /// Prints `value` as JSON, or `text` for people.
    pub(crate) fn emit<T: Serialize>(
        &self,
        value: &T,
        text: impl FnOnce() -> String,
    ) -> anyhow::Result<()> {
        let rendered = if self.json {
            serde_json::to_string_pretty(value)?
        } else {
            text()
        };
        println!("{}", rendered.trim_end());
        self.printed.set(true);
        Ok(())
    }
}

/// Aligned `key  value` lines.
#[derive(Debug, Default)]
pub(crate) struct Fields {
    rows: Vec<(String, String)>,
}

impl Fields {
    /// No lines.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds a line.
    pub(crate) fn add(mut self, key: &str, value: impl Display) -> Self {
        self.rows.push((key.to_owned(), value.to_string()));
        self
    }

    /// The lines, keys padded to one width.
    pub(crate) fn render(&self) -> String {
        let width = self
            .rows
            .iter()
            .map(|(key, _)| key.len())
            .max()
            .unwrap_or(0);
        let mut text = String::new();
        for (key, value) in &self.rows {
            text.push_str(format!("{key:<width$}  {value}").trim_end());
            text.push('\n');
        }
        text
    }
}

fn module_name(tx: &TxView) -> String {
    match &tx.module.name {
        Some(name) => name.clone(),
        None => format!("unknown ({})", tx.module.id),
    }
}

fn decoded(tx: &TxView) -> String {
    match &tx.decoded {
        Some(DecodedMsg::BankTransfer { to, amount }) => format!("transfer {amount} to {to}"),
        Some(DecodedMsg::Provenance { kind, subject }) => format!("{kind} {subject}"),
        Some(other) => format!("{other:?}"),
        None => format!("{} payload bytes", tx.payload.len()),
    }
}

fn outcome(outcome: &OutcomeView) -> String {
    match outcome {
        OutcomeView::Success => "success".to_owned(),
        OutcomeView::Failed { code, message } => format!("failed: {code}: {message}"),
    }
}

fn receipt_fields(fields: Fields, receipt: &ReceiptView) -> Fields {
    let mut fields = fields
        .add("outcome", outcome(&receipt.outcome))
        .add("gas_used", receipt.gas_used)
        .add("fee", receipt.fee);
    for event in &receipt.events {
        let attributes: Vec<String> = event
            .attributes
            .iter()
            .map(|attribute| format!("{}={}", attribute.key, attribute.value))
            .collect();
        fields = fields.add(
            "event",
            format!("{}.{} {}", event.module, event.kind, attributes.join(" ")),
        );
    }
    fields
}

/// A transaction with its status, location and receipt.
pub(crate) fn tx_record(record: &TxRecordView) -> String {
    let tx = &record.tx;
    let status = match record.status {
        ailedger_client::dto::TxStatus::Pending => "pending",
        ailedger_client::dto::TxStatus::Committed => "committed",
    };
    let mut fields = Fields::new()
        .add("hash", record.hash)
        .add("status", status)
        .add("sender", &tx.sender)
        .add("nonce", tx.nonce)
        .add("module", module_name(tx))
        .add("message", decoded(tx))
        .add("gas_limit", tx.gas_limit)
        .add("gas_price", tx.gas_price);
    if let Some(location) = &record.location {
        fields = fields
            .add("height", location.height)
            .add("block", location.block_hash)
            .add("index", location.index);
    }
    if let Some(receipt) = &record.receipt {
        fields = receipt_fields(fields, receipt);
    }
    fields.render()
}

/// A block: header fields, then its transactions.
pub(crate) fn block(block: &BlockView) -> String {
    let header = &block.header;
    let mut text = Fields::new()
        .add("hash", block.hash)
        .add("height", header.height)
        .add("parent", header.parent)
        .add("time_ms", header.timestamp_ms)
        .add("proposer", &header.proposer)
        .add("txs", header.tx_count)
        .add("gas_used", header.gas_used)
        .add("state_root", header.state_root)
        .add("txs_root", header.txs_root)
        .add("receipts_root", header.receipts_root)
        .render();
    match &block.txs {
        Some(txs) => {
            for tx in txs {
                text.push_str(&format!(
                    "\n{}  {} nonce {}  {}",
                    tx.hash,
                    tx.sender,
                    tx.nonce,
                    decoded(tx)
                ));
            }
        }
        None => {
            for hash in &block.tx_hashes {
                text.push_str(&format!("\n{hash}"));
            }
        }
    }
    text
}

/// A verified account.
pub(crate) fn account(account: &VerifiedAccount) -> String {
    Fields::new()
        .add("address", &account.address)
        .add("balance", account.balance)
        .add("nonce", account.nonce)
        .add("height", account.height)
        .add(
            "proof",
            format!(
                "verified against block {} state root {}",
                account.height, account.state_root
            ),
        )
        .render()
}

/// The node's status.
pub(crate) fn status(status: &NodeStatusView) -> String {
    Fields::new()
        .add("height", status.height)
        .add("block", status.block_hash)
        .add("time_ms", status.block_time_ms)
        .add("state_root", status.state_root)
        .add("mempool_size", status.mempool_size)
        .add("committed_txs", status.committed_txs)
        .add("epoch", status.epoch)
        .add("validators", status.validators)
        .add(
            "role",
            if status.is_validator {
                "validator"
            } else {
                "full node"
            },
        )
        .render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ailedger_client::dto::{AttributeView, EventView, TxLocationView, TxStatus};
    use ailedger_core::{Block, Header, ModuleId, SecretKey, Transaction, ZERO_HASH};
    use ailedger_state::{
        Module,
        bank::{Bank, BankMsg},
    };
    use commonware_codec::Encode;

    fn transfer() -> ailedger_core::SignedTransaction {
        let key = SecretKey::from_seed(1);
        let msg = BankMsg::Transfer {
            to: SecretKey::from_seed(2).address(),
            amount: 12_345_678_901_234_567_890,
        };
        Transaction::new(
            "c",
            key.address(),
            4,
            50_000,
            2,
            Bank::ID,
            msg.encode().to_vec(),
        )
        .expect("valid")
        .sign(&key)
    }

    #[test]
    fn fields_are_aligned() {
        let text = Fields::new()
            .add("a", 1)
            .add("longer", "x")
            .add("mid", "")
            .render();
        assert_eq!(text, "a       1\nlonger  x\nmid\n");
    }

    #[test]
    fn a_committed_transfer_shows_plain_amounts_and_its_receipt() {
        let tx = transfer();
        let record = TxRecordView {
            hash: tx.hash(),
            status: TxStatus::Committed,
            tx: TxView::from(&tx),
            location: Some(TxLocationView {
                height: 7,
                block_hash: ZERO_HASH,
                index: 0,
            }),
            receipt: Some(ReceiptView {
                tx_hash: tx.hash(),
                gas_used: 21_000,
                fee: 42_000,
                outcome: OutcomeView::Success,
                events: vec![EventView {
                    module: "bank".into(),
                    kind: "transfer".into(),
                    attributes: vec![AttributeView {
                        key: "amount".into(),
                        value: "5".into(),
                    }],
                }],
            }),
        };
        let text = tx_record(&record);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], format!("hash       {}", tx.hash()));
        assert_eq!(lines[1], "status     committed");
        assert!(text.contains(&format!(
            "message    transfer 12345678901234567890 to {}",
            SecretKey::from_seed(2).address()
        )));
        assert!(text.contains("height     7\n"), "{text}");
        assert!(text.contains("outcome    success\n"), "{text}");
        assert!(text.contains("fee        42000\n"), "{text}");
        assert!(
            text.contains("event      bank.transfer amount=5\n"),
            "{text}"
        );
    }

    #[test]
    fn failed_outcomes_show_their_code() {
        let failed = OutcomeView::Failed {
            code: "INSUFFICIENT_FUNDS".into(),
            message: "insufficient funds".into(),
        };
        assert_eq!(
            outcome(&failed),
            "failed: INSUFFICIENT_FUNDS: insufficient funds"
        );
    }

    #[test]
    fn unknown_modules_show_their_id_and_payload_size() {
        let key = SecretKey::from_seed(1);
        let tx = Transaction::new("c", key.address(), 0, 1, 1, ModuleId::new(9), vec![1, 2, 3])
            .expect("valid")
            .sign(&key);
        let view = TxView::from(&tx);
        assert_eq!(module_name(&view), "unknown (9)");
        assert_eq!(decoded(&view), "3 payload bytes");
    }

    #[test]
    fn an_account_names_the_block_it_was_verified_against() {
        let account = VerifiedAccount {
            address: SecretKey::from_seed(1).address(),
            balance: 1_000_000,
            nonce: 3,
            exists: true,
            height: 12,
            block_hash: ZERO_HASH,
            state_root: ZERO_HASH,
        };
        let text = super::account(&account);
        assert!(text.contains("balance  1000000\n"), "{text}");
        assert!(
            text.contains(&format!(
                "proof    verified against block 12 state root {ZERO_HASH}\n"
            )),
            "{text}"
        );
    }

    #[test]
    fn blocks_list_their_transactions() {
        let tx = transfer();
        let header = Header {
            height: 3,
            parent: ZERO_HASH,
            timestamp_ms: 9,
            proposer: SecretKey::from_seed(0).address(),
            epoch: 0,
            view: 3,
            parent_view: 2,
            tx_count: 0,
            txs_root: ZERO_HASH,
            gas_used: 0,
            receipts_root: ZERO_HASH,
            state_root: ZERO_HASH,
            ops_root: ZERO_HASH,
            ops_floor: 0,
            ops_size: 0,
            next_validators: ailedger_core::ZERO_HASH,
        };
        let block_value = Block::new(header, vec![tx.clone()]);
        let short = block(&BlockView::new(&block_value, false));
        assert!(short.contains("height         3\n"), "{short}");
        assert!(short.ends_with(&format!("\n{}", tx.hash())), "{short}");
        let full = block(&BlockView::new(&block_value, true));
        assert!(
            full.contains(&format!("{}  {} nonce 4  transfer", tx.hash(), tx.sender())),
            "{full}"
        );
    }

    #[test]
    fn status_lines() {
        let text = status(&NodeStatusView {
            height: 5,
            block_hash: ZERO_HASH,
            block_time_ms: 1,
            state_root: ZERO_HASH,
            mempool_size: 2,
            committed_txs: 9,
            epoch: 1,
            validators: 4,
            is_validator: false,
        });
        assert!(text.starts_with("height         5\n"), "{text}");
        assert!(text.contains("committed_txs  9\n"), "{text}");
    }
}
