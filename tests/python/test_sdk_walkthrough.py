"""The official Python SDK (pinecone 10.x, API 2026-07) against the worker:
the multitenancy walkthrough of pinecone-api.md §8 with tenant keys, the
control plane, and the exceptions the SDK maps from the worker's errors."""

import time

import pytest
from pinecone import (
    ApiError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    Pinecone,
    ServerlessSpec,
    UnauthorizedError,
)

NAME = "multitenant-app"


def vec(x):
    return [x] * 8


def f32(x):
    import struct

    return struct.unpack("f", struct.pack("f", x))[0]


@pytest.fixture(scope="module")
def admin(worker):
    return Pinecone(api_key=worker["admin"], host=worker["url"])


def tenant_index(worker, tenant):
    pc = Pinecone(api_key=worker["keys"][tenant], host=worker["url"])
    return pc.Index(name=NAME)  # describes the index (allowed for tenants) to get its host


def test_multitenancy_walkthrough(worker, admin):
    t0 = time.monotonic()
    admin.create_index(name=NAME, dimension=8, metric="cosine", spec=ServerlessSpec(cloud="aws", region="us-east-1"))
    assert time.monotonic() - t0 < 4, "create must not wait for a readiness poll"
    desc = admin.describe_index(NAME)
    assert desc.host == f"{worker['url']}/index/{NAME}"
    assert desc.dimension == 8
    assert desc.metric == "cosine"

    t1 = tenant_index(worker, "tenant1")
    t2 = tenant_index(worker, "tenant2")
    assert t1.upsert(vectors=[(i, vec(0.1 * (n + 1))) for n, i in enumerate("ABCD")], namespace="tenant1").upserted_count == 4
    assert t2.upsert(vectors=[(i, vec(0.1 * (n + 5))) for n, i in enumerate("EFGH")], namespace="tenant2").upserted_count == 4

    t1.update(id="A", set_metadata={"genre": "drama"}, namespace="tenant1")
    fetched = t1.fetch(ids=["A", "nope"], namespace="tenant1")
    assert list(fetched.vectors) == ["A"]
    assert fetched.vectors["A"].metadata == {"genre": "drama"}

    res = t2.query(namespace="tenant2", vector=vec(0.7), top_k=3, include_values=True)
    assert res.namespace == "tenant2"
    assert len(res.matches) == 3
    for m in res.matches:
        assert m.id in "EFGH"
        assert abs(m.score - 1.0) < 1e-6
        n = "EFGH".index(m.id)
        assert [f32(v) for v in m.values] == [f32(0.1 * (n + 5))] * 8

    t1.delete(delete_all=True, namespace="tenant1")

    stats = admin.Index(name=NAME).describe_index_stats()
    assert stats.total_vector_count == 4
    assert stats.dimension == 8
    assert {k: v.vector_count for k, v in stats.namespaces.items()} == {"tenant2": 4}

    own = t2.describe_index_stats()
    assert {k: v.vector_count for k, v in own.namespaces.items()} == {"tenant2": 4}


def test_tenant_confinement_and_data_errors(worker, admin):
    t1 = tenant_index(worker, "tenant1")
    with pytest.raises(ForbiddenError) as e:
        t1.query(namespace="tenant2", vector=vec(1), top_k=1)
    assert "may only access namespace 'tenant1'" in str(e.value)
    with pytest.raises(ForbiddenError):
        t1.upsert(vectors=[("x", vec(1))], namespace="tenant2")
    with pytest.raises(ForbiddenError):
        t1.delete(delete_all=True, namespace="tenant2")
    with pytest.raises(ForbiddenError):
        admin_less = Pinecone(api_key=worker["keys"]["tenant1"], host=worker["url"])
        admin_less.create_index(name="nope", dimension=8, metric="cosine", spec=ServerlessSpec(cloud="aws", region="us-east-1"))
    stats = admin.Index(name=NAME).describe_index_stats()
    assert stats.namespaces["tenant2"].vector_count == 4
    t2 = tenant_index(worker, "tenant2")
    with pytest.raises(ApiError) as e:
        t2.upsert(vectors=[("x", [1.0, 2.0, 3.0])], namespace="tenant2")
    assert e.value.status_code == 400
    assert "Vector dimension 3 does not match the dimension of the index 8" in str(e.value)
    with pytest.raises(UnauthorizedError):
        Pinecone(api_key="wrong", host=worker["url"]).list_indexes()


