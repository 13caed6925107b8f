//! The persisted byte formats: namespace segments and small checksummed blobs.
//!
//! A namespace is persisted as a log of **segments**, each a batch of
//! changes. Applying a segment means: if `clear`, drop all prior records;
//! then remove `deletes`; then insert or overwrite `upserts`. This module
//! only encodes and decodes; the namespace engine applies.
//!
//! # Conventions
//!
//! Every integer and float is little-endian and fixed-width, so the bytes are
//! the same on wasm32 and 64-bit hosts (lengths are always `u32`, never
//! `usize`). Floats are stored as their raw IEEE-754 bits. A **Str** is a
//! `u32` byte length followed by that many bytes of UTF-8. Every format ends
//! with a CRC-32 (IEEE, as computed by `crc32fast`) of all bytes before it.
//!
//! # Segment, format version 1
//!
//! ```text
//!  offset  size  field
//! +------+------+--------------------------------------------------------+
//! |    0 |    4 | magic  b"CNFS"                                         |
//! |    4 |    2 | version u16 = 1                                        |
//! |    6 |    1 | flags u8: bit 0 = clear; bits 1..7 must be 0           |
//! |    7 |    4 | dim u32: length of every dense vector in the segment   |
//! |   11 |    4 | n_deletes u32                                          |
//! |   15 |    4 | n_upserts u32                                          |
//! |   19 |    . | n_deletes x Str (ids to delete)                        |
//! |    . |    . | n_upserts x Record                                     |
//! |  N-4 |    4 | crc32 u32 of bytes [0, N-4)                            |
//! +------+------+--------------------------------------------------------+
//!
//! Record:
//! +--------------------------------------------------------------------+
//! | id        Str                                                      |
//! | rflags    u8: bit 0 = dense, bit 1 = sparse, bit 2 = metadata;    |
//! |           bits 3..7 must be 0                                      |
//! | [dense]   dim x f32                        (only if bit 0 is set)  |
//! | [sparse]  nnz u32                          (only if bit 1 is set)  |
//! |           nnz x u32 indices, strictly increasing                   |
//! |           nnz x f32 values                                         |
//! | [meta]    n_fields u32                     (only if bit 2 is set)  |
//! |           n_fields x (key Str, Value), keys strictly increasing    |
//! |           in byte order, none of `__proto__`/`constructor`/        |
//! |           `prototype`                                              |
//! +--------------------------------------------------------------------+
//!
//! Value:                      tag u8, then
//!   1 string                  Str
//!   2 number                  f64 (finite)
//!   3 boolean                 u8 (0 or 1)
//!   4 list of strings         count u32, count x Str
//! ```
//!
//! A record with no dense values (sparse-only) clears bit 0; a dense record
//! has exactly `dim` values, so the dense flag is never set when `dim` is 0.
//! `sparse: Some` with no entries and `metadata: Some` with no fields are
//! kept distinct from `None` by their flag bits.
//!
//! The encoding is **canonical**: every byte string the decoder accepts is
//! exactly what the encoder produces for the decoded segment (reserved bits
//! zero, booleans 0/1, keys sorted and unique, no trailing bytes).
//!
//! # Blob, format version 1
//!
//! Small records (manifests, index configuration) are wrapped by
//! [`encode_blob`] with a caller-chosen 4-byte kind:
//!
//! ```text
//! +------+------+--------------------------------------------------------+
//! |    0 |    4 | kind (caller's magic, e.g. b"CNFM")                    |
//! |    4 |    2 | version u16 = 1 (of this envelope)                     |
//! |    6 |    4 | payload length u32 = L                                 |
//! |   10 |    L | payload                                                |
//! | 10+L |    4 | crc32 u32 of bytes [0, 10+L)                           |
//! +------+------+--------------------------------------------------------+
//! ```
//!
//! # Decoding
//!
//! Decoders check, in order: minimum length, magic, version, checksum; then
//! parse, checking every count against the bytes remaining *before*
//! allocating, validating UTF-8 and the invariants above, and rejecting
//! trailing bytes. Any failure is [`Error::Corrupt`]; no input panics.

use crate::error::{Error, Result};
use crate::metadata::{Metadata, Value, FORBIDDEN_KEYS};
use crate::record::{Record, SparseVector};

/// Magic of a segment.
pub const SEGMENT_MAGIC: [u8; 4] = *b"CNFS";
/// Current segment format version.
pub const SEGMENT_VERSION: u16 = 1;
/// Current blob envelope version.
pub const BLOB_VERSION: u16 = 1;

const SEGMENT_HEADER: usize = 19;
const BLOB_HEADER: usize = 10;
const CRC_LEN: usize = 4;

const SEG_CLEAR: u8 = 1;
const REC_DENSE: u8 = 1;
const REC_SPARSE: u8 = 2;
const REC_META: u8 = 4;

