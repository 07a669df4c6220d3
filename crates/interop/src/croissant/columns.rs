//! The columns of a CSV file: names from its header, simple types inferred from its first rows.

use std::io;

use super::CroissantError;

/// The Croissant `dataType` of a CSV column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    /// `sc:Integer`.
    Integer,
    /// `sc:Float`.
    Float,
    /// `sc:Boolean`.
    Boolean,
    /// `sc:Text`.
    Text,
}

impl ColumnType {
    /// The Croissant `dataType`.
    pub fn as_croissant(self) -> &'static str {
        match self {
            Self::Integer => "sc:Integer",
            Self::Float => "sc:Float",
            Self::Boolean => "sc:Boolean",
            Self::Text => "sc:Text",
        }
    }

    /// The narrowest type that holds both `self` and a cell of type `other`.
    fn widen(self, other: Self) -> Self {
        match (self, other) {
            (a, b) if a == b => a,
            (Self::Integer, Self::Float) | (Self::Float, Self::Integer) => Self::Float,
            _ => Self::Text,
        }
    }
}

/// One column of a CSV file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvColumn {
    /// The name in the header row.
    pub name: String,
    /// The type of its values.
    pub data_type: ColumnType,
}

/// The type of one cell, `None` for an empty cell.
fn cell_type(cell: &str) -> Option<ColumnType> {
    let cell = cell.trim();
    if cell.is_empty() {
        return None;
    }
    if cell.parse::<i64>().is_ok() {
        return Some(ColumnType::Integer);
    }
    // Rust also parses "inf" and "NaN"; so do pandas and mlcroissant, as floats.
    if cell.parse::<f64>().is_ok() {
        return Some(ColumnType::Float);
    }
    if matches!(cell, "True" | "False" | "true" | "false" | "TRUE" | "FALSE") {
        return Some(ColumnType::Boolean);
    }
    Some(ColumnType::Text)
}

/// Reads a CSV file's header and infers each column's type from at most `max_rows` rows.
///
/// A column is `Integer` if every non-empty cell is a 64-bit integer, `Float` if every non-empty
/// cell is a number, `Boolean` if every non-empty cell is `true`/`false` (`True`, `TRUE`...),
/// and `Text` otherwise or if it has no non-empty cell. An empty cell turns an integer column into
/// a float column (pandas, which `mlcroissant` reads CSV with, reads it as NaN) and a boolean one
/// into text. Rows may not have more or fewer cells than the header.
pub fn infer_csv_columns(
    reader: impl io::Read,
    max_rows: usize,
) -> Result<Vec<CsvColumn>, CroissantError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(reader);
    let header = csv.headers().map_err(CroissantError::Csv)?.clone();
    if header.is_empty() {
        return Err(CroissantError::EmptyCsv);
    }
    let mut types: Vec<Option<ColumnType>> = vec![None; header.len()];
    let mut has_empty = vec![false; header.len()];
    for row in csv.records().take(max_rows) {
        let row = row.map_err(CroissantError::Csv)?;
        for (column_idx, cell) in row.iter().enumerate() {
            match cell_type(cell) {
                None => has_empty[column_idx] = true,
                Some(cell_type) => {
                    types[column_idx] = Some(match types[column_idx] {
                        None => cell_type,
                        Some(column_type) => column_type.widen(cell_type),
                    });
                }
            }
        }
    }
    let columns = header
        .iter()
        .zip(types)
        .zip(has_empty)
        .map(|((name, data_type), has_empty)| {
            let data_type = match (data_type, has_empty) {
                (None, _) => ColumnType::Text,
                (Some(ColumnType::Integer), true) => ColumnType::Float,
                (Some(ColumnType::Boolean), true) => ColumnType::Text,
                (Some(data_type), _) => data_type,
            };
            CsvColumn {
                name: name.to_owned(),
                data_type,
            }
        })
        .collect();
    Ok(columns)
}
