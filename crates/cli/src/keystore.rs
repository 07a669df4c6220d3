//! Signing keys on disk: one JSON file per key in `HOME/keys`, readable by its owner only.
//!
//! A key file is `{"name": ..., "address": ..., "secret_key": "<64 hex digits>"}`. Files are
//! created with mode 0600 in a 0700 directory, and never overwritten.

use ailedger_client::encoding::parse_bytes;
use ailedger_core::{Address, SecretKey};
use serde::{Deserialize, Serialize};
use std::{
    fs, io,
    io::Write,
    path::{Path, PathBuf},
};
use thiserror::Error;

/// What went wrong with the keystore.
#[derive(Debug, Error)]
pub(crate) enum KeystoreError {
    /// A key of this name exists.
    #[error("a key named {name:?} already exists at {}", path.display())]
    Exists {
        /// The name.
        name: String,
        /// Its file.
        path: PathBuf,
    },
    /// No key of this name.
    #[error("no key named {name:?} (looked for {})", path.display())]
    NotFound {
        /// The name.
        name: String,
        /// The file looked for.
        path: PathBuf,
    },
    /// A file that is not a key file, or whose address is not its secret's.
    #[error("key file {} is corrupt: {reason}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A secret that is not 32 bytes of hex.
    #[error("invalid secret key: {0}")]
    BadSecret(String),
    /// The file system failed.
    #[error("{action} {}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// Where.
        path: PathBuf,
        /// The error.
        #[source]
        source: io::Error,
    },
}

/// The file format.
#[derive(Debug, Serialize, Deserialize)]
struct KeyFile {
    name: String,
    address: String,
    secret_key: String,
}

/// A key loaded from the keystore.
#[derive(Debug)]
pub(crate) struct StoredKey {
    /// Its name.
    pub(crate) name: String,
    /// The signing key.
    pub(crate) key: SecretKey,
}

/// The keys in one directory.
#[derive(Debug)]
pub(crate) struct Keystore {
    dir: PathBuf,
}

impl Keystore {
    /// The keystore of a home directory: `HOME/keys`.
    pub(crate) fn new(home: &Path) -> Self {
        Self {
            dir: home.join("keys"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.json"))
    }

    /// Stores `key` as `name`, refusing to replace an existing key. `name` must already be
    /// checked (see [`crate::cli::parse_key_name`]).
    pub(crate) fn create(&self, name: &str, key: &SecretKey) -> Result<PathBuf, KeystoreError> {
        create_private_dir(&self.dir)?;
        let path = self.path(name);
        let file = KeyFile {
            name: name.to_owned(),
            address: key.address().to_string(),
            secret_key: hex::encode(key.to_bytes()),
        };
        let mut text =
            serde_json::to_string_pretty(&file).map_err(|error| KeystoreError::Corrupt {
                path: path.clone(),
                reason: error.to_string(),
            })?;
        text.push('\n');
        // `create_new` makes the existence check and the creation one step, so two processes
        // cannot both create the same key.
        let mut handle = match open_private_new(&path) {
            Ok(handle) => handle,
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                return Err(KeystoreError::Exists {
                    name: name.to_owned(),
                    path,
                });
            }
            Err(source) => {
                return Err(KeystoreError::Io {
                    action: "creating key file",
                    path,
                    source,
                });
            }
        };
        let written = handle
            .write_all(text.as_bytes())
            .and_then(|()| handle.sync_all());
        if let Err(source) = written {
            return Err(KeystoreError::Io {
                action: "writing key file",
                path,
                source,
            });
        }
        Ok(path)
    }

    /// Stores a key given as 64 hex digits.
    pub(crate) fn import(
        &self,
        name: &str,
        secret_hex: &str,
    ) -> Result<(SecretKey, PathBuf), KeystoreError> {
        let bytes = parse_bytes(secret_hex.trim())
            .map_err(|error| KeystoreError::BadSecret(error.to_string()))?;
        let key = SecretKey::from_bytes(&bytes)
            .map_err(|error| KeystoreError::BadSecret(error.to_string()))?;
        let path = self.create(name, &key)?;
        Ok((key, path))
    }

    /// Loads the key `name`, checking that the stored address is the secret's.
    pub(crate) fn load(&self, name: &str) -> Result<StoredKey, KeystoreError> {
        let path = self.path(name);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Err(KeystoreError::NotFound {
                    name: name.to_owned(),
                    path,
                });
            }
            Err(source) => {
                return Err(KeystoreError::Io {
                    action: "reading key file",
                    path,
                    source,
                });
            }
        };
        let corrupt = |reason: String| KeystoreError::Corrupt {
            path: path.clone(),
            reason,
        };
        let file: KeyFile =
            serde_json::from_str(&text).map_err(|error| corrupt(error.to_string()))?;
        let bytes = parse_bytes(&file.secret_key)
            .map_err(|error| corrupt(format!("secret_key: {error}")))?;
        let key = SecretKey::from_bytes(&bytes)
            .map_err(|error| corrupt(format!("secret_key: {error}")))?;
        if key.address().to_string() != file.address {
            return Err(corrupt(format!(
                "address {} is not the address {} of its secret key",
                file.address,
                key.address()
            )));
        }
        if file.name != name {
            return Err(corrupt(format!(
                "file is named {name:?} but holds key {:?}",
                file.name
            )));
        }
        Ok(StoredKey {
            name: file.name,
            key,
        })
    }

    /// Every stored key's name and address, by name. A missing directory holds no keys.
    pub(crate) fn list(&self) -> Result<Vec<(String, Address)>, KeystoreError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(KeystoreError::Io {
                    action: "listing",
                    path: self.dir.clone(),
                    source,
                });
            }
        };
        let mut keys = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| KeystoreError::Io {
                action: "listing",
                path: self.dir.clone(),
                source,
            })?;
            let file_name = entry.file_name();
            let Some(name) = file_name
                .to_str()
                .and_then(|name| name.strip_suffix(".json"))
            else {
                continue;
            };
            if crate::cli::parse_key_name(name).is_err() {
                continue;
            }
            let stored = self.load(name)?;
            keys.push((stored.name, stored.key.address()));
        }
        keys.sort();
        Ok(keys)
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<(), KeystoreError> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|source| KeystoreError::Io {
            action: "creating key directory",
            path: dir.to_owned(),
            source,
        })
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<(), KeystoreError> {
    fs::create_dir_all(dir).map_err(|source| KeystoreError::Io {
        action: "creating key directory",
        path: dir.to_owned(),
        source,
    })
}

