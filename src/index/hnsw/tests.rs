//! Unit tests of the HNSW graph on small generated data, with the exact scan
//! (`Vectors::sim` over every live slot) as the oracle.

use super::*;
use crate::distance::Metric;
use crate::index::quant::QuantizedVectors;
use crate::vectors::Vectors;
use std::collections::BTreeSet;

/// splitmix64, for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn normal(&mut self) -> f32 {
        let (u, v) = (self.unit().max(1e-7), self.unit());
        (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos()
    }
}

/// `n` points around 20 random centres (spread 0.3), and `nq` queries.
fn clustered(n: usize, nq: usize, dim: usize, seed: u64) -> (Vec<Vec<f32>>, Vec<Vec<f32>>) {
    let mut r = Rng(seed);
    let centres: Vec<Vec<f32>> = (0..20).map(|_| (0..dim).map(|_| r.normal()).collect()).collect();
    let point = |r: &mut Rng| {
        let c = &centres[r.below(centres.len())];
        c.iter().map(|x| x + 0.3 * r.normal()).collect::<Vec<f32>>()
    };
    let base = (0..n).map(|_| point(&mut r)).collect();
    let queries = (0..nq).map(|_| point(&mut r)).collect();
    (base, queries)
}

fn arena(data: &[Vec<f32>], metric: Metric) -> Vectors {
    let mut v = Vectors::new(data.first().map_or(1, |x| x.len()), metric);
    for (i, x) in data.iter().enumerate() {
        v.set(i as u32, x);
    }
    v
}

fn build<S: Space>(vectors: &S, slots: impl IntoIterator<Item = u32>, params: HnswParams) -> Hnsw {
    let mut g = Hnsw::new(params).expect("params");
    for s in slots {
        g.insert(s, vectors);
    }
    g
}

fn small_params() -> HnswParams {
    HnswParams { m: 8, ef_construction: 64, ef_search: 64, seed: 7 }
}

/// Exact top-k slots among `live` accepted by `accept`.
fn brute(
    v: &Vectors,
    q: &[f32],
    k: usize,
    live: &BTreeSet<u32>,
    accept: &dyn Fn(u32) -> bool,
) -> Vec<u32> {
    let pq = v.prepare(q);
    let mut all: Vec<(f32, u32)> =
        live.iter().filter(|&&s| accept(s)).map(|&s| (v.sim(&pq, s), s)).collect();
    all.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    all.into_iter().take(k).map(|x| x.1).collect()
}

fn recall(found: &[(u32, f32)], truth: &[u32]) -> f64 {
    if truth.is_empty() {
        return 1.0;
    }
    let t: BTreeSet<u32> = truth.iter().copied().collect();
    found.iter().filter(|(s, _)| t.contains(s)).count() as f64 / truth.len() as f64
}

fn mean_recall(
    g: &Hnsw,
    v: &Vectors,
    queries: &[Vec<f32>],
    live: &BTreeSet<u32>,
    ef: usize,
    accept: &dyn Fn(u32) -> bool,
) -> f64 {
    let total: f64 = queries
        .iter()
        .map(|q| {
            let found = g.search(&v.prepare(q), 10, ef, v, accept);
            for w in found.windows(2) {
                assert!(w[0].1 >= w[1].1, "results not sorted");
            }
            for (s, _) in &found {
                assert!(accept(*s) && live.contains(s));
            }
            recall(&found, &brute(v, q, 10, live, accept))
        })
        .sum();
    total / queries.len() as f64
}

#[test]
fn params_are_validated() {
    let ok = HnswParams::default();
    assert!(Hnsw::new(ok).is_ok());
    for m in [0, 1, 129, 1000] {
        let e = Hnsw::new(HnswParams { m, ef_construction: 2000, ..ok }).unwrap_err();
        assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
    }
    for m in [2, 128] {
        assert!(Hnsw::new(HnswParams { m, ef_construction: 128, ..ok }).is_ok());
    }
    let e = Hnsw::new(HnswParams { m: 16, ef_construction: 15, ..ok }).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)));
    let e = Hnsw::new(HnswParams { ef_search: 0, ..ok }).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)));
    for (efc, efs) in [(MAX_EF + 1, 10), (100, MAX_EF + 1), (usize::MAX, 10)] {
        let p = HnswParams { ef_construction: efc, ef_search: efs, ..ok };
        assert!(matches!(Hnsw::new(p), Err(Error::InvalidArgument(_))));
    }
    assert!(Hnsw::new(HnswParams { ef_construction: MAX_EF, ef_search: MAX_EF, ..ok }).is_ok());
}

