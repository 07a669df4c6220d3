//! C2SP `tlog-tiles`: the log as static files.
//!
//! - `checkpoint`: the latest signed checkpoint.
//! - `tile/<L>/<N>[.p/<W>]`: tile `N` of level `L`, the 256 (or, partial, `W < 256`)
//!   consecutive hashes at tree level `8 * L` starting at hash `256 * N`; level 0 holds the
//!   leaf hashes. Each tile is the bottom row of a subtree of height 8, so any node of the tree
//!   is at most 255 hashes of work away.
//! - `tile/entries/<N>[.p/<W>]`: the entries under level-0 tile `N`, each as a big-endian
//!   `u16` length and the bytes.
//!
//! `N` is written in groups of three digits, all but the last prefixed with `x`
//! (`1234067` → `x001/x234/067`), so that a file system can hold the tree.

use std::fmt;

use crate::error::FormatError;

/// Tile height: hashes per full tile are `2^TILE_HEIGHT`.
pub const TILE_HEIGHT: u8 = 8;
/// Hashes in a full tile, and entries in a full entry bundle.
pub const TILE_WIDTH: u64 = 1 << TILE_HEIGHT;
/// The largest entry an entry bundle can hold.
pub const MAX_ENTRY_LEN: usize = u16::MAX as usize;

/// One tile or entry bundle of a tree of some size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    /// Tile level: hashes at tree level `8 * level`. Ignored for entry bundles.
    pub level: u8,
    /// Index within the level.
    pub index: u64,
    /// Number of hashes or entries, `1..=256`.
    pub width: u16,
    /// An entry bundle rather than a hash tile.
    pub entries: bool,
}

impl TileId {
    /// The tiles (with `entries` false) that a tree of `size` leaves consists of, level by
    /// level, full tiles first, as C2SP requires them to be served.
    pub fn tiles_for(size: u64) -> Vec<Self> {
        Self::new_tiles(0, size)
    }

    /// The tiles that change when a tree grows from `old_size` to `new_size`: what a
    /// mirror must fetch or a publisher write.
    pub fn new_tiles(old_size: u64, new_size: u64) -> Vec<Self> {
        let mut tiles = Vec::new();
        let mut level = 0u8;
        loop {
            let shift = u32::from(level) * u32::from(TILE_HEIGHT);
            if shift >= 64 || new_size >> shift == 0 {
                break;
            }
            let (old_n, new_n) = (old_size >> shift, new_size >> shift);
            if old_n != new_n {
                for index in (old_n / TILE_WIDTH)..(new_n / TILE_WIDTH) {
                    tiles.push(Self::hashes(level, index, TILE_WIDTH as u16));
                }
                let width = (new_n % TILE_WIDTH) as u16;
                if width > 0 {
                    tiles.push(Self::hashes(level, new_n / TILE_WIDTH, width));
                }
            }
            level += 1;
        }
        tiles
    }

    /// A hash tile.
    pub fn hashes(level: u8, index: u64, width: u16) -> Self {
        Self {
            level,
            index,
            width,
            entries: false,
        }
    }

    /// The entry bundle under level-0 tile `index`.
    pub fn entries(index: u64, width: u16) -> Self {
        Self {
            level: 0,
            index,
            width,
            entries: true,
        }
    }

    /// Whether the tile is full (256 wide).
    pub fn is_full(&self) -> bool {
        u64::from(self.width) == TILE_WIDTH
    }

    /// The first leaf index the tile spans.
    pub fn first_leaf(&self) -> u64 {
        let shift = u32::from(self.level) * u32::from(TILE_HEIGHT) + u32::from(TILE_HEIGHT);
        self.index.checked_shl(shift).unwrap_or(u64::MAX)
    }

    /// The path relative to the log's prefix.
    pub fn path(&self) -> String {
        let mut path = String::from("tile/");
        if self.entries {
            path.push_str("entries");
        } else {
            path.push_str(&self.level.to_string());
        }
        let mut groups = Vec::new();
        let mut n = self.index;
        loop {
            groups.push(n % 1000);
            n /= 1000;
            if n == 0 {
                break;
            }
        }
        for (position, group) in groups.iter().rev().enumerate() {
            let prefix = if position + 1 < groups.len() { "x" } else { "" };
            path.push_str(&format!("/{prefix}{group:03}"));
        }
        if !self.is_full() {
            path.push_str(&format!(".p/{}", self.width));
        }
        path
    }

