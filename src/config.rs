//! The control-plane model: an index's configuration, validated from
//! Pinecone's `createIndex` / `configureIndex` bodies (2026-04 wire shape,
//! snake_case), and the pod capacity table.
//!
//! **Invariant**: an [`IndexConfig`] that exists was built by
//! [`IndexConfig::create`], so its name, dimension, metric, spec and tags
//! satisfy Pinecone's rules; `configure` keeps them satisfied.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::distance::Metric;
use crate::error::{Error, Result};
use crate::index::hnsw::HnswParams;
use crate::namespace::IndexMode;

pub const MAX_DIMENSION: u32 = 20_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VectorType {
    Dense,
    Sparse,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerlessSpec {
    pub cloud: String,
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_collection: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetadataConfig {
    pub indexed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PodSpec {
    pub environment: String,
    pub pod_type: String,
    pub pods: u32,
    pub replicas: u32,
    pub shards: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_config: Option<MetadataConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_collection: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serverless: Option<ServerlessSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<PodSpec>,
}

/// Conifer's own per-index engine settings (not in Pinecone's API).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EngineConfig {
    /// "auto" | "flat" | "hnsw".
    pub index_type: IndexTypeName,
    pub m: usize,
    pub ef_construction: usize,
    pub ef_search: usize,
    /// "none" | "int8": int8 codes for the graph with f32 rescoring.
    #[serde(default)]
    pub quantization: Quantization,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Quantization {
    #[default]
    None,
    Int8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IndexTypeName {
    Auto,
    Flat,
    Hnsw,
}

impl Default for EngineConfig {
    fn default() -> Self {
        let p = HnswParams::default();
        EngineConfig {
            index_type: IndexTypeName::Auto,
            m: p.m,
            ef_construction: p.ef_construction,
            ef_search: p.ef_search,
            quantization: Quantization::None,
        }
    }
}

impl EngineConfig {
    pub fn mode(&self) -> IndexMode {
        match self.index_type {
            IndexTypeName::Auto => IndexMode::Auto,
            IndexTypeName::Flat => IndexMode::Flat,
            IndexTypeName::Hnsw => IndexMode::Hnsw,
        }
    }

    pub fn hnsw_params(&self) -> HnswParams {
        HnswParams {
            m: self.m,
            ef_construction: self.ef_construction,
            ef_search: self.ef_search,
            ..HnswParams::default()
        }
    }
}

/// A stored index configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexConfig {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimension: Option<u32>,
    pub metric: Metric,
    pub vector_type: VectorType,
    /// "enabled" | "disabled"
    pub deletion_protection: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub spec: Spec,
    #[serde(default)]
    pub engine: EngineConfig,
}

fn str_field<'a>(obj: &'a serde_json::Map<String, Json>, key: &str) -> Result<Option<&'a str>> {
    match obj.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::invalid(format!("`{key}` must be a string"))),
    }
}

fn uint_field(obj: &serde_json::Map<String, Json>, key: &str) -> Result<Option<u64>> {
    match obj.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| Error::invalid(format!("`{key}` must be a non-negative integer"))),
    }
}

/// Pinecone's index and collection name rule: 1-45 characters, lowercase
/// alphanumerics or '-', starting and ending with an alphanumeric.
pub fn validate_resource_name(name: &str, what: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::invalid(format!("{what} name must not be empty.")));
    }
    if name.chars().count() > 45 {
        return Err(Error::invalid(format!("{what} name must be 45 characters or less.")));
    }
    let ok_chars = name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let ends_ok = !name.starts_with('-') && !name.ends_with('-');
    if !ok_chars || !ends_ok {
        return Err(Error::invalid(format!(
            "{what} name must contain only lowercase alphanumeric characters or hyphens, and must not begin or end with a hyphen."
        )));
    }
    Ok(())
}