#[cfg(unix)]
fn open_private_new(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_private_new(path: &Path) -> io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Keystore) {
        let home = tempfile::tempdir().expect("temp dir");
        let keystore = Keystore::new(home.path());
        (home, keystore)
    }

    #[test]
    fn a_created_key_loads_back_and_is_private() {
        let (_home, keystore) = store();
        let key = SecretKey::generate();
        let path = keystore.create("alice", &key).expect("created");
        let loaded = keystore.load("alice").expect("loads");
        assert_eq!(loaded.name, "alice");
        assert_eq!(loaded.key.address(), key.address());

        let file: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&path).expect("read")).expect("json");
        assert_eq!(file["name"], "alice");
        assert_eq!(file["address"], key.address().to_string());
        assert_eq!(file["secret_key"], hex::encode(key.to_bytes()));

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).expect("metadata").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn an_existing_key_is_never_overwritten() {
        let (_home, keystore) = store();
        let first = SecretKey::generate();
        keystore.create("bob", &first).expect("created");
        let error = keystore
            .create("bob", &SecretKey::generate())
            .expect_err("exists");
        assert!(matches!(error, KeystoreError::Exists { .. }), "{error}");
        assert_eq!(
            keystore.load("bob").expect("loads").key.address(),
            first.address()
        );
    }

    #[test]
    fn import_takes_hex_secrets_only() {
        let (_home, keystore) = store();
        let key = SecretKey::from_seed(3);
        let (imported, _) = keystore
            .import("carol", &hex::encode(key.to_bytes()))
            .expect("imports");
        assert_eq!(imported.address(), key.address());
        for bad in ["zz", "abcd", &"AB".repeat(32)] {
            let error = keystore.import("dave", bad).expect_err("bad secret");
            assert!(
                matches!(error, KeystoreError::BadSecret(_)),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn missing_and_corrupt_keys_are_reported() {
        let (home, keystore) = store();
        assert!(matches!(
            keystore.load("nobody"),
            Err(KeystoreError::NotFound { .. })
        ));
        keystore
            .create("eve", &SecretKey::from_seed(1))
            .expect("created");
        let path = home.path().join("keys/eve.json");
        let text = fs::read_to_string(&path).expect("read");
        let tampered = text.replace(
            &SecretKey::from_seed(1).address().to_string(),
            &SecretKey::from_seed(2).address().to_string(),
        );
        fs::write(&path, tampered).expect("write");
        assert!(matches!(
            keystore.load("eve"),
            Err(KeystoreError::Corrupt { .. })
        ));
        fs::write(&path, "not json").expect("write");
        assert!(matches!(
            keystore.load("eve"),
            Err(KeystoreError::Corrupt { .. })
        ));
    }

    #[test]
    fn list_is_sorted_and_skips_other_files() {
        let (home, keystore) = store();
        assert_eq!(keystore.list().expect("empty"), vec![]);
        keystore
            .create("zed", &SecretKey::from_seed(1))
            .expect("created");
        keystore
            .create("amy", &SecretKey::from_seed(2))
            .expect("created");
        fs::write(home.path().join("keys/notes.txt"), "hello").expect("write");
        let names: Vec<String> = keystore
            .list()
            .expect("lists")
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(names, vec!["amy", "zed"]);
    }
}
