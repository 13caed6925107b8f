//! Collections: a static copy of an index (configuration, every namespace,
//! every record), as one portable byte string.
//!
//! ```text
//! collection := "CNFC" | u16 version (1) | u32 header_len | header JSON
//!               | u32 namespace_count
//!               | namespace* | u32 CRC32 (of everything before it)
//! namespace  := u32 name_len | name (UTF-8) | u32 segment_count
//!               | (u32 segment_len | segment)*      -- segments: see codec.rs
//! ```
//! All integers little-endian. The header holds the source index's
//! configuration and the collection's description. The same bytes are
//! written and read by wasm and native builds.
//!
//! **Invariant**: [`decode`] validates the whole byte string (outer CRC,
//! every segment's own CRC, dimensions, UTF-8) before returning anything, so
//! an import either installs a complete collection or changes nothing.

use serde::{Deserialize, Serialize};

use crate::codec::{self, Segment};
use crate::config::IndexConfig;
use crate::error::{Error, Result};
use crate::record::Record;

pub const MAGIC: &[u8; 4] = b"CNFC";
pub const VERSION: u16 = 1;
/// Records per segment inside a collection.
const CHUNK: usize = 4096;

/// What `describeCollection` reports, plus the source configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub name: String,
    pub source: String,
    pub config: IndexConfig,
    pub vector_count: u64,
    pub environment: String,
}

/// A decoded collection.
#[derive(Debug, Clone, PartialEq)]
pub struct Collection {
    pub header: Header,
    pub namespaces: Vec<(String, Vec<Record>)>,
}

fn corrupt(m: &str) -> Error {
    Error::Corrupt(format!("collection: {m}"))
}

/// Encodes a collection. `namespaces` yields each namespace's records.
pub fn encode(header: &Header, namespaces: &[(String, Vec<Record>)]) -> Vec<u8> {
    let dim = header.config.dimension.unwrap_or(0);
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    let h = serde_json::to_vec(header).unwrap_or_default();
    out.extend_from_slice(&(h.len() as u32).to_le_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(&(namespaces.len() as u32).to_le_bytes());
    for (name, records) in namespaces {
        out.extend_from_slice(&(name.len() as u32).to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        let chunks: Vec<&[Record]> = records.chunks(CHUNK).collect();
        out.extend_from_slice(&(chunks.len() as u32).to_le_bytes());
        for (i, chunk) in chunks.iter().enumerate() {
            let seg = Segment { clear: i == 0, deletes: Vec::new(), upserts: chunk.to_vec() };
            let bytes = codec::encode_segment(&seg, dim);
            out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            out.extend_from_slice(&bytes);
        }
    }
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.b.len()).ok_or_else(|| corrupt("truncated"))?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32> {
        let s = self.take(4)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
}

/// Reads only the header (for listing stored collections cheaply). Still
/// checks the outer CRC.
pub fn decode_header(bytes: &[u8]) -> Result<Header> {
    let (h, _) = open(bytes)?;
    Ok(h)
}

fn open(bytes: &[u8]) -> Result<(Header, Reader<'_>)> {
    if bytes.len() < 4 + 2 + 4 + 4 + 4 {
        return Err(corrupt("too short"));
    }
    let (body, crc) = bytes.split_at(bytes.len() - 4);
    let want = u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]);
    if &body[..4] != MAGIC {
        return Err(corrupt("not a Conifer collection (bad magic)"));
    }
    if crc32fast::hash(body) != want {
        return Err(corrupt("checksum mismatch"));
    }
    let mut r = Reader { b: body, pos: 4 };
    let v = r.take(2)?;
    let version = u16::from_le_bytes([v[0], v[1]]);
    if version != VERSION {
        return Err(corrupt(&format!("unsupported version {version}")));
    }
    let hlen = r.u32()? as usize;
    let header: Header =
        serde_json::from_slice(r.take(hlen)?).map_err(|e| corrupt(&format!("bad header: {e}")))?;
    Ok((header, r))
}