const TAG_STR: u8 = 1;
const TAG_NUM: u8 = 2;
const TAG_BOOL: u8 = 3;
const TAG_LIST: u8 = 4;

/// A batch of changes to one namespace, applied in order: `clear`, then
/// `deletes`, then `upserts`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Segment {
    pub clear: bool,
    pub deletes: Vec<String>,
    pub upserts: Vec<Record>,
}

// ---------------------------------------------------------------- encoding

/// A length as `u32`. Lengths beyond `u32::MAX` cannot be represented (and
/// cannot occur in wasm32's 4 GiB memory); they saturate, which makes the
/// output fail to decode rather than decode wrongly.
fn len_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    fn f32(&mut self, v: f32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    fn f64(&mut self, v: f64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    fn len(&mut self, n: usize) {
        self.u32(len_u32(n));
    }
    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.buf.extend_from_slice(s.as_bytes());
    }
    /// Appends the CRC of everything written so far and returns the bytes.
    fn seal(mut self) -> Vec<u8> {
        let crc = crc32fast::hash(&self.buf);
        self.u32(crc);
        self.buf
    }
}

fn record_size_hint(r: &Record, dim: usize) -> usize {
    let mut n = 4 + r.id.len() + 1 + dim.saturating_mul(4);
    if let Some(s) = &r.sparse {
        n = n.saturating_add(4 + s.indices.len().saturating_mul(8));
    }
    if let Some(m) = &r.metadata {
        n = n.saturating_add(4);
        for (k, v) in m {
            n = n.saturating_add(5 + k.len());
            n = n.saturating_add(match v {
                Value::Str(s) => 4 + s.len(),
                Value::Num(_) => 8,
                Value::Bool(_) => 1,
                Value::List(l) => l.iter().fold(4usize, |a, s| a.saturating_add(4 + s.len())),
            });
        }
    }
    n
}

/// Encodes a segment whose dense vectors all have length `dim` (or 0 on
/// sparse-only records).
///
/// A record whose `values` length is neither 0 nor `dim` violates the
/// engine's invariant (dimensions are validated at upsert): debug builds
/// assert; release builds write its values truncated or zero-padded to `dim`
/// rather than produce unreadable bytes.
pub fn encode_segment(seg: &Segment, dim: u32) -> Vec<u8> {
    let d = usize::try_from(dim).unwrap_or(usize::MAX);
    let hint = seg
        .upserts
        .iter()
        .fold(SEGMENT_HEADER + CRC_LEN, |a, r| a.saturating_add(record_size_hint(r, d)))
        .saturating_add(seg.deletes.iter().fold(0usize, |a, s| a.saturating_add(4 + s.len())));
    let mut w = Writer { buf: Vec::with_capacity(hint.min(1 << 26)) };
    w.buf.extend_from_slice(&SEGMENT_MAGIC);
    w.u16(SEGMENT_VERSION);
    w.u8(if seg.clear { SEG_CLEAR } else { 0 });
    w.u32(dim);
    w.len(seg.deletes.len());
    w.len(seg.upserts.len());
    for id in &seg.deletes {
        w.str(id);
    }
    for r in &seg.upserts {
        write_record(&mut w, r, d);
    }
    w.seal()
}

fn write_record(w: &mut Writer, r: &Record, dim: usize) {
    debug_assert!(
        r.values.is_empty() || r.values.len() == dim,
        "record '{}' has {} values in a segment of dimension {dim}",
        r.id,
        r.values.len()
    );
    let dense = !r.values.is_empty() && dim > 0;
    let mut flags = 0;
    if dense {
        flags |= REC_DENSE;
    }
    if r.sparse.is_some() {
        flags |= REC_SPARSE;
    }
    if r.metadata.is_some() {
        flags |= REC_META;
    }
    w.str(&r.id);
    w.u8(flags);
    if dense {
        for v in r.values.iter().copied().chain(std::iter::repeat(0.0)).take(dim) {
            w.f32(v);
        }
    }
    if let Some(s) = &r.sparse {
        // `indices` and `values` have equal lengths by invariant; write the
        // common prefix so the two arrays always agree with `nnz`.
        let nnz = s.indices.len().min(s.values.len());
        w.len(nnz);
        for i in s.indices.iter().take(nnz) {
            w.u32(*i);
        }
        for v in s.values.iter().take(nnz) {
            w.f32(*v);
        }
    }
    if let Some(m) = &r.metadata {
        w.len(m.len());
        for (k, v) in m {
            w.str(k);
            match v {
                Value::Str(s) => {
                    w.u8(TAG_STR);
                    w.str(s);
                }
                Value::Num(n) => {
                    w.u8(TAG_NUM);
                    w.f64(*n);
                }
                Value::Bool(b) => {
                    w.u8(TAG_BOOL);
                    w.u8(u8::from(*b));
                }
                Value::List(items) => {
                    w.u8(TAG_LIST);
                    w.len(items.len());
                    for s in items {
                        w.str(s);
                    }
                }
            }
        }
    }
}

