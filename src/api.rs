//! Pinecone's data-plane wire types (camelCase JSON, as the REST API and the
//! TS client send them) and their validation into engine types.
//!
//! **API boundary**: everything that comes from a caller is parsed here with
//! Pinecone's limits and messages before the engine sees it; the engine
//! trusts what this module hands it.

use serde::Deserialize;
use serde_json::Value as Json;

use crate::error::{Error, Result};
use crate::filter::Filter;
use crate::metadata::{self, Metadata};
use crate::record::{Record, SparseVector};

pub const MAX_UPSERT_RECORDS: usize = 1000;
/// Pinecone's 2 MB per upsert request, measured on the records' payload as
/// the binary (gRPC) encoding carries it: 4 bytes per dense value, 8 per
/// sparse entry, id and metadata bytes. JSON text of the same floats is
/// 3-5x larger and is not what the limit is about.
pub const MAX_REQUEST_BYTES: usize = 2 * 1024 * 1024;
/// A guard on raw JSON bodies before parsing (any operation).
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
pub const TOO_LARGE: &str =
    "Your request is larger than the maximum supported size - 2MB. Please try to reduce your batch size.";

/// Payload bytes of a record as counted against [`MAX_REQUEST_BYTES`].
pub fn payload_bytes(r: &Record) -> usize {
    r.id.len()
        + r.values.len() * 4
        + r.sparse.as_ref().map_or(0, |s| s.indices.len() * 8)
        + r.metadata.as_ref().map_or(0, |m| serde_json::to_vec(&metadata::to_json(m)).map_or(0, |b| b.len()))
}
pub const MAX_ID_CHARS: usize = 512;
pub const MAX_NAMESPACE_CHARS: usize = 512;
pub const MAX_SPARSE_NNZ: usize = 2048;
pub const MAX_TOP_K: i64 = 10_000;
pub const MAX_IDS_PER_REQUEST: usize = 1000;

/// Parses a JSON body into a request type, mapping serde's error to a 400.
pub fn parse<T: for<'de> Deserialize<'de>>(body: &str) -> Result<T> {
    serde_json::from_str(body).map_err(|e| Error::invalid(format!("Invalid request body: {e}")))
}