/// Tag rules: keys <= 80 chars `[A-Za-z0-9_-]`; values <= 120 chars of
/// alphanumerics, space and `; @ _ - . +` (empty means "delete" in configure).
fn validate_tags(tags: &BTreeMap<String, String>) -> Result<()> {
    for (k, v) in tags {
        let key_ok = !k.is_empty()
            && k.len() <= 80
            && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !key_ok {
            return Err(Error::invalid(format!(
                "Tag key '{k}' is invalid: keys must be 1-80 characters of letters, digits, '_' or '-'."
            )));
        }
        let val_ok = v.len() <= 120
            && v.bytes().all(|b| b.is_ascii_alphanumeric() || b" ;@_-.+".contains(&b));
        if !val_ok {
            return Err(Error::invalid(format!(
                "Tag value for key '{k}' is invalid: values must be at most 120 characters of letters, digits, spaces or ';@_-.+'."
            )));
        }
    }
    Ok(())
}

fn parse_tags(v: Option<&Json>) -> Result<BTreeMap<String, String>> {
    match v {
        None | Some(Json::Null) => Ok(BTreeMap::new()),
        Some(Json::Object(o)) => {
            let mut out = BTreeMap::new();
            for (k, v) in o {
                let s = v.as_str().ok_or_else(|| Error::invalid(format!("Tag value for key '{k}' must be a string.")))?;
                out.insert(k.clone(), s.to_string());
            }
            Ok(out)
        }
        Some(_) => Err(Error::invalid("`tags` must be an object of string values.")),
    }
}

fn parse_deletion_protection(v: Option<&str>) -> Result<Option<String>> {
    match v {
        None => Ok(None),
        Some(s @ ("enabled" | "disabled")) => Ok(Some(s.to_string())),
        Some(other) => Err(Error::invalid(format!(
            "Invalid value for deletion_protection: '{other}'. Expected 'enabled' or 'disabled'."
        ))),
    }
}

/// Parses "p1.x2" into (type, size multiplier).
pub fn parse_pod_type(s: &str) -> Result<(&str, u32)> {
    let (kind, size) = s.split_once('.').unwrap_or((s, ""));
    let mult = match size {
        "x1" => 1,
        "x2" => 2,
        "x4" => 4,
        "x8" => 8,
        _ => 0,
    };
    if !matches!(kind, "p1" | "s1" | "p2") || mult == 0 {
        return Err(Error::invalid(format!(
            "Invalid pod type '{s}'. Expected one of p1, s1, p2 with size x1, x2, x4 or x8 (e.g. 'p1.x1')."
        )));
    }
    Ok((kind, mult))
}

/// Estimated max vectors per x1 pod, from Table 1 of Pinecone's pod sizing
/// guide (rows for 512, 768 and 1024 dimensions). Smaller dimensions use the
/// 512 row scaled by 512/d (capped at 4x); larger ones scale the 1024 row by
/// 1024/d.
pub fn pod_capacity_per_pod(kind: &str, dim: u32) -> u64 {
    let rows: [(u32, u64); 3] = match kind {
        "s1" => [(512, 8_000_000), (768, 5_000_000), (1024, 4_000_000)],
        "p2" => [(512, 1_250_000), (768, 1_100_000), (1024, 1_000_000)],
        _ => [(512, 1_250_000), (768, 1_000_000), (1024, 675_000)],
    };
    let d = dim.max(1) as u64;
    if d <= 512 {
        let scale = (512 / d).clamp(1, 4);
        return rows[0].1 * scale;
    }
    for (rd, cap) in rows {
        if d <= rd as u64 {
            return cap;
        }
    }
    rows[2].1 * 1024 / d
}

