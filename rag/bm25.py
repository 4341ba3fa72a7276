"""Okapi BM25 over pre-tokenised chunks."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

K1 = 1.5
B = 0.75


@dataclass
class BM25:
    """Okapi BM25 over pre-tokenised chunks."""

    docs: list[list[str]]
    postings: dict[str, list[tuple[int, int]]] = field(init=False)
    idf: dict[str, float] = field(init=False)
    lengths: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.postings = defaultdict(list)
        for i, tokens in enumerate(self.docs):
            for term, tf in Counter(tokens).items():
                self.postings[term].append((i, tf))
        n = len(self.docs)
        self.idf = {
            t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()
        }
        self.lengths = np.array([len(d) for d in self.docs], dtype=np.float32)

    @property
    def doc_freq(self) -> dict[str, int]:
        return {t: len(p) for t, p in self.postings.items()}

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every chunk for the query tokens (repeats count once)."""
        out = np.zeros(len(self.docs), dtype=np.float32)
        if not self.docs:
            return out
        avg = float(self.lengths.mean()) or 1.0
        for term in dict.fromkeys(query_tokens):
            for i, tf in self.postings.get(term, ()):
                norm = K1 * (1 - B + B * self.lengths[i] / avg)
                out[i] += self.idf[term] * tf * (K1 + 1) / (tf + norm)
        return out
