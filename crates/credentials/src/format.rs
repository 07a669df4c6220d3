//! The media formats this crate embeds C2PA manifests in, recognised by name and by content.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// A media format that can carry an embedded C2PA manifest here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaFormat {
    /// PNG image (`.png`).
    Png,
    /// JPEG image (`.jpg`, `.jpeg`).
    Jpeg,
    /// RIFF WAVE audio (`.wav`).
    Wav,
}

/// A file whose format cannot carry a C2PA manifest here; a detached credential
/// ([`crate::detached`]) covers it instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unsupported format {name:?}: C2PA manifests are made for PNG, JPEG and WAV; use a detached credential for other files"
)]
pub struct UnsupportedFormat {
    /// The extension or name that was not recognised.
    pub name: String,
}

impl MediaFormat {
    /// Every supported format.
    pub const ALL: [Self; 3] = [Self::Png, Self::Jpeg, Self::Wav];

    /// The format named by a file's extension (case-insensitive).
    pub fn from_path(path: &Path) -> Result<Self, UnsupportedFormat> {
        let extension = path
            .extension()
            .and_then(|extension| extension.to_str())
            .unwrap_or_default();
        match extension.to_ascii_lowercase().as_str() {
            "png" => Ok(Self::Png),
            "jpg" | "jpeg" => Ok(Self::Jpeg),
            "wav" => Ok(Self::Wav),
            _ => Err(UnsupportedFormat {
                name: path.display().to_string(),
            }),
        }
    }

    /// The format whose magic bytes start `bytes`, if any.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Some(Self::Png);
        }
        if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
            return Some(Self::Jpeg);
        }
        if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE" {
            return Some(Self::Wav);
        }
        None
    }

    /// The MIME type C2PA uses for the format.
    pub fn mime_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Wav => "audio/wav",
        }
    }

    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Png => "PNG",
            Self::Jpeg => "JPEG",
            Self::Wav => "WAV",
        }
    }
}

impl fmt::Display for MediaFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_are_recognised_case_insensitively() {
        assert_eq!(
            MediaFormat::from_path(Path::new("a.PNG")),
            Ok(MediaFormat::Png)
        );
        assert_eq!(
            MediaFormat::from_path(Path::new("a.jpeg")),
            Ok(MediaFormat::Jpeg)
        );
        assert_eq!(
            MediaFormat::from_path(Path::new("a.Jpg")),
            Ok(MediaFormat::Jpeg)
        );
        assert_eq!(
            MediaFormat::from_path(Path::new("x/a.wav")),
            Ok(MediaFormat::Wav)
        );
        assert!(MediaFormat::from_path(Path::new("a.txt")).is_err());
        assert!(MediaFormat::from_path(Path::new("noextension")).is_err());
    }

    #[test]
    fn magic_bytes_are_recognised() {
        assert_eq!(
            MediaFormat::sniff(b"\x89PNG\r\n\x1a\nrest"),
            Some(MediaFormat::Png)
        );
        assert_eq!(
            MediaFormat::sniff(&[0xff, 0xd8, 0xff, 0xe0]),
            Some(MediaFormat::Jpeg)
        );
        assert_eq!(
            MediaFormat::sniff(b"RIFF\0\0\0\0WAVEfmt "),
            Some(MediaFormat::Wav)
        );
        assert_eq!(MediaFormat::sniff(b"RIFF\0\0\0\0AVI "), None);
        assert_eq!(MediaFormat::sniff(b"hello"), None);
        assert_eq!(MediaFormat::sniff(b""), None);
    }
}
