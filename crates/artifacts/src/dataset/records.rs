//! Splitting record files (CSV, JSON Lines) into records, streamed.

use std::io::{self, BufRead, BufReader, Read};
use std::ops::ControlFlow;

use csv::ByteRecord;
use sha2::{Digest as _, Sha256};

use super::leaf::{csv_header_digest, csv_leaf_hash, encoded_fields_len, jsonl_leaf_hash};
use super::{DatasetError, MAX_RECORD_LEN, Record};
use crate::hash::{Hash, READ_BUFFER_LEN, finish};
use crate::progress::ProgressCounter;

/// The formats records mode reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecordFormat {
    /// `.csv`: comma-separated, `"`-quoted, with a header row.
    Csv,
    /// `.jsonl` or `.ndjson`: one JSON value per non-blank line.
    Jsonl,
}

impl RecordFormat {
    /// The format of a file, from its extension (ASCII case-insensitive).
    pub(crate) fn of_path(path: &str) -> Option<Self> {
        let (_, extension) = path.rsplit_once('.')?;
        if extension.eq_ignore_ascii_case("csv") {
            Some(Self::Csv)
        } else if extension.eq_ignore_ascii_case("jsonl")
            || extension.eq_ignore_ascii_case("ndjson")
        {
            Some(Self::Jsonl)
        } else {
            None
        }
    }
}

/// A record borrowed from the parser's buffers.
#[derive(Debug)]
pub(crate) enum RecordView<'a> {
    Csv {
        header: &'a ByteRecord,
        header_digest: &'a Hash,
        fields: &'a ByteRecord,
    },
    Jsonl {
        line: &'a [u8],
    },
}

impl RecordView<'_> {
    pub(crate) fn leaf_hash(&self, path: &str, index_in_file: u64) -> Hash {
        match self {
            Self::Csv {
                header_digest,
                fields,
                ..
            } => csv_leaf_hash(path, index_in_file, header_digest, fields.iter()),
            Self::Jsonl { line } => jsonl_leaf_hash(path, index_in_file, line),
        }
    }

    pub(crate) fn to_record(&self) -> Record {
        match self {
            Self::Csv { header, fields, .. } => Record::Csv {
                header: header.iter().map(<[u8]>::to_vec).collect(),
                fields: fields.iter().map(<[u8]>::to_vec).collect(),
            },
            Self::Jsonl { line } => Record::Jsonl {
                line: line.to_vec(),
            },
        }
    }
}

