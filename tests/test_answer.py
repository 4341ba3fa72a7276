"""Citations, follow-up rewriting, abstention and the extractive answerer."""

from __future__ import annotations

import pytest

from rag.answer.citations import cite_marked_text, passages_of
from rag.answer.followup import condense_question, is_followup
from rag.pipeline import Engine
from rag.text.lang import question_language


def _passages(engine: Engine, question: str, k: int = 3):  # type: ignore[no-untyped-def]
    return passages_of(engine.search(question, k=k, mode="bm25"), engine.index.documents)


@pytest.mark.parametrize(
    ("reply", "expected_text", "n_citations"),
    [
        ("总规模300亿[1]。", "总规模300亿[1]。", 1),
        ("总规模300亿[9]。", "总规模300亿。", 0),  # a passage that does not exist
        ("总规模300亿[1][1]。", "总规模300亿[1]。", 1),
        ("没有标记的回答。", "没有标记的回答。", 0),
        ("首期10亿[2]，总规模300亿[1]。", "首期10亿[1]，总规模300亿[2]。", 2),
    ],
)
def test_cite_marked_text(
    hash_engine: Engine, reply: str, expected_text: str, n_citations: int
) -> None:
    passages = _passages(hash_engine, "产业引导基金总规模300亿 谷雨基金")
    passages = [passages[0], passages[0].__class__(2, passages[0].hit, passages[0].doc)]
    text, citations = cite_marked_text(reply, passages)
    assert text == expected_text
    assert len(citations) == n_citations
    for c in citations:
        doc = hash_engine.document(c.doc_id)
        assert doc.text[c.start_char : c.end_char] == c.quote
        assert "300亿" in c.quote or "10亿" in c.quote
        assert c.line_start == c.line_end == 25


def test_followup_carries_the_previous_topic() -> None:
    history = [("晋城市人工智能产业链有多少家企业？", "33家[1]")]
    assert is_followup("那温州呢？") and not is_followup("温州市智算中心建设进展如何？")
    assert is_followup("温州的？") and not is_followup("火星的首都是哪里？")
    assert condense_question("火星的首都是哪里？", history) == "火星的首都是哪里？"
    assert condense_question("那温州呢？", history) == "温州人工智能产业链有多少家企业？"
    assert condense_question("总投资呢？", history) == "晋城市人工智能产业链有多少家企业 总投资"
    assert condense_question("无锡高新区有多少家人工智能企业？", history) == (
        "无锡高新区有多少家人工智能企业？"
    )
    assert condense_question("那温州呢？", []) == "那温州呢？"


def test_followup_with_its_own_asking_part() -> None:
    """A pronoun stands for the thing the earlier question named, not its year or figure; a
    follow-up that asks its own question keeps the earlier topic whole."""
    earlier = [("澄江智能装备公司2024年全年利润多少？", "")]
    assert (
        condense_question("那它的二期工厂啥时候投产？", earlier)
        == "澄江智能装备公司 的二期工厂啥时候投产"
    )
    earlier = [("北港數據中心第一期嘅機櫃有幾多？", "")]
    assert condense_question("咁第二期呢？幾時落成？", earlier) == (
        "北港數據中心第二期嘅機櫃 第二期呢？幾時落成"
    )


def test_question_language() -> None:
    assert question_language("What fund did Jincheng set up?") == "en"
    assert question_language("晋城的AIGC产业") == "zh"
    assert question_language("麻省理工学院的MIT OpenCourseWare项目是哪一年开始的？") == "zh"
    assert question_language("Which documents mention 大模型?") == "en"


def test_not_found_for_a_place_absent_from_the_documents(hash_engine: Engine) -> None:
    answer = hash_engine.ask("北京市对人工智能企业的房租补贴标准是多少？")
    assert not answer.answered and answer.citations == ()
    # the refusal says what is missing and shows no citation as if it were the answer
    assert answer.text.startswith("文档中没有找到相关信息。")
    assert answer.reasons and "最接近的段落" in answer.text
    english = hash_engine.ask("What is the capital of France?")
    assert not english.answered and english.text.startswith("Not found in the documents.")


def test_extractive_answer_quotes_the_fact_with_exact_lines(hash_engine: Engine) -> None:
    answer = hash_engine.ask("晋城开发区产业引导基金总规模是多少？")
    assert answer.answered and answer.mode == "extractive"
    assert "300亿" in answer.text and "[1]" in answer.text
    first = answer.citations[0]
    assert first.source == "jincheng-2024-reply-npc-268.txt"
    assert "总规模300亿的产业引导基金" in first.quote
    assert (first.line_start, first.line_end) == (25, 25)
    assert first.chunk_id in {h.chunk.chunk_id for h in answer.contexts}


def test_follow_up_answer_uses_the_conversation(hash_engine: Engine) -> None:
    first = hash_engine.ask("晋城市人工智能产业链有多少家企业？")
    follow = hash_engine.ask("那无锡呢？", history=[(first.question, first.text)])
    assert follow.standalone_question.startswith("无锡")
    assert follow.answered
    assert follow.citations[0].source == "wuxi-xinwu-2024-reply-cppcc-20.txt"


def test_empty_and_over_long_questions_are_user_errors(hash_engine: Engine) -> None:
    from rag.errors import QuestionError

    with pytest.raises(QuestionError, match="empty"):
        hash_engine.ask("   ")
    with pytest.raises(QuestionError, match="limit is 500"):
        hash_engine.ask("问" * 501)


def test_two_part_question_gets_a_sentence_for_each_asked_fact(hash_engine: Engine) -> None:
    answer = hash_engine.ask("温州市政协2号提案是哪位委员提出的，提案名称是什么？")
    assert answer.answered
    assert "余向前委员" in answer.text
    assert "《关于加快布局人工智能产业新高地的提案》" in answer.text
    assert {c.source for c in answer.citations} == {"wenzhou-2024-reply-cppcc-2.txt"}


def test_the_documents_own_number_beats_numbers_it_cites(hash_engine: Engine) -> None:
    answer = hash_engine.ask("吉林市人民政府促进新一代人工智能产业发展的实施意见的发文字号是什么？")
    assert "吉市政发〔2018〕15号" in answer.text


def test_an_amount_of_money_nobody_states_is_not_found(hash_engine: Engine) -> None:
    answer = hash_engine.ask("温州市智算中心一期建设投资了多少钱？")
    assert not answer.answered and answer.citations == ()
    assert "states no money" in answer.reasons
    funded = hash_engine.ask("温州市级重大科技专项对数字经济重点研发项目每项最多支持多少钱？")
    assert funded.answered and "500万元" in funded.text