    /// Parses a path as [`path`](Self::path) writes it.
    pub fn parse_path(path: &str) -> Result<Self, FormatError> {
        let bad = || FormatError::BadLine {
            what: "tile path",
            found: path.chars().take(80).collect(),
        };
        // The longest valid path (entries, 7 groups, `.p/255`) is well under this.
        if path.len() > 64 {
            return Err(bad());
        }
        let rest = path.strip_prefix("tile/").ok_or_else(bad)?;
        let (kind, rest) = rest.split_once('/').ok_or_else(bad)?;
        let (entries, level) = if kind == "entries" {
            (true, 0)
        } else {
            let level = crate::checkpoint::parse_decimal(kind).ok_or_else(bad)?;
            if level > 63 {
                return Err(bad());
            }
            (false, level as u8)
        };
        let (index_part, width) = match rest.split_once(".p/") {
            Some((index_part, width)) => {
                let width = crate::checkpoint::parse_decimal(width).ok_or_else(bad)?;
                if width == 0 || width >= TILE_WIDTH {
                    return Err(bad());
                }
                (index_part, width as u16)
            }
            None => (rest, TILE_WIDTH as u16),
        };
        let groups: Vec<&str> = index_part.split('/').collect();
        let mut index: u64 = 0;
        for (position, group) in groups.iter().enumerate() {
            let digits = if position + 1 < groups.len() {
                group.strip_prefix('x').ok_or_else(bad)?
            } else {
                group
            };
            if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let value: u64 = digits.parse().map_err(|_| bad())?;
            index = index
                .checked_mul(1000)
                .and_then(|index| index.checked_add(value))
                .ok_or_else(bad)?;
        }
        let tile = Self {
            level,
            index,
            width,
            entries,
        };
        // One canonical path per tile: no superfluous leading `x000` groups.
        if tile.path() != path {
            return Err(bad());
        }
        Ok(tile)
    }
}

impl fmt::Display for TileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

/// Appends `entry` to an entry bundle: big-endian `u16` length, then the bytes.
///
/// Callers bound entries to [`MAX_ENTRY_LEN`] before they reach the log.
pub fn push_bundle_entry(bundle: &mut Vec<u8>, entry: &[u8]) {
    let len = u16::try_from(entry.len()).unwrap_or(u16::MAX);
    bundle.extend_from_slice(&len.to_be_bytes());
    bundle.extend_from_slice(&entry[..usize::from(len)]);
}

/// Splits an entry bundle into its entries; `None` if it is truncated.
pub fn parse_bundle(bundle: &[u8]) -> Option<Vec<&[u8]>> {
    let mut entries = Vec::new();
    let mut rest = bundle;
    while !rest.is_empty() {
        let (len, tail) = rest.split_first_chunk::<2>()?;
        let len = usize::from(u16::from_be_bytes(*len));
        if tail.len() < len {
            return None;
        }
        entries.push(&tail[..len]);
        rest = &tail[len..];
    }
    Some(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_spec_examples() {
        assert_eq!(
            TileId::hashes(0, 1_234_067, 256).path(),
            "tile/0/x001/x234/067"
        );
        assert_eq!(TileId::hashes(2, 5, 17).path(), "tile/2/005.p/17");
        assert_eq!(TileId::entries(0, 256).path(), "tile/entries/000");
        for tile in [
            TileId::hashes(0, 1_234_067, 256),
            TileId::hashes(3, 0, 1),
            TileId::entries(1000, 9),
        ] {
            assert_eq!(TileId::parse_path(&tile.path()).unwrap(), tile);
        }
        assert!(TileId::parse_path("tile/0/x000/067").is_err());
        assert!(TileId::parse_path("tile/0/067.p/256").is_err());
    }

    #[test]
    fn spec_example_of_70000_entries() {
        // C2SP tlog-tiles: 273 full level-0 tiles, one partial of width 112, one full level-1
        // tile, one partial level-1 tile of width 17, one partial level-2 tile of width 1.
        let tiles = TileId::tiles_for(70_000);
        let level = |l: u8| tiles.iter().filter(move |t| t.level == l);
        assert_eq!(level(0).filter(|t| t.is_full()).count(), 273);
        assert_eq!(
            level(0)
                .filter(|t| !t.is_full())
                .map(|t| t.width)
                .collect::<Vec<_>>(),
            [112]
        );
        assert_eq!(level(1).map(|t| t.width).collect::<Vec<_>>(), [256, 17]);
        assert_eq!(level(2).map(|t| t.width).collect::<Vec<_>>(), [1]);
        assert_eq!(tiles.len(), 273 + 1 + 2 + 1);
    }
}
