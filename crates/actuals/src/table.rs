//! Reading a table: a CSV file (via the `csv` crate) or the first sheet of a workbook (xlsx,
//! xls, ods via calamine) into a header row and data rows of text cells, each row keeping the
//! number a user sees for it (1-based, as Excel or a text editor shows it).
//!
//! This layer knows nothing about sales: a deduction statement (对账单) importer reads its file
//! with the same [`read_table`] and resolves its columns with its own roles.
//!
//! * **Encoding.** CSV bytes are UTF-8 (with or without a byte-order mark), UTF-16 with a BOM
//!   (Excel's "Unicode text"), or else GBK/GB18030 — what Chinese retailer portals and Excel on
//!   a Chinese Windows write. Bytes that are none of these are refused with the offset of the
//!   first bad byte; nothing is replaced silently.
//! * **Delimiter.** Comma, tab or semicolon: whichever one of the first ten lines has most of.
//! * **Header row.** The first row with at least two non-empty cells; title lines above it
//!   (`供应商销售报表 2025-01-01 至 2025-12-31`) are skipped. Fully empty rows are skipped.
//! * **Limits.** A file of at most [`MAX_FILE_BYTES`], at most [`MAX_ROWS`] data rows, at most
//!   [`MAX_COLUMNS`] columns, and no cell longer than [`MAX_CELL_CHARS`]. Anything larger is an
//!   error, never a panic or an unbounded allocation.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// Largest file read (64 MiB: three years of daily sales for 2,000 SKUs fit several times).
pub const MAX_FILE_BYTES: u64 = 64 << 20;
/// Most data rows in one file.
pub const MAX_ROWS: usize = 2_000_000;
/// Most columns in one file.
pub const MAX_COLUMNS: usize = 512;
/// Longest cell, in characters.
pub const MAX_CELL_CHARS: usize = 4096;

/// The container a table was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Delimited text.
    Csv,
    /// A spreadsheet workbook (xlsx, xls, xlsb, ods).
    Workbook,
}

/// A data row: its cells as text and its row number as the user sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// 1-based row (line of a CSV file, row of the sheet).
    pub number: usize,
    /// The cells, one per header column (shorter rows are padded with empty cells).
    pub cells: Vec<String>,
}

/// A table read from a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawTable {
    /// The file.
    pub file: PathBuf,
    /// CSV or workbook.
    pub format: Format,
    /// The text encoding detected (`UTF-8`, `GBK/GB18030`, `UTF-16LE`); `xlsx` for workbooks.
    pub encoding: &'static str,
    /// The sheet read (workbooks only).
    pub sheet: Option<String>,
    /// The header row's number.
    pub header_row: usize,
    /// The headers, trimmed.
    pub headers: Vec<String>,
    /// The data rows.
    pub rows: Vec<Row>,
}

/// Reads a table from a file: a workbook by its extension (`.xlsx`, `.xlsm`, `.xls`,
/// `.xlsb`, `.ods`), anything else as CSV.
///
/// # Errors
///
/// [`Error::Io`] when the file cannot be read, [`Error::TooLarge`], [`Error::Encoding`],
/// [`Error::Malformed`], [`Error::Workbook`], [`Error::TooManyRows`] and [`Error::Empty`] as
/// their names say.
pub fn read_table(path: &Path) -> Result<RawTable, Error> {
    let io = |e: std::io::Error| Error::Io { file: path.to_path_buf(), message: e.to_string() };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(Error::Io { file: path.to_path_buf(), message: "not a regular file".into() });
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(Error::TooLarge { file: path.to_path_buf(), size: meta.len(), limit: MAX_FILE_BYTES });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let format =
        if matches!(ext.as_str(), "xlsx" | "xlsm" | "xls" | "xlsb" | "ods") { Format::Workbook } else { Format::Csv };
    read_bytes(path, &bytes, format)
}

/// Reads a table from bytes already in memory; `file` names it in errors.
///
/// # Errors
///
/// As [`read_table`].
pub fn read_bytes(file: &Path, bytes: &[u8], format: Format) -> Result<RawTable, Error> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Error::TooLarge { file: file.to_path_buf(), size: bytes.len() as u64, limit: MAX_FILE_BYTES });
    }
    match format {
        Format::Csv => {
            let (text, encoding) = decode(file, bytes)?;
            read_csv(file, &text, encoding)
        }
        Format::Workbook => read_workbook(file, bytes),
    }
}