#[test]
fn empty_graph_and_k_zero() {
    let (data, queries) = clustered(50, 1, 8, 1);
    let v = arena(&data, Metric::Cosine);
    let g = Hnsw::new(small_params()).expect("params");
    let q = v.prepare(&queries[0]);
    assert!(g.search(&q, 10, 10, &v, &|_| true).is_empty());
    assert!(g.search_exact(&q, 10, &v, &|_| true).is_empty());
    assert!(g.is_empty());
    g.check().expect("empty graph is valid");

    let g = build(&v, 0..50, small_params());
    assert!(g.search(&q, 0, 10, &v, &|_| true).is_empty());
    assert!(g.search_exact(&q, 0, &v, &|_| true).is_empty());
    // ef < k searches with k: all 50 come back.
    assert_eq!(g.search(&q, 50, 1, &v, &|_| true).len(), 50);
    assert_eq!(g.search(&q, 500, 0, &v, &|_| true).len(), 50);
}

#[test]
fn recall_on_clustered_data_for_every_metric() {
    for metric in [Metric::Cosine, Metric::Euclidean, Metric::DotProduct] {
        let (data, queries) = clustered(2000, 50, 16, 2);
        let v = arena(&data, metric);
        let g = build(&v, 0..2000, small_params());
        g.check().expect("invariants");
        assert_eq!(g.len(), 2000);
        let live: BTreeSet<u32> = (0..2000).collect();
        let r = mean_recall(&g, &v, &queries, &live, 64, &|_| true);
        assert!(r >= 0.95, "{metric:?}: recall {r}");
    }
}

#[test]
fn dimension_one() {
    let data: Vec<Vec<f32>> = (0..300).map(|i| vec![(i as f32 * 0.37).sin() * 10.0]).collect();
    for metric in [Metric::Euclidean, Metric::DotProduct, Metric::Cosine] {
        let v = arena(&data, metric);
        let g = build(&v, 0..300, small_params());
        g.check().expect("invariants");
        let found = g.search(&v.prepare(&[1.5]), 5, 32, &v, &|_| true);
        assert_eq!(found.len(), 5);
        if metric == Metric::Euclidean {
            let live: BTreeSet<u32> = (0..300).collect();
            assert!(recall(&found, &brute(&v, &[1.5], 5, &live, &|_| true)) >= 0.8);
        }
    }
}

#[test]
fn filtered_search_returns_only_and_enough_matches() {
    let (data, queries) = clustered(2000, 30, 16, 3);
    let v = arena(&data, Metric::Cosine);
    let g = build(&v, 0..2000, small_params());
    let live: BTreeSet<u32> = (0..2000).collect();
    // A random label: slot hash mod 100.
    let label = |s: u32| (s.wrapping_mul(2_654_435_761) >> 7) % 100;
    for pct in [50u32, 5] {
        let accept = move |s: u32| label(s) < pct;
        let r = mean_recall(&g, &v, &queries, &live, 64, &accept);
        assert!(r >= 0.95, "{pct}%: recall {r}");
    }
    // Only three nodes match: all three come back, in order.
    let accept = |s: u32| s == 5 || s == 1500 || s == 999;
    let q = v.prepare(&queries[0]);
    let found = g.search(&q, 10, 16, &v, &accept);
    let mut slots: Vec<u32> = found.iter().map(|x| x.0).collect();
    slots.sort_unstable();
    assert_eq!(slots, vec![5, 999, 1500]);
    assert_eq!(found, g.search_exact(&q, 10, &v, &accept));
    // Nothing matches: nothing comes back.
    assert!(g.search(&q, 10, 16, &v, &|_| false).is_empty());
}