def test_namespaces_and_listing(worker, admin):
    idx = admin.Index(name=NAME)
    idx.upsert(vectors=[(f"doc1#{i}", vec(i + 1.0)) for i in (1, 3, 2)] + [("doc2#1", vec(1.0))], namespace="docs")
    page = idx.list_paginated(prefix="doc1#", namespace="docs", limit=2)
    assert [v.id for v in page.vectors] == ["doc1#1", "doc1#2"]
    assert page.pagination and page.pagination.next
    assert [getattr(i, "id", i) for p in idx.list(prefix="doc1#", namespace="docs") for i in p] == ["doc1#1", "doc1#2", "doc1#3"]
    names = sorted(n.name for p in [idx.list_namespaces_paginated()] for n in p.namespaces)
    assert names == ["docs", "tenant2"]
    assert idx.describe_namespace(name="docs").record_count == 4
    with pytest.raises(NotFoundError):
        idx.describe_namespace(name="ns9")
    idx.delete_namespace(name="docs")
    with pytest.raises(NotFoundError):
        idx.describe_namespace(name="docs")


def test_control_plane(worker, admin):
    assert admin.has_index(NAME)
    assert not admin.has_index("nope")
    assert NAME in admin.list_indexes().names()
    with pytest.raises(ConflictError):
        admin.create_index(name=NAME, dimension=8, metric="cosine", spec=ServerlessSpec(cloud="aws", region="us-east-1"))
    with pytest.raises(NotFoundError):
        admin.describe_index("nope")
    admin.configure_index(NAME, deletion_protection="enabled", tags={"env": "dev"})
    d = admin.describe_index(NAME)
    assert d.deletion_protection == "enabled"
    assert d.tags == {"env": "dev"}
    with pytest.raises(ForbiddenError) as e:
        admin.delete_index(NAME)
    assert "Deletion protection is enabled for this index" in str(e.value)
    admin.configure_index(NAME, deletion_protection="disabled", tags={"env": "", "team": "a"})
    assert admin.describe_index(NAME).tags == {"team": "a"}
    t0 = time.monotonic()
    admin.delete_index(NAME)
    assert time.monotonic() - t0 < 4, "delete must not wait for a 404 poll"
    assert not admin.has_index(NAME)


def test_collections(worker, admin):
    admin.create_index(name="py-coll-src", dimension=8, metric="cosine", spec=ServerlessSpec(cloud="aws", region="us-east-1"))
    admin.Index(name="py-coll-src").upsert(vectors=[("a", vec(0.1)), ("b", vec(0.2))], namespace="tenant1")
    c = admin.create_collection(name="py-snap", source="py-coll-src")
    assert (c.name, c.status, c.environment, c.dimension, c.vector_count) == ("py-snap", "Ready", "us-east-1-aws", 8, 2)
    assert c.size > 0
    assert [x.name for x in admin.list_collections()] == ["py-snap"]
    d = admin.describe_collection("py-snap")
    assert (d.name, d.vector_count, d.size) == ("py-snap", 2, c.size)
    with pytest.raises(ConflictError):
        admin.create_collection(name="py-snap", source="py-coll-src")
    with pytest.raises(NotFoundError):
        admin.create_collection(name="py-other", source="nope")
    with pytest.raises(NotFoundError):
        admin.describe_collection("nope")
    tenant = Pinecone(api_key=worker["keys"]["tenant1"], host=worker["url"])
    with pytest.raises(ForbiddenError):
        tenant.list_collections()
    with pytest.raises(ForbiddenError):
        tenant.create_collection(name="py-t", source="py-coll-src")
    admin.delete_collection("py-snap")
    with pytest.raises(NotFoundError):
        admin.describe_collection("py-snap")
    assert [x.name for x in admin.list_collections()] == []
    admin.delete_index("py-coll-src")
