//! Pinecone's metadata filter language, parsed into a tree from an allowlist
//! of operators and evaluated against a record's metadata.

use serde_json::Value as Json;

use crate::error::{Error, Result};
use crate::metadata::Metadata;

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    _private: (),
}

impl Filter {
    /// Parses a filter object. Rejects unknown operators, wrong operand
    /// types, lists as `$eq` operands, empty filters, and filters deeper or
    /// larger than the limits.
    pub fn parse(_json: &Json) -> Result<Filter> {
        Err(Error::invalid("filters are not supported yet"))
    }

    /// Whether a record with this metadata (or none) matches.
    pub fn matches(&self, _metadata: Option<&Metadata>) -> bool {
        false
    }

    pub fn matches_visible(&self, _metadata: Option<&Metadata>, _visible: &dyn Fn(&str) -> bool) -> bool {
        false
    }
}