#[test]
fn auto_strategy_uses_exact_scan_for_selective_filters() {
    let (data, queries) = clustered(3000, 5, 8, 4);
    let v = arena(&data, Metric::Euclidean);
    let g = build(&v, 0..3000, small_params());
    // Crossover at sqrt(16 * 32 * 3000) ~ 1239 matches.
    assert!(g.prefers_exact(10, 32));
    assert!(g.prefers_exact(1200, 32));
    assert!(!g.prefers_exact(1300, 32));
    assert!(!g.prefers_exact(3000, 32));
    let accept = |s: u32| s % 97 == 0;
    for q in &queries {
        let q = v.prepare(q);
        let auto = g.search_filtered_auto(&q, 10, 32, &v, &accept, 31);
        assert_eq!(auto, g.search_exact(&q, 10, &v, &accept));
        let all = g.search_filtered_auto(&q, 10, 32, &v, &|_| true, 3000);
        assert_eq!(all, g.search(&q, 10, 32, &v, &|_| true));
    }
}

#[test]
fn remove_everything_then_search_then_reuse() {
    let (data, queries) = clustered(400, 3, 8, 5);
    let v = arena(&data, Metric::Cosine);
    let mut g = build(&v, 0..400, small_params());
    let mut r = Rng(9);
    let mut order: Vec<u32> = (0..400).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, r.below(i + 1));
    }
    for (i, &s) in order.iter().enumerate() {
        g.remove(s, &v);
        if i % 50 == 0 {
            g.check().expect("invariants during removal");
        }
    }
    g.remove(3, &v); // already gone: ignored
    g.remove(100_000, &v); // never existed: ignored
    assert_eq!(g.len(), 0);
    g.check().expect("empty after removals");
    let q = v.prepare(&queries[0]);
    assert!(g.search(&q, 10, 10, &v, &|_| true).is_empty());
    // Freed slots are reusable.
    for s in 0..400 {
        g.insert(s, &v);
    }
    g.check().expect("invariants after reuse");
    let live: BTreeSet<u32> = (0..400).collect();
    assert!(mean_recall(&g, &v, &queries, &live, 64, &|_| true) >= 0.95);
}

#[test]
fn insert_of_existing_slot_replaces_its_node() {
    let (data, _) = clustered(500, 0, 8, 6);
    let mut v = arena(&data, Metric::Euclidean);
    let mut g = build(&v, 0..500, small_params());
    let far = vec![100.0f32; 8];
    v.set(42, &far);
    g.insert(42, &v);
    g.check().expect("invariants");
    assert_eq!(g.len(), 500);
    let found = g.search(&v.prepare(&far), 1, 32, &v, &|_| true);
    assert_eq!(found.first().map(|x| x.0), Some(42));
}

#[test]
fn random_operations_keep_invariants_and_recall() {
    let (data, queries) = clustered(1500, 30, 16, 7);
    let mut v = arena(&data, Metric::Cosine);
    let mut g = Hnsw::new(small_params()).expect("params");
    let mut live = BTreeSet::new();
    let mut r = Rng(11);
    let mut fresh = clustered(3000, 0, 16, 8).0.into_iter();
    for step in 0..3000 {
        let slot = r.below(1500) as u32;
        match r.below(10) {
            0..=5 => {
                g.insert(slot, &v);
                live.insert(slot);
            }
            6..=7 => {
                g.remove(slot, &v);
                live.remove(&slot);
            }
            _ => {
                // The vector at a slot changes: re-insert replaces the node.
                if let Some(x) = fresh.next() {
                    v.set(slot, &x);
                }
                if live.contains(&slot) {
                    g.insert(slot, &v);
                }
            }
        }
        assert_eq!(g.len(), live.len());
        if step % 500 == 0 {
            g.check().expect("invariants");
        }
    }
    g.check().expect("invariants");
    let r = mean_recall(&g, &v, &queries, &live, 64, &|_| true);
    assert!(r >= 0.95, "recall after churn {r}");
}

#[test]
fn encode_decode_round_trip() {
    let (data, queries) = clustered(600, 5, 8, 12);
    let v = arena(&data, Metric::Cosine);
    let mut g = build(&v, 0..600, small_params());
    for s in (0..600).step_by(7) {
        g.remove(s, &v);
    }
    let bytes = g.encode();
    let d = Hnsw::decode(&bytes).expect("decode");
    assert_eq!(d.len(), g.len());
    assert_eq!(d.params(), g.params());
    assert_eq!(d.encode(), bytes);
    for q in &queries {
        let q = v.prepare(q);
        assert_eq!(d.search(&q, 10, 32, &v, &|_| true), g.search(&q, 10, 32, &v, &|_| true));
    }
    // The level generator continues where it was: same inserts, same graph.
    let (mut a, mut b) = (g.clone(), d);
    for s in (0..600).step_by(7) {
        a.insert(s, &v);
        b.insert(s, &v);
    }
    assert_eq!(a.encode(), b.encode());
    // Empty graphs round-trip too.
    let e = Hnsw::new(small_params()).expect("params");
    assert_eq!(Hnsw::decode(&e.encode()).expect("decode").len(), 0);
}