impl IndexConfig {
    /// Validates a `createIndex` body (2026-04 wire shape).
    pub fn create(body: &Json) -> Result<IndexConfig> {
        let obj = body.as_object().ok_or_else(|| Error::invalid("Request body must be a JSON object."))?;
        let name = str_field(obj, "name")?.ok_or_else(|| Error::invalid("Missing required field `name`."))?;
        validate_resource_name(name, "Index")?;
        let vector_type = match str_field(obj, "vector_type")? {
            None | Some("dense") => VectorType::Dense,
            Some("sparse") => VectorType::Sparse,
            Some(v) => return Err(Error::invalid(format!("Invalid vector_type '{v}'. Expected 'dense' or 'sparse'."))),
        };
        let metric = match str_field(obj, "metric")? {
            None => match vector_type {
                VectorType::Dense => Metric::Cosine,
                VectorType::Sparse => Metric::DotProduct,
            },
            Some(m) => Metric::parse(m).ok_or_else(|| {
                Error::invalid(format!("Invalid metric '{m}'. Expected one of cosine, euclidean, dotproduct."))
            })?,
        };
        let dimension = uint_field(obj, "dimension")?;
        let dimension = match vector_type {
            VectorType::Dense => {
                let d = dimension.ok_or_else(|| Error::invalid("Dimension is required for dense indexes."))?;
                if d < 1 || d > MAX_DIMENSION as u64 {
                    return Err(Error::invalid(format!(
                        "Dimension must be between 1 and {MAX_DIMENSION}, got {d}."
                    )));
                }
                Some(d as u32)
            }
            VectorType::Sparse => {
                if dimension.is_some() {
                    return Err(Error::invalid("Sparse indexes cannot have a `dimension`."));
                }
                if metric != Metric::DotProduct {
                    return Err(Error::invalid("Sparse vector indexes must use the metric dotproduct."));
                }
                None
            }
        };
        let deletion_protection =
            parse_deletion_protection(str_field(obj, "deletion_protection")?)?.unwrap_or_else(|| "disabled".into());
        let tags = parse_tags(obj.get("tags"))?;
        validate_tags(&tags)?;
        let spec = Self::parse_spec(obj.get("spec"))?;
        if spec.pod.is_some() && vector_type == VectorType::Sparse {
            return Err(Error::invalid("Sparse indexes are only supported with a serverless spec."));
        }
        let mut engine = match obj.get("conifer") {
            None | Some(Json::Null) => EngineConfig::default(),
            Some(v) => Self::parse_engine(v)?,
        };
        // Pod types map to engine configurations (unless set explicitly):
        // p1 = graph on float32 (defaults); s1 = storage-optimised, graph on
        // int8 codes with float32 rescoring; p2 = graph tuned for throughput
        // (efSearch 40: ~0.95 recall@10 on wordnet-minilm instead of ~0.99).
        let explicit = obj.get("conifer").and_then(|c| c.as_object());
        let set = |k: &str| explicit.is_some_and(|c| c.contains_key(k));
        if let Some(pod) = &spec.pod {
            match parse_pod_type(&pod.pod_type)?.0 {
                "s1" if !set("quantization") => engine.quantization = Quantization::Int8,
                "p2" if !set("ef_search") => engine.ef_search = 40,
                _ => {}
            }
        }
        Ok(IndexConfig {
            name: name.to_string(),
            dimension,
            metric,
            vector_type,
            deletion_protection,
            tags: tags.into_iter().filter(|(_, v)| !v.is_empty()).collect(),
            spec,
            engine,
        })
    }

    fn parse_engine(v: &Json) -> Result<EngineConfig> {
        let o = v.as_object().ok_or_else(|| Error::invalid("`conifer` must be an object."))?;
        let mut e = EngineConfig::default();
        if let Some(t) = str_field(o, "index_type")? {
            e.index_type = match t {
                "auto" => IndexTypeName::Auto,
                "flat" => IndexTypeName::Flat,
                "hnsw" => IndexTypeName::Hnsw,
                _ => return Err(Error::invalid(format!("Invalid index_type '{t}'. Expected auto, flat or hnsw."))),
            };
        }
        let get = |k: &str, d: usize| -> Result<usize> {
            Ok(uint_field(o, k)?.map(|v| v.min(usize::MAX as u64) as usize).unwrap_or(d))
        };
        e.m = get("m", e.m)?;
        e.ef_construction = get("ef_construction", e.ef_construction)?;
        e.ef_search = get("ef_search", e.ef_search)?;
        if let Some(q) = str_field(o, "quantization")? {
            e.quantization = match q {
                "none" => Quantization::None,
                "int8" => Quantization::Int8,
                _ => return Err(Error::invalid(format!("Invalid quantization '{q}'. Expected none or int8."))),
            };
        }
        crate::index::hnsw::Hnsw::new(e.hnsw_params())?;
        Ok(e)
    }

