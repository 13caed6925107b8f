//! Placeholder for the segment codec (being written on the `filter` branch).

use crate::record::Record;

/// A batch of changes to one namespace, applied in order: `clear`, then
/// `deletes`, then `upserts`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Segment {
    pub clear: bool,
    pub deletes: Vec<String>,
    pub upserts: Vec<Record>,
}
