"""The plain baseline a LangChain-tutorial user builds: fixed-size splits, dense top-k, no more.

RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50) over the raw file text, the
same embedder as the product, a FAISS IndexFlatIP, top-k by cosine. No BM25, no document
structure, no metadata, no abstention; its "answer" is the top chunk's text, which is what a
tutorial's stuff-chain shows when no LLM is attached.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from eval import metrics
from eval.datasets import Question
from rag import Settings
from rag.embed import embed_in_batches, get_embedder

CHUNK_SIZE = 500
CHUNK_OVERLAP = 50
EMBED_BATCH = 32
TEXT_SUFFIXES = (".txt", ".md")  # what a tutorial's DirectoryLoader(glob=...) + TextLoader reads


def _langchain_splitter() -> Any | None:
    try:
        from langchain_text_splitters import RecursiveCharacterTextSplitter
    except ImportError:
        return None
    return RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)


def splitter_name() -> str:
    """Which splitter the baseline uses: the LangChain class, or the labelled re-implementation."""
    if _langchain_splitter() is None:
        return "re-implementation of langchain RecursiveCharacterTextSplitter (package missing)"
    from importlib.metadata import version

    return (
        "langchain_text_splitters.RecursiveCharacterTextSplitter "
        f"{version('langchain-text-splitters')}"
    )


# --- Re-implementation of langchain_text_splitters.RecursiveCharacterTextSplitter -------------
# Used only when langchain-text-splitters is not installed. It follows the 1.1.x source line by
# line (defaults: separators "\n\n", "\n", " ", ""; keep_separator=True, i.e. at the start of
# the next piece; strip_whitespace=True; length = len) so the baseline is the same either way;
# tests/test_eval_harness.py checks the two agree on the bundled corpus.


def _split_with_separator(text: str, separator: str) -> list[str]:
    """Split on a literal separator, keeping it at the start of the following piece."""
    if not separator:
        return [ch for ch in text if ch]
    parts = re.split(f"({re.escape(separator)})", text)
    pieces = [parts[i] + parts[i + 1] for i in range(1, len(parts), 2)]
    if len(parts) % 2 == 0:
        pieces += parts[-1:]
    pieces = [parts[0], *pieces]
    return [p for p in pieces if p]


def _merge(splits: Sequence[str], size: int, overlap: int) -> list[str]:
    """Greedily pack pieces into chunks of <= size chars, carrying <= overlap chars over."""
    docs: list[str] = []
    current: list[str] = []
    total = 0
    for piece in splits:
        n = len(piece)
        if total + n > size and current:
            joined = "".join(current).strip()
            if joined:
                docs.append(joined)
            while total > overlap or (total + n > size and total > 0):
                total -= len(current[0])
                current = current[1:]
        current.append(piece)
        total += n
    joined = "".join(current).strip()
    if joined:
        docs.append(joined)
    return docs


def recursive_split(
    text: str,
    separators: Sequence[str] = ("\n\n", "\n", " ", ""),
    size: int = CHUNK_SIZE,
    overlap: int = CHUNK_OVERLAP,
) -> list[str]:
    """RecursiveCharacterTextSplitter.split_text, re-implemented (see the note above)."""
    separator, rest = separators[-1], []
    for i, sep in enumerate(separators):
        if not sep:
            separator = sep
            break
        if sep in text:
            separator, rest = sep, list(separators[i + 1 :])
            break
    chunks: list[str] = []
    good: list[str] = []
    for piece in _split_with_separator(text, separator):
        if len(piece) < size:
            good.append(piece)
            continue
        if good:
            chunks.extend(_merge(good, size, overlap))
            good = []
        chunks.extend(recursive_split(piece, rest, size, overlap) if rest else [piece])
    if good:
        chunks.extend(_merge(good, size, overlap))
    return chunks


def split_text(text: str) -> list[str]:
    """Split one document the tutorial way (LangChain if installed, else the re-implementation)."""
    splitter = _langchain_splitter()
    return splitter.split_text(text) if splitter is not None else recursive_split(text)


def tutorial_files(paths: Sequence[str | Path]) -> list[Path]:
    """Text files under paths, sorted and deduplicated (folders are walked recursively)."""
    found: dict[Path, Path] = {}
    for given in paths:
        path = Path(given)
        candidates = sorted(path.rglob("*")) if path.is_dir() else [path]
        for p in candidates:
            if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES:
                found.setdefault(p.resolve(), p)
    return sorted(found.values())


@dataclass(frozen=True, slots=True)
class BaselineHit:
    source: str  # file name
    text: str
    score: float
    rank: int


class BaselineIndex:
    """Fixed-size chunks of the raw files in a flat inner-product FAISS index."""

    def __init__(self, settings: Settings) -> None:
        self.embedder = get_embedder(settings.embedder, settings.device)
        self.sources: list[str] = []
        self.texts: list[str] = []
        self._faiss: Any = None
        self.build_seconds = 0.0
        self.chars = 0
        self.cached = False  # vectors came from the cache folder

    def build(
        self, paths: Sequence[str | Path], *, cache_dir: str | Path | None = None
    ) -> BaselineIndex:
        """Load every readable file under paths (as a DirectoryLoader would), split and embed.

        With cache_dir, vectors are kept there under a hash of the embedder and the chunk texts,
        so a repeated benchmark does not embed the same baseline chunks again.
        """
        import faiss

        started = time.perf_counter()
        for path in tutorial_files(paths):
            try:  # a tutorial's TextLoader: the raw UTF-8 text, no cleaning
                raw = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            for chunk in split_text(raw):
                self.sources.append(Path(path).name)
                self.texts.append(chunk)
        self.chars = sum(len(t) for t in self.texts)
        cache_file = None
        if cache_dir is not None:
            key = hashlib.sha256("\0".join([self.embedder.name, *self.texts]).encode()).hexdigest()
            cache_file = Path(cache_dir) / f"{key[:32]}.npy"
        if cache_file is not None and cache_file.is_file():
            matrix = np.load(cache_file)
            self.cached = True
        else:
            matrix = embed_in_batches(self.embedder, self.texts, batch_size=EMBED_BATCH)
            if cache_file is not None:
                cache_file.parent.mkdir(parents=True, exist_ok=True)
                np.save(cache_file, matrix)
        self._faiss = faiss.IndexFlatIP(self.embedder.dim)
        if len(matrix):
            self._faiss.add(matrix)
        self.build_seconds = time.perf_counter() - started
        return self

    def search(self, question: str, k: int = 5) -> list[BaselineHit]:
        """Top-k chunks by cosine similarity (vectors are L2-normalised)."""
        if self._faiss is None or not self.texts:
            return []
        qv = self.embedder.embed_query(question).astype(np.float32)[None, :]
        scores, ids = self._faiss.search(qv, min(k, len(self.texts)))
        return [
            BaselineHit(self.sources[i], self.texts[i], float(s), rank)
            for rank, (s, i) in enumerate(zip(scores[0], ids[0], strict=True), 1)
            if i >= 0
        ]

    def answer(self, question: str) -> str:
        """The tutorial's answer without an LLM: the top chunk's text."""
        hits = self.search(question, k=1)
        return hits[0].text if hits else ""


def evaluate_baseline(
    index: BaselineIndex,
    questions: Sequence[Question],
    *,
    depth: int = 10,
    answer_ids: set[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """recall@1/@5, MRR@depth, answer-contains-fact on the top chunk and latency, like run_eval.

    The answer is the top-1 hit of the same search, so answer latency is one search; only
    questions in answer_ids (all when None) count for answer-contains-fact, as for the product.
    """
    answerable = [q for q in questions if q.answerable]
    r1: list[float] = []
    r5: list[float] = []
    rr: list[float] = []
    facts: list[float] = []
    answer_chars: list[float] = []
    latencies: list[float] = []
    for done, q in enumerate(answerable, 1):
        started = time.perf_counter()
        hits = index.search(q.user_input, k=depth)
        latencies.append(time.perf_counter() - started)
        flags = [metrics.is_hit(h.source, h.text, q.reference_sources, q.hit_quotes) for h in hits]
        r1.append(metrics.recall_at_k(flags, 1))
        r5.append(metrics.recall_at_k(flags, 5))
        rr.append(metrics.reciprocal_rank(flags))
        if answer_ids is None or q.id in answer_ids:
            top = hits[0].text if hits else ""
            answer_chars.append(len(top))
            facts.append(
                float(metrics.answer_contains_fact(top, q.reference_facts, require=q.fact_rule))
            )
        if progress:
            progress(done, len(answerable))
    return {
        "splitter": splitter_name(),
        "chunks": len(index.texts),
        "chunk_chars": index.chars,
        "build_seconds": round(index.build_seconds, 3),
        "vectors_cached": index.cached,
        "questions": len(answerable),
        "recall@1": metrics.mean(r1),
        "recall@5": metrics.mean(r5),
        f"mrr@{depth}": metrics.mean(rr),
        "fact_in_answer": metrics.mean(facts),
        "fact_questions": len(facts),
        "answer_chars_p50": metrics.percentile(answer_chars, 50),
        "latency_ms": metrics.latency_ms(latencies),
        "refuses": False,  # no abstention: it always shows a chunk, even for unanswerable questions
    }