/// Decodes CSV bytes: UTF-8 (BOM stripped), UTF-16 with a BOM, else GBK/GB18030.
///
/// # Errors
///
/// [`Error::Encoding`] with the offset of the first byte no encoding accepts.
pub fn decode<'a>(file: &Path, bytes: &'a [u8]) -> Result<(Cow<'a, str>, &'static str), Error> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(s) => Ok((Cow::Borrowed(s), "UTF-8")),
            Err(e) => Err(Error::Encoding { file: file.to_path_buf(), offset: 3 + e.valid_up_to() }),
        };
    }
    for (bom, enc, name) in
        [(&b"\xFF\xFE"[..], encoding_rs::UTF_16LE, "UTF-16LE"), (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE, "UTF-16BE")]
    {
        if bytes.starts_with(bom) {
            let (text, had_errors) = enc.decode_without_bom_handling(&bytes[2..]);
            if had_errors {
                return Err(Error::Encoding { file: file.to_path_buf(), offset: 2 });
            }
            return Ok((Cow::Owned(text.into_owned()), name));
        }
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((Cow::Borrowed(s), "UTF-8")),
        Err(_) => {
            let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
            if had_errors {
                // Report where the GB18030 decoder first gave up.
                let mut probe = encoding_rs::GB18030.new_decoder_without_bom_handling();
                let mut sink = String::with_capacity(bytes.len() * 3 + 16);
                let (result, consumed) = probe.decode_to_string_without_replacement(bytes, &mut sink, true);
                let at = match result {
                    encoding_rs::DecoderResult::Malformed(bad, _) => consumed.saturating_sub(bad as usize),
                    _ => consumed,
                };
                return Err(Error::Encoding { file: file.to_path_buf(), offset: at });
            }
            Ok((Cow::Owned(text.into_owned()), "GBK/GB18030"))
        }
    }
}

fn cell_text(file: &Path, row: usize, s: &str) -> Result<String, Error> {
    let t = s.trim();
    if t.chars().count() > MAX_CELL_CHARS {
        return Err(Error::Malformed {
            file: file.to_path_buf(),
            row,
            message: format!("a cell longer than {MAX_CELL_CHARS} characters"),
        });
    }
    Ok(t.to_string())
}

/// The header row and data rows from cells; `rows` yields (row number, cells).
fn assemble(
    file: &Path,
    format: Format,
    encoding: &'static str,
    sheet: Option<String>,
    rows: impl Iterator<Item = Result<(usize, Vec<String>), Error>>,
) -> Result<RawTable, Error> {
    let mut headers: Option<(usize, Vec<String>)> = None;
    let mut data = Vec::new();
    for r in rows {
        let (number, cells) = r?;
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        match &headers {
            None => {
                if cells.iter().filter(|c| !c.is_empty()).count() >= 2 {
                    if cells.len() > MAX_COLUMNS {
                        return Err(Error::Malformed {
                            file: file.to_path_buf(),
                            row: number,
                            message: format!("more than {MAX_COLUMNS} columns"),
                        });
                    }
                    let mut h = cells;
                    while h.last().is_some_and(|c| c.is_empty()) {
                        h.pop();
                    }
                    headers = Some((number, h));
                }
            }
            Some((_, h)) => {
                if data.len() >= MAX_ROWS {
                    return Err(Error::TooManyRows { file: file.to_path_buf(), limit: MAX_ROWS });
                }
                let mut cells = cells;
                if cells.len() > h.len() {
                    if cells[h.len()..].iter().any(|c| !c.is_empty()) {
                        return Err(Error::Malformed {
                            file: file.to_path_buf(),
                            row: number,
                            message: format!("{} cells, but the header row has {} columns", cells.len(), h.len()),
                        });
                    }
                    cells.truncate(h.len());
                }
                cells.resize(h.len(), String::new());
                data.push(Row { number, cells });
            }
        }
    }
    let Some((header_row, headers)) = headers else {
        return Err(Error::Empty { file: file.to_path_buf(), what: "no header row (the file is empty)".into() });
    };
    if data.is_empty() {
        return Err(Error::Empty { file: file.to_path_buf(), what: "a header row but no data rows".into() });
    }
    Ok(RawTable { file: file.to_path_buf(), format, encoding, sheet, header_row, headers, rows: data })
}

