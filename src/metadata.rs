//! Record metadata: Pinecone's value types, validated at ingest.
//!
//! **Invariant**: a [`Metadata`] value only ever holds strings, finite
//! numbers, booleans and lists of strings, keys are never `__proto__`,
//! `constructor` or `prototype`, and its JSON form is at most
//! [`MAX_METADATA_BYTES`]. Everything that builds one goes through
//! [`from_json`].

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::error::{Error, Result, MAX_METADATA_BYTES};

/// A metadata value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Num(f64),
    Bool(bool),
    List(Vec<String>),
}

/// A record's metadata, keyed by field name (byte order).
pub type Metadata = BTreeMap<String, Value>;

/// Keys that could become a prototype when metadata crosses into JS.
pub const FORBIDDEN_KEYS: [&str; 3] = ["__proto__", "constructor", "prototype"];

/// Validates a JSON object as metadata.
pub fn from_json(json: &Json) -> Result<Metadata> {
    let obj = match json {
        Json::Object(o) => o,
        Json::Null => return Err(Error::invalid("Metadata must be an object, got null")),
        _ => return Err(Error::invalid("Metadata must be an object")),
    };
    let mut out = Metadata::new();
    for (k, v) in obj {
        if FORBIDDEN_KEYS.contains(&k.as_str()) {
            return Err(Error::invalid(format!("Metadata key '{k}' is not allowed")));
        }
        let value = match v {
            Json::String(s) => Value::Str(s.clone()),
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => match n.as_f64() {
                Some(f) if f.is_finite() => Value::Num(f),
                _ => return Err(Error::invalid(format!("Metadata value for key '{k}' is not a finite number"))),
            },
            Json::Array(items) => {
                let mut list = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Json::String(s) => list.push(s.clone()),
                        _ => {
                            return Err(Error::invalid(format!(
                                "Metadata value for key '{k}' must be a list of strings; lists of other types are not supported"
                            )))
                        }
                    }
                }
                Value::List(list)
            }
            Json::Null => {
                return Err(Error::invalid(format!(
                    "Metadata value for key '{k}' is null; null metadata values are not supported"
                )))
            }
            Json::Object(_) => {
                return Err(Error::invalid(format!(
                    "Metadata value for key '{k}' is an object; nested metadata objects are not supported"
                )))
            }
        };
        out.insert(k.clone(), value);
    }
    let bytes = serde_json::to_vec(json).map(|b| b.len()).unwrap_or(usize::MAX);
    if bytes > MAX_METADATA_BYTES {
        return Err(Error::MetadataTooLarge { bytes });
    }
    Ok(out)
}

/// The JSON form of a metadata value. Whole numbers stay whole
/// (`2020`, not `2020.0`), as in Pinecone's responses.
pub fn value_to_json(v: &Value) -> Json {
    match v {
        Value::Str(s) => Json::String(s.clone()),
        Value::Bool(b) => Json::Bool(*b),
        Value::Num(n) => number_to_json(*n),
        Value::List(l) => Json::Array(l.iter().cloned().map(Json::String).collect()),
    }
}

fn number_to_json(n: f64) -> Json {
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        Json::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map(Json::Number).unwrap_or(Json::Null)
    }
}

/// Approximate heap bytes of a value (for memory accounting).
pub fn value_bytes(v: &Value) -> usize {
    match v {
        Value::Str(s) => s.len() + 8,
        Value::Num(_) | Value::Bool(_) => 8,
        Value::List(l) => l.iter().map(|s| s.len() + 24).sum::<usize>() + 24,
    }
}

pub fn to_json(m: &Metadata) -> Json {
    Json::Object(m.iter().map(|(k, v)| (k.clone(), value_to_json(v))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_pinecone_types() {
        let m = from_json(&json!({"a": "x", "b": 2020, "c": 1.5, "d": true, "e": ["p", "q"]})).unwrap();
        assert_eq!(m["b"], Value::Num(2020.0));
        assert_eq!(m["e"], Value::List(vec!["p".into(), "q".into()]));
        assert_eq!(to_json(&m), json!({"a": "x", "b": 2020, "c": 1.5, "d": true, "e": ["p", "q"]}));
    }

    #[test]
    fn rejects_bad_values() {
        for bad in [
            json!({"a": null}),
            json!({"a": {"b": 1}}),
            json!({"a": [1, 2]}),
            json!({"__proto__": 1}),
            json!({"constructor": "x"}),
            json!({"prototype": "x"}),
            json!([1]),
            json!("s"),
        ] {
            assert!(matches!(from_json(&bad), Err(Error::InvalidArgument(_))), "{bad}");
        }
    }

    #[test]
    fn rejects_oversized() {
        let big = "x".repeat(41_000);
        match from_json(&json!({ "t": big })) {
            Err(e @ Error::MetadataTooLarge { .. }) => {
                assert!(e.to_string().starts_with("metadata size is 41008 bytes, which exceeds the limit of 40960 bytes per vector"))
            }
            other => panic!("{other:?}"),
        }
    }
}
