//! C2SP `signed-note` with Ed25519 keys: the log's signing key, verifier keys, and notes.
//!
//! Signing and verification go through the `signed_note` crate (a port of Go's
//! `golang.org/x/mod/sumdb/note`); this module adds key handling and a structural pre-parse
//! whose errors say which line is wrong, where `signed_note` only says "malformed note".

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signer as _, SigningKey};
use signed_note::{Note, StandardVerifier, VerifierList};

use crate::error::{FormatError, VerifyError};

/// The largest note accepted, as in `signed_note` and Go's `note` package.
pub const MAX_NOTE_LEN: usize = 1_000_000;
/// The most signatures a note may carry, as in `signed_note` and Go.
pub const MAX_NOTE_SIGNATURES: usize = 100;

/// Signature type byte of Ed25519 in C2SP signed-note keys and key ids.
const ALG_ED25519: u8 = 0x01;

/// Checks that `value` can be a key name (C2SP signed-note: non-empty, no whitespace, no `+`).
fn check_key_name(value: &str) -> Result<(), FormatError> {
    if signed_note::is_key_name_valid(value) && !value.chars().any(char::is_control) {
        return Ok(());
    }
    Err(FormatError::BadLine {
        what: "key name",
        found: value.to_owned(),
    })
}

/// A log's Ed25519 signing key, named after the log's origin.
///
/// Its text form ([`LogKey::to_signer_key`]) is the `PRIVATE+KEY+...` format of Go's
/// `note.NewSigner`, so Go tools can sign with the same key. `Debug` never shows the secret.
#[derive(Clone)]
pub struct LogKey {
    name: String,
    id: u32,
    signing: SigningKey,
}

impl LogKey {
    /// A new random key named `name`.
    pub fn generate(name: &str) -> Result<Self, FormatError> {
        Self::from_seed(name, rand::random())
    }

    /// The key with this 32-byte Ed25519 seed.
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Self, FormatError> {
        check_key_name(name)?;
        let signing = SigningKey::from_bytes(&seed);
        let id = signed_note::key_id(name, &public_key_bytes(&signing));
        Ok(Self {
            name: name.to_owned(),
            id,
            signing,
        })
    }

    /// Parses `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>`.
    pub fn from_signer_key(text: &str) -> Result<Self, FormatError> {
        let bad = |reason| FormatError::BadKey {
            what: "signer key",
            reason,
        };
        let rest = text
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(bad("it does not start with PRIVATE+KEY+"))?;
        let (name, rest) = rest.split_once('+').ok_or(bad("no key id"))?;
        let (id_hex, key) = rest.split_once('+').ok_or(bad("no key data"))?;
        let key = BASE64
            .decode(key)
            .map_err(|_| bad("key data is not base64"))?;
        let [ALG_ED25519, seed @ ..] = key.as_slice() else {
            return Err(bad("not an Ed25519 key"));
        };
        let seed: [u8; 32] = seed.try_into().map_err(|_| bad("wrong seed length"))?;
        let key = Self::from_seed(name, seed)?;
        if id_hex.len() != 8 || u32::from_str_radix(id_hex, 16).ok() != Some(key.id) {
            return Err(bad("key id does not match the key"));
        }
        Ok(key)
    }

    /// The `PRIVATE+KEY+...` text form. Secret.
    pub fn to_signer_key(&self) -> String {
        let mut key = vec![ALG_ED25519];
        key.extend_from_slice(&self.signing.to_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.id,
            BASE64.encode(key)
        )
    }

    /// The 32-byte seed. Secret.
    pub fn seed(&self) -> [u8; 32] {
        self.signing.to_bytes()
    }

    /// The key's name (the log's origin).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id: the first four bytes of `SHA-256(name || "\n" || 0x01 || public key)`.
    pub fn key_id(&self) -> u32 {
        self.id
    }

    /// The verifier key `<name>+<hex id>+<base64(0x01 || public key)>`, as Go's
    /// `note.NewVerifier` and every C2SP client read it.
    pub fn verifier_key(&self) -> String {
        signed_note::new_ed25519_verifier_key(&self.name, &self.signing.verifying_key())
    }

    /// A verifier for this key, expecting checkpoints whose origin is the key's name.
    pub fn verifier(&self) -> LogVerifier {
        match LogVerifier::new(&self.verifier_key()) {
            Ok(verifier) => verifier,
            // The key text was just produced from a valid key and a checked name.
            Err(error) => unreachable!("own verifier key does not parse: {error}"),
        }
    }

    /// Signs `text` (which must be a valid note text) into a signed note.
    pub(crate) fn sign_note(&self, text: &[u8]) -> Result<Vec<u8>, FormatError> {
        let mut note =
            Note::new(text, &[]).map_err(|_| FormatError::Rejected { what: "note text" })?;
        note.add_sigs(&[self])
            .map_err(|_| FormatError::Rejected { what: "note text" })?;
        Ok(note.to_bytes())
    }
}

fn public_key_bytes(signing: &SigningKey) -> Vec<u8> {
    let mut key = vec![ALG_ED25519];
    key.extend_from_slice(signing.verifying_key().as_bytes());
    key
}