fn with_crc(mut body: Vec<u8>) -> Vec<u8> {
    let crc = crc32fast::hash(&body);
    body.extend_from_slice(&crc.to_le_bytes());
    body
}

#[test]
fn decode_rejects_corrupt_input_without_panicking() {
    let (data, _) = clustered(120, 0, 4, 13);
    let v = arena(&data, Metric::Cosine);
    let g = build(&v, 0..120, small_params());
    let bytes = g.encode();
    for n in 0..bytes.len() {
        assert!(matches!(Hnsw::decode(&bytes[..n]), Err(Error::Corrupt(_))), "prefix {n}");
    }
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0x41;
        assert!(matches!(Hnsw::decode(&b), Err(Error::Corrupt(_))), "flip {i}");
    }
    // Structurally wrong but correctly checksummed bodies are caught by the
    // parser or by `check`.
    let body = &bytes[..bytes.len() - 4];
    let mut b = body.to_vec();
    b[8] = 3; // version 3
    assert!(Hnsw::decode(&with_crc(b)).is_err());
    let mut b = body.to_vec();
    b[12..16].copy_from_slice(&1u32.to_le_bytes()); // m = 1
    assert!(Hnsw::decode(&with_crc(b)).is_err());
    let mut b = body.to_vec();
    b[48..52].copy_from_slice(&u32::MAX.to_le_bytes()); // 4 billion slots
    assert!(Hnsw::decode(&with_crc(b)).is_err());
    let mut b = body.to_vec();
    b[44..48].copy_from_slice(&7_000u32.to_le_bytes()); // entry out of range
    assert!(Hnsw::decode(&with_crc(b)).is_err());
    // A link to a slot that is not a node: the first record is slot 0 with
    // `level`, `parent`, `count`, then its first link.
    let mut b = body.to_vec();
    let first_link = HEADER + 1 + 4 + 2;
    b[first_link..first_link + 4].copy_from_slice(&119_999u32.to_le_bytes());
    assert!(Hnsw::decode(&with_crc(b)).is_err());
    let mut b = body.to_vec();
    let l = u32::from_le_bytes([
        b[first_link + 4],
        b[first_link + 5],
        b[first_link + 6],
        b[first_link + 7],
    ]);
    b[first_link..first_link + 4].copy_from_slice(&l.to_le_bytes()); // duplicate link
    assert!(Hnsw::decode(&with_crc(b)).is_err());
    let mut b = body.to_vec();
    b[first_link..first_link + 4].copy_from_slice(&0u32.to_le_bytes()); // self link
    assert!(Hnsw::decode(&with_crc(b)).is_err());
    // A parent that does not link the node.
    let parent = HEADER + 1;
    let p0 = u32::from_le_bytes(body[parent..parent + 4].try_into().unwrap());
    let mut b = body.to_vec();
    let stranger = (0..120).find(|&x| x != 0 && x != p0 && !g.links(x, 0).contains(&0)).unwrap();
    b[parent..parent + 4].copy_from_slice(&stranger.to_le_bytes());
    assert!(Hnsw::decode(&with_crc(b)).is_err());
    assert!(Hnsw::decode(&[]).is_err());
    assert!(Hnsw::decode(&with_crc(b"CNFRHNSW".to_vec())).is_err());
}

const HEADER: usize = 8 + 4 + 12 + 16 + 12;

#[test]
fn reentrant_search_from_the_filter_does_not_panic() {
    let (data, queries) = clustered(300, 1, 8, 14);
    let v = arena(&data, Metric::Cosine);
    let g = build(&v, 0..300, small_params());
    let q = v.prepare(&queries[0]);
    let accept = |s: u32| {
        let inner = g.search(&q, 1, 8, &v, &|_| true);
        !inner.is_empty() && s % 2 == 0
    };
    let found = g.search(&q, 5, 16, &v, &accept);
    assert_eq!(found.len(), 5);
}

