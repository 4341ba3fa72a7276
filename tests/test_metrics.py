"""Tests for eval.metrics: exact values on small hand-made cases."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval import metrics
from rag.types import Citation


def cite(
    n: int,
    quote: str,
    *,
    chunk_id: str = "c1",
    path: str = "",
    source: str = "a.txt",
    lines: tuple[int, int] = (1, 1),
) -> Citation:
    return Citation(
        n=n,
        chunk_id=chunk_id,
        doc_id="d",
        path=path,
        source=source,
        title=None,
        quote=quote,
        start_char=0,
        end_char=len(quote),
        line_start=lines[0],
        line_end=lines[1],
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("总投资 83 亿", "总投资83亿"),
        ("ＡＢＣ１２３％", "abc123%"),  # full-width letters, digits, percent
        ("Josef\u3000Kittler\n研究院\t", "josefkittler研究院"),  # ideographic space, tab
        ("（一）“星火”", "(一)“星火”"),  # full-width brackets fold; Chinese quotes stay
        ("", ""),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert metrics.normalise(text) == expected


def test_hit_needs_reference_source_and_quote() -> None:
    quote = ["人工智能产业链共有企业33家，总投资83亿"]
    text = "其中，人工智能产业链共有企业 33 家，\n总投资 83 亿；"
    assert metrics.is_hit("jc.txt", text, ["jc.txt"], quote)
    assert not metrics.is_hit("wz.txt", text, ["jc.txt"], quote)  # right text, wrong file
    assert not metrics.is_hit("jc.txt", "人工智能产业链共有企业33家", ["jc.txt"], quote)


def test_hit_cross_document_any_quote_and_source_only_rule() -> None:
    sources = ["a.txt", "b.txt"]
    quotes = ["温州智算中心", "国产高端智算中心"]
    assert metrics.is_hit("b.txt", "建设国产高端智算中心。", sources, quotes)
    assert not metrics.is_hit("b.txt", "建设智算中心。", sources, quotes)
    # CMRC: no quotes to match, the question's own passage document is the hit
    assert metrics.is_hit("TRIAL_800.txt", "anything", ["TRIAL_800.txt"], [])
    assert not metrics.is_hit("TRIAL_801.txt", "anything", ["TRIAL_800.txt"], [])


def test_rank_recall_and_reciprocal_rank() -> None:
    flags = [False, False, True, False, True]
    assert metrics.first_hit_rank(flags) == 3
    assert metrics.recall_at_k(flags, 1) == 0.0
    assert metrics.recall_at_k(flags, 3) == 1.0
    assert metrics.reciprocal_rank(flags) == pytest.approx(1 / 3)
    assert metrics.first_hit_rank([False] * 4) is None
    assert metrics.reciprocal_rank([]) == 0.0
    # MRR over three questions with first hits at 1, 2 and none
    rrs = [metrics.reciprocal_rank(f) for f in ([True], [False, True], [False])]
    assert metrics.mean(rrs) == pytest.approx(0.5)


def test_quotes_covered() -> None:
    chunks = [("a.txt", "温州智算中心规模2000P"), ("c.txt", "国产高端智算中心")]
    sources, quotes = ["a.txt", "b.txt"], ["温州智算中心", "国产高端智算中心"]
    assert metrics.quotes_covered(chunks, sources, quotes) == 0.5  # c.txt is no reference
    assert metrics.quotes_covered([*chunks, ("b.txt", "国产高端智算中心")], sources, quotes) == 1.0


def test_mean_percentile_latency() -> None:
    assert metrics.mean([]) is None
    assert metrics.percentile([], 50) is None
    values = [0.4, 0.1, 0.3, 0.2]
    assert metrics.percentile(values, 50) == pytest.approx(0.25)
    assert metrics.percentile(values, 0) == 0.1
    assert metrics.percentile(values, 100) == 0.4
    assert metrics.percentile(values, 95) == pytest.approx(0.385)
    assert metrics.latency_ms(values) == {"p50": 250.0, "p95": 385.0, "mean": 250.0, "n": 4}


def test_answer_contains_fact() -> None:
    answer = "人工智能产业链共有企业３３家[1]，总投资83 亿。[2]"
    assert metrics.answer_contains_fact(answer, ["33家", "83亿"])
    assert not metrics.answer_contains_fact(answer, ["33家", "108亿"])
    assert metrics.answer_contains_fact(answer, ["33家", "108亿"], require="any")
    assert not metrics.answer_contains_fact(answer, [])
    # a marker between the digits of a fact must not hide it
    assert metrics.answer_contains_fact("共33[1]家", ["33家"])


def test_citation_markers_and_validity() -> None:
    assert metrics.citation_markers("a[1]b[2][1]c[12]") == [1, 2, 1, 12]
    cits = [cite(1, "q", chunk_id="c1"), cite(2, "q", chunk_id="c2")]
    assert metrics.citations_valid("甲[1]乙[2]", cits, ["c1", "c2"])
    assert not metrics.citations_valid("甲[1]乙[3]", cits, ["c1", "c2"])  # no citation 3
    assert not metrics.citations_valid("甲[2]", cits, ["c1"])  # c2 was not shown
    assert metrics.citations_valid("没有找到相关内容。", [], [])  # no marker, nothing to check


@pytest.mark.parametrize(
    ("quote", "references", "sources", "expected"),
    [
        ("人工智能产业链共有企业33家，总投资83亿。", ["33家"], (), True),  # contains a fact
        ("其中人工智能产业链共有企业33家", ["人工智能产业链共有企业33家，总投资83亿"], (), True),
        ("产业链共有企业", ["人工智能产业链共有企业33家"], (), False),  # 7 shared chars only
        ("视觉系统产业链共有企业", ["人工智能产业链共有企业33家"], (), False),
        # 8 shared characters ("产业链共有企业3") already count as overlap
        ("视觉系统产业链共有企业34家", ["人工智能产业链共有企业33家"], (), True),
        ("人工智能产业链共有企业33家", ["33家"], ("a.txt",), True),
        ("人工智能产业链共有企业33家", ["33家"], ("b.txt",), False),  # cited the wrong file
    ],
)
def test_citation_support(
    quote: str, references: list[str], sources: tuple[str, ...], expected: bool
) -> None:
    assert metrics.citation_supported([cite(1, quote)], references, sources) is expected


def test_shares_substring() -> None:
    assert metrics.shares_substring("abcdefgh", "xxabcdefghxx")
    assert not metrics.shares_substring("abcdefg", "abcdefg")  # 7 < 8
    assert metrics.shares_substring("abc", "zabcz", length=3)


def test_citation_exact_reads_the_raw_lines(tmp_path: Path) -> None:
    f = tmp_path / "doc.txt"
    f.write_text("标题\n人工智能产业链共有企业\n33家，总投资83亿。\n附件", encoding="utf-8")
    p = str(f)
    assert metrics.citation_exact(cite(1, "共有企业33家", path=p, lines=(2, 3)))
    assert metrics.citation_exact(cite(1, "共有企业 33 家", path=p, lines=(2, 3)))
    assert not metrics.citation_exact(cite(1, "共有企业33家", path=p, lines=(2, 2)))
    assert not metrics.citation_exact(cite(1, "共有企业33家", path=p, lines=(3, 4)))
    assert not metrics.citation_exact(cite(1, "标题", path=p, lines=(4, 9)))  # past the end
    assert not metrics.citation_exact(cite(1, "标题", path=str(tmp_path / "gone.txt")))
    assert not metrics.citation_exact(cite(1, " ", path=p, lines=(1, 1)))  # empty quote
    assert metrics.citation_exact(cite(1, "附件", path="x"), read_raw=lambda _p: "附件")


def test_citation_exact_gb18030_file(tmp_path: Path) -> None:
    f = tmp_path / "gbk.txt"
    f.write_bytes("第一行\n晋城市工业和信息化局关于人工智能产业的答复\n".encode("gb18030"))
    assert metrics.citation_exact(cite(1, "工业和信息化局", path=str(f), lines=(2, 2)))


def test_refusal_scores() -> None:
    answerable = [True, True, True, False, False, False]
    refused = [False, True, False, True, True, False]
    s = metrics.refusal_scores(answerable, refused)
    assert (s.unanswerable, s.unanswerable_refused) == (3, 2)
    assert (s.answerable, s.answerable_refused) == (3, 1)
    assert s.precision == pytest.approx(2 / 3)
    assert s.recall == pytest.approx(2 / 3)
    none = metrics.refusal_scores([True], [False])
    assert none.precision is None and none.recall is None
    with pytest.raises(ValueError):
        metrics.refusal_scores([True], [])