impl fmt::Debug for LogKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LogKey({}+{:08x})", self.name, self.id)
    }
}

impl signed_note::Signer for LogKey {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        self.id
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, ed25519_dalek::SignatureError> {
        Ok(self.signing.sign(msg).to_bytes().to_vec())
    }
}

/// What a client trusts about a log: its origin and its Ed25519 verifier key.
#[derive(Clone)]
pub struct LogVerifier {
    origin: String,
    verifier_key: String,
    name: String,
    id: u32,
    inner: StandardVerifier,
}

impl LogVerifier {
    /// A verifier for the key `<name>+<hex id>+<base64(0x01 || public key)>`, expecting
    /// checkpoints whose origin is the key's name.
    pub fn new(verifier_key: &str) -> Result<Self, FormatError> {
        let name = verifier_key.split('+').next().unwrap_or_default();
        Self::with_origin(verifier_key, name)
    }

    /// A verifier for the key, expecting checkpoints with the given origin.
    pub fn with_origin(verifier_key: &str, origin: &str) -> Result<Self, FormatError> {
        let inner = StandardVerifier::new(verifier_key).map_err(|error| FormatError::BadKey {
            what: "verifier key",
            reason: match error {
                signed_note::VerifierError::Alg => "not an Ed25519 key",
                signed_note::VerifierError::Id => "key id does not match the key",
                signed_note::VerifierError::Format => "not <name>+<hex id>+<base64 key>",
            },
        })?;
        check_line("origin", origin)?;
        let name = signed_note::Verifier::name(&inner).to_owned();
        let id = signed_note::Verifier::key_id(&inner);
        Ok(Self {
            origin: origin.to_owned(),
            verifier_key: verifier_key.to_owned(),
            name,
            id,
            inner,
        })
    }

    /// A verifier for the raw Ed25519 public key `public_key`, named `origin` and expecting
    /// checkpoints with that origin: what a ledger that stores only the 32 key bytes rebuilds.
    ///
    /// Keys of small order are refused: anyone can forge signatures that verify under them,
    /// so checkpoints "signed" with one prove nothing about their log.
    pub fn from_ed25519(origin: &str, public_key: &[u8; 32]) -> Result<Self, FormatError> {
        check_key_name(origin)?;
        let bad = |reason| FormatError::BadKey {
            what: "Ed25519 public key",
            reason,
        };
        let key = ed25519_dalek::VerifyingKey::from_bytes(public_key)
            .map_err(|_| bad("not a point on the curve"))?;
        if key.is_weak() {
            return Err(bad("a key of small order"));
        }
        Self::new(&signed_note::new_ed25519_verifier_key(origin, &key))
    }

    /// The raw Ed25519 public key, if the key is an Ed25519 key.
    pub fn ed25519_public_key(&self) -> Option<[u8; 32]> {
        // Base64 uses '+', so only the first two '+' separate fields.
        let encoded = self.verifier_key.splitn(3, '+').nth(2)?;
        let key = BASE64.decode(encoded).ok()?;
        let [ALG_ED25519, public @ ..] = key.as_slice() else {
            return None;
        };
        public.try_into().ok()
    }

    /// The origin checkpoints must carry.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The verifier key text.
    pub fn verifier_key(&self) -> &str {
        &self.verifier_key
    }

    /// `name+keyid`, how errors name this key.
    pub fn key_label(&self) -> String {
        format!("{}+{:08x}", self.name, self.id)
    }

    /// Checks that `note` carries a valid signature by this key and returns its text.
    ///
    /// Signatures by other keys are ignored (they may be witness cosignatures).
    pub fn open<'a>(&self, note: &'a [u8]) -> Result<&'a str, VerifyError> {
        let (text, signature_lines) = split_note(note)?;
        let parsed = Note::from_bytes(note).map_err(|_| FormatError::Rejected {
            what: "signed note",
        })?;
        let verifiers = VerifierList::new(vec![Box::new(self.inner.clone())]);
        match parsed.verify(&verifiers) {
            Ok(_) => Ok(text),
            Err(signed_note::NoteError::InvalidSignature { .. }) => {
                Err(VerifyError::BadSignature {
                    key: self.key_label(),
                })
            }
            Err(_) => Err(VerifyError::NotSignedByKey {
                key: self.key_label(),
                signers: signature_lines
                    .iter()
                    .map(|line| line.label.clone())
                    .collect(),
            }),
        }
    }
}

impl fmt::Debug for LogVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogVerifier")
            .field("origin", &self.origin)
            .field("verifier_key", &self.verifier_key)
            .finish()
    }
}

/// Checks that `value` fits on one line of a note: non-empty, no control characters.
pub(crate) fn check_line(what: &'static str, value: &str) -> Result<(), FormatError> {
    if value.is_empty() || value.chars().any(char::is_control) {
        return Err(FormatError::BadLine {
            what,
            found: value.to_owned(),
        });
    }
    Ok(())
}

/// One parsed signature line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignatureLine {
    /// `name+keyid`.
    pub(crate) label: String,
}