#[test]
fn a_store_smaller_than_the_graph_degrades_without_panicking() {
    let (data, queries) = clustered(300, 1, 8, 15);
    let v = arena(&data, Metric::Cosine);
    let mut g = build(&v, 0..300, small_params());
    let small = arena(&data[..100], Metric::Cosine);
    let q = small.prepare(&queries[0]);
    for (s, _) in g.search(&q, 10, 32, &small, &|_| true) {
        assert!(s < 100);
    }
    g.insert(250, &small); // no vector: ignored
    g.insert(50, &small);
    g.remove(60, &small);
    g.check().expect("invariants");
    // Nodes the store cannot address may be left unreachable, but the tree
    // stays consistent and the graph still round-trips.
    g.check_tree().expect("tree consistent");
    Hnsw::decode(&g.encode()).expect("decodes");
    // A store too small for even the entry point: nothing found, inserts stay valid.
    let tiny = arena(&data[..1], Metric::Cosine);
    let mut g = build(&v, 1..300, small_params());
    assert!(g.search(&tiny.prepare(&queries[0]), 10, 32, &tiny, &|_| true).is_empty());
    g.insert(0, &tiny);
    g.check().expect("invariants");
    g.check_tree().expect("tree consistent");
    assert!(g.contains(0));
}

#[test]
fn int8_graph_with_rescoring_matches_f32_recall() {
    let (data, queries) = clustered(2000, 50, 32, 16);
    let v = arena(&data, Metric::Cosine);
    let slots: Vec<u32> = (0..2000).collect();
    let codes = QuantizedVectors::from_vectors(&v, &slots).expect("quantize");
    let g = build(&codes, slots.iter().copied(), small_params());
    g.check().expect("invariants");
    let live: BTreeSet<u32> = slots.iter().copied().collect();
    let mut total = 0.0;
    for q in &queries {
        let found = g.search_rescored(q, 10, 64, &codes, &v, &|_| true);
        total += recall(&found, &brute(&v, q, 10, &live, &|_| true));
    }
    let r = total / queries.len() as f64;
    assert!(r >= 0.95, "int8 recall {r}");
    assert!(g.search_rescored(&queries[0], 0, 64, &codes, &v, &|_| true).is_empty());
}

#[test]
fn levels_follow_the_geometric_law() {
    let mut g = Hnsw::new(HnswParams { m: 4, ef_construction: 4, ..HnswParams::default() })
        .expect("params");
    let n = 100_000;
    let above: usize = (0..n).filter(|_| g.random_level() >= 1).count();
    // P(level >= 1) = 1/m = 0.25.
    let p = above as f64 / n as f64;
    assert!((p - 0.25).abs() < 0.01, "{p}");
}

/// Every node has at most `max_children` tree links.
fn assert_tree_links_within_limit(g: &Hnsw) {
    for s in 0..g.levels.len() as u32 {
        assert!(g.children(s) <= g.max_children(), "node {s} has {} tree links", g.children(s));
    }
}

#[test]
fn churn_on_a_small_graph_keeps_every_node_reachable() {
    // The shape of the original failure: 4-d euclidean, 40 slots reused
    // through inserts, replacements and removals. A removal repair used to
    // drop the only link to a node, and an exhaustive search started only
    // from the greedy descent's end could miss nodes it does not reach.
    for (metric, seed) in [(Metric::Euclidean, 7), (Metric::Cosine, 8), (Metric::DotProduct, 9)] {
        let mut r = Rng(seed);
        let mut v = Vectors::new(4, metric);
        let mut g = Hnsw::new(HnswParams { ef_search: 400, ..HnswParams::default() }).unwrap();
        for step in 0..2000 {
            let slot = r.below(40) as u32;
            if r.below(3) < 2 {
                let x: Vec<f32> = (0..4).map(|_| r.unit() * 8.0 - 4.0).collect();
                v.set(slot, &x);
                g.insert(slot, &v);
            } else {
                g.remove(slot, &v);
            }
            if let Err(e) = g.check().and_then(|()| g.check_reachable()) {
                panic!("{metric:?} step {step}: {e}");
            }
            assert_tree_links_within_limit(&g);
            let qx: Vec<f32> = (0..4).map(|_| r.unit() * 8.0 - 4.0).collect();
            let q = v.prepare(&qx);
            let got = g.search(&q, 1, 400, &v, &|_| true);
            let want = g.search_exact(&q, 1, &v, &|_| true);
            let (got, want) = (got.first().map(|x| x.1), want.first().map(|x| x.1));
            assert_eq!(got, want, "{metric:?} step {step}");
        }
    }
}

