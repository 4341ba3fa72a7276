"""Citations shared by every answerer: markers, exact quotes, raw-file line ranges."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from rag.chunk import split_sentences
from rag.text.tokenize import tokenize
from rag.types import Citation, Document, Hit

MARKER_RE = re.compile(r"\[(\d{1,3})\]")


@dataclass(frozen=True, slots=True)
class Passage:
    """A retrieved chunk shown to the answerer as passage [n]."""

    n: int
    hit: Hit
    doc: Document


def passages_of(hits: list[Hit], docs: Mapping[str, Document]) -> list[Passage]:
    return [Passage(i, h, docs[h.chunk.doc_id]) for i, h in enumerate(hits, 1)]


def make_citation(n: int, passage: Passage, start: int, end: int) -> Citation:
    """Citation n quoting passage.doc.text[start:end] (must lie inside the passage's chunk)."""
    doc, chunk = passage.doc, passage.hit.chunk
    line_start, line_end = doc.line_range(start, end)
    return Citation(
        n=n,
        chunk_id=chunk.chunk_id,
        doc_id=doc.doc_id,
        path=doc.path,
        source=doc.source,
        title=doc.title,
        quote=doc.text[start:end],
        start_char=start,
        end_char=end,
        line_start=line_start,
        line_end=line_end,
        page=doc.page_of(start),
    )


def passage_sentences(passage: Passage) -> list[tuple[int, int]]:
    """(start, end) offsets in the document of each sentence of the passage."""
    c = passage.hit.chunk
    return split_sentences(passage.doc.text, c.start_char, c.end_char)


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a) if a else 0.0


def locate_support(claim: str, passage: Passage) -> tuple[int, int]:
    """The sentence of the passage that best supports a claim (token overlap, then chars)."""
    claim_tokens = set(tokenize(claim))
    claim_chars = {ch for ch in claim if not ch.isspace()}
    best, best_score = None, -1.0
    for start, end in passage_sentences(passage):
        sent = passage.doc.text[start:end]
        score = _overlap(claim_tokens, set(tokenize(sent))) + 0.1 * _overlap(claim_chars, set(sent))
        if score > best_score:
            best, best_score = (start, end), score
    if best is None:  # an empty passage cannot happen for indexed chunks; cite it whole
        return passage.hit.chunk.start_char, passage.hit.chunk.end_char
    return best


def cite_marked_text(text: str, passages: list[Passage]) -> tuple[str, list[Citation]]:
    """Turn an answer whose [n] markers name passages into one with validated citations.

    Markers naming no passage are stripped; repeated markers after one claim collapse; kept
    markers are renumbered 1..m in order of first use, and each quotes the sentence of its
    passage that best supports the text before the marker.
    """
    by_n = {p.n: p for p in passages}
    citations: list[Citation] = []
    key_to_n: dict[tuple[int, int, int], int] = {}
    out: list[str] = []
    pos = 0
    claim_start = 0
    claim = ""
    last_marker_end = -1
    for m in MARKER_RE.finditer(text):
        out.append(text[pos : m.start()])
        pos = m.end()
        if m.start() != last_marker_end:  # [1][2] after one claim: both support that claim
            claim = text[claim_start : m.start()]
        claim_start = last_marker_end = m.end()
        passage = by_n.get(int(m.group(1)))
        if passage is None:
            continue
        start, end = locate_support(claim or text, passage)
        key = (passage.n, start, end)
        if key not in key_to_n:
            key_to_n[key] = len(citations) + 1
            citations.append(make_citation(key_to_n[key], passage, start, end))
        marker = f"[{key_to_n[key]}]"
        if not "".join(out).endswith(marker):
            out.append(marker)
    out.append(text[pos:])
    cleaned = re.sub(r"[ \t]+\n", "\n", "".join(out)).strip()
    return cleaned, citations