/// Wraps `payload` in a checksummed envelope tagged with `kind`.
pub fn encode_blob(kind: [u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut w = Writer { buf: Vec::with_capacity(BLOB_HEADER + payload.len() + CRC_LEN) };
    w.buf.extend_from_slice(&kind);
    w.u16(BLOB_VERSION);
    w.len(payload.len());
    w.buf.extend_from_slice(payload);
    w.seal()
}

// ---------------------------------------------------------------- decoding

fn corrupt(what: &str, msg: impl std::fmt::Display) -> Error {
    Error::Corrupt(format!("{what}: {msg}"))
}

/// A bounds-checked cursor over the bytes between the header and the CRC.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).ok_or_else(|| corrupt(self.what, "length overflow"))?;
        let bytes = self
            .buf
            .get(self.pos..end)
            .ok_or_else(|| corrupt(self.what, format!("truncated at byte {}", self.pos)))?;
        self.pos = end;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let bytes = self.take(N)?;
        <[u8; N]>::try_from(bytes).map_err(|_| corrupt(self.what, "short read"))
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(u8::from_le_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_le_bytes(self.array()?))
    }

    /// Reads a `u32` count of items of at least `min_each` bytes each, and
    /// checks that that many could fit in the remaining bytes.
    fn count(&mut self, min_each: usize) -> Result<usize> {
        let n = self.u32()?;
        let n =
            usize::try_from(n).map_err(|_| corrupt(self.what, "count does not fit in memory"))?;
        let need = n.checked_mul(min_each).ok_or_else(|| corrupt(self.what, "count overflow"))?;
        if need > self.remaining() {
            return Err(corrupt(
                self.what,
                format!(
                    "count {n} at byte {} exceeds the remaining {} bytes",
                    self.pos,
                    self.remaining()
                ),
            ));
        }
        Ok(n)
    }

    fn str(&mut self) -> Result<String> {
        let len = self.count(1)?;
        let at = self.pos;
        let bytes = self.take(len)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_owned()),
            Err(_) => Err(corrupt(self.what, format!("invalid UTF-8 in string at byte {at}"))),
        }
    }

    /// Reads `n` little-endian 4-byte words (the caller has checked `n`).
    fn words(&mut self, n: usize) -> Result<impl Iterator<Item = [u8; 4]> + 'a> {
        let len = n.checked_mul(4).ok_or_else(|| corrupt(self.what, "length overflow"))?;
        let bytes = self.take(len)?;
        Ok(bytes.chunks_exact(4).map(|c| <[u8; 4]>::try_from(c).unwrap_or_default()))
    }

    fn f32s(&mut self, n: usize) -> Result<Vec<f32>> {
        Ok(self.words(n)?.map(f32::from_le_bytes).collect())
    }

    fn u32s(&mut self, n: usize) -> Result<Vec<u32>> {
        Ok(self.words(n)?.map(u32::from_le_bytes).collect())
    }
}

/// Checks length, magic, version and CRC; returns the bytes between the
/// header and the CRC.
fn open<'a>(
    bytes: &'a [u8],
    magic: [u8; 4],
    version: u16,
    header: usize,
    what: &'static str,
) -> Result<(&'a [u8], &'a [u8])> {
    if bytes.len() < header + CRC_LEN {
        return Err(corrupt(what, format!("truncated: {} bytes", bytes.len())));
    }
    let (head, rest) = bytes.split_at(header);
    if head.get(..4) != Some(&magic[..]) {
        return Err(corrupt(what, "bad magic"));
    }
    let got = head.get(4..6).and_then(|v| <[u8; 2]>::try_from(v).ok()).map(u16::from_le_bytes);
    if got != Some(version) {
        return Err(corrupt(what, format!("unsupported format version {}", got.unwrap_or(0))));
    }
    let body_end = bytes.len() - CRC_LEN; // len >= header + CRC_LEN, checked above
    let (covered, crc) = bytes.split_at(body_end);
    let stored =
        <[u8; 4]>::try_from(crc).map(u32::from_le_bytes).map_err(|_| corrupt(what, "truncated"))?;
    if crc32fast::hash(covered) != stored {
        return Err(corrupt(what, "checksum mismatch"));
    }
    let body = rest.get(..body_end - header).ok_or_else(|| corrupt(what, "truncated"))?;
    Ok((head, body))
}