/// Reads every record of one file in order and calls `on_record(index_in_file, record)`,
/// which may stop early; returns the number of records read.
///
/// A UTF-8 byte order mark at the start of the file is skipped. CSV: the first row is the
/// header, every row must have as many fields as the header, empty lines are skipped.
/// JSON Lines: a record per line that is not blank (ASCII whitespace only); each must be JSON.
pub(crate) fn read_records(
    input: impl Read,
    format: RecordFormat,
    path: &str,
    on_record: impl FnMut(u64, RecordView<'_>) -> ControlFlow<()>,
) -> Result<u64, DatasetError> {
    let input = BomSkipper::new(input);
    match format {
        RecordFormat::Csv => read_csv(input, path, on_record),
        RecordFormat::Jsonl => read_jsonl(input, path, on_record),
    }
}

fn read_csv(
    input: impl Read,
    path: &str,
    mut on_record: impl FnMut(u64, RecordView<'_>) -> ControlFlow<()>,
) -> Result<u64, DatasetError> {
    let csv_error = |source| DatasetError::Csv {
        path: path.to_owned(),
        source,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .buffer_capacity(READ_BUFFER_LEN)
        .from_reader(input);
    let header = reader.byte_headers().map_err(csv_error)?.clone();
    if encoded_fields_len(header.iter()) > MAX_RECORD_LEN {
        return Err(DatasetError::RecordTooLarge {
            path: path.to_owned(),
            line: 1,
            max: MAX_RECORD_LEN,
        });
    }
    let header_digest = csv_header_digest(header.iter());
    let mut fields = ByteRecord::new();
    let mut n_records = 0u64;
    while reader.read_byte_record(&mut fields).map_err(csv_error)? {
        if encoded_fields_len(fields.iter()) > MAX_RECORD_LEN {
            return Err(DatasetError::RecordTooLarge {
                path: path.to_owned(),
                line: fields.position().map_or(0, csv::Position::line),
                max: MAX_RECORD_LEN,
            });
        }
        let view = RecordView::Csv {
            header: &header,
            header_digest: &header_digest,
            fields: &fields,
        };
        let flow = on_record(n_records, view);
        n_records += 1;
        if flow.is_break() {
            break;
        }
    }
    Ok(n_records)
}

fn read_jsonl(
    input: impl Read,
    path: &str,
    mut on_record: impl FnMut(u64, RecordView<'_>) -> ControlFlow<()>,
) -> Result<u64, DatasetError> {
    let mut reader = BufReader::with_capacity(READ_BUFFER_LEN, input);
    let mut line = Vec::new();
    let mut line_number = 0u64;
    let mut n_records = 0u64;
    // A line may carry "\r\n" beyond the record limit.
    let max_read = MAX_RECORD_LEN as u64 + 2;
    loop {
        line.clear();
        let n_read = (&mut reader)
            .take(max_read)
            .read_until(b'\n', &mut line)
            .map_err(|source| DatasetError::Io {
                path: path.into(),
                source,
            })?;
        if n_read == 0 {
            break;
        }
        line_number += 1;
        let complete = line.last() == Some(&b'\n');
        if complete {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        }
        if line.len() > MAX_RECORD_LEN || (!complete && n_read as u64 == max_read) {
            return Err(DatasetError::RecordTooLarge {
                path: path.to_owned(),
                line: line_number,
                max: MAX_RECORD_LEN,
            });
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if let Err(source) = serde_json::from_slice::<serde::de::IgnoredAny>(&line) {
            return Err(DatasetError::InvalidJsonLine {
                path: path.to_owned(),
                line: line_number,
                source,
            });
        }
        let flow = on_record(n_records, RecordView::Jsonl { line: &line });
        n_records += 1;
        if flow.is_break() {
            break;
        }
    }
    Ok(n_records)
}

/// Drops a UTF-8 byte order mark at the start of a stream.
struct BomSkipper<R> {
    inner: R,
    /// Bytes read ahead to look for the mark, still to be returned.
    pending: [u8; 3],
    pending_start: usize,
    pending_end: usize,
    checked: bool,
}

impl<R: Read> BomSkipper<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            pending: [0; 3],
            pending_start: 0,
            pending_end: 0,
            checked: false,
        }
    }
}

impl<R: Read> Read for BomSkipper<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        if !self.checked {
            while self.pending_end < 3 {
                match self.inner.read(&mut self.pending[self.pending_end..]) {
                    Ok(0) => break,
                    Ok(n_read) => self.pending_end += n_read,
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                    Err(error) => return Err(error),
                }
            }
            self.checked = true;
            if self.pending[..self.pending_end] == [0xEF, 0xBB, 0xBF] {
                self.pending_end = 0;
            }
        }
        if self.pending_start < self.pending_end {
            let n_copied = (self.pending_end - self.pending_start).min(buffer.len());
            buffer[..n_copied]
                .copy_from_slice(&self.pending[self.pending_start..self.pending_start + n_copied]);
            self.pending_start += n_copied;
            return Ok(n_copied);
        }
        self.inner.read(buffer)
    }
}

/// Passes bytes through while hashing and counting them, and reports progress.
pub(crate) struct HashingReader<'p, R> {
    inner: R,
    hasher: Sha256,
    n_bytes: u64,
    progress: &'p ProgressCounter<'p>,
}

impl<'p, R: Read> HashingReader<'p, R> {
    pub(crate) fn new(inner: R, progress: &'p ProgressCounter<'p>) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            n_bytes: 0,
            progress,
        }
    }

    /// Reads whatever the parser left unread, then returns the digest and size of everything.
    pub(crate) fn finish(mut self) -> io::Result<(Hash, u64)> {
        io::copy(&mut self, &mut io::sink())?;
        Ok((finish(self.hasher), self.n_bytes))
    }
}

