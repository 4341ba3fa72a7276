"""Hybrid retrieval: dense (FAISS) + BM25 fused by weighted reciprocal rank, with filters.

Both retrievers run inside the store (rag.store.IndexStore) with the filter applied during the
search; only the head of each ranking is fetched, and chunk texts are read for the final hits.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

import numpy as np

from rag.errors import ConfigError
from rag.store import DocInfo, IndexStore
from rag.types import Document, Filters, Hit

MODES = ("fused", "dense", "bm25")


def allowed_ids(index: IndexStore, filters: Filters) -> frozenset[str] | None:
    """The doc_ids that pass the filters, or None when there are none."""
    if filters.is_empty():
        return None
    return frozenset(d.doc_id for d in index.doc_infos() if matches(d, filters))


def matches(doc: Document | DocInfo, filters: Filters) -> bool:
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


def retrieve(
    index: IndexStore,
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
    if k <= 0 or len(index.chunks) == 0:
        return []
    allowed = allowed_ids(index, filters or Filters())
    if allowed is not None and not allowed:
        return []
    depth = max(k * 20, 100)  # only the head of each ranking matters for fusion
    rankings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    dense_job = None
    if mode in ("fused", "dense") and query_vector is not None:
        # the dense search runs beside BM25 (FAISS releases the GIL): a fused search costs the
        # slower of the two, not their sum
        dense_job = _searcher().submit(index.dense_search, query_vector, depth, allowed)
    lexical = index.bm25_search(query_tokens, depth, allowed) if mode in ("fused", "bm25") else None
    if dense_job is not None:
        rankings["dense"] = dense_job.result()
    if lexical is not None:
        rankings["bm25"] = lexical

    weights = {"dense": dense_weight, "bm25": bm25_weight}
    fused: dict[int, float] = {}
    found: dict[int, list[str]] = {}
    for name, (rows, scores) in rankings.items():
        for rank, (i, raw) in enumerate(zip(rows.tolist(), scores.tolist(), strict=True)):
            score = raw if len(rankings) == 1 else weights[name] / (rrf_k + rank + 1)
            fused[i] = fused.get(i, 0.0) + score
            found.setdefault(i, []).append(name)
    best = sorted(fused, key=lambda i: (-fused[i], i))[:k]
    chunks = index.chunks_at(best)
    dense = index.dense_scores(query_vector, best).tolist() if query_vector is not None else None
    # the BM25 ranking holds the scores of the rows it found; only the others are computed
    known = dict(zip(*(x.tolist() for x in lexical), strict=True)) if lexical is not None else {}
    unknown = [i for i in best if i not in known]
    if unknown:
        known.update(zip(unknown, index.bm25_scores(query_tokens, unknown).tolist(), strict=True))
    bm25 = [known[i] for i in best]
    return [
        Hit(
            chunk=chunks[r],
            score=fused[i],
            rank=r + 1,
            stage=mode,
            found_by=tuple(found[i]),
            dense_score=dense[r] if dense is not None else None,
            bm25_score=float(bm25[r]),
        )
        for r, i in enumerate(best)
    ]


@cache
def _searcher() -> ThreadPoolExecutor:
    """One worker thread for dense searches, made on first use."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="rag-dense")


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