/// Decodes a segment, returning it with the dimension it was written with.
pub fn decode_segment(bytes: &[u8]) -> Result<(Segment, u32)> {
    const WHAT: &str = "segment";
    let (head, body) = open(bytes, SEGMENT_MAGIC, SEGMENT_VERSION, SEGMENT_HEADER, WHAT)?;
    let mut h = Reader { buf: head, pos: 6, what: WHAT };
    let flags = h.u8()?;
    if flags & !SEG_CLEAR != 0 {
        return Err(corrupt(WHAT, format!("unknown segment flags {flags:#04x}")));
    }
    let dim = h.u32()?;
    let n_deletes = h.u32()?;
    let n_upserts = h.u32()?;

    let mut r = Reader { buf: body, pos: 0, what: WHAT };
    let n_deletes = check_count(&r, n_deletes, 4)?;
    let mut deletes = Vec::with_capacity(n_deletes);
    for _ in 0..n_deletes {
        deletes.push(r.str()?);
    }
    let n_upserts = check_count(&r, n_upserts, 5)?;
    let mut upserts = Vec::with_capacity(n_upserts);
    for _ in 0..n_upserts {
        upserts.push(read_record(&mut r, dim)?);
    }
    if r.remaining() != 0 {
        return Err(corrupt(WHAT, format!("{} trailing bytes", r.remaining())));
    }
    Ok((Segment { clear: flags & SEG_CLEAR != 0, deletes, upserts }, dim))
}

fn check_count(r: &Reader<'_>, n: u32, min_each: usize) -> Result<usize> {
    let n = usize::try_from(n).map_err(|_| corrupt(r.what, "count does not fit in memory"))?;
    match n.checked_mul(min_each) {
        Some(need) if need <= r.remaining() => Ok(n),
        _ => Err(corrupt(r.what, format!("count {n} exceeds the {} bytes of data", r.remaining()))),
    }
}

fn read_record(r: &mut Reader<'_>, dim: u32) -> Result<Record> {
    let id = r.str()?;
    let flags = r.u8()?;
    if flags & !(REC_DENSE | REC_SPARSE | REC_META) != 0 {
        return Err(corrupt(r.what, format!("unknown record flags {flags:#04x} on record '{id}'")));
    }
    let values = if flags & REC_DENSE != 0 {
        if dim == 0 {
            return Err(corrupt(
                r.what,
                format!("dense record '{id}' in a segment of dimension 0"),
            ));
        }
        let n = check_count(r, dim, 4)?;
        r.f32s(n)?
    } else {
        Vec::new()
    };
    let sparse = if flags & REC_SPARSE != 0 {
        let nnz = r.count(8)?;
        let indices = r.u32s(nnz)?;
        let values = r.f32s(nnz)?;
        if indices.windows(2).any(|w| w.first() >= w.get(1)) {
            return Err(corrupt(
                r.what,
                format!("sparse indices of record '{id}' are not strictly increasing"),
            ));
        }
        Some(SparseVector { indices, values })
    } else {
        None
    };
    let metadata = if flags & REC_META != 0 { Some(read_metadata(r, &id)?) } else { None };
    Ok(Record { id, values, sparse, metadata })
}

fn read_metadata(r: &mut Reader<'_>, id: &str) -> Result<Metadata> {
    // key Str (4) + tag (1) + smallest value, a boolean (1)
    let n = r.count(6)?;
    let mut m = Metadata::new();
    let mut prev: Option<String> = None;
    for _ in 0..n {
        let key = r.str()?;
        if prev.as_ref().is_some_and(|p| *p >= key) {
            return Err(corrupt(
                r.what,
                format!("metadata keys of record '{id}' are not sorted and unique"),
            ));
        }
        if FORBIDDEN_KEYS.contains(&key.as_str()) {
            return Err(corrupt(
                r.what,
                format!("forbidden metadata key '{key}' on record '{id}'"),
            ));
        }
        let value = match r.u8()? {
            TAG_STR => Value::Str(r.str()?),
            TAG_NUM => {
                let n = r.f64()?;
                if !n.is_finite() {
                    return Err(corrupt(
                        r.what,
                        format!("non-finite number in metadata of record '{id}'"),
                    ));
                }
                Value::Num(n)
            }
            TAG_BOOL => match r.u8()? {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                b => {
                    return Err(corrupt(
                        r.what,
                        format!("bad boolean byte {b} in metadata of record '{id}'"),
                    ))
                }
            },
            TAG_LIST => {
                let count = r.count(4)?;
                let mut items = Vec::with_capacity(count);
                for _ in 0..count {
                    items.push(r.str()?);
                }
                Value::List(items)
            }
            t => return Err(corrupt(r.what, format!("unknown metadata tag {t} in record '{id}'"))),
        };
        m.insert(key.clone(), value);
        prev = Some(key);
    }
    Ok(m)
}

