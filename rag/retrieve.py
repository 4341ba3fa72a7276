"""Hybrid retrieval: dense (FAISS) + BM25 fused by weighted reciprocal rank, with filters."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np

from rag.errors import ConfigError
from rag.store import StoredIndex
from rag.types import Document, Filters, Hit

MODES = ("fused", "dense", "bm25")


def allowed_mask(index: StoredIndex, filters: Filters) -> np.ndarray | None:
    """Boolean mask over chunks that pass the filters, or None when there are none."""
    if filters.is_empty():
        return None
    ok_docs = {d.doc_id for d in index.documents.values() if matches(d, filters)}
    return np.array([c.doc_id in ok_docs for c in index.chunks], dtype=bool)


def matches(doc: Document, filters: Filters) -> bool:
    """True when the document passes every filter that is set."""
    if filters.sources and not ({doc.source, doc.doc_id, doc.path} & set(filters.sources)):
        return False
    if filters.region and filters.region not in (doc.region or "") + (doc.title or ""):
        return False
    if filters.issuer and filters.issuer not in (doc.issuer or ""):
        return False
    year = doc.year
    if filters.year_from is not None and (year is None or year < filters.year_from):
        return False
    return not (filters.year_to is not None and (year is None or year > filters.year_to))


def _dense_ranking(index: StoredIndex, qv: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    n = len(index.chunks)
    if mask is None and n > 2000:
        # only the head of the ranking matters for fusion; avoid sorting the whole corpus
        _, ids = index.faiss_index.search(qv[None, :].astype(np.float32), 1000)
        return np.array([i for i in ids[0] if i >= 0], dtype=np.int64)
    _, ids = index.faiss_index.search(qv[None, :].astype(np.float32), n)
    order = np.array([i for i in ids[0] if i >= 0], dtype=np.int64)
    return order if mask is None else order[mask[order]]


def retrieve(
    index: StoredIndex,
    query_vector: np.ndarray | None,
    query_tokens: Sequence[str],
    *,
    k: int,
    filters: Filters | None = None,
    mode: str = "fused",
    dense_weight: float = 1.0,
    bm25_weight: float = 1.0,
    rrf_k: int = 60,
) -> list[Hit]:
    """Top-k chunks for a query; k is capped at the number of chunks that pass the filters."""
    if mode not in MODES:
        raise ConfigError(f"retrieval mode {mode!r}: use one of {', '.join(MODES)}")
    n = len(index.chunks)
    if n == 0 or k <= 0:
        return []
    mask = allowed_mask(index, filters or Filters())
    dense_sims = index.vectors @ query_vector if query_vector is not None else np.zeros(n)
    bm25 = index.bm25.scores(query_tokens)

    rankings: dict[str, np.ndarray] = {}
    if mode in ("fused", "dense") and query_vector is not None:
        rankings["dense"] = _dense_ranking(index, query_vector, mask)
    if mode in ("fused", "bm25"):
        order = np.argsort(-bm25, kind="stable")
        order = order[bm25[order] > 0]
        rankings["bm25"] = order if mask is None else order[mask[order]]

    weights = {"dense": dense_weight, "bm25": bm25_weight}
    fused: dict[int, float] = {}
    found: dict[int, list[str]] = {}
    for name, order in rankings.items():
        for rank, i in enumerate(order[: max(k * 20, 100)].tolist()):
            if len(rankings) == 1:
                score = float(dense_sims[i] if name == "dense" else bm25[i])
            else:
                score = weights[name] / (rrf_k + rank + 1)
            fused[i] = fused.get(i, 0.0) + score
            found.setdefault(i, []).append(name)
    best = sorted(fused, key=lambda i: (-fused[i], i))[:k]
    return [
        Hit(
            chunk=index.chunks[i],
            score=fused[i],
            rank=r + 1,
            stage=mode,
            found_by=tuple(found[i]),
            dense_score=float(dense_sims[i]) if query_vector is not None else None,
            bm25_score=float(bm25[i]),
        )
        for r, i in enumerate(best)
    ]


_rerank_lock = threading.Lock()


@cache
def _cross_encoder(model: str, device: str) -> Any:
    try:
        from sentence_transformers import CrossEncoder

        return CrossEncoder(model, device=device)
    except Exception as e:
        raise ConfigError(
            f"reranker {model!r} cannot be loaded ({e}); set RAG_RERANKER to a local "
            "cross-encoder folder or leave it empty"
        ) from e


def rerank(question: str, hits: list[Hit], *, model: str, device: str = "cpu") -> list[Hit]:
    """Reorder hits with a sentence-transformers CrossEncoder (off unless a model is set)."""
    if not hits:
        return hits
    encoder = _cross_encoder(model, device)
    with _rerank_lock:
        scores = encoder.predict([(question, h.chunk.text) for h in hits])
    order = sorted(range(len(hits)), key=lambda i: -float(scores[i]))
    return [
        Hit(
            chunk=hits[i].chunk,
            score=float(scores[i]),
            rank=r + 1,
            stage="rerank",
            found_by=hits[i].found_by,
            dense_score=hits[i].dense_score,
            bm25_score=hits[i].bm25_score,
        )
        for r, i in enumerate(order)
    ]