    fn parse_spec(v: Option<&Json>) -> Result<Spec> {
        let obj = match v {
            Some(Json::Object(o)) => o,
            None | Some(Json::Null) => return Err(Error::invalid("Missing required field `spec`.")),
            Some(_) => return Err(Error::invalid("`spec` must be an object.")),
        };
        let serverless = obj.get("serverless").filter(|v| !v.is_null());
        let pod = obj.get("pod").filter(|v| !v.is_null());
        if obj.keys().any(|k| k != "serverless" && k != "pod") {
            let k = obj.keys().find(|k| *k != "serverless" && *k != "pod").cloned().unwrap_or_default();
            return Err(Error::invalid(format!("Unsupported spec type '{k}'. Expected `serverless` or `pod`.")));
        }
        match (serverless, pod) {
            (Some(s), None) => {
                let s = s.as_object().ok_or_else(|| Error::invalid("`spec.serverless` must be an object."))?;
                let cloud = str_field(s, "cloud")?.ok_or_else(|| Error::invalid("Missing required field `cloud`."))?;
                if !matches!(cloud, "aws" | "gcp" | "azure") {
                    return Err(Error::invalid(format!("Invalid cloud '{cloud}'. Expected one of aws, gcp, azure.")));
                }
                let region = str_field(s, "region")?.ok_or_else(|| Error::invalid("Missing required field `region`."))?;
                if region.is_empty() {
                    return Err(Error::invalid("`region` must not be empty."));
                }
                Ok(Spec {
                    serverless: Some(ServerlessSpec {
                        cloud: cloud.into(),
                        region: region.into(),
                        source_collection: str_field(s, "source_collection")?.map(String::from),
                    }),
                    pod: None,
                })
            }
            (None, Some(p)) => {
                let p = p.as_object().ok_or_else(|| Error::invalid("`spec.pod` must be an object."))?;
                let environment =
                    str_field(p, "environment")?.ok_or_else(|| Error::invalid("Missing required field `environment`."))?;
                let pod_type = str_field(p, "pod_type")?.unwrap_or("p1.x1");
                parse_pod_type(pod_type)?;
                let replicas = uint_field(p, "replicas")?.unwrap_or(1);
                let pods_given = uint_field(p, "pods")?;
                let shards = match (uint_field(p, "shards")?, pods_given) {
                    (Some(s), _) => s,
                    (None, Some(pods)) if replicas > 0 && pods % replicas == 0 => pods / replicas,
                    (None, Some(_)) => 0,
                    (None, None) => 1,
                };
                let pods = pods_given.unwrap_or(replicas.saturating_mul(shards));
                for (k, v) in [("replicas", replicas), ("shards", shards), ("pods", pods)] {
                    if v == 0 || v > 100 {
                        return Err(Error::invalid(format!("`{k}` must be between 1 and 100, got {v}.")));
                    }
                }
                if pods != replicas * shards {
                    return Err(Error::invalid(format!(
                        "The number of pods ({pods}) must equal replicas ({replicas}) x shards ({shards})."
                    )));
                }
                let metadata_config = match p.get("metadata_config") {
                    None | Some(Json::Null) => None,
                    Some(Json::Object(m)) => {
                        let indexed = match m.get("indexed") {
                            Some(Json::Array(a)) => a
                                .iter()
                                .map(|v| {
                                    v.as_str()
                                        .map(String::from)
                                        .ok_or_else(|| Error::invalid("`metadata_config.indexed` must be a list of strings."))
                                })
                                .collect::<Result<Vec<_>>>()?,
                            _ => return Err(Error::invalid("`metadata_config.indexed` must be a list of strings.")),
                        };
                        Some(MetadataConfig { indexed })
                    }
                    Some(_) => return Err(Error::invalid("`metadata_config` must be an object.")),
                };
                Ok(Spec {
                    serverless: None,
                    pod: Some(PodSpec {
                        environment: environment.into(),
                        pod_type: pod_type.into(),
                        pods: pods as u32,
                        replicas: replicas as u32,
                        shards: shards as u32,
                        metadata_config,
                        source_collection: str_field(p, "source_collection")?.map(String::from),
                    }),
                })
            }
            _ => Err(Error::invalid("`spec` must contain exactly one of `serverless` or `pod`.")),
        }
    }

