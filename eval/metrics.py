"""Evaluation metrics as pure functions over plain values and rag.types citations."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rag import Citation, RagError
from rag.pipeline import load_document

MARKER_RE = re.compile(r"\[(\d{1,3})\]")
_SPACE_RE = re.compile(r"\s+")
# A citation quote and a reference overlap when they share this many normalised characters:
# long enough that a shared run is the same clause, not a common word like "人工智能产业".
MIN_OVERLAP = 8


def normalise(text: str) -> str:
    """NFKC (full-width -> half-width), lower case, every white space character removed."""
    return _SPACE_RE.sub("", unicodedata.normalize("NFKC", text).lower())


def strip_markers(text: str) -> str:
    """The answer text without its [n] citation markers."""
    return MARKER_RE.sub("", text)


def is_hit(source: str, text: str, sources: Sequence[str], quotes: Sequence[str]) -> bool:
    """A chunk is a hit when it comes from a reference source and contains any reference quote.

    With no quotes the source alone decides (CMRC: the question's own passage document).
    """
    if sources and source not in sources:
        return False
    if not quotes:
        return bool(sources)
    body = normalise(text)
    return any(normalise(q) in body for q in quotes)


def first_hit_rank(hits: Sequence[bool]) -> int | None:
    """1-based rank of the first hit in a ranked list, or None."""
    return next((i for i, h in enumerate(hits, 1) if h), None)


def recall_at_k(hits: Sequence[bool], k: int) -> float:
    """1.0 when a hit is among the first k results, else 0.0 (averaged over questions)."""
    return 1.0 if any(hits[:k]) else 0.0


def reciprocal_rank(hits: Sequence[bool]) -> float:
    """1/rank of the first hit, 0.0 when there is none (its mean over questions is the MRR)."""
    rank = first_hit_rank(hits)
    return 1.0 / rank if rank else 0.0


def quotes_covered(
    chunks: Sequence[tuple[str, str]], sources: Sequence[str], quotes: Sequence[str]
) -> float:
    """Share of reference quotes found in some (source, text) chunk from a reference source."""
    if not quotes:
        return 0.0
    found = sum(1 for q in quotes if any(is_hit(s, t, sources, [q]) for s, t in chunks))
    return found / len(quotes)


def mean(values: Iterable[float]) -> float | None:
    """Arithmetic mean, None for no values."""
    vals = list(values)
    return sum(vals) / len(vals) if vals else None


def percentile(values: Sequence[float], p: float) -> float | None:
    """p-th percentile (0-100) by linear interpolation between closest ranks, like numpy's."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * p / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def latency_ms(seconds: Sequence[float]) -> dict[str, float | None]:
    """p50 / p95 / mean of durations given in seconds, in milliseconds, plus the count."""

    def ms(v: float | None) -> float | None:
        return round(v * 1000, 2) if v is not None else None

    return {
        "p50": ms(percentile(seconds, 50)),
        "p95": ms(percentile(seconds, 95)),
        "mean": ms(mean(seconds)),
        "n": len(seconds),
    }


def answer_contains_fact(answer_text: str, facts: Sequence[str], *, require: str = "all") -> bool:
    """True when all (or, with require="any", any) normalised facts appear in the answer text."""
    if not facts:
        return False
    body = normalise(strip_markers(answer_text))
    found = [normalise(f) in body for f in facts]
    return all(found) if require == "all" else any(found)


def citation_markers(text: str) -> list[int]:
    """The numbers of the [n] markers in an answer text, in order."""
    return [int(m) for m in MARKER_RE.findall(text)]


def citations_valid(
    answer_text: str, citations: Sequence[Citation], context_chunk_ids: Iterable[str]
) -> bool:
    """Every [n] marker has a citation n whose chunk is among the contexts shown."""
    shown = set(context_chunk_ids)
    by_n = {c.n: c for c in citations}
    return all(n in by_n and by_n[n].chunk_id in shown for n in citation_markers(answer_text))


def shares_substring(a: str, b: str, length: int = MIN_OVERLAP) -> bool:
    """True when a and b have a common substring of at least `length` characters."""
    if len(a) < length or len(b) < length:
        return False
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return any(short[i : i + length] in long_ for i in range(len(short) - length + 1))


def quote_supports(quote: str, references: Sequence[str]) -> bool:
    """A cited quote supports a reference when it contains it or shares >= 8 normalised chars."""
    q = normalise(quote)
    for ref in references:
        r = normalise(ref)
        if r and (r in q or shares_substring(q, r)):
            return True
    return False


def citation_supported(
    citations: Sequence[Citation],
    references: Sequence[str],
    sources: Sequence[str] = (),
) -> bool:
    """Some citation, from a reference source when sources are given, quotes the gold evidence."""
    return any(
        (not sources or c.source in sources) and quote_supports(c.quote, references)
        for c in citations
    )


def read_raw_text(path: str) -> str:
    """A file's decoded text, as indexing read it (GB18030 and UTF-16 files included)."""
    return load_document(path).raw_text


def citation_exact(citation: Citation, read_raw: Callable[[str], str] | None = None) -> bool:
    """The quote, white space removed, lies in the raw file's lines line_start..line_end."""
    try:
        raw = (read_raw or read_raw_text)(citation.path)
    except (OSError, RagError):
        return False
    lines = raw.split("\n")  # the index numbers lines by "\n" (rag.store.line_starts)
    if not 1 <= citation.line_start <= citation.line_end <= len(lines):
        return False
    window = "".join(lines[citation.line_start - 1 : citation.line_end])
    quote = _SPACE_RE.sub("", citation.quote)
    return bool(quote) and quote in _SPACE_RE.sub("", window)


@dataclass(frozen=True, slots=True)
class RefusalScores:
    """How well the answerer refuses exactly the unanswerable questions (refusal = positive)."""

    unanswerable: int
    unanswerable_refused: int
    answerable: int
    answerable_refused: int
    precision: float | None  # of all refusals, share on unanswerable questions
    recall: float | None  # of unanswerable questions, share refused


def refusal_scores(answerable: Sequence[bool], refused: Sequence[bool]) -> RefusalScores:
    """Refusal precision and recall from per-question (answerable, refused) flags."""
    if len(answerable) != len(refused):
        raise ValueError("answerable and refused must have the same length")
    n_un = sum(1 for a in answerable if not a)
    un_ref = sum(1 for a, r in zip(answerable, refused, strict=True) if not a and r)
    ans_ref = sum(1 for a, r in zip(answerable, refused, strict=True) if a and r)
    total_ref = un_ref + ans_ref
    return RefusalScores(
        unanswerable=n_un,
        unanswerable_refused=un_ref,
        answerable=len(answerable) - n_un,
        answerable_refused=ans_ref,
        precision=un_ref / total_ref if total_ref else None,
        recall=un_ref / n_un if n_un else None,
    )
