"""The knowledge base: run documents, fixed-size chunks, local vectors, cosine search."""

from __future__ import annotations

from engage import bootstrap
from engage.agent import kb
from engage.agent.embeddings import LocalEmbedder
from engage.settings import Settings


def test_chunks_are_300_tokens_with_20_percent_overlap() -> None:
    text = " ".join(f"t{i}" for i in range(1000))
    chunks = [c.split() for c in kb.chunk(text)]
    assert all(len(c) <= 300 for c in chunks) and chunks[0][0] == "t0"
    assert chunks[1][0] == "t240" and chunks[0][-60:] == chunks[1][:60]
    assert chunks[-1][-1] == "t999"


def test_local_embeddings_are_deterministic_unit_vectors() -> None:
    texts = ["churn model auc", "engagement by device type", "fairness report"]
    a, b = LocalEmbedder(), LocalEmbedder()
    a.fit(texts)
    b.fit(texts)
    va, vb = a.embed(texts), b.embed(texts)
    assert (va == vb).all()
    assert abs(float((va[0] ** 2).sum()) - 1) < 1e-5


def test_build_stores_vectors_with_metadata_and_search_finds_sources(
    agent_settings: Settings,
) -> None:
    store = bootstrap.object_store(agent_settings)
    tools = bootstrap.tools(agent_settings)
    try:
        summary = kb.build(store, "run_test", tools, bootstrap.embedder(agent_settings))
    finally:
        tools.close()
    assert summary["chunks"] >= summary["documents"] >= 10
    table = store.read_parquet(kb.VECTORS)
    restore = lambda state: bootstrap.embedder(agent_settings, state=state)  # noqa: E731
    assert {"source", "model_version", "run_id", "timestamp", "vector"} <= set(table.column_names)
    hits = kb.retrieve(store, "fairness disparate impact 80% rule", restore, k=2)
    assert hits[0]["source"] == "model_metrics/fairness_report.txt"
    hits = kb.retrieve(store, "feature importance of the churn model", restore, k=1)
    assert hits[0]["source"] == "feature_importance/churn.txt"
    assert hits[0]["run_id"] == "run_test" and hits[0]["model_version"]
    session = bootstrap.session(agent_settings)
    try:
        answer = session.ask("Which features does the model find least important?")
    finally:
        session.close()
    assert answer.citations["kb"] and answer.citations["kb"][0]["run_id"] == "run_test"
