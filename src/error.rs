//! The one error type of the crate, and its mapping to Pinecone's wire codes.
//!
//! Every fallible engine operation returns [`Error`]. Each variant knows its
//! HTTP status, gRPC code, control-plane code string and the name of the
//! Pinecone TS client error class it becomes in JS, so that the binding layer
//! and the edge worker map it in exactly one place.

use std::fmt;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Maximum metadata bytes per record (Pinecone: 40 KB).
pub const MAX_METADATA_BYTES: usize = 40_960;

#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// A request argument is invalid (HTTP 400, gRPC 3).
    InvalidArgument(String),
    /// Client-side argument error (`PineconeArgumentError` in the TS client):
    /// raised before any request would be sent.
    Argument(String),
    /// A record's dense vector has the wrong length.
    DimensionMismatch { expected: usize, got: usize },
    /// A query vector has the wrong length.
    QueryDimensionMismatch { expected: usize, got: usize },
    /// A dense vector made only of zeros.
    ZeroVector { id: String },
    /// Metadata larger than [`MAX_METADATA_BYTES`].
    MetadataTooLarge { bytes: usize },
    IndexNotFound(String),
    NamespaceNotFound(String),
    CollectionNotFound(String),
    BackupNotFound(String),
    /// Creating something whose name is taken (HTTP 409).
    AlreadyExists(String),
    /// Deleting an index with deletion protection enabled (HTTP 403).
    DeletionProtected,
    /// A quota or capacity limit (HTTP 403 `QUOTA_EXCEEDED`): namespace count,
    /// pod index fullness, storage quota of the browser.
    QuotaExceeded(String),
    /// A precondition does not hold (HTTP 412), e.g. pending collections.
    FailedPrecondition(String),
    /// The caller is not allowed to do this (HTTP 403, edge deployment).
    Forbidden(String),
    /// Missing or bad credentials (HTTP 401, edge deployment).
    Unauthenticated(String),
    /// Too many writes in flight: retry with backoff (HTTP 429).
    Throttled(String),
    /// Stored bytes failed validation (checksum, version, truncation).
    Corrupt(String),
    /// The storage backend failed (I/O, IndexedDB transaction abort, ...).
    Storage(String),
}

/// How an error class is presented to users of each surface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Presentation {
    pub http_status: u16,
    pub grpc_code: u8,
    /// Control-plane `error.code` string.
    pub code: &'static str,
    /// Name of the JS error class (Pinecone TS client naming).
    pub js_name: &'static str,
    /// Whether retrying the same request later can succeed.
    pub retryable: bool,
}

impl Error {
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidArgument(msg.into())
    }

    pub fn presentation(&self) -> Presentation {
        use Error::*;
        let p = |http_status, grpc_code, code, js_name| Presentation {
            http_status,
            grpc_code,
            code,
            js_name,
            retryable: false,
        };
        match self {
            InvalidArgument(_)
            | DimensionMismatch { .. }
            | QueryDimensionMismatch { .. }
            | ZeroVector { .. }
            | MetadataTooLarge { .. } => p(400, 3, "INVALID_ARGUMENT", "PineconeBadRequestError"),
            Argument(_) => p(400, 3, "INVALID_ARGUMENT", "PineconeArgumentError"),
            IndexNotFound(_) | NamespaceNotFound(_) | CollectionNotFound(_) | BackupNotFound(_) => {
                p(404, 5, "NOT_FOUND", "PineconeNotFoundError")
            }
            AlreadyExists(_) => p(409, 6, "ALREADY_EXISTS", "PineconeConflictError"),
            DeletionProtected | Forbidden(_) => p(403, 7, "FORBIDDEN", "PineconeBadRequestError"),
            QuotaExceeded(_) => p(403, 8, "QUOTA_EXCEEDED", "PineconeBadRequestError"),
            FailedPrecondition(_) => p(412, 9, "FAILED_PRECONDITION", "PineconeBadRequestError"),
            Unauthenticated(_) => p(401, 16, "UNAUTHENTICATED", "PineconeAuthorizationError"),
            Throttled(_) => Presentation {
                retryable: true,
                ..p(429, 8, "RESOURCE_EXHAUSTED", "PineconeUnavailableError")
            },
            Corrupt(_) => p(500, 15, "DATA_LOSS", "ConiferCorruptionError"),
            Storage(_) => p(500, 13, "INTERNAL", "ConiferStorageError"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Error::*;
        match self {
            InvalidArgument(m) | Argument(m) | QuotaExceeded(m) | FailedPrecondition(m)
            | Forbidden(m) | Unauthenticated(m) | Throttled(m) => f.write_str(m),
            DimensionMismatch { expected, got } => write!(
                f,
                "Vector dimension {got} does not match the dimension of the index {expected}"
            ),
            QueryDimensionMismatch { expected, got } => write!(
                f,
                "Query vector dimension {got} does not match the dimension of the index {expected}"
            ),
            ZeroVector { id } => write!(
                f,
                "Dense vectors must contain at least one non-zero value. Vector ID '{id}' contains only zeros"
            ),
            MetadataTooLarge { bytes } => write!(
                f,
                "metadata size is {bytes} bytes, which exceeds the limit of {MAX_METADATA_BYTES} bytes per vector"
            ),
            IndexNotFound(n) => write!(f, "Index {n} not found."),
            NamespaceNotFound(n) => write!(f, "Namespace {n} not found"),
            CollectionNotFound(n) => write!(f, "Collection {n} not found."),
            BackupNotFound(n) => write!(f, "Backup {n} not found."),
            AlreadyExists(_) => f.write_str("Resource already exists."),
            DeletionProtected => f.write_str(
                "Deletion protection is enabled for this index. Disable deletion protection before retrying.",
            ),
            Corrupt(m) => write!(f, "stored data is corrupt: {m}"),
            Storage(m) => write!(f, "storage error: {m}"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_match_pinecone() {
        assert_eq!(
            Error::DimensionMismatch { expected: 8, got: 3 }.to_string(),
            "Vector dimension 3 does not match the dimension of the index 8"
        );
        assert_eq!(
            Error::ZeroVector { id: "z".into() }.to_string(),
            "Dense vectors must contain at least one non-zero value. Vector ID 'z' contains only zeros"
        );
        assert_eq!(Error::IndexNotFound("x".into()).presentation().http_status, 404);
        assert_eq!(Error::DeletionProtected.presentation().http_status, 403);
        assert!(Error::Throttled("busy".into()).presentation().retryable);
    }
}