fn read_csv(file: &Path, text: &str, encoding: &'static str) -> Result<RawTable, Error> {
    // The delimiter the first lines use most (title lines above the header have none).
    let head: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(10).collect();
    let delimiter = [b',', b'\t', b';']
        .into_iter()
        .max_by_key(|d| (head.iter().map(|l| l.bytes().filter(|b| b == d).count()).max().unwrap_or(0), *d == b','))
        .unwrap_or(b',');
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    // Rows as a text editor numbers them: from the byte offset (the csv crate's own line
    // count skips blank lines).
    let newlines: Vec<usize> = text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i).collect();
    let bytes = text.as_bytes();
    let line_of = move |byte: u64| {
        // A record's position may be at the blank lines before it.
        let mut b = byte as usize;
        while b < bytes.len() && matches!(bytes[b], b'\n' | b'\r') {
            b += 1;
        }
        newlines.partition_point(|&i| i < b) + 1
    };
    let rows = reader.records().map(move |r| {
        let rec = r.map_err(|e| {
            let row = e.position().map_or(0, |p| line_of(p.byte()));
            Error::Malformed { file: file.to_path_buf(), row, message: e.to_string() }
        })?;
        let number = rec.position().map_or(0, |p| line_of(p.byte()));
        if rec.len() > MAX_COLUMNS {
            return Err(Error::Malformed {
                file: file.to_path_buf(),
                row: number,
                message: format!("more than {MAX_COLUMNS} columns"),
            });
        }
        let cells = rec.iter().map(|c| cell_text(file, number, c)).collect::<Result<Vec<_>, _>>()?;
        Ok((number, cells))
    });
    assemble(file, Format::Csv, encoding, None, rows)
}

/// A workbook cell as text: numbers written without float noise (`12`, `3.5`), dates as
/// `YYYY-MM-DD` (Excel serial dates).
fn data_text(d: &calamine::Data) -> String {
    use calamine::Data;
    match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => {
            let serial = dt.as_f64();
            if dt.is_datetime() && serial.is_finite() && (1.0..2_958_466.0).contains(&serial) {
                // Excel's day 0 is 1899-12-30 (the 1900 leap-year bug included).
                let days = serial.floor() as i64 - 25_569;
                crate::date::Date::from_days(days as i32).to_string()
            } else {
                float_text(serial)
            }
        }
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn float_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 { format!("{}", f as i64) } else { format!("{f}") }
}

/// Most non-empty cells read from a workbook sheet (bounds memory: a zip bomb of cells is an
/// error, not an allocation).
pub const MAX_WORKBOOK_CELLS: usize = 40_000_000;

/// The non-empty cells of a sheet, row by row: only the rows that hold a cell are kept, so a
/// single cell at `XFD1048576` costs one row, never the dense rectangle up to it.
struct Sparse<'f> {
    file: &'f Path,
    rows: std::collections::BTreeMap<u32, Vec<(u32, String)>>,
    cells: usize,
}

impl Sparse<'_> {
    fn push(&mut self, (row, col): (u32, u32), d: &calamine::Data) -> Result<(), Error> {
        let number = row as usize + 1;
        let t = data_text(d);
        if t.is_empty() {
            return Ok(());
        }
        if col as usize >= MAX_COLUMNS + 26 {
            return Err(Error::Malformed {
                file: self.file.to_path_buf(),
                row: number,
                message: format!(
                    "a cell in column {}: more than {MAX_COLUMNS} columns",
                    crate::error::column_letter(col as usize + 1)
                ),
            });
        }
        if row as usize > MAX_ROWS + 1000 {
            return Err(Error::TooManyRows { file: self.file.to_path_buf(), limit: MAX_ROWS });
        }
        if t.chars().count() > MAX_CELL_CHARS {
            return Err(Error::Malformed {
                file: self.file.to_path_buf(),
                row: number,
                message: format!("a cell longer than {MAX_CELL_CHARS} characters"),
            });
        }
        self.cells += 1;
        if self.cells > MAX_WORKBOOK_CELLS {
            return Err(Error::Workbook {
                file: self.file.to_path_buf(),
                message: format!("more than {MAX_WORKBOOK_CELLS} cells in the sheet"),
            });
        }
        self.rows.entry(row).or_default().push((col, t));
        Ok(())
    }

    fn into_rows(self) -> impl Iterator<Item = Result<(usize, Vec<String>), Error>> {
        self.rows.into_iter().map(|(row, cells)| {
            let width = cells.iter().map(|(c, _)| *c as usize + 1).max().unwrap_or(0);
            let mut v = vec![String::new(); width];
            for (c, t) in cells {
                v[c as usize] = t;
            }
            Ok((row as usize + 1, v))
        })
    }
}

