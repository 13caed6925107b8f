//! Pinecone's metadata filter language, parsed into a tree from an allowlist
//! of operators and evaluated against a record's metadata.
//!
//! Grammar (spec §4):
//!
//! ```text
//! filter  := { clause+ }                       // several keys are ANDed
//! clause  := "$and": [filter+] | "$or": [filter+]
//!          | field: scalar                     // shorthand for $eq
//!          | field: { op+ }                    // several operators are ANDed
//! op      := "$eq" | "$ne": scalar
//!          | "$gt" | "$gte" | "$lt" | "$lte": number
//!          | "$in" | "$nin": [scalar*]         // at most 10,000 values
//!          | "$exists": bool
//! scalar  := string | number | bool
//! ```
//!
//! Semantics:
//! - On a list-of-strings field, `$eq` means "contains", `$ne` "does not
//!   contain", `$in` "any element is in the set", `$nin` "no element is".
//! - A missing field matches only `$exists: false`. In particular `$ne` and
//!   `$nin` match only records where the field exists (and differs).
//! - Type mismatches do not match (`{"$eq": 5}` against `"5"`, ranges
//!   against strings); for `$ne`/`$nin` a present field of another type
//!   therefore *does* match, since it is not equal to the operand.
//! - Numbers compare as `f64`.
//!
//! **Limits**: nesting of filter objects (through `$and`/`$or`) at most
//! [`MAX_DEPTH`] deep, at most [`MAX_NODES`] clauses in total, at most
//! [`MAX_IN_VALUES`] values per `$in`/`$nin`. Parsing checks the depth
//! before descending, so it never recurses past the limit, and evaluation
//! recursion is bounded by the same depth.

use std::collections::HashSet;

use serde_json::{Map, Value as Json};

use crate::error::{Error, Result};
use crate::metadata::{Metadata, Value};

/// Maximum nesting depth of filter objects; the top-level object is depth 1.
pub const MAX_DEPTH: usize = 32;
/// Maximum number of clauses (field conditions plus `$and`/`$or` nodes).
pub const MAX_NODES: usize = 100_000;
/// Maximum number of values in one `$in` or `$nin` operand (Pinecone).
pub const MAX_IN_VALUES: usize = 10_000;

/// `$in` sets with more members of one type than this become hash sets.
const SMALL_SET: usize = 8;

const EMPTY_FILTER: &str = "You must enter a `filter` object with at least one key-value pair.";

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    root: Node,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Cond { field: String, op: Op },
}

#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    Str(String),
    Num(f64),
    Bool(bool),
}

#[derive(Debug, Clone, PartialEq)]
enum Op {
    Eq(Scalar),
    Ne(Scalar),
    Gt(f64),
    Gte(f64),
    Lt(f64),
    Lte(f64),
    In(ValueSet),
    Nin(ValueSet),
    Exists(bool),
}

/// The operand of `$in`/`$nin`, split by type for cheap lookups.
#[derive(Debug, Clone, PartialEq, Default)]
struct ValueSet {
    strs: StrSet,
    nums: NumSet,
    has_true: bool,
    has_false: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum StrSet {
    Small(Vec<String>),
    Hash(HashSet<String>),
}

impl Default for StrSet {
    fn default() -> Self {
        StrSet::Small(Vec::new())
    }
}

impl StrSet {
    fn contains(&self, s: &str) -> bool {
        match self {
            StrSet::Small(v) => v.iter().any(|x| x == s),
            StrSet::Hash(h) => h.contains(s),
        }
    }
}

/// Numbers keyed by their bit pattern with `-0.0` folded into `0.0`, so
/// that bit equality is `f64` equality (all values are finite).
#[derive(Debug, Clone, PartialEq)]
enum NumSet {
    Small(Vec<f64>),
    Hash(HashSet<u64>),
}

impl Default for NumSet {
    fn default() -> Self {
        NumSet::Small(Vec::new())
    }
}

fn num_key(n: f64) -> u64 {
    if n == 0.0 {
        0.0f64.to_bits()
    } else {
        n.to_bits()
    }
}

impl NumSet {
    fn contains(&self, n: f64) -> bool {
        match self {
            NumSet::Small(v) => v.contains(&n),
            // NaN never reaches here from metadata (finite by invariant), and
            // the set holds only finite numbers, so NaN bits never match.
            NumSet::Hash(h) => h.contains(&num_key(n)),
        }
    }
}

impl ValueSet {
    fn build(strs: Vec<String>, nums: Vec<f64>, has_true: bool, has_false: bool) -> ValueSet {
        let strs = if strs.len() > SMALL_SET {
            StrSet::Hash(strs.into_iter().collect())
        } else {
            StrSet::Small(strs)
        };
        let nums = if nums.len() > SMALL_SET {
            NumSet::Hash(nums.into_iter().map(num_key).collect())
        } else {
            NumSet::Small(nums)
        };
        ValueSet { strs, nums, has_true, has_false }
    }

