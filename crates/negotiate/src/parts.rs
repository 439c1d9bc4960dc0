//! The byte encodings and the exact merge of the pieces a negotiation's work splits into
//! (offer scores of [`crate::contract::score_offers`], tournament runs of
//! [`crate::tournament::tournament_runs`]): every piece is `(start, items)`, the pieces of one
//! job tile `0..total`, in any order.
//!
//! An encoding is little-endian: 4 bytes of magic, a `u64` start, a `u64` item count, a `u32`
//! width (numbers per item), then per item `width` × 8 bytes (`f64` bit patterns or `u64`s).
//! Decoding checks every length, so bad bytes are an error, never a panic.

use crate::Error;

/// Bytes of the header: magic, start, count, width.
pub(crate) const HEADER_BYTES: usize = 24;

/// Encodes `count` items of `width` 8-byte words each (`words.len() == count × width`).
pub(crate) fn encode(magic: [u8; 4], start: u64, count: u64, width: u32, words: &[u64]) -> Vec<u8> {
    let mut b = Vec::with_capacity(HEADER_BYTES + 8 * words.len());
    b.extend_from_slice(&magic);
    b.extend_from_slice(&start.to_le_bytes());
    b.extend_from_slice(&count.to_le_bytes());
    b.extend_from_slice(&width.to_le_bytes());
    for w in words {
        b.extend_from_slice(&w.to_le_bytes());
    }
    b
}

/// Decodes [`encode`]'s bytes: (start, count, width, the words of every item); `width` when
/// given is the width required.
pub(crate) fn decode(
    what: &'static str,
    magic: [u8; 4],
    width: Option<u32>,
    bytes: &[u8],
) -> Result<(u64, u64, u32, Vec<u64>), Error> {
    let bad = |reason: String| Error::Bytes { what, reason };
    if bytes.len() < HEADER_BYTES || bytes[..4] != magic {
        return Err(bad(format!("{} bytes without the {} header", bytes.len(), String::from_utf8_lossy(&magic))));
    }
    let word = |i: usize| -> u64 {
        let mut a = [0u8; 8];
        a.copy_from_slice(&bytes[i..i + 8]);
        u64::from_le_bytes(a)
    };
    let start = word(4);
    let count = u128::from(word(12));
    let mut w = [0u8; 4];
    w.copy_from_slice(&bytes[20..24]);
    let found = u32::from_le_bytes(w);
    if let Some(width) = width
        && found != width
    {
        return Err(bad(format!("{found} numbers per item, not {width}")));
    }
    let expected = HEADER_BYTES as u128 + 8 * count * u128::from(found);
    if bytes.len() as u128 != expected {
        return Err(bad(format!("{} bytes, but the header says {count} items ({expected} bytes)", bytes.len())));
    }
    let words = (HEADER_BYTES..bytes.len()).step_by(8).map(word).collect();
    Ok((start, count as u64, found, words))
}

/// Sorts pieces by start, checks that they tile `0..total` (no gap, no overlap) and returns
/// their items in order.
pub(crate) fn tile<T>(what: &'static str, mut parts: Vec<(u64, Vec<T>)>) -> Result<Vec<T>, Error> {
    // Empty pieces first at their start, so one may sit anywhere.
    parts.sort_by_key(|(start, items)| (*start, items.len()));
    let mut total = 0u64;
    for (start, items) in &parts {
        match start.cmp(&total) {
            std::cmp::Ordering::Greater => {
                return Err(Error::Parts { what, reason: format!("leave {total}..{start} out") });
            }
            std::cmp::Ordering::Less => {
                return Err(Error::Parts {
                    what,
                    reason: format!(
                        "overlap: the one starting at {start} overlaps those before it, which cover 0..{total}"
                    ),
                });
            }
            std::cmp::Ordering::Equal => {}
        }
        total += items.len() as u64;
    }
    Ok(parts.into_iter().flat_map(|(_, items)| items).collect())
}
