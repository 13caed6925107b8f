//! Byte format of an [`Hnsw`] graph: fixed-width little-endian, versioned,
//! CRC32-checked; decoding validates everything and never panics.
//!
//! ```text
//! header   magic  "CNFRHNSW"                     8 bytes
//!          version u16 (= 2), flags u16 (= 0)     4
//!          m u32, ef_construction u32,
//!          ef_search u32                         12
//!          seed u64, rng state u64               16
//!          entry u32 (0xFFFF_FFFF = none)         4
//!          slots u32 (node records that follow)   4
//!          nodes u32 (present among them)         4
//! records  one per slot 0..slots, in slot order:
//!          level u8 (0xFF = absent: nothing else)
//!          parent u32 (0xFFFF_FFFF = none)        (version 2)
//!          for each layer 0..=level:
//!            count u16, then count x link u32
//! trailer  crc32 u32 of every byte before it      4
//! ```
//!
//! `parent` is the node's parent in the layer-0 spanning tree that keeps
//! every node reachable (see the module docs of [`Hnsw`]); storing it makes
//! a decoded graph evolve exactly as the encoded one would. Version 1 (no
//! parents) still decodes: the tree is rebuilt from the entry.
//!
//! Incremental persistence: a node record is self-contained (its slot is its
//! key, its level, parent and adjacency lists follow), so a later format can
//! store the header as one small record and each node record under its slot
//! key, rewriting only the nodes an operation touched (an insert changes the
//! new node, the lists it linked back into and, when it becomes the entry,
//! the old entry's parent; a removal changes its in-neighbours and the
//! parents of the nodes it re-parents), each with its own checksum.
//! `encode_node` is that record.
//!
//! Decoding bounds every allocation by the bytes remaining: each slot record
//! is at least one byte, so the slot tables are sized only after checking
//! `slots <= remaining bytes` (at most `(2m + 1) * 4 + 31` bytes of tables per
//! input byte, the in-memory size of a slot), each list's length is checked
//! before it is read, and a node's upper table is allocated only after its
//! level byte, which bounds it by `MAX_LEVEL`. The decoded graph is then
//! checked against every invariant of the module ([`Hnsw::check`]) and its
//! tree for consistency (`Hnsw::check_tree`; a tree that leaves nodes
//! unreachable is accepted, and they are reconnected by the next update).

use super::{Hnsw, HnswParams, Visited, ABSENT, MAX_LEVEL, NO_PARENT};
use crate::error::{Error, Result};
use std::cell::RefCell;

const MAGIC: &[u8; 8] = b"CNFRHNSW";
const VERSION: u16 = 2;
/// The format before parents were stored; still decoded.
const VERSION_1: u16 = 1;
const HEADER_BYTES: usize = 8 + 4 + 12 + 16 + 12;
const NO_ENTRY: u32 = u32::MAX;

fn corrupt(msg: &str) -> Error {
    Error::Corrupt(format!("HNSW graph: {msg}"))
}

impl Hnsw {
    /// The whole graph as bytes (see the module docs for the layout).
    pub fn encode(&self) -> Vec<u8> {
        // Trailing absent slots are not written.
        let slots = self.levels.iter().rposition(|&l| l != ABSENT).map_or(0, |p| p + 1);
        let links: usize = self.len * (self.m() + 2) * 4;
        let mut out = Vec::with_capacity(HEADER_BYTES + slots + links + 4);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        for v in [self.params.m, self.params.ef_construction, self.params.ef_search] {
            out.extend_from_slice(&(v as u32).to_le_bytes());
        }
        out.extend_from_slice(&self.params.seed.to_le_bytes());
        out.extend_from_slice(&self.rng.to_le_bytes());
        out.extend_from_slice(&self.entry.unwrap_or(NO_ENTRY).to_le_bytes());
        out.extend_from_slice(&(slots as u32).to_le_bytes());
        out.extend_from_slice(&(self.len as u32).to_le_bytes());
        for s in 0..slots {
            self.encode_node_into(s as u32, &mut out);
        }
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// The record of one slot: its level byte (0xFF if absent), its parent
    /// and its adjacency lists, as laid out in the full encoding.
    pub fn encode_node(&self, slot: u32) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_node_into(slot, &mut out);
        out
    }