    /// Applies a `configureIndex` body: deletion protection, tag merge
    /// (`""` removes a key), pod replicas and pod size.
    pub fn configure(&mut self, body: &Json) -> Result<()> {
        let obj = body.as_object().ok_or_else(|| Error::invalid("Request body must be a JSON object."))?;
        let mut next = self.clone();
        if let Some(dp) = parse_deletion_protection(str_field(obj, "deletion_protection")?)? {
            next.deletion_protection = dp;
        }
        if obj.get("tags").is_some_and(|t| !t.is_null()) {
            let tags = parse_tags(obj.get("tags"))?;
            validate_tags(&tags)?;
            for (k, v) in tags {
                if v.is_empty() {
                    next.tags.remove(&k);
                } else {
                    next.tags.insert(k, v);
                }
            }
        }
        if let Some(spec) = obj.get("spec").filter(|v| !v.is_null()) {
            let pod_body = spec.get("pod").and_then(|p| p.as_object());
            let pod = match (next.spec.pod.as_mut(), pod_body) {
                (Some(pod), Some(b)) => (pod, b),
                (None, Some(_)) => return Err(Error::invalid("Only pod-based indexes can configure `spec.pod`.")),
                _ => return Err(Error::invalid("Unsupported `spec` in configure request.")),
            };
            if let Some(r) = uint_field(pod.1, "replicas")? {
                if r == 0 || r > 100 {
                    return Err(Error::invalid(format!("`replicas` must be between 1 and 100, got {r}.")));
                }
                pod.0.replicas = r as u32;
                pod.0.pods = pod.0.replicas * pod.0.shards;
            }
            if let Some(t) = str_field(pod.1, "pod_type")? {
                let (new_kind, _) = parse_pod_type(t)?;
                let (old_kind, _) = parse_pod_type(&pod.0.pod_type)?;
                if new_kind != old_kind {
                    return Err(Error::invalid(format!(
                        "Cannot change pod type from {old_kind} to {new_kind}; only the pod size can change."
                    )));
                }
                pod.0.pod_type = t.to_string();
            }
        }
        *self = next;
        Ok(())
    }

    pub fn is_protected(&self) -> bool {
        self.deletion_protection == "enabled"
    }

    /// Record capacity of a pod index (None for serverless).
    pub fn capacity(&self) -> Option<u64> {
        let pod = self.spec.pod.as_ref()?;
        let (kind, mult) = parse_pod_type(&pod.pod_type).ok()?;
        Some(pod_capacity_per_pod(kind, self.dimension.unwrap_or(1)) * mult as u64 * pod.shards as u64)
    }

    /// Which metadata fields filters may see (None: all).
    pub fn indexed_fields(&self) -> Option<&[String]> {
        self.spec.pod.as_ref()?.metadata_config.as_ref().map(|m| m.indexed.as_slice())
    }

    pub fn source_collection(&self) -> Option<&str> {
        self.spec
            .serverless
            .as_ref()
            .and_then(|s| s.source_collection.as_deref())
            .or_else(|| self.spec.pod.as_ref().and_then(|p| p.source_collection.as_deref()))
    }