impl<R: Read> Read for HashingReader<'_, R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let n_read = self.inner.read(buffer)?;
        self.hasher.update(&buffer[..n_read]);
        self.n_bytes += n_read as u64;
        if n_read > 0 {
            self.progress.add(n_read as u64);
        }
        Ok(n_read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(input: &[u8], format: RecordFormat) -> Result<Vec<Record>, DatasetError> {
        let mut records = Vec::new();
        read_records(input, format, "t", |_, view| {
            records.push(view.to_record());
            ControlFlow::Continue(())
        })?;
        Ok(records)
    }

    fn fields(row: &[&str]) -> Vec<Vec<u8>> {
        row.iter().map(|field| field.as_bytes().to_vec()).collect()
    }

    #[test]
    fn format_comes_from_the_extension() {
        assert_eq!(RecordFormat::of_path("a/b.CSV"), Some(RecordFormat::Csv));
        assert_eq!(RecordFormat::of_path("x.ndjson"), Some(RecordFormat::Jsonl));
        assert_eq!(RecordFormat::of_path("x.jsonl"), Some(RecordFormat::Jsonl));
        assert_eq!(RecordFormat::of_path("README"), None);
        assert_eq!(RecordFormat::of_path("x.json"), None);
    }

    #[test]
    fn csv_canonical_form_ignores_line_endings_quoting_and_bom() {
        let plain = records(b"a,b\n1,x y\n2,\"q\"\"\"\n", RecordFormat::Csv).unwrap();
        let variants: [&[u8]; 4] = [
            b"a,b\r\n1,x y\r\n2,\"q\"\"\"\r\n",
            b"\"a\",\"b\"\n\"1\",\"x y\"\n2,\"q\"\"\"",
            b"\xEF\xBB\xBFa,b\n1,x y\n\n2,\"q\"\"\"\n\n",
            b"a,b\r1,x y\r2,\"q\"\"\"\r",
        ];
        for variant in variants {
            assert_eq!(records(variant, RecordFormat::Csv).unwrap(), plain);
        }
        assert_eq!(
            plain,
            vec![
                Record::Csv {
                    header: fields(&["a", "b"]),
                    fields: fields(&["1", "x y"])
                },
                Record::Csv {
                    header: fields(&["a", "b"]),
                    fields: fields(&["2", "q\""])
                },
            ]
        );
        // A line break inside a quoted field is data, kept as written.
        let embedded = records(b"a\n\"l1\r\nl2\"\n", RecordFormat::Csv).unwrap();
        assert_eq!(
            embedded,
            vec![Record::Csv {
                header: fields(&["a"]),
                fields: fields(&["l1\r\nl2"])
            }]
        );
    }

    #[test]
    fn csv_rows_must_match_the_header_width() {
        let error = records(b"a,b\n1,2\n3\n", RecordFormat::Csv).unwrap_err();
        assert!(matches!(error, DatasetError::Csv { .. }), "{error}");
        assert!(error.to_string().contains("line: 3"), "{error}");
    }

    #[test]
    fn empty_and_header_only_csv_files_have_no_records() {
        assert_eq!(records(b"", RecordFormat::Csv).unwrap(), vec![]);
        assert_eq!(records(b"a,b\n", RecordFormat::Csv).unwrap(), vec![]);
    }

    #[test]
    fn jsonl_records_are_non_blank_lines_without_terminators() {
        let input = b"\xEF\xBB\xBF{\"a\":1}\r\n\n  \t\n[1, 2] \n\"last\"";
        assert_eq!(
            records(input, RecordFormat::Jsonl).unwrap(),
            vec![
                Record::Jsonl {
                    line: b"{\"a\":1}".to_vec()
                },
                Record::Jsonl {
                    line: b"[1, 2] ".to_vec()
                },
                Record::Jsonl {
                    line: b"\"last\"".to_vec()
                },
            ]
        );
        let error = records(b"{}\n{oops\n", RecordFormat::Jsonl).unwrap_err();
        assert!(
            matches!(error, DatasetError::InvalidJsonLine { line: 2, .. }),
            "{error}"
        );
    }

    #[test]
    fn bom_skipper_keeps_short_and_unmarked_streams_intact() {
        for input in [&b""[..], b"a", b"ab", b"abc", b"\xEF\xBB", b"\xEF\xBB\xBFz"] {
            let mut output = Vec::new();
            BomSkipper::new(input).read_to_end(&mut output).unwrap();
            let expected = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
            assert_eq!(output, expected);
        }
    }
}