    /// Whether a present field value is "in" the set (any element, for lists).
    fn hits(&self, v: &Value) -> bool {
        match v {
            Value::Str(s) => self.strs.contains(s),
            Value::Num(n) => self.nums.contains(*n),
            Value::Bool(true) => self.has_true,
            Value::Bool(false) => self.has_false,
            Value::List(items) => items.iter().any(|s| self.strs.contains(s)),
        }
    }
}

fn scalar_eq(v: &Value, s: &Scalar) -> bool {
    match (v, s) {
        (Value::Str(a), Scalar::Str(b)) => a == b,
        (Value::Num(a), Scalar::Num(b)) => a == b,
        (Value::Bool(a), Scalar::Bool(b)) => a == b,
        (Value::List(items), Scalar::Str(b)) => items.iter().any(|x| x == b),
        _ => false,
    }
}

fn num_cmp(v: Option<&Value>, f: impl Fn(f64) -> bool) -> bool {
    match v {
        Some(Value::Num(n)) => f(*n),
        _ => false,
    }
}

impl Op {
    /// Evaluates against the field's value, `None` when it is absent.
    fn eval(&self, v: Option<&Value>) -> bool {
        match self {
            Op::Eq(s) => v.is_some_and(|v| scalar_eq(v, s)),
            Op::Ne(s) => v.is_some_and(|v| !scalar_eq(v, s)),
            Op::Gt(b) => num_cmp(v, |n| n > *b),
            Op::Gte(b) => num_cmp(v, |n| n >= *b),
            Op::Lt(b) => num_cmp(v, |n| n < *b),
            Op::Lte(b) => num_cmp(v, |n| n <= *b),
            Op::In(set) => v.is_some_and(|v| set.hits(v)),
            Op::Nin(set) => v.is_some_and(|v| !set.hits(v)),
            Op::Exists(want) => v.is_some() == *want,
        }
    }
}

impl Node {
    fn eval(&self, m: Option<&Metadata>, visible: &dyn Fn(&str) -> bool) -> bool {
        match self {
            Node::And(children) => children.iter().all(|c| c.eval(m, visible)),
            Node::Or(children) => children.iter().any(|c| c.eval(m, visible)),
            Node::Cond { field, op } => {
                let value = if visible(field) { m.and_then(|m| m.get(field)) } else { None };
                op.eval(value)
            }
        }
    }

    fn collect_fields<'a>(&'a self, seen: &mut HashSet<&'a str>, out: &mut Vec<&'a str>) {
        match self {
            Node::And(children) | Node::Or(children) => {
                for c in children {
                    c.collect_fields(seen, out);
                }
            }
            Node::Cond { field, .. } => {
                if seen.insert(field) {
                    out.push(field);
                }
            }
        }
    }
}

/// Parsing state: the clause budget.
struct Parser {
    nodes: usize,
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::invalid(msg)
}