fn read_workbook(file: &Path, bytes: &[u8]) -> Result<RawTable, Error> {
    use calamine::Reader;
    let wb_err = |m: String| Error::Workbook { file: file.to_path_buf(), message: m };
    let cursor = std::io::Cursor::new(bytes.to_vec());
    let mut book = calamine::open_workbook_auto_from_rs(cursor).map_err(|e| wb_err(e.to_string()))?;
    if book.sheet_names().is_empty() {
        return Err(wb_err("the workbook has no sheet".into()));
    }
    // The first worksheet: chart sheets, dialog and macro sheets hold no table.
    let Some(first) =
        book.sheets_metadata().iter().find(|s| s.typ == calamine::SheetType::WorkSheet).map(|s| s.name.clone())
    else {
        return Err(wb_err("the workbook has no worksheet (only chart or macro sheets)".into()));
    };
    let mut sparse = Sparse { file, rows: std::collections::BTreeMap::new(), cells: 0 };
    match &mut book {
        // Cell by cell: the dense range of a sheet whose cells lie far apart would not fit.
        calamine::Sheets::Xlsx(x) => {
            let mut cells = x.worksheet_cells_reader(&first).map_err(|e| wb_err(e.to_string()))?;
            while let Some(c) = cells.next_cell().map_err(|e| wb_err(e.to_string()))? {
                sparse.push(c.get_position(), &calamine::Data::from(c.get_value().clone()))?;
            }
        }
        calamine::Sheets::Xlsb(x) => {
            let mut cells = x.worksheet_cells_reader(&first).map_err(|e| wb_err(e.to_string()))?;
            while let Some(c) = cells.next_cell().map_err(|e| wb_err(e.to_string()))? {
                sparse.push(c.get_position(), &calamine::Data::from(c.get_value().clone()))?;
            }
        }
        other => {
            let range = other.worksheet_range(&first).map_err(|e| wb_err(e.to_string()))?;
            for (row, col, d) in range.used_cells() {
                let (r0, c0) = range.start().unwrap_or((0, 0));
                sparse.push((r0 + row as u32, c0 + col as u32), d)?;
            }
        }
    }
    assemble(file, Format::Workbook, "xlsx", Some(first), sparse.into_rows())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(bytes: &[u8]) -> Result<RawTable, Error> {
        read_bytes(Path::new("t.csv"), bytes, Format::Csv)
    }

    #[test]
    fn utf8_bom_gbk_and_utf16_read_alike() {
        let text = "商品编码,销量\nA1,12\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        let mut utf16 = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        for (bytes, enc) in [
            (text.as_bytes().to_vec(), "UTF-8"),
            (bom, "UTF-8"),
            (gbk.into_owned(), "GBK/GB18030"),
            (utf16, "UTF-16LE"),
        ] {
            let t = csv(&bytes).unwrap();
            assert_eq!(t.encoding, enc);
            assert_eq!(t.headers, ["商品编码", "销量"]);
            assert_eq!(t.rows, [Row { number: 2, cells: vec!["A1".into(), "12".into()] }]);
        }
    }

    #[test]
    fn title_lines_blank_rows_tabs_and_row_numbers() {
        let t = csv(b"Sales report 2025\n\nsku\tunits\nA\t1\n\nB\t2\n").unwrap();
        assert_eq!(t.header_row, 3);
        assert_eq!(t.headers, ["sku", "units"]);
        assert_eq!(t.rows.iter().map(|r| r.number).collect::<Vec<_>>(), [4, 6]);
    }

    #[test]
    fn hostile_bytes_are_errors() {
        assert!(matches!(csv(b""), Err(Error::Empty { .. })));
        assert!(matches!(csv(b"sku,units\n"), Err(Error::Empty { .. })));
        assert!(matches!(csv(b"\xEF\xBB\xBFsku,units\n\xFF\xFF,1\n"), Err(Error::Encoding { offset: 13, .. })));
        assert!(matches!(csv(b"sku,units\nA,1,,,\"x\"\n"), Err(Error::Malformed { row: 2, .. })));
        assert!(matches!(
            read_bytes(Path::new("x.xlsx"), b"PK\x03\x04garbage", Format::Workbook),
            Err(Error::Workbook { .. })
        ));
        // Random bytes never panic.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for n in 0..300 {
            let bytes: Vec<u8> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (x >> 24) as u8
                })
                .collect();
            let _ = csv(&bytes);
            let _ = read_bytes(Path::new("x.xlsx"), &bytes, Format::Workbook);
        }
    }
}
