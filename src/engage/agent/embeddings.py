"""Embedding backends behind one port: a local hashed TF-IDF default, Titan v2 on Bedrock.

The local embedder needs no download and is deterministic: word and character
n-grams are hashed into a fixed space (no vocabulary to ship), weighted by IDF
learnt from the knowledge base's own chunks, and L2-normalised, so cosine
similarity is a dot product. Titan Embeddings v2 is called through boto3's
bedrock-runtime `invoke_model`, one text per call (the model's API).
"""

from __future__ import annotations

import json
from typing import Any, Protocol

import numpy as np

TITAN_MODEL = "amazon.titan-embed-text-v2:0"


class Embedder(Protocol):
    """Texts -> unit vectors (n x dim)."""

    name: str

    def fit(self, texts: list[str]) -> None: ...

    def embed(self, texts: list[str]) -> np.ndarray: ...

    def state(self) -> dict[str, Any]: ...


class LocalEmbedder:
    """Hashed word (1-2) + character (3-5) n-grams with IDF weights; no download."""

    name = "local-hashing-tfidf"

    def __init__(self, n_features: int = 2**12, idf: list[float] | None = None) -> None:
        # scikit-learn loads here, not at import: `engage ask` should not pay for it
        # unless a knowledge base is searched.
        from sklearn.feature_extraction.text import HashingVectorizer

        self.n_features = n_features
        self._words = HashingVectorizer(
            n_features=n_features, ngram_range=(1, 2), alternate_sign=False, norm=None
        )
        self._chars = HashingVectorizer(
            n_features=n_features, analyzer="char_wb", ngram_range=(3, 5),
            alternate_sign=False, norm=None,
        )  # fmt: skip
        self.idf = None if idf is None else np.asarray(idf, dtype=np.float64)

    def _counts(self, texts: list[str]) -> Any:
        from scipy import sparse

        chars = self._chars.transform(texts) * 0.2  # sub-word overlap, a weak signal
        return sparse.hstack([self._words.transform(texts), chars]).tocsr()

    def fit(self, texts: list[str]) -> None:
        """Learn IDF weights from the corpus (smoothed, as scikit-learn's TfidfTransformer)."""
        counts = self._counts(texts)
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        self.idf = np.log((1 + len(texts)) / (1 + df)) + 1.0

    def embed(self, texts: list[str]) -> np.ndarray:
        counts = self._counts(texts)
        counts.data = 1.0 + np.log1p(counts.data)  # sublinear term frequency
        weighted = counts.multiply(self.idf if self.idf is not None else 1.0).toarray()
        norms = np.linalg.norm(weighted, axis=1, keepdims=True)
        return (weighted / np.where(norms == 0, 1.0, norms)).astype(np.float32)

    def state(self) -> dict[str, Any]:
        return {
            "n_features": self.n_features,
            "idf": None if self.idf is None else self.idf.tolist(),
        }


class TitanEmbedder:
    """Amazon Titan Text Embeddings v2 through bedrock-runtime invoke_model."""

    name = TITAN_MODEL

    def __init__(self, client: Any, dimensions: int = 1024, model_id: str = TITAN_MODEL) -> None:
        self.client, self.dimensions, self.model_id = client, dimensions, model_id

    def fit(self, texts: list[str]) -> None:
        """Nothing to learn: the model is pretrained."""

    def embed(self, texts: list[str]) -> np.ndarray:
        out = []
        for text in texts:
            body = {"inputText": text, "dimensions": self.dimensions, "normalize": True}
            reply = self.client.invoke_model(
                modelId=self.model_id,
                body=json.dumps(body).encode(),
                contentType="application/json",
                accept="application/json",
            )
            out.append(json.loads(reply["body"].read())["embedding"])
        return np.asarray(out, dtype=np.float32)

    def state(self) -> dict[str, Any]:
        return {"dimensions": self.dimensions, "model_id": self.model_id}