#[test]
fn a_cut_off_node_is_detected_and_reconnected_by_the_next_update() {
    let (data, _) = clustered(300, 0, 8, 21);
    let v = arena(&data, Metric::Euclidean);
    let mut g = build(&v, 0..299, small_params());
    g.check_reachable().expect("reachable after build");
    // Cut a node off, as graphs written before the tree could be.
    let z = (0..299u32).find(|&s| Some(s) != g.entry).unwrap();
    for y in 0..299u32 {
        let links: Vec<u32> = g.links(y, 0).iter().copied().filter(|&x| x != z).collect();
        g.set_links(y, 0, &links);
    }
    assert!(g.orphans && g.parent[z as usize] == NO_PARENT);
    g.check().expect("still structurally valid");
    assert!(g.check_reachable().is_err());
    // Decoding accepts it and flags it; the next update reconnects it.
    let mut d = Hnsw::decode(&g.encode()).expect("decode");
    assert!(d.orphans);
    assert!(d.check_reachable().is_err());
    d.insert(299, &v);
    d.check_reachable().expect("reconnected");
    let q = v.prepare(&data[z as usize]);
    assert_eq!(d.search(&q, 1, 1000, &v, &|_| true)[0].0, z);
}

/// The version-1 encoding of a version-2 graph (no parents).
fn to_version_1(bytes: &[u8]) -> Vec<u8> {
    let body = &bytes[..bytes.len() - 4];
    let mut out = body[..HEADER].to_vec();
    out[8..10].copy_from_slice(&1u16.to_le_bytes());
    let slots = u32::from_le_bytes([body[44], body[45], body[46], body[47]]) as usize;
    let mut i = HEADER;
    for _ in 0..slots {
        let level = body[i];
        out.push(level);
        i += 1;
        if level == ABSENT {
            continue;
        }
        i += 4; // parent
        for _ in 0..=level {
            let count = u16::from_le_bytes([body[i], body[i + 1]]) as usize;
            out.extend_from_slice(&body[i..i + 2 + 4 * count]);
            i += 2 + 4 * count;
        }
    }
    assert_eq!(i, body.len());
    with_crc(out)
}

#[test]
fn version_1_graphs_decode_with_a_rebuilt_tree() {
    let (data, queries) = clustered(500, 5, 8, 22);
    let v = arena(&data, Metric::Cosine);
    let mut g = build(&v, 0..500, small_params());
    for s in (0..500).step_by(9) {
        g.remove(s, &v);
    }
    let d = Hnsw::decode(&to_version_1(&g.encode())).expect("decode version 1");
    d.check_reachable().expect("tree rebuilt");
    assert!(!d.orphans);
    for q in &queries {
        let q = v.prepare(q);
        assert_eq!(d.search(&q, 10, 32, &v, &|_| true), g.search(&q, 10, 32, &v, &|_| true));
    }
}

#[test]
fn a_decoded_graph_evolves_exactly_like_the_original() {
    let (data, _) = clustered(600, 0, 8, 12);
    let v = arena(&data, Metric::Cosine);
    let mut g = build(&v, 0..600, small_params());
    for s in (0..600).step_by(7) {
        g.remove(s, &v);
    }
    let (mut a, mut b) = (g.clone(), Hnsw::decode(&g.encode()).expect("decode"));
    let mut r = Rng(5);
    for _ in 0..600 {
        let s = r.below(600) as u32;
        if r.below(3) == 0 {
            a.remove(s, &v);
            b.remove(s, &v);
        } else {
            a.insert(s, &v);
            b.insert(s, &v);
        }
    }
    assert_eq!(a.encode(), b.encode());
    a.check_reachable().expect("reachable");
    // Renumbering (namespace snapshots) keeps the tree too.
    let map: Vec<u32> = (0..600).collect();
    assert_eq!(a.remap(&map).encode(), a.encode());
}