/// Unwraps a blob written by [`encode_blob`] with the same `kind`.
pub fn decode_blob(kind: [u8; 4], bytes: &[u8]) -> Result<&[u8]> {
    const WHAT: &str = "blob";
    let (head, body) = open(bytes, kind, BLOB_VERSION, BLOB_HEADER, WHAT)?;
    let mut h = Reader { buf: head, pos: 6, what: WHAT };
    let len = h.u32()?;
    if usize::try_from(len).ok() != Some(body.len()) {
        return Err(corrupt(
            WHAT,
            format!("payload length {len} but {} bytes present", body.len()),
        ));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(pairs: &[(&str, Value)]) -> Metadata {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
    }

    fn sparse(indices: &[u32], values: &[f32]) -> Option<SparseVector> {
        Some(SparseVector { indices: indices.to_vec(), values: values.to_vec() })
    }

    fn rec(id: &str, values: &[f32]) -> Record {
        Record { id: id.into(), values: values.to_vec(), sparse: None, metadata: None }
    }

    fn roundtrip(seg: &Segment, dim: u32) -> Vec<u8> {
        let bytes = encode_segment(seg, dim);
        let (back, d) = decode_segment(&bytes).unwrap();
        assert_eq!(&back, seg);
        assert_eq!(d, dim);
        assert_eq!(encode_segment(&back, d), bytes);
        bytes
    }

    /// A small segment using every feature of the format.
    fn small() -> (Segment, u32) {
        let seg = Segment {
            clear: true,
            deletes: vec!["d".into()],
            upserts: vec![Record {
                id: "é".into(),
                values: vec![1.0, -0.5],
                sparse: sparse(&[7], &[2.0]),
                metadata: Some(meta(&[
                    ("b", Value::Bool(true)),
                    ("l", Value::List(vec!["x".into()])),
                    ("n", Value::Num(2.5)),
                    ("s", Value::Str("y".into())),
                ])),
            }],
        };
        (seg, 2)
    }

    #[test]
    fn roundtrip_varied_segments() {
        // empty
        let bytes = roundtrip(&Segment::default(), 0);
        assert_eq!(bytes.len(), SEGMENT_HEADER + CRC_LEN);
        roundtrip(&Segment::default(), 1536);
        // clear only
        roundtrip(&Segment { clear: true, ..Segment::default() }, 8);
        // deletes only, unicode and empty ids
        roundtrip(
            &Segment {
                clear: false,
                deletes: vec!["a".into(), "".into(), "日本語🌲".into()],
                upserts: vec![],
            },
            8,
        );
        // dense records, unicode ids, special floats that compare equal
        roundtrip(
            &Segment {
                clear: false,
                deletes: vec!["gone".into()],
                upserts: vec![
                    rec("doc1#chunk1", &[0.1, 0.2, 0.3]),
                    rec("ñandú", &[f32::MAX, f32::MIN_POSITIVE, -0.0]),
                    rec("🌲", &[f32::INFINITY, f32::NEG_INFINITY, 1e-45]),
                ],
            },
            3,
        );
        // sparse-only records on a sparse index (dim 0), incl. empty sparse
        roundtrip(
            &Segment {
                clear: true,
                deletes: vec![],
                upserts: vec![
                    Record {
                        id: "s1".into(),
                        sparse: sparse(&[0, 5, u32::MAX], &[1.0, 0.5, -2.0]),
                        ..rec("", &[])
                    },
                    Record { id: "s2".into(), sparse: sparse(&[], &[]), ..rec("", &[]) },
                ],
            },
            0,
        );
        // hybrid: dense + sparse, and a dense-index record without values
        roundtrip(
            &Segment {
                clear: false,
                deletes: vec![],
                upserts: vec![
                    Record { sparse: sparse(&[3, 9], &[0.25, 0.75]), ..rec("h", &[1.0, 2.0]) },
                    rec("nothing", &[]),
                ],
            },
            2,
        );
        // metadata of every type, empty metadata, unicode keys and values
        roundtrip(
            &Segment {
                clear: false,
                deletes: vec![],
                upserts: vec![
                    Record {
                        metadata: Some(meta(&[
                            ("genre", Value::List(vec!["comedy".into(), "documentary".into()])),
                            ("empty_list", Value::List(vec![])),
                            ("year", Value::Num(2020.0)),
                            ("neg_zero", Value::Num(-0.0)),
                            ("tiny", Value::Num(5e-324)),
                            ("big", Value::Num(f64::MAX)),
                            ("flag", Value::Bool(false)),
                            ("on", Value::Bool(true)),
                            ("title", Value::Str("Amélie — 🎬".into())),
                            ("", Value::Str("".into())),
                            ("ключ", Value::Str("значение".into())),
                        ])),
                        ..rec("m1", &[0.5])
                    },
                    Record { metadata: Some(Metadata::new()), ..rec("m2", &[0.5]) },
                ],
            },
            1,
        );
        let (seg, dim) = small();
        roundtrip(&seg, dim);
    }

    #[test]
    fn roundtrip_many_records() {
        let mut rng = Rng(42);
        let upserts: Vec<Record> = (0..300)
            .map(|i| Record {
                id: format!("id-{i}"),
                values: (0..16).map(|_| rng.f32()).collect(),
                sparse: if i % 3 == 0 {
                    sparse(&[1, 2, 40], &[rng.f32(), rng.f32(), rng.f32()])
                } else {
                    None
                },
                metadata: if i % 2 == 0 {
                    Some(meta(&[
                        ("i", Value::Num(i as f64)),
                        ("t", Value::Str(format!("t{}", i % 7))),
                    ]))
                } else {
                    None
                },
            })
            .collect();
        let deletes = (0..50).map(|i| format!("old-{i}")).collect();
        roundtrip(&Segment { clear: false, deletes, upserts }, 16);
    }

    #[test]
    fn nan_bits_are_preserved() {
        let nan = f32::from_bits(0x7fc0_1234);
        let seg = Segment { upserts: vec![rec("n", &[nan, 1.0])], ..Segment::default() };
        let bytes = encode_segment(&seg, 2);
        let (back, _) = decode_segment(&bytes).unwrap();
        assert_eq!(back.upserts[0].values[0].to_bits(), 0x7fc0_1234);
        assert_eq!(encode_segment(&back, 2), bytes);
    }

    /// The exact bytes of [`small`]. If this test fails, the format changed:
    /// bump [`SEGMENT_VERSION`] and keep a decoder for version 1 instead.
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn golden_segment_bytes() {
        #[rustfmt::skip]
        let golden: &[u8] = &[
            b'C', b'N', b'F', b'S',     // magic
            1, 0,                       // version 1
            1,                          // flags: clear
            2, 0, 0, 0,                 // dim 2
            1, 0, 0, 0,                 // 1 delete
            1, 0, 0, 0,                 // 1 upsert
            1, 0, 0, 0, b'd',           // delete "d"
            2, 0, 0, 0, 0xc3, 0xa9,     // id "é"
            0b111,                      // dense | sparse | metadata
            0x00, 0x00, 0x80, 0x3f,     // 1.0f32
            0x00, 0x00, 0x00, 0xbf,     // -0.5f32
            1, 0, 0, 0,                 // nnz 1
            7, 0, 0, 0,                 // index 7
            0x00, 0x00, 0x00, 0x40,     // 2.0f32
            4, 0, 0, 0,                 // 4 metadata fields
            1, 0, 0, 0, b'b', 3, 1,     // "b": bool true
            1, 0, 0, 0, b'l', 4,        // "l": list
            1, 0, 0, 0, 1, 0, 0, 0, b'x', //   of 1: "x"
            1, 0, 0, 0, b'n', 2,        // "n": number
            0, 0, 0, 0, 0, 0, 0x04, 0x40, //   2.5f64
            1, 0, 0, 0, b's', 1,        // "s": string
            1, 0, 0, 0, b'y',           //   "y"
            0xf3, 0x85, 0x1f, 0x2a,     // crc32
        ];
        let (seg, dim) = small();
        assert_eq!(encode_segment(&seg, dim), golden);
        assert_eq!(decode_segment(golden).unwrap(), (seg, dim));
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn golden_blob_bytes() {
        #[rustfmt::skip]
        let golden: &[u8] = &[
            b'C', b'N', b'F', b'M',     // kind
            1, 0,                       // version 1
            3, 0, 0, 0,                 // payload length 3
            b'a', b'b', b'c',           // payload
            0xbb, 0x16, 0x2e, 0x6f,     // crc32
        ];
        assert_eq!(encode_blob(*b"CNFM", b"abc"), golden);
        assert_eq!(decode_blob(*b"CNFM", golden).unwrap(), b"abc");
    }

    #[test]
    fn blob_roundtrip_and_rejections() {
        for payload in [&b""[..], b"x", &[0u8; 1000][..]] {
            let b = encode_blob(*b"TEST", payload);
            assert_eq!(decode_blob(*b"TEST", &b).unwrap(), payload);
            assert!(matches!(decode_blob(*b"OTHR", &b), Err(Error::Corrupt(_))));
            for len in 0..b.len() {
                assert!(
                    matches!(decode_blob(*b"TEST", &b[..len]), Err(Error::Corrupt(_))),
                    "len {len}"
                );
            }
            for i in 0..b.len() {
                for bit in 0..8 {
                    let mut c = b.clone();
                    c[i] ^= 1 << bit;
                    assert!(
                        matches!(decode_blob(*b"TEST", &c), Err(Error::Corrupt(_))),
                        "byte {i} bit {bit}"
                    );
                }
            }
            let mut long = b.clone();
            long.push(0);
            assert!(decode_blob(*b"TEST", &long).is_err());
        }
        // a length field that disagrees with the bytes present, CRC intact
        let mut b = encode_blob(*b"TEST", b"abc");
        b[6] = 2;
        reseal(&mut b);
        assert!(matches!(decode_blob(*b"TEST", &b), Err(Error::Corrupt(_))));
        // unknown envelope version, CRC intact
        let mut b = encode_blob(*b"TEST", b"abc");
        b[4] = 2;
        reseal(&mut b);
        let e = decode_blob(*b"TEST", &b).unwrap_err();
        assert!(e.to_string().contains("version 2"), "{e}");
    }

    // ---- corruption model ----

    /// xorshift64*: a tiny deterministic PRNG for the model tests.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % (n.max(1) as u64)) as usize
        }
        fn f32(&mut self) -> f32 {
            (self.next() >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        }
    }

    /// Recomputes the trailing CRC so that a mutation reaches the parser.
    fn reseal(bytes: &mut [u8]) {
        if bytes.len() >= 4 {
            let end = bytes.len() - 4;
            let crc = crc32fast::hash(&bytes[..end]);
            bytes[end..].copy_from_slice(&crc.to_le_bytes());
        }
    }

    #[test]
    fn every_bit_flip_is_detected() {
        let (seg, dim) = small();
        let bytes = encode_segment(&seg, dim);
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut c = bytes.clone();
                c[i] ^= 1 << bit;
                assert!(matches!(decode_segment(&c), Err(Error::Corrupt(_))), "byte {i} bit {bit}");
            }
            let mut c = bytes.clone();
            c[i] ^= 0xff;
            assert!(matches!(decode_segment(&c), Err(Error::Corrupt(_))), "byte {i} inverted");
        }
    }

    #[test]
    fn every_truncation_and_extension_is_detected() {
        let (seg, dim) = small();
        let bytes = encode_segment(&seg, dim);
        for len in 0..bytes.len() {
            assert!(matches!(decode_segment(&bytes[..len]), Err(Error::Corrupt(_))), "len {len}");
            // truncated and resealed: the parser itself must notice
            let mut c = bytes[..len].to_vec();
            reseal(&mut c);
            assert!(matches!(decode_segment(&c), Err(Error::Corrupt(_))), "resealed len {len}");
        }
        for extra in [&[0u8][..], &[0, 0, 0, 0], &[1, 2, 3, 4, 5]] {
            let mut c = bytes.clone();
            c.extend_from_slice(extra);
            assert!(decode_segment(&c).is_err());
            let mut c = bytes[..bytes.len() - 4].to_vec();
            c.extend_from_slice(extra);
            c.extend_from_slice(&[0; 4]);
            reseal(&mut c);
            let e = decode_segment(&c).unwrap_err();
            assert!(e.to_string().contains("trailing"), "{e}");
        }
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut rng = Rng(0x5eed);
        for _ in 0..20_000 {
            let len = rng.below(64);
            let mut c: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            if rng.below(2) == 0 && c.len() >= 6 {
                c[..4].copy_from_slice(&SEGMENT_MAGIC);
                c[4..6].copy_from_slice(&1u16.to_le_bytes());
                reseal(&mut c);
            }
            let _ = decode_segment(&c);
            let _ = decode_blob(*b"CNFM", &c);
        }
    }

    /// Random structural mutations with the CRC recomputed, so that they
    /// reach the parser: decoding must never panic, and whatever it accepts
    /// must re-encode to the same bytes (the format is canonical).
    #[test]
    fn resealed_mutations_never_panic_and_stay_canonical() {
        let (seg, dim) = small();
        let base = encode_segment(&seg, dim);
        let mut rng = Rng(0xc0ffee);
        let mut accepted = 0;
        for _ in 0..50_000 {
            let mut c = base.clone();
            for _ in 0..1 + rng.below(3) {
                if c.len() < 8 {
                    break;
                }
                let body = c.len().saturating_sub(4);
                match rng.below(6) {
                    0 => {
                        let i = rng.below(body);
                        c[i] = rng.next() as u8;
                    }
                    1 => {
                        // overwrite a 4-byte window with an interesting u32
                        let i = rng.below(body.saturating_sub(3));
                        let v: u32 = match rng.below(4) {
                            0 => u32::MAX,
                            1 => rng.below(8) as u32,
                            2 => 0x4000_0000,
                            _ => rng.next() as u32,
                        };
                        c[i..i + 4].copy_from_slice(&v.to_le_bytes());
                    }
                    2 => {
                        let i = rng.below(body);
                        c.insert(i, rng.next() as u8);
                    }
                    3 => {
                        let i = rng.below(body);
                        c.remove(i);
                    }
                    4 => {
                        let i = rng.below(body);
                        c[i] ^= 1 << rng.below(8);
                    }
                    _ => {
                        let cut = rng.below(c.len());
                        c.truncate(cut.max(4));
                    }
                }
            }
            reseal(&mut c);
            if let Ok((s, d)) = decode_segment(&c) {
                accepted += 1;
                assert_eq!(encode_segment(&s, d), c, "non-canonical bytes accepted: {s:?}");
            }
        }
        // some mutations (e.g. of string contents) must still decode
        assert!(accepted > 0);
    }

    #[test]
    fn absurd_counts_do_not_allocate() {
        // a header claiming u32::MAX deletes / upserts, CRC intact
        for field in [11usize, 15] {
            let mut c = encode_segment(&Segment::default(), 4);
            c[field..field + 4].copy_from_slice(&u32::MAX.to_le_bytes());
            reseal(&mut c);
            assert!(matches!(decode_segment(&c), Err(Error::Corrupt(_))));
        }
        // a dense record in a segment claiming dimension u32::MAX
        let mut c =
            encode_segment(&Segment { upserts: vec![rec("a", &[1.0])], ..Segment::default() }, 1);
        c[7..11].copy_from_slice(&u32::MAX.to_le_bytes());
        reseal(&mut c);
        assert!(matches!(decode_segment(&c), Err(Error::Corrupt(_))));
        // a dense flag in a segment of dimension 0
        let mut c =
            encode_segment(&Segment { upserts: vec![rec("a", &[1.0])], ..Segment::default() }, 1);
        c[7..11].copy_from_slice(&0u32.to_le_bytes());
        c.drain(25..29); // drop the one f32
        reseal(&mut c);
        let e = decode_segment(&c).unwrap_err();
        assert!(e.to_string().contains("dimension 0"), "{e}");
    }

    #[test]
    fn semantic_invariants_are_checked() {
        let cases: Vec<(Record, usize, u8, &str)> = vec![
            // (record, byte offset from record start, new value, expected message part)
            (
                Record { metadata: Some(meta(&[("a", Value::Bool(true))])), ..rec("r", &[]) },
                16,
                2,
                "boolean",
            ),
            (
                Record { metadata: Some(meta(&[("a", Value::Bool(true))])), ..rec("r", &[]) },
                15,
                9,
                "tag",
            ),
            (
                Record { metadata: Some(meta(&[("a", Value::Bool(true))])), ..rec("r", &[]) },
                5,
                0x0c,
                "flags",
            ),
            (
                Record { sparse: sparse(&[1, 2], &[1.0, 1.0]), ..rec("r", &[]) },
                10,
                2,
                "strictly increasing",
            ),
            (
                Record { metadata: Some(meta(&[("a", Value::Num(1.0))])), ..rec("r", &[]) },
                23,
                0x7f,
                "finite",
            ),
        ];
        for (r, off, val, msg) in cases {
            let mut c = encode_segment(&Segment { upserts: vec![r], ..Segment::default() }, 0);
            // (for "finite": 1.0 is 0x3ff0_0000_0000_0000; 0x7ff0... is +inf)
            c[SEGMENT_HEADER + off] = val;
            reseal(&mut c);
            let e = decode_segment(&c).unwrap_err();
            assert!(e.to_string().contains(msg), "{msg}: {e}");
        }
        // unsorted / duplicate / forbidden keys
        for (k1, k2, msg) in
            [("b", "a", "sorted"), ("a", "a", "sorted"), ("a", "prototype", "forbidden")]
        {
            let mut c = encode_segment(
                &Segment {
                    upserts: vec![Record {
                        metadata: Some(meta(&[("a", Value::Bool(true)), ("p", Value::Bool(true))])),
                        ..rec("r", &[])
                    }],
                    ..Segment::default()
                },
                0,
            );
            // rebuild the two keys in place: they are written at fixed offsets
            let body = SEGMENT_HEADER;
            let first = body + 4 + 1 + 1 + 4; // id Str, flags, n_fields
            c[first + 4] = k1.as_bytes()[0];
            let second = first + 4 + 1 + 2;
            if k2.len() == 1 {
                c[second + 4] = k2.as_bytes()[0];
            } else {
                c.splice(
                    second..second + 5,
                    [&(k2.len() as u32).to_le_bytes()[..], k2.as_bytes()].concat(),
                );
            }
            reseal(&mut c);
            let e = decode_segment(&c).unwrap_err();
            assert!(e.to_string().contains(msg), "{k1} {k2}: {e}");
        }
        // invalid UTF-8 in an id
        let mut c =
            encode_segment(&Segment { deletes: vec!["ab".into()], ..Segment::default() }, 0);
        c[SEGMENT_HEADER + 4] = 0xff;
        reseal(&mut c);
        assert!(decode_segment(&c).unwrap_err().to_string().contains("UTF-8"));
        // unknown segment flags and version
        let mut c = encode_segment(&Segment::default(), 0);
        c[6] = 2;
        reseal(&mut c);
        assert!(decode_segment(&c).unwrap_err().to_string().contains("flags"));
        let mut c = encode_segment(&Segment::default(), 0);
        c[4] = 2;
        reseal(&mut c);
        assert!(decode_segment(&c).unwrap_err().to_string().contains("version 2"));
    }
}