/// Decodes and validates a whole collection.
pub fn decode(bytes: &[u8]) -> Result<Collection> {
    let (header, mut r) = open(bytes)?;
    let dim = header.config.dimension.unwrap_or(0);
    let n = r.u32()? as usize;
    let mut namespaces = Vec::new();
    let mut total = 0u64;
    for _ in 0..n {
        let len = r.u32()? as usize;
        let name = std::str::from_utf8(r.take(len)?).map_err(|_| corrupt("namespace name is not UTF-8"))?.to_string();
        let segs = r.u32()? as usize;
        let mut records = Vec::new();
        for _ in 0..segs {
            let len = r.u32()? as usize;
            let (seg, seg_dim) = codec::decode_segment(r.take(len)?)?;
            if seg_dim != dim {
                return Err(corrupt("segment dimension differs from the collection's"));
            }
            records.extend(seg.upserts);
        }
        total += records.len() as u64;
        namespaces.push((name, records));
    }
    if r.pos != r.b.len() {
        return Err(corrupt("trailing bytes"));
    }
    if total != header.vector_count {
        return Err(corrupt("record count differs from the header"));
    }
    Ok(Collection { header, namespaces })
}

/// Combines collections of the same source configuration (e.g. one per
/// namespace, exported by separate workers) into one named `name`.
pub fn merge(name: &str, parts: &[Vec<u8>]) -> Result<Vec<u8>> {
    let mut header: Option<Header> = None;
    let mut namespaces: Vec<(String, Vec<Record>)> = Vec::new();
    for p in parts {
        let c = decode(p)?;
        match &header {
            None => header = Some(c.header.clone()),
            Some(h) if h.config.dimension != c.header.config.dimension || h.config.vector_type != c.header.config.vector_type => {
                return Err(Error::invalid("Collections to merge must have the same dimension and vector type."));
            }
            Some(_) => {}
        }
        for (ns, recs) in c.namespaces {
            if namespaces.iter().any(|(n, _)| *n == ns) {
                return Err(Error::invalid(format!("Namespace '{ns}' appears in more than one collection to merge.")));
            }
            namespaces.push((ns, recs));
        }
    }
    let mut header = header.ok_or_else(|| Error::invalid("Nothing to merge."))?;
    header.name = name.to_string();
    header.vector_count = namespaces.iter().map(|(_, r)| r.len() as u64).sum();
    namespaces.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(encode(&header, &namespaces))
}

/// Splits a collection into one collection per namespace.
pub fn split(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>> {
    let c = decode(bytes)?;
    Ok(c.namespaces
        .into_iter()
        .map(|(ns, recs)| {
            let header = Header { vector_count: recs.len() as u64, ..c.header.clone() };
            let one = encode(&header, &[(ns.clone(), recs)]);
            (ns, one)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> (Header, Vec<(String, Vec<Record>)>) {
        let config = IndexConfig::create(&json!({"name": "src", "dimension": 2, "metric": "cosine",
            "spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}}}))
        .unwrap();
        let rec = |id: &str, x: f32| Record { id: id.into(), values: vec![x, 1.0], ..Record::default() };
        let ns = vec![("a".to_string(), vec![rec("1", 1.0), rec("2", 2.0)]), ("".to_string(), vec![rec("3", 3.0)])];
        let header = Header { name: "c".into(), source: "src".into(), config, vector_count: 3, environment: "e".into() };
        (header, ns)
    }

    #[test]
    fn round_trip() {
        let (h, ns) = sample();
        let bytes = encode(&h, &ns);
        let c = decode(&bytes).unwrap();
        assert_eq!(c.header, h);
        assert_eq!(c.namespaces, ns);
        assert_eq!(decode_header(&bytes).unwrap(), h);
    }

    #[test]
    fn split_and_merge_round_trip() {
        let (h, ns) = sample();
        let bytes = encode(&h, &ns);
        let parts = split(&bytes).unwrap();
        assert_eq!(parts.len(), 2);
        let merged = merge("c", &parts.into_iter().map(|(_, b)| b).collect::<Vec<_>>()).unwrap();
        let c = decode(&merged).unwrap();
        let mut want = ns.clone();
        want.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(c.namespaces, want);
        assert_eq!(c.header.vector_count, 3);
        assert!(merge("x", &[bytes.clone(), bytes]).is_err(), "duplicate namespaces");
    }

    #[test]
    fn every_flip_and_truncation_is_rejected() {
        let (h, ns) = sample();
        let bytes = encode(&h, &ns);
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x01;
            assert!(decode(&b).is_err(), "flip at {i}");
            assert!(decode(&bytes[..i]).is_err(), "truncated at {i}");
        }
    }
}
