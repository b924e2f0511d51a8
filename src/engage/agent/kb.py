"""The knowledge base: documents generated from a run, chunked, embedded, kept in the lake.

`build(settings, run_id)` runs at the end of the pipeline. It writes what the
seed's Bedrock KB holds (model metrics, feature importance, fairness report, the
data dictionary from the contract, analytics summaries) as documents whose every
figure is read from the run's tables, chunks them (300 tokens, 20% overlap, as the
seed's FIXED_SIZE strategy), embeds the chunks and stores vectors and metadata as
Parquet under `engagement-kb/`. `retrieve` is top-k cosine over those vectors.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from engage import bootstrap
from engage.agent.embeddings import Embedder
from engage.agent.tools import Tools
from engage.contract import CUSTOMERS
from engage.ports import ObjectStore
from engage.settings import Settings

KB_PREFIX = "engagement-kb/"
VECTORS = KB_PREFIX + "vectors/vectors.parquet"
STATE = KB_PREFIX + "vectors/embedder.json"
MODELS = ("engagement", "churn", "ltv", "recommendation", "anomaly")
CHUNK_TOKENS, OVERLAP = 300, 0.2


@dataclass(frozen=True)
class Document:
    source: str
    text: str
    model_version: str = ""


def chunk(text: str, max_tokens: int = CHUNK_TOKENS, overlap: float = OVERLAP) -> list[str]:
    """Fixed-size chunks of whitespace tokens, each sharing `overlap` with the previous."""
    tokens = text.split()
    step = max(1, int(max_tokens * (1 - overlap)))
    starts = range(0, max(1, len(tokens) - int(max_tokens * overlap)), step)
    return [" ".join(tokens[s : s + max_tokens]) for s in starts if tokens[s : s + max_tokens]]


def documents(tools: Tools) -> list[Document]:
    """Every document of the KB, from the run's tables and the contract."""
    docs = [_dictionary()]
    for model in MODELS:
        try:
            metrics = tools.model_metrics(model)
        except ValueError:
            continue
        version = metrics.rows[0]["model_version"]
        lines = [f"{r['split']} {r['metric']}: {r['value']:.6g}" for r in metrics.rows]
        docs.append(Document(f"model_metrics/{model}.txt",
                             f"Model metrics of the {model} model {version}. " + ". ".join(lines),
                             version))  # fmt: skip
        top = tools.feature_importance(model, k=20)
        if top.rows:
            lines = [f"{r['rank']}. {r['feature']} mean |SHAP| {r['mean_abs_shap']:.6g}"
                     for r in top.rows]  # fmt: skip
            docs.append(Document(f"feature_importance/{model}.txt",
                                 f"Feature importance of the {model} model {version}: "
                                 + "; ".join(lines), version))  # fmt: skip
    docs.append(_fairness(tools))
    for by in ("account_type", "engagement_level", "device_type", "age_band"):
        result = tools.compare_segments(by)
        parts = [f"{r['segment']}: mean engagement {r['value']:.4f}, {r['customers']} customers"
                 for r in result.rows]  # fmt: skip
        docs.append(Document(f"analytics/engagement_by_{by}.txt",
                             f"Engagement by {by}: " + "; ".join(parts)))  # fmt: skip
    return docs


def _dictionary() -> Document:
    lines = [
        f"{c.name} ({c.dtype.value}{', ' + c.unit if c.unit else ''}; role {c.role.value}): "
        f"{c.description} Allowed: {c.allowed()}."
        + (f" Also called: {', '.join(c.synonyms)}." if c.synonyms else "")
        for c in CUSTOMERS.columns
    ]
    return Document("data_dictionary/schema.md", "Data dictionary. " + " ".join(lines))


def _fairness(tools: Tools) -> Document:
    rows = tools.run_sql(
        "SELECT model_name, model_version, attribute, group_value, selection_rate, di_ratio, "
        "passes_80_percent_rule FROM engagement_analytics.fairness_metrics"
    ).rows
    lines = [
        f"{r['model_name']} {r['model_version']} {r['attribute']}={r['group_value']}: selection "
        f"rate {r['selection_rate']:.4f}, disparate impact {r['di_ratio']}, passes 80% rule "
        f"{r['passes_80_percent_rule']}"
        for r in rows
    ]
    return Document("model_metrics/fairness_report.txt", "Fairness report. " + "; ".join(lines))


def build(
    settings: Settings,
    run_id: str,
    embedder: Embedder | None = None,
    tools: Tools | None = None,
    store: ObjectStore | None = None,
) -> dict[str, Any]:
    """Generate, chunk, embed and store the KB of a run; returns a summary.

    `store` is the run's own (its generation), so the KB is published with the run.
    """
    own = tools is None
    tools = tools or Tools(settings)
    try:
        docs = documents(tools)
    finally:
        if own:
            tools.close()
    records = [(d, i, c) for d in docs for i, c in enumerate(chunk(d.text))]
    texts = [c for _, _, c in records]
    embedder = embedder or bootstrap.embedder(settings)
    embedder.fit(texts)
    vectors = embedder.embed(texts)
    stamp = dt.datetime.now(dt.UTC).isoformat()
    table = pa.table({
        "chunk_id": [f"{d.source}#{i}" for d, i, _ in records],
        "source": [d.source for d, _, _ in records],
        "text": texts,
        "model_version": [d.model_version for d, _, _ in records],
        "run_id": [run_id] * len(records),
        "timestamp": [stamp] * len(records),
        "embedder": [embedder.name] * len(records),
        "vector": pa.array([v.tolist() for v in vectors], pa.list_(pa.float32())),
    })  # fmt: skip
    store = store or bootstrap.object_store(settings)
    store.write_parquet(VECTORS, table)
    store.put_bytes(STATE, json.dumps(embedder.state()).encode())
    return {"run_id": run_id, "documents": len(docs), "chunks": len(records),
            "dimensions": int(vectors.shape[1]), "key": VECTORS}  # fmt: skip


class KbIndex:
    """The stored vectors, loaded once; `search` is top-k cosine with metadata."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        store = bootstrap.object_store(settings)
        self.available = store.exists(VECTORS)
        if not self.available:
            return
        table = store.read_parquet(VECTORS)
        self.embedder = embedder or bootstrap.embedder(
            settings, state=json.loads(store.get_bytes(STATE))
        )
        self.matrix = np.asarray(table.column("vector").to_pylist(), dtype=np.float32)
        self.meta = table.drop_columns(["vector"]).to_pylist()

    def search(self, query: str, k: int = 4) -> list[dict[str, Any]]:
        if not self.available:
            return []
        scores = self.matrix @ self.embedder.embed([query])[0]
        order = np.argsort(-scores, kind="stable")[:k]
        return [{**self.meta[i], "score": float(scores[i])} for i in order]


def retrieve(
    settings: Settings, query: str, k: int = 4, embedder: Embedder | None = None
) -> list[dict[str, Any]]:
    """Top-k chunks by cosine similarity, with their metadata (source, version, run, time)."""
    return KbIndex(settings, embedder).search(query, k)