/// Splits a signed note into its text (with its final newline) and its signature lines,
/// checking the structure C2SP signed-note requires.
pub(crate) fn split_note(note: &[u8]) -> Result<(&str, Vec<SignatureLine>), FormatError> {
    const WHAT: &str = "signed note";
    if note.len() > MAX_NOTE_LEN {
        return Err(FormatError::TooLarge {
            what: WHAT,
            len: note.len(),
            max: MAX_NOTE_LEN,
        });
    }
    let text = std::str::from_utf8(note).map_err(|_| FormatError::NotUtf8 { what: WHAT })?;
    check_controls(WHAT, text)?;
    if !text.ends_with('\n') {
        return Err(FormatError::MissingFinalNewline { what: WHAT });
    }
    let Some(split) = text.rfind("\n\n") else {
        return Err(FormatError::MissingSignatureBlock);
    };
    let (body, signatures) = (&text[..=split], &text[split + 2..]);
    if signatures.is_empty() {
        return Err(FormatError::NoSignatures);
    }
    let mut lines = Vec::new();
    for (position, line) in signatures.trim_end_matches('\n').split('\n').enumerate() {
        if position >= MAX_NOTE_SIGNATURES {
            return Err(FormatError::TooManySignatures {
                max: MAX_NOTE_SIGNATURES,
            });
        }
        lines.push(parse_signature_line(position + 1, line)?);
    }
    Ok((body, lines))
}

fn parse_signature_line(line_no: usize, line: &str) -> Result<SignatureLine, FormatError> {
    let bad = |reason| FormatError::BadSignatureLine {
        line: line_no,
        reason,
    };
    let rest = line
        .strip_prefix("\u{2014} ")
        .ok_or(bad("it does not start with an em dash and a space"))?;
    let (name, signature) = rest
        .split_once(' ')
        .ok_or(bad("no space between key name and signature"))?;
    if !signed_note::is_key_name_valid(name) {
        return Err(bad("the key name is empty or contains a space or '+'"));
    }
    let signature = BASE64
        .decode(signature)
        .map_err(|_| bad("the signature is not base64"))?;
    let Some((id, _)) = signature.split_first_chunk::<4>() else {
        return Err(bad("the signature is shorter than its 4-byte key id"));
    };
    if signature.len() < 5 {
        return Err(bad("the signature is empty"));
    }
    Ok(SignatureLine {
        label: format!("{name}+{:08x}", u32::from_be_bytes(*id)),
    })
}

/// Rejects control characters other than newline (C2SP signed-note).
pub(crate) fn check_controls(what: &'static str, text: &str) -> Result<(), FormatError> {
    match text
        .bytes()
        .enumerate()
        .find(|(_, byte)| *byte < 0x20 && *byte != b'\n')
    {
        Some((offset, byte)) => Err(FormatError::ControlCharacter { what, byte, offset }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signer_key_round_trips() {
        let key = LogKey::from_seed("example.com/log", [7; 32]).unwrap();
        let again = LogKey::from_signer_key(&key.to_signer_key()).unwrap();
        assert_eq!(again.verifier_key(), key.verifier_key());
        // signed_note reads the same text form.
        signed_note::StandardSigner::new(&key.to_signer_key()).unwrap();
    }

    #[test]
    fn signed_note_opens_with_its_key_only() {
        let key = LogKey::from_seed("a.example", [1; 32]).unwrap();
        let note = key.sign_note(b"hello\n").unwrap();
        assert_eq!(key.verifier().open(&note).unwrap(), "hello\n");
        let other = LogKey::from_seed("a.example", [2; 32]).unwrap();
        let error = other.verifier().open(&note).unwrap_err();
        assert!(
            matches!(error, VerifyError::NotSignedByKey { .. }),
            "{error}"
        );
    }

    #[test]
    fn a_raw_ed25519_key_rebuilds_the_verifier_and_weak_keys_are_refused() {
        // Seeds whose base64 keys contain '+' and ones whose keys do not.
        for seed in 0..32u8 {
            let key = LogKey::from_seed("a.example/log", [seed; 32]).unwrap();
            let public = key.verifier().ed25519_public_key().unwrap();
            let rebuilt = LogVerifier::from_ed25519("a.example/log", &public).unwrap();
            assert_eq!(rebuilt.verifier_key(), key.verifier_key());
        }
        let key = LogKey::from_seed("a.example/log", [3; 32]).unwrap();
        let public = key.verifier().ed25519_public_key().unwrap();
        let rebuilt = LogVerifier::from_ed25519("a.example/log", &public).unwrap();
        assert_eq!(rebuilt.verifier_key(), key.verifier_key());
        let note = key.sign_note(b"hello\n").unwrap();
        assert_eq!(rebuilt.open(&note).unwrap(), "hello\n");

        let mut identity = [0u8; 32];
        identity[0] = 1;
        let error = LogVerifier::from_ed25519("a.example/log", &identity).unwrap_err();
        assert!(error.to_string().contains("small order"), "{error}");
        assert!(LogVerifier::from_ed25519("bad name", &public).is_err());
    }
}