    /// Pinecone's `IndexModel` (2026-04 wire shape) for this index.
    pub fn model(&self, host: &str) -> Json {
        let mut spec = serde_json::Map::new();
        if let Some(s) = &self.spec.serverless {
            let mut v = serde_json::to_value(s).unwrap_or(Json::Null);
            if let Some(o) = v.as_object_mut() {
                o.insert("read_capacity".into(), serde_json::json!({"mode": "OnDemand", "status": {"state": "Ready"}}));
            }
            spec.insert("serverless".into(), v);
        }
        if let Some(p) = &self.spec.pod {
            spec.insert("pod".into(), serde_json::to_value(p).unwrap_or(Json::Null));
        }
        let mut m = serde_json::json!({
            "name": self.name,
            "metric": self.metric.as_str(),
            "host": host,
            "deletion_protection": self.deletion_protection,
            "tags": self.tags,
            "spec": spec,
            "status": {"ready": true, "state": "Ready"},
            "vector_type": self.vector_type,
        });
        if let Some(o) = m.as_object_mut() {
            if let Some(d) = self.dimension {
                o.insert("dimension".into(), Json::from(d));
            }
            // Conifer's engine settings and pod capacity (ignored by
            // Pinecone's SDKs, which skip unknown keys).
            let mut c = serde_json::to_value(self.engine).unwrap_or(Json::Null);
            if let (Some(cap), Some(co)) = (self.capacity(), c.as_object_mut()) {
                co.insert("capacity".into(), Json::from(cap));
            }
            o.insert("conifer".into(), c);
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn serverless(name: &str) -> Json {
        json!({"name": name, "dimension": 8, "metric": "cosine", "spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}}})
    }

    #[test]
    fn names() {
        assert!(IndexConfig::create(&serverless("multitenant-app")).is_ok());
        for bad in ["My_Index", "-a", "a-", "", &"a".repeat(46)] {
            assert!(matches!(IndexConfig::create(&serverless(bad)), Err(Error::InvalidArgument(_))), "{bad}");
        }
        assert!(IndexConfig::create(&serverless(&"a".repeat(45))).is_ok());
    }

    #[test]
    fn dimensions_and_metrics() {
        let mut b = serverless("x");
        b["dimension"] = json!(0);
        assert!(IndexConfig::create(&b).is_err());
        b["dimension"] = json!(20_001);
        assert!(IndexConfig::create(&b).is_err());
        b["dimension"] = json!(20_000);
        assert!(IndexConfig::create(&b).is_ok());
        b["metric"] = json!("manhattan");
        assert!(IndexConfig::create(&b).is_err());
        let sparse = json!({"name": "s", "vector_type": "sparse", "spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}}});
        let c = IndexConfig::create(&sparse).unwrap();
        assert_eq!((c.metric, c.dimension), (Metric::DotProduct, None));
    }

    #[test]
    fn pods_and_capacity() {
        let b = json!({"name": "p", "dimension": 768, "metric": "cosine",
            "spec": {"pod": {"environment": "us-east1-gcp", "pod_type": "s1.x2", "pods": 2}}});
        let c = IndexConfig::create(&b).unwrap();
        let pod = c.spec.pod.as_ref().unwrap();
        assert_eq!((pod.pods, pod.replicas, pod.shards), (2, 1, 2));
        assert_eq!(c.capacity(), Some(5_000_000 * 2 * 2));
        assert_eq!(c.engine.quantization, Quantization::Int8, "s1 maps to int8");
        let p2 = json!({"name": "q", "dimension": 8, "spec": {"pod": {"environment": "e", "pod_type": "p2.x1"}}});
        assert_eq!(IndexConfig::create(&p2).unwrap().engine.ef_search, 40);
        let p1 = json!({"name": "q", "dimension": 8, "spec": {"pod": {"environment": "e", "pod_type": "p1.x1"}}});
        let p1 = IndexConfig::create(&p1).unwrap();
        assert_eq!((p1.engine.quantization, p1.engine.ef_search), (Quantization::None, 100));
        let bad = json!({"name": "p", "dimension": 8, "spec": {"pod": {"environment": "e", "pod_type": "p3.x1"}}});
        assert!(IndexConfig::create(&bad).is_err());
    }

    #[test]
    fn tags_merge() {
        let mut b = serverless("t");
        b["tags"] = json!({"env": "dev", "team": "a"});
        let mut c = IndexConfig::create(&b).unwrap();
        c.configure(&json!({"tags": {"env": "", "owner": "me"}})).unwrap();
        assert_eq!(c.tags, BTreeMap::from([("owner".into(), "me".into()), ("team".into(), "a".into())]));
        assert!(c.configure(&json!({"tags": {"bad key": "x"}})).is_err());
        assert_eq!(c.tags.len(), 2);
    }
}
