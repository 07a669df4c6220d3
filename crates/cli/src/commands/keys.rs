//! `ailedger keys new | list | show | import`.

use super::Context;
use crate::{cli::KeysCommand, output::Fields};
use ailedger_core::SecretKey;
use anyhow::Context as _;
use serde::Serialize;

/// A key as printed: the secret only when asked for.
#[derive(Debug, Serialize)]
struct KeyInfo {
    name: String,
    address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
}

impl KeyInfo {
    fn text(&self) -> String {
        let mut fields = Fields::new()
            .add("name", &self.name)
            .add("address", &self.address);
        if let Some(secret) = &self.secret_key {
            fields = fields.add("secret_key", secret);
        }
        if let Some(path) = &self.path {
            fields = fields.add("file", path);
        }
        fields.render()
    }
}

/// Runs a `keys` command.
pub(super) fn execute(context: &Context, command: KeysCommand) -> anyhow::Result<()> {
    let keystore = context.keystore()?;
    match command {
        KeysCommand::New { name } => {
            let key = SecretKey::generate();
            let path = keystore
                .create(&name, &key)
                .with_context(|| format!("creating key {name:?}"))?;
            let info = KeyInfo {
                name,
                address: key.address().to_string(),
                secret_key: None,
                path: Some(path.display().to_string()),
            };
            context.output.emit(&info, || info.text())
        }
        KeysCommand::Import { name, secret_hex } => {
            let (key, path) = keystore
                .import(&name, &secret_hex)
                .with_context(|| format!("importing key {name:?}"))?;
            let info = KeyInfo {
                name,
                address: key.address().to_string(),
                secret_key: None,
                path: Some(path.display().to_string()),
            };
            context.output.emit(&info, || info.text())
        }
        KeysCommand::Show {
            name,
            reveal_secret,
        } => {
            let stored = keystore
                .load(&name)
                .with_context(|| format!("loading key {name:?}"))?;
            let info = KeyInfo {
                name: stored.name,
                address: stored.key.address().to_string(),
                secret_key: reveal_secret.then(|| hex::encode(stored.key.to_bytes())),
                path: None,
            };
            context.output.emit(&info, || info.text())
        }
        KeysCommand::List => {
            let keys = keystore.list().context("listing keys")?;
            let infos: Vec<KeyInfo> = keys
                .into_iter()
                .map(|(name, address)| KeyInfo {
                    name,
                    address: address.to_string(),
                    secret_key: None,
                    path: None,
                })
                .collect();
            context.output.emit(&infos, || {
                let mut fields = Fields::new();
                for info in &infos {
                    fields = fields.add(&info.name, &info.address);
                }
                fields.render()
            })
        }
    }
}