#[derive(Debug, Clone, Deserialize)]
pub struct WireSparse {
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireRecord {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub values: Option<Vec<f32>>,
    #[serde(default)]
    pub sparse_values: Option<WireSparse>,
    #[serde(default)]
    pub metadata: Option<Json>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpsertRequest {
    pub vectors: Vec<WireRecord>,
    #[serde(default)]
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryRequest {
    #[serde(default)]
    pub top_k: Option<i64>,
    #[serde(default)]
    pub vector: Option<Vec<f32>>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub sparse_vector: Option<WireSparse>,
    #[serde(default)]
    pub filter: Option<Json>,
    #[serde(default)]
    pub include_values: bool,
    #[serde(default)]
    pub include_metadata: bool,
    #[serde(default)]
    pub namespace: Option<String>,
    /// Conifer extension: the graph's candidate list size for this query
    /// (the index's `efSearch` when absent; the search uses at least topK).
    #[serde(default)]
    pub ef_search: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FetchRequest {
    pub ids: Vec<String>,
    #[serde(default)]
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FetchByMetadataRequest {
    #[serde(default)]
    pub filter: Option<Json>,
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub pagination_token: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateRequest {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub values: Option<Vec<f32>>,
    #[serde(default)]
    pub sparse_values: Option<WireSparse>,
    #[serde(default)]
    pub set_metadata: Option<Json>,
    #[serde(default)]
    pub filter: Option<Json>,
    #[serde(default)]
    pub dry_run: bool,
    #[serde(default)]
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteRequest {
    #[serde(default)]
    pub ids: Option<Vec<String>>,
    #[serde(default)]
    pub delete_all: bool,
    #[serde(default)]
    pub filter: Option<Json>,
    #[serde(default)]
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListRequest {
    #[serde(default)]
    pub prefix: Option<String>,
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub pagination_token: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsRequest {
    #[serde(default)]
    pub filter: Option<Json>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListNamespacesRequest {
    #[serde(default)]
    pub prefix: Option<String>,
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub pagination_token: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CreateNamespaceRequest {
    pub name: String,
    #[serde(default)]
    pub schema: Option<Json>,
}

/// The canonical form of a namespace name: `"__default__"` and `""` are the
/// same namespace, stored as `""`.
pub fn namespace_name(ns: Option<&str>) -> Result<String> {
    let ns = ns.unwrap_or("");
    if ns.contains('\0') {
        return Err(Error::invalid("Namespace name must not contain the NUL character."));
    }
    if ns.chars().count() > MAX_NAMESPACE_CHARS {
        return Err(Error::invalid(format!(
            "Namespace name must be {MAX_NAMESPACE_CHARS} characters or less."
        )));
    }
    Ok(if ns == "__default__" { String::new() } else { ns.to_string() })
}

pub fn validate_id(id: &str) -> Result<()> {
    if id.is_empty() {
        return Err(Error::invalid("Vector ID must not be empty."));
    }
    if id.contains('\0') {
        return Err(Error::invalid("Vector ID must not contain the NUL character."));
    }
    let n = id.chars().count();
    if n > MAX_ID_CHARS {
        return Err(Error::invalid(format!(
            "Vector ID length {n} exceeds the maximum length of {MAX_ID_CHARS} characters."
        )));
    }
    Ok(())
}

/// Checks a dense vector against the index dimension: length, finiteness.
pub fn validate_dense(values: &[f32], dim: usize, query: bool) -> Result<()> {
    if values.len() != dim {
        return Err(if query {
            Error::QueryDimensionMismatch { expected: dim, got: values.len() }
        } else {
            Error::DimensionMismatch { expected: dim, got: values.len() }
        });
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid(format!(
            "Vector values must be finite numbers; value at position {i} is {}.",
            values[i]
        )));
    }
    Ok(())
}

/// Validates a sparse vector and returns it with indices sorted.
pub fn sparse(w: WireSparse) -> Result<SparseVector> {
    if w.indices.len() != w.values.len() {
        return Err(Error::invalid(format!(
            "Sparse vector indices and values must have the same length, got {} indices and {} values.",
            w.indices.len(),
            w.values.len()
        )));
    }
    if w.indices.len() > MAX_SPARSE_NNZ {
        return Err(Error::invalid(format!(
            "Sparse vector size {} exceeds the maximum size of {MAX_SPARSE_NNZ}.",
            w.indices.len()
        )));
    }
    if w.values.iter().any(|v| !v.is_finite()) {
        return Err(Error::invalid("Sparse vector values must be finite numbers."));
    }
    let mut pairs: Vec<(u32, f32)> = w.indices.into_iter().zip(w.values).collect();
    pairs.sort_by_key(|p| p.0);
    if pairs.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err(Error::invalid("Sparse vector indices must be unique."));
    }
    Ok(SparseVector {
        indices: pairs.iter().map(|p| p.0).collect(),
        values: pairs.iter().map(|p| p.1).collect(),
    })
}

/// What kind of vectors an index holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Dense dimension; 0 on sparse indexes.
    pub dim: usize,
    pub sparse_index: bool,
}

/// Validates one record for an index of the given shape.
pub fn record(w: WireRecord, shape: Shape) -> Result<Record> {
    let id = w
        .id
        .ok_or_else(|| Error::invalid("Every record must include an `id` property in order to upsert."))?;
    validate_id(&id)?;
    let values = w.values.unwrap_or_default();
    let sparse = w.sparse_values.map(sparse).transpose()?;
    if shape.sparse_index {
        if !values.is_empty() {
            return Err(Error::invalid(format!(
                "Vector ID '{id}': sparse indexes accept only `sparseValues`, not dense `values`."
            )));
        }
        match &sparse {
            Some(s) if !s.indices.is_empty() => {}
            _ => {
                return Err(Error::invalid(format!(
                    "Vector ID '{id}': records in a sparse index must have non-empty `sparseValues`."
                )))
            }
        }
    } else {
        validate_dense(&values, shape.dim, false)?;
        if values.iter().all(|v| *v == 0.0) {
            return Err(Error::ZeroVector { id });
        }
    }
    let metadata = match w.metadata {
        None | Some(Json::Null) => None,
        Some(m) => Some(metadata::from_json(&m)?),
    };
    Ok(Record { id, values, sparse, metadata })
}

/// Parses an optional filter; an empty object is an error.
pub fn filter(f: Option<&Json>) -> Result<Option<Filter>> {
    match f {
        None | Some(Json::Null) => Ok(None),
        Some(f) => Filter::parse(f).map(Some),
    }
}

pub fn set_metadata(m: Option<&Json>) -> Result<Option<Metadata>> {
    match m {
        None | Some(Json::Null) => Ok(None),
        Some(m) => metadata::from_json(m).map(Some),
    }
}

/// Validates a page size: default `default`, range 1..=max.
pub fn limit(l: Option<i64>, default: usize, max: usize) -> Result<usize> {
    match l {
        None => Ok(default),
        Some(n) if n >= 1 && n as u64 <= max as u64 => Ok(n as usize),
        Some(n) => Err(Error::invalid(format!("`limit` must be between 1 and {max}, got {n}."))),
    }
}

/// Pagination tokens are the hex form of the last key returned.
pub fn encode_token(last: &str) -> String {
    last.bytes().map(|b| format!("{b:02x}")).collect()
}

pub fn decode_token(token: Option<&str>) -> Result<Option<String>> {
    let Some(t) = token.filter(|t| !t.is_empty()) else { return Ok(None) };
    let bad = || Error::invalid("Invalid pagination token.");
    if t.len() % 2 != 0 || t.len() > 4 * MAX_ID_CHARS * 2 {
        return Err(bad());
    }
    let bytes = (0..t.len())
        .step_by(2)
        .map(|i| t.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(bad)?;
    String::from_utf8(bytes).map(Some).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip() {
        for s in ["", "doc1#2", "ünïcode"] {
            if s.is_empty() {
                assert_eq!(decode_token(Some(&encode_token(s))).unwrap(), None);
            } else {
                assert_eq!(decode_token(Some(&encode_token(s))).unwrap().as_deref(), Some(s));
            }
        }
        assert!(decode_token(Some("zz")).is_err());
        assert!(decode_token(Some("abc")).is_err());
        assert!(decode_token(Some("ff")).is_err());
    }

    #[test]
    fn namespace_alias() {
        assert_eq!(namespace_name(Some("__default__")).unwrap(), "");
        assert_eq!(namespace_name(None).unwrap(), "");
        assert!(namespace_name(Some("a\0b")).is_err());
        assert!(namespace_name(Some(&"n".repeat(513))).is_err());
    }

    #[test]
    fn records() {
        let shape = Shape { dim: 2, sparse_index: false };
        let r: UpsertRequest = parse(r#"{"vectors":[{"id":"a","values":[1,0]}]}"#).unwrap();
        assert!(record(r.vectors.into_iter().next().unwrap(), shape).is_ok());
        let bad = [
            r#"{"id":"a","values":[0,0]}"#,
            r#"{"id":"a","values":[1]}"#,
            r#"{"values":[1,1]}"#,
            r#"{"id":"","values":[1,1]}"#,
            r#"{"id":"a","values":[1,1],"metadata":{"x":null}}"#,
            r#"{"id":"a","values":[1,1e300]}"#,
            r#"{"id":"a","values":[1,1],"sparseValues":{"indices":[1,1],"values":[1,2]}}"#,
        ];
        for b in bad {
            let w: WireRecord = parse(b).unwrap();
            assert!(record(w, shape).is_err(), "{b}");
        }
        assert!(parse::<WireRecord>(r#"{"id":"a","values":["x"]}"#).is_err());
        assert!(parse::<WireRecord>(r#"{"id":"a","values":[1],"sparseValues":{"indices":[-1],"values":[1]}}"#).is_err());
    }
}