    fn encode_node_into(&self, slot: u32, out: &mut Vec<u8>) {
        let level = self.levels.get(slot as usize).copied().unwrap_or(ABSENT);
        out.push(level);
        if level == ABSENT {
            return;
        }
        let parent = self.parent.get(slot as usize).copied().unwrap_or(NO_PARENT);
        out.extend_from_slice(&parent.to_le_bytes());
        for l in 0..=level {
            let links = self.links(slot, l);
            // Lists hold at most 2 * MAX_M = 256 links, so u16 always fits.
            out.extend_from_slice(&(links.len() as u16).to_le_bytes());
            for &x in links {
                out.extend_from_slice(&x.to_le_bytes());
            }
        }
    }

    /// Rebuilds a graph from [`Hnsw::encode`] bytes; `Error::Corrupt` on any
    /// truncated, altered or inconsistent input.
    pub fn decode(bytes: &[u8]) -> Result<Hnsw> {
        if bytes.len() < HEADER_BYTES + 4 {
            return Err(corrupt("truncated header"));
        }
        let (body, crc) = bytes.split_at(bytes.len() - 4);
        let stored = u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]);
        if crc32fast::hash(body) != stored {
            return Err(corrupt("checksum mismatch"));
        }
        let mut r = Reader { buf: body };
        if r.take(8)? != MAGIC {
            return Err(corrupt("bad magic"));
        }
        let version = r.u16()?;
        if version != VERSION && version != VERSION_1 {
            return Err(corrupt(&format!("unsupported version {version}")));
        }
        if r.u16()? != 0 {
            return Err(corrupt("unknown flags"));
        }
        let m = r.u32()? as usize;
        let ef_construction = r.u32()? as usize;
        let ef_search = r.u32()? as usize;
        let seed = r.u64()?;
        let params = HnswParams { m, ef_construction, ef_search, seed };
        params.validate().map_err(|e| corrupt(&e.to_string()))?;
        let rng = r.u64()?;
        let entry = r.u32()?;
        let slots = r.u32()? as usize;
        let nodes = r.u32()? as usize;
        if slots > r.buf.len() {
            return Err(corrupt("more slots than bytes"));
        }

        let words = slots.checked_mul(2 * m + 1).ok_or_else(|| corrupt("too many slots"))?;
        let mut layer0 = Vec::new();
        layer0.try_reserve_exact(words).map_err(|_| corrupt("graph too large for memory"))?;
        layer0.resize(words, 0);
        let mut g = Hnsw {
            params,
            levels: vec![ABSENT; slots],
            layer0,
            upper: vec![Vec::new(); slots],
            entry: (entry != NO_ENTRY).then_some(entry),
            max_level: 0,
            len: 0,
            parent: vec![NO_PARENT; slots],
            kids: vec![0; slots],
            orphans: false,
            rng,
            visited: RefCell::new(Visited::default()),
        };
        for s in 0..slots {
            let level = r.u8()?;
            if level == ABSENT {
                continue;
            }
            if level > MAX_LEVEL {
                return Err(corrupt("level out of range"));
            }
            g.levels[s] = level;
            g.upper[s] = vec![0; level as usize * (m + 1)];
            g.len += 1;
            g.max_level = g.max_level.max(level);
            if version != VERSION_1 {
                g.parent[s] = r.u32()?;
            }
            for l in 0..=level {
                let count = r.u16()? as usize;
                if count > g.cap(l) {
                    return Err(corrupt("adjacency list too long"));
                }
                let raw = r.take(count * 4)?;
                let row = g.row_mut(s as u32, l).ok_or_else(|| corrupt("missing row"))?;
                row[0] = count as u32;
                for (dst, c) in row[1..].iter_mut().zip(raw.chunks_exact(4)) {
                    *dst = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                }
            }
        }
        if !r.buf.is_empty() {
            return Err(corrupt("trailing bytes"));
        }
        if g.len != nodes {
            return Err(corrupt("node count mismatch"));
        }
        g.check()?;
        if version == VERSION_1 {
            g.rebuild_parents();
        } else {
            g.recount_kids();
            g.orphans = !g.check_tree()?;
        }
        Ok(g)
    }
}

/// A cursor that fails with `Corrupt` instead of reading past the end.
struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.buf.len() {
            return Err(corrupt("truncated"));
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
}