fn describe(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

impl Parser {
    fn count(&mut self) -> Result<()> {
        self.nodes = self.nodes.saturating_add(1);
        if self.nodes > MAX_NODES {
            return Err(invalid(format!(
                "Invalid filter: the filter has more than {MAX_NODES} clauses"
            )));
        }
        Ok(())
    }

    /// Parses a filter object at nesting `depth` (the top level is 1).
    fn object(&mut self, json: &Json, depth: usize) -> Result<Node> {
        let obj = match json {
            Json::Object(o) => o,
            Json::Array(_) => {
                return Err(invalid(
                    "Invalid filter: Proto field is not repeating, cannot start list (a filter must be an object)",
                ))
            }
            other => {
                return Err(invalid(format!(
                    "Invalid filter: a filter must be an object, got {}",
                    describe(other)
                )))
            }
        };
        if obj.is_empty() {
            return Err(invalid(EMPTY_FILTER));
        }
        let mut children = Vec::with_capacity(obj.len());
        for (key, value) in obj {
            match key.as_str() {
                "$and" | "$or" => children.push(self.logical(key, value, depth)?),
                k if k.starts_with('$') => {
                    return Err(invalid(if is_field_operator(k) {
                        format!("Invalid filter: the operator `{k}` must be applied to a field; only `$and` and `$or` may appear as top-level operators")
                    } else {
                        format!("Invalid filter: unknown operator `{k}`")
                    }))
                }
                "" => return Err(invalid("Invalid filter: field names must be non-empty")),
                field => self.field(field, value, &mut children)?,
            }
        }
        Ok(if children.len() == 1 {
            children.pop().unwrap_or(Node::And(Vec::new()))
        } else {
            Node::And(children)
        })
    }

    fn logical(&mut self, key: &str, value: &Json, depth: usize) -> Result<Node> {
        self.count()?;
        let items = match value {
            Json::Array(items) => items,
            other => {
                return Err(invalid(format!(
                    "Invalid filter: `{key}` expects a list of filter objects, got {}",
                    describe(other)
                )))
            }
        };
        if items.is_empty() {
            return Err(invalid(format!(
                "Invalid filter: `{key}` expects a non-empty list of filter objects"
            )));
        }
        let next = depth.saturating_add(1);
        if next > MAX_DEPTH {
            return Err(invalid(format!(
                "Invalid filter: filters may be nested at most {MAX_DEPTH} levels deep"
            )));
        }
        let mut children = Vec::with_capacity(items.len());
        for item in items {
            children.push(self.object(item, next)?);
        }
        Ok(if key == "$and" { Node::And(children) } else { Node::Or(children) })
    }

    fn field(&mut self, field: &str, value: &Json, out: &mut Vec<Node>) -> Result<()> {
        match value {
            Json::Object(ops) => self.operators(field, ops, out),
            Json::Array(_) => Err(invalid(format!(
                "Invalid filter for field '{field}': a list is not a valid value to compare with; use `$in` to match any of several values"
            ))),
            scalar => {
                let s = scalar_operand(field, "$eq", scalar)?;
                self.count()?;
                out.push(Node::Cond { field: field.to_owned(), op: Op::Eq(s) });
                Ok(())
            }
        }
    }

    fn operators(
        &mut self,
        field: &str,
        ops: &Map<String, Json>,
        out: &mut Vec<Node>,
    ) -> Result<()> {
        if ops.is_empty() {
            return Err(invalid(format!(
                "Invalid filter for field '{field}': expected an operator such as `$eq`, got an empty object"
            )));
        }
        for (name, operand) in ops {
            let op = match name.as_str() {
                "$eq" => Op::Eq(scalar_operand(field, name, operand)?),
                "$ne" => Op::Ne(scalar_operand(field, name, operand)?),
                "$gt" => Op::Gt(number_operand(field, name, operand)?),
                "$gte" => Op::Gte(number_operand(field, name, operand)?),
                "$lt" => Op::Lt(number_operand(field, name, operand)?),
                "$lte" => Op::Lte(number_operand(field, name, operand)?),
                "$in" => Op::In(set_operand(field, name, operand)?),
                "$nin" => Op::Nin(set_operand(field, name, operand)?),
                "$exists" => match operand {
                    Json::Bool(b) => Op::Exists(*b),
                    other => {
                        return Err(invalid(format!(
                            "Invalid filter for field '{field}': `$exists` expects a boolean, got {}",
                            describe(other)
                        )))
                    }
                },
                "$and" | "$or" => {
                    return Err(invalid(format!(
                        "Invalid filter for field '{field}': `{name}` is only allowed at the top level of a filter object"
                    )))
                }
                other if other.starts_with('$') => {
                    return Err(invalid(format!(
                        "Invalid filter for field '{field}': unknown operator `{other}`"
                    )))
                }
                other => {
                    return Err(invalid(format!(
                        "Invalid filter for field '{field}': expected an operator such as `$eq`, got key '{other}' (nested metadata objects are not supported)"
                    )))
                }
            };
            self.count()?;
            out.push(Node::Cond { field: field.to_owned(), op });
        }
        Ok(())
    }
}

fn is_field_operator(k: &str) -> bool {
    matches!(k, "$eq" | "$ne" | "$gt" | "$gte" | "$lt" | "$lte" | "$in" | "$nin" | "$exists")
}

fn json_number(n: &serde_json::Number) -> Option<f64> {
    n.as_f64().filter(|f| f.is_finite())
}

fn scalar_operand(field: &str, op: &str, v: &Json) -> Result<Scalar> {
    match v {
        Json::String(s) => Ok(Scalar::Str(s.clone())),
        Json::Bool(b) => Ok(Scalar::Bool(*b)),
        Json::Number(n) => json_number(n).map(Scalar::Num).ok_or_else(|| {
            invalid(format!("Invalid filter for field '{field}': `{op}` operand is not a finite number"))
        }),
        Json::Array(_) => Err(invalid(format!(
            "Invalid filter for field '{field}': `{op}` expects a string, number or boolean, got a list; use `$in` to match any of several values"
        ))),
        other => Err(invalid(format!(
            "Invalid filter for field '{field}': `{op}` expects a string, number or boolean, got {}",
            describe(other)
        ))),
    }
}

fn number_operand(field: &str, op: &str, v: &Json) -> Result<f64> {
    match v {
        Json::Number(n) => json_number(n).ok_or_else(|| {
            invalid(format!(
                "Invalid filter for field '{field}': `{op}` operand is not a finite number"
            ))
        }),
        other => Err(invalid(format!(
            "Invalid filter for field '{field}': `{op}` expects a number, got {}",
            describe(other)
        ))),
    }
}

fn set_operand(field: &str, op: &str, v: &Json) -> Result<ValueSet> {
    let items = match v {
        Json::Array(items) => items,
        other => {
            return Err(invalid(format!(
                "Invalid filter for field '{field}': `{op}` expects a list of strings or numbers, got {}",
                describe(other)
            )))
        }
    };
    if items.len() > MAX_IN_VALUES {
        return Err(invalid(format!(
            "Invalid filter for field '{field}': `{op}` accepts at most {MAX_IN_VALUES} values, got {}",
            items.len()
        )));
    }
    let (mut strs, mut nums, mut has_true, mut has_false) = (Vec::new(), Vec::new(), false, false);
    for item in items {
        match scalar_operand(field, op, item) {
            Ok(Scalar::Str(s)) => strs.push(s),
            Ok(Scalar::Num(n)) => nums.push(n),
            Ok(Scalar::Bool(true)) => has_true = true,
            Ok(Scalar::Bool(false)) => has_false = true,
            Err(_) => {
                return Err(invalid(format!(
                    "Invalid filter for field '{field}': `{op}` values must be strings, numbers or booleans, got {}",
                    describe(item)
                )))
            }
        }
    }
    Ok(ValueSet::build(strs, nums, has_true, has_false))
}

impl Filter {
    /// Parses a filter object. Rejects unknown operators, wrong operand
    /// types, lists as `$eq` operands, empty filters, and filters deeper or
    /// larger than the limits.
    pub fn parse(json: &Json) -> Result<Filter> {
        let root = Parser { nodes: 0 }.object(json, 1)?;
        Ok(Filter { root })
    }

    /// Whether a record with this metadata (or none) matches.
    pub fn matches(&self, metadata: Option<&Metadata>) -> bool {
        self.root.eval(metadata, &|_| true)
    }

    /// Like [`Filter::matches`], but fields for which `visible` returns
    /// false are treated as absent (selective metadata indexing).
    pub fn matches_visible(
        &self,
        metadata: Option<&Metadata>,
        visible: &dyn Fn(&str) -> bool,
    ) -> bool {
        self.root.eval(metadata, visible)
    }

    /// The field names the filter refers to, each once, in order of first
    /// appearance.
    pub fn fields(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.root.collect_fields(&mut HashSet::new(), &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::from_json;
    use serde_json::json;

    fn f(j: Json) -> Filter {
        match Filter::parse(&j) {
            Ok(f) => f,
            Err(e) => panic!("filter {j} should parse: {e}"),
        }
    }

    fn md(j: Json) -> Metadata {
        from_json(&j).unwrap()
    }

    fn hit(filter: Json, meta: Json) -> bool {
        f(filter).matches(Some(&md(meta)))
    }

    fn err(filter: Json) -> String {
        match Filter::parse(&filter) {
            Err(Error::InvalidArgument(m)) => m,
            other => panic!("filter {filter} should be invalid, got {other:?}"),
        }
    }

    // ---- spec §8 vectors ----

    #[test]
    fn vector_15_list_valued_metadata() {
        let r = md(json!({"genre": ["comedy", "documentary"]}));
        assert!(f(json!({"genre": "comedy"})).matches(Some(&r)));
        assert!(f(json!({"genre": {"$in": ["documentary", "action"]}})).matches(Some(&r)));
        assert!(
            f(json!({"$and": [{"genre": "comedy"}, {"genre": "documentary"}]})).matches(Some(&r))
        );
        assert!(!f(json!({"$and": [{"genre": "comedy"}, {"genre": "drama"}]})).matches(Some(&r)));
        err(json!({"genre": ["comedy", "documentary"]}));
    }

    #[test]
    fn vector_16_ranges() {
        let years = [2019, 2020, 2021];
        let matching = |filter: Json| -> Vec<i32> {
            let flt = f(filter);
            years.iter().copied().filter(|y| flt.matches(Some(&md(json!({ "year": y }))))).collect()
        };
        assert_eq!(matching(json!({"year": {"$gte": 2020}})), [2020, 2021]);
        assert_eq!(matching(json!({"year": {"$lt": 2020.5}})), [2019, 2020]);
        assert_eq!(matching(json!({"year": {"$in": [2019, 2021]}})), [2019, 2021]);
    }

    #[test]
    fn vector_17_missing_field() {
        let r = md(json!({"year": 2020}));
        assert!(!f(json!({"genre": {"$ne": "drama"}})).matches(Some(&r)));
        assert!(!f(json!({"genre": {"$exists": true}})).matches(Some(&r)));
        assert!(!f(json!({"genre": {"$ne": "drama"}})).matches(None));
        assert!(!f(json!({"genre": {"$exists": true}})).matches(None));
    }

    #[test]
    fn vector_18_limits() {
        let vals: Vec<u32> = (0..10_001).collect();
        let m = err(json!({"id": {"$in": vals}}));
        assert!(m.contains("10000"), "{m}");
        let m = err(json!({"id": {"$nin": vals}}));
        assert!(m.contains("10000"), "{m}");
        let ok: Vec<u32> = (0..10_000).collect();
        assert!(hit(json!({"id": {"$in": ok}}), json!({"id": 9999})));
        assert_eq!(err(json!({})), EMPTY_FILTER);
    }

    // ---- operators on scalar fields ----

    #[test]
    fn eq_and_shorthand() {
        let m = json!({"s": "x", "n": 3, "b": true});
        for (flt, want) in [
            (json!({"s": "x"}), true),
            (json!({"s": "y"}), false),
            (json!({"s": {"$eq": "x"}}), true),
            (json!({"n": 3}), true),
            (json!({"n": 3.0}), true),
            (json!({"n": {"$eq": 3}}), true),
            (json!({"n": 4}), false),
            (json!({"b": true}), true),
            (json!({"b": false}), false),
            (json!({"b": {"$eq": true}}), true),
            // type mismatches never match $eq
            (json!({"n": "3"}), false),
            (json!({"s": 3}), false),
            (json!({"b": 1}), false),
            (json!({"b": "true"}), false),
        ] {
            assert_eq!(hit(flt.clone(), m.clone()), want, "{flt}");
        }
    }

    #[test]
    fn ne() {
        let m = json!({"s": "x", "n": 3, "b": true});
        for (flt, want) in [
            (json!({"s": {"$ne": "x"}}), false),
            (json!({"s": {"$ne": "y"}}), true),
            (json!({"n": {"$ne": 3}}), false),
            (json!({"n": {"$ne": 4}}), true),
            (json!({"b": {"$ne": true}}), false),
            (json!({"b": {"$ne": false}}), true),
            // a present field of another type is "not equal"
            (json!({"n": {"$ne": "3"}}), true),
            // missing field never matches $ne
            (json!({"zz": {"$ne": "x"}}), false),
        ] {
            assert_eq!(hit(flt.clone(), m.clone()), want, "{flt}");
        }
    }

    #[test]
    fn ranges() {
        let m = json!({"n": 5, "s": "5", "b": true, "l": ["5"]});
        for (flt, want) in [
            (json!({"n": {"$gt": 4}}), true),
            (json!({"n": {"$gt": 5}}), false),
            (json!({"n": {"$gte": 5}}), true),
            (json!({"n": {"$gte": 5.000001}}), false),
            (json!({"n": {"$lt": 6}}), true),
            (json!({"n": {"$lt": 5}}), false),
            (json!({"n": {"$lte": 5}}), true),
            (json!({"n": {"$lte": 4.999}}), false),
            (json!({"n": {"$gt": -1e300}}), true),
            (json!({"n": {"$gte": 4, "$lt": 6}}), true),
            (json!({"n": {"$gte": 4, "$lt": 5}}), false),
            // ranges never match non-numbers or missing fields
            (json!({"s": {"$gt": 0}}), false),
            (json!({"s": {"$lt": 10}}), false),
            (json!({"b": {"$gte": 0}}), false),
            (json!({"l": {"$lte": 10}}), false),
            (json!({"zz": {"$gt": 0}}), false),
            (json!({"zz": {"$lte": 0}}), false),
        ] {
            assert_eq!(hit(flt.clone(), m.clone()), want, "{flt}");
        }
    }

    #[test]
    fn in_and_nin_scalars() {
        let m = json!({"s": "b", "n": 2, "b": false});
        for (flt, want) in [
            (json!({"s": {"$in": ["a", "b"]}}), true),
            (json!({"s": {"$in": ["a", "c"]}}), false),
            (json!({"s": {"$in": []}}), false),
            (json!({"s": {"$in": [2, "a"]}}), false),
            (json!({"n": {"$in": [1, 2]}}), true),
            (json!({"n": {"$in": [1.5, 3]}}), false),
            (json!({"n": {"$in": ["2"]}}), false),
            (json!({"b": {"$in": [false]}}), true),
            (json!({"b": {"$in": [true]}}), false),
            (json!({"s": {"$nin": ["a", "b"]}}), false),
            (json!({"s": {"$nin": ["a", "c"]}}), true),
            (json!({"s": {"$nin": []}}), true),
            (json!({"n": {"$nin": [1, 3]}}), true),
            (json!({"n": {"$nin": [2]}}), false),
            (json!({"b": {"$nin": [true]}}), true),
            (json!({"b": {"$nin": [false]}}), false),
            // missing fields match neither
            (json!({"zz": {"$in": ["a"]}}), false),
            (json!({"zz": {"$nin": ["a"]}}), false),
        ] {
            assert_eq!(hit(flt.clone(), m.clone()), want, "{flt}");
        }
    }

    #[test]
    fn large_in_sets_use_hashing_and_agree() {
        let strs: Vec<String> = (0..1000).map(|i| format!("t{i}")).collect();
        let nums: Vec<f64> = (0..1000).map(|i| i as f64 * 0.5).collect();
        let flt = f(json!({"s": {"$in": strs}}));
        let nflt = f(json!({"n": {"$in": nums}}));
        match &flt.root {
            Node::Cond { op: Op::In(set), .. } => assert!(matches!(set.strs, StrSet::Hash(_))),
            other => panic!("{other:?}"),
        }
        match &nflt.root {
            Node::Cond { op: Op::In(set), .. } => assert!(matches!(set.nums, NumSet::Hash(_))),
            other => panic!("{other:?}"),
        }
        assert!(flt.matches(Some(&md(json!({"s": "t999"})))));
        assert!(!flt.matches(Some(&md(json!({"s": "t1000"})))));
        assert!(flt.matches(Some(&md(json!({"s": ["zz", "t5"]})))));
        assert!(nflt.matches(Some(&md(json!({"n": 499.5})))));
        assert!(nflt.matches(Some(&md(json!({"n": 0})))));
        assert!(!nflt.matches(Some(&md(json!({"n": 0.25})))));
        // -0.0 equals 0.0 in both representations
        let mut m = Metadata::new();
        m.insert("n".into(), Value::Num(-0.0));
        assert!(nflt.matches(Some(&m)));
        assert!(f(json!({"n": {"$in": [0]}})).matches(Some(&m)));
        assert!(f(json!({"n": 0})).matches(Some(&m)));
    }

    #[test]
    fn exists() {
        let m = json!({"s": "x", "l": []});
        assert!(hit(json!({"s": {"$exists": true}}), m.clone()));
        assert!(!hit(json!({"s": {"$exists": false}}), m.clone()));
        assert!(!hit(json!({"zz": {"$exists": true}}), m.clone()));
        assert!(hit(json!({"zz": {"$exists": false}}), m.clone()));
        // an empty list is still a present field
        assert!(hit(json!({"l": {"$exists": true}}), m.clone()));
        // no metadata at all
        assert!(f(json!({"zz": {"$exists": false}})).matches(None));
        assert!(!f(json!({"zz": {"$exists": true}})).matches(None));
    }

    // ---- operators on list fields ----

    #[test]
    fn list_fields() {
        let m = json!({"g": ["comedy", "documentary"], "e": []});
        for (flt, want) in [
            (json!({"g": "comedy"}), true),
            (json!({"g": {"$eq": "documentary"}}), true),
            (json!({"g": "drama"}), false),
            (json!({"g": {"$ne": "comedy"}}), false),
            (json!({"g": {"$ne": "drama"}}), true),
            (json!({"g": {"$in": ["drama", "comedy"]}}), true),
            (json!({"g": {"$in": ["drama", "action"]}}), false),
            (json!({"g": {"$nin": ["drama", "comedy"]}}), false),
            (json!({"g": {"$nin": ["drama", "action"]}}), true),
            (json!({"g": 1}), false),
            (json!({"g": {"$gt": 0}}), false),
            (json!({"g": {"$exists": true}}), true),
            // empty list: contains nothing
            (json!({"e": "x"}), false),
            (json!({"e": {"$ne": "x"}}), true),
            (json!({"e": {"$in": ["x"]}}), false),
            (json!({"e": {"$nin": ["x"]}}), true),
        ] {
            assert_eq!(hit(flt.clone(), m.clone()), want, "{flt}");
        }
    }

    // ---- combinations ----

    #[test]
    fn implicit_and() {
        let flt = json!({"genre": {"$in": ["comedy", "drama"]}, "year": {"$eq": 2019}});
        assert!(hit(flt.clone(), json!({"genre": "drama", "year": 2019})));
        assert!(!hit(flt.clone(), json!({"genre": "drama", "year": 2020})));
        assert!(!hit(flt.clone(), json!({"genre": "action", "year": 2019})));
        assert!(!hit(flt, json!({"year": 2019})));
        // field keys mixed with $or
        let flt = json!({"a": 1, "$or": [{"b": 1}, {"c": 1}]});
        assert!(hit(flt.clone(), json!({"a": 1, "c": 1})));
        assert!(!hit(flt.clone(), json!({"a": 1})));
        assert!(!hit(flt, json!({"b": 1, "c": 1})));
    }

    #[test]
    fn nested_and_or() {
        let flt = json!({"$or": [
            {"$and": [{"genre": "drama"}, {"year": {"$gte": 2020}}]},
            {"$and": [{"genre": "comedy"}, {"$or": [{"rating": {"$gt": 8}}, {"award": true}]}]}
        ]});
        for (meta, want) in [
            (json!({"genre": "drama", "year": 2021}), true),
            (json!({"genre": "drama", "year": 2019}), false),
            (json!({"genre": "comedy", "rating": 9}), true),
            (json!({"genre": "comedy", "rating": 7}), false),
            (json!({"genre": "comedy", "rating": 7, "award": true}), true),
            (json!({"genre": "action", "award": true}), false),
        ] {
            assert_eq!(hit(flt.clone(), meta.clone()), want, "{meta}");
        }
        assert!(!f(flt).matches(None));
        // a single-element $or / $and is just its clause
        assert!(hit(json!({"$or": [{"a": 1}]}), json!({"a": 1})));
        assert!(hit(json!({"$and": [{"a": 1}]}), json!({"a": 1})));
    }

    #[test]
    fn no_metadata() {
        assert!(!f(json!({"a": 1})).matches(None));
        assert!(!f(json!({"a": {"$ne": 1}})).matches(None));
        assert!(!f(json!({"a": {"$nin": [1]}})).matches(None));
        assert!(f(json!({"a": {"$exists": false}})).matches(None));
        assert!(!f(json!({"a": 1})).matches(Some(&Metadata::new())));
    }

    #[test]
    fn matches_visible_hides_fields() {
        let m = md(json!({"genre": "drama", "year": 2020}));
        let only_genre = |k: &str| k == "genre";
        assert!(f(json!({"genre": "drama"})).matches_visible(Some(&m), &only_genre));
        assert!(!f(json!({"year": 2020})).matches_visible(Some(&m), &only_genre));
        assert!(!f(json!({"year": {"$exists": true}})).matches_visible(Some(&m), &only_genre));
        assert!(f(json!({"year": {"$exists": false}})).matches_visible(Some(&m), &only_genre));
        assert!(!f(json!({"year": {"$ne": 1999}})).matches_visible(Some(&m), &only_genre));
        assert!(!f(json!({"year": {"$nin": [1999]}})).matches_visible(Some(&m), &only_genre));
        assert!(f(json!({"$or": [{"year": 2020}, {"genre": "drama"}]}))
            .matches_visible(Some(&m), &only_genre));
        assert!(!f(json!({"$and": [{"year": 2020}, {"genre": "drama"}]}))
            .matches_visible(Some(&m), &only_genre));
        // everything visible = matches
        let all = |_: &str| true;
        assert!(f(json!({"year": 2020})).matches_visible(Some(&m), &all));
    }

    #[test]
    fn fields_listed_once_in_order() {
        let flt = f(
            json!({"$or": [{"b": 1}, {"a": {"$gt": 1, "$lt": 3}}, {"b": {"$exists": true}}], "c": "x"}),
        );
        assert_eq!(flt.fields(), ["b", "a", "c"]);
        assert_eq!(f(json!({"x": {"$gte": 1, "$lte": 2}})).fields(), ["x"]);
        // many distinct fields stay cheap (no quadratic dedup)
        let many: Vec<Json> = (0..50_000).map(|i| json!({ format!("f{i}"): 1 })).collect();
        assert_eq!(f(json!({ "$or": many })).fields().len(), 50_000);
    }

    // ---- invalid shapes ----

    #[test]
    fn empty_and_non_object_filters() {
        assert_eq!(err(json!({})), EMPTY_FILTER);
        for bad in [json!([]), json!([{"a": 1}]), json!("a"), json!(1), json!(true), json!(null)] {
            err(bad);
        }
        assert!(err(json!([])).contains("Proto field is not repeating"));
    }

    #[test]
    fn invalid_operators() {
        for bad in [
            json!({"a": {"$not": {"$eq": 1}}}),
            json!({"$not": {"a": 1}}),
            json!({"$nor": [{"a": 1}]}),
            json!({"a": {"$regex": "x.*"}}),
            json!({"a": {"$all": ["x"]}}),
            json!({"a": {"$elemMatch": {"$eq": "x"}}}),
            json!({"a": {"$x": 1}}),
            json!({"$x": 1}),
            json!({"$eq": 1}),
            json!({"$in": [1]}),
            json!({"$exists": true}),
            json!({"a": {"$and": [{"b": 1}]}}),
            json!({"a": {"$or": [{"b": 1}]}}),
        ] {
            err(bad);
        }
        assert!(err(json!({"a": {"$regex": "x"}})).contains("unknown operator `$regex`"));
    }

    #[test]
    fn invalid_operands() {
        for bad in [
            // lists as $eq operands
            json!({"genre": ["a", "b"]}),
            json!({"genre": []}),
            json!({"genre": {"$eq": ["a", "b"]}}),
            json!({"genre": {"$ne": ["a"]}}),
            // null and objects as scalars
            json!({"a": null}),
            json!({"a": {"$eq": null}}),
            json!({"a": {"$eq": {"$eq": 1}}}),
            json!({"a": {"$ne": {}}}),
            // ranges take numbers only
            json!({"a": {"$gt": "1"}}),
            json!({"a": {"$gte": true}}),
            json!({"a": {"$lt": [1]}}),
            json!({"a": {"$lte": null}}),
            // $in/$nin take lists of scalars
            json!({"a": {"$in": "x"}}),
            json!({"a": {"$in": 1}}),
            json!({"a": {"$nin": {"x": 1}}}),
            json!({"a": {"$in": [null]}}),
            json!({"a": {"$in": [["x"]]}}),
            json!({"a": {"$nin": [{"x": 1}]}}),
            // $exists takes a boolean
            json!({"a": {"$exists": 1}}),
            json!({"a": {"$exists": "true"}}),
            json!({"a": {"$exists": null}}),
            // $and/$or take non-empty lists of objects
            json!({"$and": []}),
            json!({"$or": []}),
            json!({"$and": {"a": 1}}),
            json!({"$or": "x"}),
            json!({"$and": [1]}),
            json!({"$or": [[{"a": 1}]]}),
            json!({"$and": [{}]}),
            json!({"$or": [{"a": 1}, {}]}),
            // a field object needs an operator
            json!({"a": {}}),
            json!({"a": {"b": 1}}),
            json!({"a": {"$eq": 1, "b": 1}}),
            // field names
            json!({"": 1}),
            json!({"": {"$eq": 1}}),
        ] {
            err(bad);
        }
        assert!(err(json!({"a": {}})).contains("'a'"));
    }

    #[test]
    fn booleans_in_sets_are_accepted() {
        assert!(hit(json!({"b": {"$in": [true, "x", 1]}}), json!({"b": true})));
        assert!(!hit(json!({"b": {"$nin": [true, "x", 1]}}), json!({"b": true})));
    }

    fn nest(depth: usize) -> Json {
        let mut j = json!({"a": 1});
        for _ in 1..depth {
            j = json!({"$and": [j]});
        }
        j
    }

    #[test]
    fn depth_limit() {
        let ok = f(nest(MAX_DEPTH));
        assert!(ok.matches(Some(&md(json!({"a": 1})))));
        let m = err(nest(MAX_DEPTH + 1));
        assert!(m.contains("32"), "{m}");
        // deeper than serde_json would ever produce is still an error, not a crash
        let mut j = json!({"a": 1});
        for i in 0..120 {
            j = if i % 2 == 0 { json!({"$or": [j]}) } else { json!({"$and": [{"b": 1}, j]}) };
        }
        err(j);
    }

    #[test]
    fn node_limit() {
        let many: Vec<Json> = (0..MAX_NODES).map(|i| json!({ "f": i })).collect();
        // MAX_NODES conditions plus the $or node itself
        err(json!({ "$or": many }));
        let fewer: Vec<Json> = (0..MAX_NODES - 1).map(|i| json!({ "f": i })).collect();
        let flt = f(json!({ "$or": fewer }));
        assert!(flt.matches(Some(&md(json!({"f": 99_998})))));
        assert!(!flt.matches(Some(&md(json!({"f": 99_999})))));
    }

    #[test]
    fn numbers_compare_as_f64() {
        assert!(hit(json!({"n": 1}), json!({"n": 1.0})));
        assert!(hit(json!({"n": {"$gt": 0.1}}), json!({"n": 0.10000000000000002})));
        assert!(hit(json!({"n": u64::MAX}), json!({"n": 18446744073709551615.0})));
        assert!(hit(json!({"n": {"$lt": 0}}), json!({"n": -1})));
    }
}
