//! Request metrics per index and request type, rendered as Prometheus text
//! with the names and labels of Pinecone's monitoring integration.
//!
//! **Invariant**: counters only grow while their index exists; deleting an
//! index forgets its series.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{json, Value as Json};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RequestType {
    Upsert,
    Delete,
    Fetch,
    Query,
    DescribeIndexStats,
    Update,
}

impl RequestType {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestType::Upsert => "upsert",
            RequestType::Delete => "delete",
            RequestType::Fetch => "fetch",
            RequestType::Query => "query",
            RequestType::DescribeIndexStats => "describe_index_stats",
            RequestType::Update => "update",
        }
    }
}

/// Histogram bucket upper bounds, seconds.
pub const BUCKETS: [f64; 13] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    pub count: u64,
    pub errors: u64,
    /// Non-cumulative counts per bucket; the last slot is +Inf.
    pub buckets: [u64; BUCKETS.len() + 1],
    pub sum_seconds: f64,
}

#[derive(Debug, Clone, Default)]
pub struct Metrics {
    series: BTreeMap<(String, RequestType), Series>,
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

impl Metrics {
    /// Counts one request and observes its latency.
    pub fn record(&mut self, index: &str, rt: RequestType, ok: bool, seconds: f64) {
        let s = self.series.entry((index.to_string(), rt)).or_default();
        s.count += 1;
        if !ok {
            s.errors += 1;
        }
        let secs = if seconds.is_finite() && seconds > 0.0 { seconds } else { 0.0 };
        let b = BUCKETS.iter().position(|&ub| secs <= ub).unwrap_or(BUCKETS.len());
        s.buckets[b] += 1;
        s.sum_seconds += secs;
    }

    pub fn series(&self, index: &str, rt: RequestType) -> Option<&Series> {
        self.series.get(&(index.to_string(), rt))
    }

    pub fn forget_index(&mut self, index: &str) {
        self.series.retain(|(i, _), _| i != index);
    }

    pub fn index_json(&self, index: &str) -> Json {
        let mut out = json!({});
        for ((i, rt), s) in &self.series {
            if i == index {
                out[rt.as_str()] = json!({
                    "count": s.count,
                    "errors": s.errors,
                    "latency_seconds_sum": s.sum_seconds,
                    "latency_buckets": BUCKETS.iter().zip(cumulative(&s.buckets)).map(|(le, c)| json!([le, c])).collect::<Vec<_>>(),
                });
            }
        }
        out
    }

    /// Prometheus exposition text. `gauges` gives, per index, its vector
    /// count and fullness.
    pub fn prometheus(&self, project: &str, gauges: &[(String, u64, f64)]) -> String {
        let p = escape(project);
        let mut o = String::new();
        let _ = writeln!(o, "# HELP pinecone_vector_count The number of records in the index.");
        let _ = writeln!(o, "# TYPE pinecone_vector_count gauge");
        for (name, count, _) in gauges {
            let _ = writeln!(o, "pinecone_vector_count{{index_name=\"{}\",project_name=\"{p}\"}} {count}", escape(name));
        }
        let _ = writeln!(o, "# HELP pinecone_index_fullness The fullness of the index (pod indexes; 0 for serverless).");
        let _ = writeln!(o, "# TYPE pinecone_index_fullness gauge");
        for (name, _, full) in gauges {
            let _ = writeln!(o, "pinecone_index_fullness{{index_name=\"{}\",project_name=\"{p}\"}} {full}", escape(name));
        }
        let _ = writeln!(o, "# HELP pinecone_request_count_total The number of data plane requests.");
        let _ = writeln!(o, "# TYPE pinecone_request_count_total counter");
        for ((i, rt), s) in &self.series {
            let _ = writeln!(o, "pinecone_request_count_total{{{}}} {}", labels(i, &p, *rt), s.count);
        }
        let _ = writeln!(o, "# HELP pinecone_request_error_count_total The number of data plane requests that failed.");
        let _ = writeln!(o, "# TYPE pinecone_request_error_count_total counter");
        for ((i, rt), s) in &self.series {
            let _ = writeln!(o, "pinecone_request_error_count_total{{{}}} {}", labels(i, &p, *rt), s.errors);
        }
        let _ = writeln!(o, "# HELP pinecone_request_latency_seconds Data plane request latency.");
        let _ = writeln!(o, "# TYPE pinecone_request_latency_seconds histogram");
        for ((i, rt), s) in &self.series {
            let l = labels(i, &p, *rt);
            for (le, c) in BUCKETS.iter().zip(cumulative(&s.buckets)) {
                let _ = writeln!(o, "pinecone_request_latency_seconds_bucket{{{l},le=\"{le}\"}} {c}");
            }
            let _ = writeln!(o, "pinecone_request_latency_seconds_bucket{{{l},le=\"+Inf\"}} {}", s.count);
            let _ = writeln!(o, "pinecone_request_latency_seconds_sum{{{l}}} {}", s.sum_seconds);
            let _ = writeln!(o, "pinecone_request_latency_seconds_count{{{l}}} {}", s.count);
        }
        o
    }
}

fn labels(index: &str, project: &str, rt: RequestType) -> String {
    format!("index_name=\"{}\",project_name=\"{project}\",request_type=\"{}\"", escape(index), rt.as_str())
}

fn cumulative(b: &[u64]) -> Vec<u64> {
    let mut acc = 0;
    b.iter().take(BUCKETS.len()).map(|c| {
        acc += c;
        acc
    }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_histogram() {
        let mut m = Metrics::default();
        m.record("app", RequestType::Query, true, 0.002);
        m.record("app", RequestType::Query, false, 0.2);
        m.record("app", RequestType::Upsert, true, 0.0);
        let t = m.prometheus("proj", &[("app".into(), 8, 0.0)]);
        assert!(t.contains("pinecone_vector_count{index_name=\"app\",project_name=\"proj\"} 8"));
        assert!(t.contains("pinecone_request_count_total{index_name=\"app\",project_name=\"proj\",request_type=\"query\"} 2"));
        assert!(t.contains("pinecone_request_error_count_total{index_name=\"app\",project_name=\"proj\",request_type=\"query\"} 1"));
        assert!(t.contains("pinecone_request_latency_seconds_bucket{index_name=\"app\",project_name=\"proj\",request_type=\"query\",le=\"0.0025\"} 1"));
        assert!(t.contains("pinecone_request_latency_seconds_bucket{index_name=\"app\",project_name=\"proj\",request_type=\"query\",le=\"0.25\"} 2"));
        assert!(t.contains("pinecone_request_latency_seconds_count{index_name=\"app\",project_name=\"proj\",request_type=\"upsert\"} 1"));
        m.forget_index("app");
        assert!(m.series("app", RequestType::Query).is_none());
    }
}
