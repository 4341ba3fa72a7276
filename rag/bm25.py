"""Okapi BM25 arithmetic over a term x chunk count matrix, vectorised (the store keeps it)."""

from __future__ import annotations

import numpy as np

K1 = 1.5
B = 0.75


def idf(n_chunks: int, doc_freq: np.ndarray) -> np.ndarray:
    """Okapi idf of each term from its document frequency (always positive)."""
    return np.log1p((n_chunks - doc_freq + 0.5) / (doc_freq + 0.5)).astype(np.float64)


def term_scores(
    term_idf: float, tf: np.ndarray, lengths: np.ndarray, avg_length: np.float32
) -> np.ndarray:
    """BM25 contribution of one term to the chunks it occurs in (tf and lengths per chunk)."""
    norm = np.float32(K1) * (np.float32(1 - B) + np.float32(B) * lengths / avg_length)
    return np.float32(term_idf) * tf * np.float32(K1 + 1) / (tf + norm)


def term_max(
    indptr: np.ndarray,
    counts: np.ndarray,
    rows: np.ndarray,
    lengths: np.ndarray,
    avg_length: np.float32,
) -> np.ndarray:
    """Each term's largest idf-free contribution (term_scores with idf 1) over its postings."""
    out = np.zeros(len(indptr) - 1, dtype=np.float32)
    if not len(counts):
        return out
    scores = term_scores(1.0, counts, lengths[rows], avg_length)
    has = np.diff(indptr) > 0
    out[has] = np.maximum.reduceat(scores, indptr[:-1][has])
    return out


def bound_scale(avg_now: np.float32, avg_then: np.float32) -> float:
    """How much a contribution computed with avg_then can grow under avg_now.

    With x = length / avg, a contribution tf (k1+1) / (tf + k1 (1-b) + k1 b x) grows when the
    average grows (x shrinks), by at most the ratio of the averages."""
    return max(1.0, float(avg_now) / float(avg_then)) if avg_then > 0 else float("inf")


def csc(
    rows: np.ndarray, terms: np.ndarray, counts: np.ndarray, n_terms: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(indptr, rows, counts) of a term x row count matrix given as coordinates; rows ascend."""
    order = np.lexsort((rows, terms))
    indptr = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(np.bincount(terms, minlength=n_terms), out=indptr[1:])
    return indptr, rows[order].astype(np.int32), counts[order].astype(np.float32)
