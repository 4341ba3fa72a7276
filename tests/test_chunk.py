"""Chunking: offsets, coverage, budgets and line ranges, as properties."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from make_fixtures import make_fixtures

from rag.chunk import chunk_document, count_tokens, heading_level
from rag.pipeline import document_from_text, load_document
from rag.types import Document

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _doc_from_text(raw: str) -> Document:
    return document_from_text(raw, path="/tmp/x.txt")


def _squash(s: str) -> str:
    return "".join(s.split())


def check_chunks(doc: Document, budget: int, overlap: int = 1) -> None:
    chunks = chunk_document(doc, chunk_tokens=budget, overlap_sentences=overlap)
    raw_lines = doc.raw_text.split("\n")
    covered = [False] * len(doc.text)
    prev_start = -1
    for c in chunks:
        assert doc.text[c.start_char : c.end_char] == c.text
        assert c.start_char > prev_start  # in document order
        prev_start = c.start_char
        # within budget, unless one sentence alone is longer (then it was cut to fit)
        assert count_tokens(c.text) <= budget
        assert c.chunk_tokens == count_tokens(c.text)
        # cleaning only deletes characters, so the chunk is a subsequence of its raw lines
        window = iter("\n".join(raw_lines[c.line_start - 1 : c.line_end]))
        assert all(ch in window for ch in c.text)
        assert doc.line_of(c.start_char) == c.line_start
        for i in range(c.start_char, c.end_char):
            covered[i] = True
    for i, ch in enumerate(doc.text):
        assert covered[i] or ch.isspace(), f"char {i} {ch!r} not in any chunk"


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.name)
@pytest.mark.parametrize("budget", [64, 300])
def test_corpus_chunks_are_exact_ordered_covering_and_within_budget(
    path: Path, budget: int
) -> None:
    check_chunks(load_document(path), budget)


def test_fixture_documents_chunk_exactly(tmp_path: Path) -> None:
    fixtures = make_fixtures(tmp_path)
    for name in ("gb18030", "utf8_bom", "utf16", "html", "pdf", "docx"):
        doc = load_document(fixtures[name])
        check_chunks(doc, 64)


def test_pdf_chunks_carry_their_page(tmp_path: Path) -> None:
    doc = load_document(make_fixtures(tmp_path)["pdf"])
    chunks = chunk_document(doc, chunk_tokens=32, overlap_sentences=0)
    assert {c.page for c in chunks} == {1, 2}
    assert chunks[0].page == 1 and chunks[-1].page == 2


def test_heading_path_and_levels() -> None:
    assert [
        heading_level(x) for x in ("一、总则", "（二）生态", "1.培育", "第三条 规定", "正文")
    ] == [
        2,
        3,
        4,
        4,
        0,
    ]
    doc = load_document(CORPUS / "jincheng-2024-reply-npc-268.txt")
    chunks = chunk_document(doc, chunk_tokens=300, overlap_sentences=1)
    fund = next(c for c in chunks if "总规模300亿的产业引导基金" in c.text)
    assert fund.heading == "二、晋城市人工智能产业发展优势 > （二）生态有支撑"
    assert fund.line_start == fund.line_end == 25


def test_overlap_is_whole_sentences() -> None:
    raw = "".join(f"第{i}句话讲的是人工智能产业的第{i}个方面。" for i in range(40))
    doc = _doc_from_text(raw)
    chunks = chunk_document(doc, chunk_tokens=60, overlap_sentences=1)
    assert len(chunks) > 3
    for a, b in itertools.pairwise(chunks):
        assert b.start_char < a.end_char  # one sentence shared
        assert a.text.endswith(doc.text[b.start_char : a.end_char])
        assert doc.text[b.start_char - 1] == "。"  # the shared part starts a sentence


sentence = st.text(alphabet="人工智能产业发展温州晋城0123456789ab ，、", min_size=1, max_size=80)
paragraph = st.lists(
    st.tuples(sentence, st.sampled_from(["。", "！", "；", ""])), min_size=1, max_size=6
).map(lambda parts: "".join(s + e for s, e in parts))
heading = st.sampled_from(["一、总体要求", "（二）主要任务", "3.保障措施", "第五条 附则", ""])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(heading, paragraph, st.sampled_from(["\n", "\n\n", "\n  "])), max_size=8),
    st.sampled_from([32, 48, 120]),
    st.sampled_from([0, 1, 2]),
)
def test_chunk_properties_on_generated_text(parts, budget: int, overlap: int) -> None:  # type: ignore[no-untyped-def]
    raw = "".join(h + ("\n" if h else "") + p + sep for h, p, sep in parts)
    if raw.strip():
        check_chunks(_doc_from_text(raw), budget, overlap)


def test_markdown_headings_open_sections_at_their_level() -> None:
    from rag.chunk import heading_level

    assert [heading_level(p) for p in ("# 总体情况", "## 一、收入", "### （二）支出")] == [1, 2, 3]
    assert heading_level("#话题# 人工智能大会今天开幕") == 0  # a hashtag is no heading
