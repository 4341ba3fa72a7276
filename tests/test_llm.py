"""Tests for rag.answer.llm: prompts, streaming, citation validation and failure handling.

Unit tests drive the post-processing through LangChain's fake chat models; the rest talk to a
fake OpenAI-compatible server on 127.0.0.1 (tests/fake_openai.py) through the real ChatOpenAI.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fake_openai import FakeOpenAI, Reply, message_text
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from rag.answer import llm
from rag.answer.citations import Passage
from rag.answer.messages import NOT_FOUND
from rag.config import Settings
from rag.errors import ConfigError, LLMError, LocalModelError
from rag.pipeline import document_from_text
from rag.types import Answer, Chunk, Document, Hit

ROOT = Path(__file__).resolve().parent.parent

RAW = (
    "晋城市人工智能产业发展情况\n"
    "一、产业现状\n"
    "晋城市人工智能产业链共有企业33家，总投资83亿。开发区建设了\n"
    "人工智能产业园，着力打造核心技术策源地。\n"
    "二、资金支持\n"
    "设立了总规模300亿的产业引导基金，首期10亿的谷雨基金已正式运行。主要用于中小企业创业、创新。\n"
)
FUND_SENTENCE = "设立了总规模300亿的产业引导基金，首期10亿的谷雨基金已正式运行。"
FIRMS_SENTENCE = "晋城市人工智能产业链共有企业33家，总投资83亿。"
PARK_SENTENCE = "开发区建设了人工智能产业园，着力打造核心技术策源地。"  # raw lines 3-4
QUESTION = "晋城设立的产业引导基金规模多大？"
FUND_REPLY = "晋城设立了总规模300亿的产业引导基金[1]。"


def _document() -> Document:
    doc = document_from_text(RAW, path="/tmp/jincheng-test.txt")
    return replace(doc, doc_id="d" * 16, title="晋城市人工智能产业发展情况", region="晋城市")


def _passage(n: int, doc: Document, first: str, last: str, heading: str) -> Passage:
    start = doc.text.index(first)
    end = doc.text.index(last) + len(last)
    line_start, line_end = doc.line_range(start, end)
    chunk = Chunk(
        chunk_id=f"c{n}",
        doc_id=doc.doc_id,
        text=doc.text[start:end],
        start_char=start,
        end_char=end,
        line_start=line_start,
        line_end=line_end,
        heading=heading,
    )
    return Passage(n, Hit(chunk, score=1.0 / n, rank=n, stage="fused"), doc)


DOC = _document()
# Passage [1] is the fund paragraph (raw line 6), [2] the industry paragraph (raw lines 3-4).
PASSAGES = [
    _passage(1, DOC, FUND_SENTENCE, "创新。", "二、资金支持"),
    _passage(2, DOC, FIRMS_SENTENCE, PARK_SENTENCE, "一、产业现状"),
]


def _answer(items: list[str | Answer]) -> Answer:
    assert isinstance(items[-1], Answer)
    assert all(isinstance(x, str) for x in items[:-1])
    return items[-1]


def _check_citations_exact(answer: Answer) -> None:
    """Every citation quotes the document text at its offsets, inside its passage."""
    chunks = {p.hit.chunk.chunk_id: p.hit.chunk for p in PASSAGES}
    for c in answer.citations:
        assert DOC.text[c.start_char : c.end_char] == c.quote
        chunk = chunks[c.chunk_id]
        assert chunk.start_char <= c.start_char < c.end_char <= chunk.end_char
        raw_lines = RAW.split("\n")[c.line_start - 1 : c.line_end]
        assert c.quote in "".join(raw_lines)
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))


# --- post-processing through LangChain's fake chat models -------------------------------------


@pytest.fixture
def fake_reply() -> Iterator[list[str]]:
    """Replies for a GenericFakeChatModel injected through set_chat_model_factory."""
    replies: list[str] = []

    def factory(settings: Settings) -> GenericFakeChatModel:
        return GenericFakeChatModel(messages=iter([AIMessage(content=r) for r in replies]))

    llm.set_chat_model_factory(factory)
    yield replies
    llm.set_chat_model_factory(None)


def _run(replies: list[str], reply: str, lang: str = "zh", question: str = QUESTION) -> Answer:
    replies.append(reply)
    items = list(llm.llm_answer(Settings(), question, question, PASSAGES, lang))
    return _answer(items)


def test_marked_reply_cites_the_exact_sentence(fake_reply: list[str]) -> None:
    answer = _run(fake_reply, FUND_REPLY)
    assert answer.answered and answer.mode == "llm" and answer.note == ""
    assert answer.text == FUND_REPLY
    (c,) = answer.citations
    assert (c.n, c.chunk_id, c.quote) == (1, "c1", FUND_SENTENCE)
    assert (c.line_start, c.line_end) == (6, 6)
    assert (c.source, c.title, c.path) == ("jincheng-test.txt", DOC.title, DOC.path)
    assert answer.contexts == tuple(p.hit for p in PASSAGES)
    assert answer.standalone_question == QUESTION
    _check_citations_exact(answer)


@pytest.mark.parametrize(
    ("reply", "text", "quotes"),
    [
        # an invented [9] is stripped, the real [1] kept
        (
            "晋城设立了300亿的产业引导基金[1]，还有企业500家[9]。",
            "晋城设立了300亿的产业引导基金[1]，还有企业500家。",
            [FUND_SENTENCE],
        ),
        # repeated markers after one claim collapse
        (FUND_REPLY.replace("[1]", "[1][1]"), FUND_REPLY, [FUND_SENTENCE]),
        # markers are renumbered in order of first use
        (
            "产业链共有企业33家[2]，并设立了300亿的产业引导基金[1]。",
            "产业链共有企业33家[1]，并设立了300亿的产业引导基金[2]。",
            [FIRMS_SENTENCE, FUND_SENTENCE],
        ),
        # a claim spread over a hard-wrapped sentence cites it with both raw lines
        ("开发区建设了人工智能产业园[2]。", "开发区建设了人工智能产业园[1]。", [PARK_SENTENCE]),
    ],
)
def test_markers_are_validated(
    fake_reply: list[str], reply: str, text: str, quotes: list[str]
) -> None:
    answer = _run(fake_reply, reply)
    assert answer.answered
    assert answer.text == text
    assert [c.quote for c in answer.citations] == quotes
    assert all(c.chunk_id in ("c1", "c2") for c in answer.citations)
    _check_citations_exact(answer)


def test_hard_wrapped_quote_has_both_lines(fake_reply: list[str]) -> None:
    (c,) = _run(fake_reply, "开发区建设了人工智能产业园[2]。").citations
    assert (c.chunk_id, c.line_start, c.line_end) == ("c2", 3, 4)


@pytest.mark.parametrize(
    "reply",
    [
        "晋城设立了总规模300亿的产业引导基金。",  # no markers
        "晋城设立了总规模300亿的产业引导基金[9]。",  # only an invented marker
        "晋城设立了总规模300亿的产业引导基金[0]。",
    ],
)
def test_unmarked_reply_gets_citations_by_support(fake_reply: list[str], reply: str) -> None:
    answer = _run(fake_reply, reply)
    assert answer.answered
    assert answer.text == "晋城设立了总规模300亿的产业引导基金[1]。"
    (c,) = answer.citations
    assert (c.chunk_id, c.quote, c.line_start) == ("c1", FUND_SENTENCE, 6)
    assert answer.note == llm.NOTE_MATCHED
    _check_citations_exact(answer)


def test_unmarked_reply_cites_each_sentence_separately(fake_reply: list[str]) -> None:
    answer = _run(fake_reply, "晋城人工智能产业链共有企业33家。晋城设立了300亿的产业引导基金。")
    assert answer.text == "晋城人工智能产业链共有企业33家[1]。晋城设立了300亿的产业引导基金[2]。"
    assert [(c.chunk_id, c.quote) for c in answer.citations] == [
        ("c2", FIRMS_SENTENCE),
        ("c1", FUND_SENTENCE),
    ]


def test_unsupported_reply_falls_back(fake_reply: list[str]) -> None:
    # text no passage supports is never shown as an answer: the caller answers extractively
    reply = "The city plans to host an international robotics fair next spring."
    fake_reply.append(reply)
    with pytest.raises(LLMError, match="no sentence of the reply is supported"):
        list(llm.llm_answer(Settings(), "What will the city host?", "", PASSAGES, "en"))


# --- reply shapes small local models write (issue 16: Qwen2.5 1.5B Q4 through llama.cpp) -------

EN_QUESTION = "How big is the guidance fund Jincheng set up?"


# "[2]" and "[1] [3]" are replies recorded from Qwen2.5-Coder-1.5B-Instruct Q4_K_M (llama.cpp,
# temperature 0) to dev questions: 4 of 10 replies were only markers.
@pytest.mark.parametrize("reply", ["[2]", "[1] [3]", "[1]", "【1】", " [1][2]。", "[1]\n[2]"])
def test_marker_only_reply_is_not_an_answer(fake_reply: list[str], reply: str) -> None:
    fake_reply.append(reply)
    with pytest.raises(LLMError, match="only citation markers"):
        list(llm.llm_answer(Settings(), QUESTION, QUESTION, PASSAGES, "zh"))


@pytest.mark.parametrize(
    ("reply", "text", "chunks"),
    [
        ("晋城设立了总规模300亿的产业引导基金【1】。", FUND_REPLY, ["c1"]),
        ("晋城设立了总规模300亿的产业引导基金［1］。", FUND_REPLY, ["c1"]),
        ("晋城设立了总规模300亿的产业引导基金〔 1 〕。", FUND_REPLY, ["c1"]),
        (
            "产业链共有企业33家，设立了300亿的产业引导基金[1, 2]。",
            "产业链共有企业33家，设立了300亿的产业引导基金[1][2]。",
            ["c1", "c2"],
        ),
        (
            "设立了300亿的产业引导基金[1] [2]。",
            "设立了300亿的产业引导基金[1][2]。",
            ["c1", "c2"],
        ),
        (
            "产业链共有企业33家【2】，基金300亿[1、2]。",
            "产业链共有企业33家[1]，基金300亿[2][1]。",
            ["c2", "c1"],
        ),
    ],
)
def test_marker_variants_are_read(
    fake_reply: list[str], reply: str, text: str, chunks: list[str]
) -> None:
    answer = _run(fake_reply, reply)
    assert answer.answered and answer.text == text
    assert [c.chunk_id for c in answer.citations] == chunks
    _check_citations_exact(answer)


def test_leading_marker_moves_after_its_claim(fake_reply: list[str]) -> None:
    # recorded shape: "[3] 坚持智算建设,通过实地考察…" (the marker first, then the passage's words)
    answer = _run(fake_reply, "[1] 设立了总规模300亿的产业引导基金，首期10亿的谷雨基金已正式运行。")
    assert answer.text == FUND_SENTENCE + "[1]"
    assert [c.quote for c in answer.citations] == [FUND_SENTENCE]


def test_recorded_terse_replies(fake_reply: list[str]) -> None:
    # recorded: "311 [1]" (a bare figure) and an unmarked sentence matched by shared words
    assert _run(fake_reply, "300亿 [1]").text == "300亿 [1]"
    reply = "晋城市的人工智能产业链目前有33家企业，总投资规模为83亿。"
    answer = llm.finish_answer(QUESTION, QUESTION, reply, PASSAGES, "zh")
    assert answer.text == "晋城市的人工智能产业链目前有33家企业，总投资规模为83亿[1]。"
    assert [c.quote for c in answer.citations] == [FIRMS_SENTENCE]


def test_echoed_passage_header_becomes_its_citation(fake_reply: list[str]) -> None:
    reply = (
        "[1] 《晋城市人工智能产业发展情况》 jincheng-test.txt line 6\n"
        "设立了总规模300亿的产业引导基金，首期10亿的谷雨基金已正式运行。"
    )
    answer = _run(fake_reply, reply)
    assert answer.text == FUND_SENTENCE + "[1]"
    assert [(c.chunk_id, c.quote, c.line_start) for c in answer.citations] == [
        ("c1", FUND_SENTENCE, 6)
    ]


def test_copied_passages_are_cut_to_the_answer(fake_reply: list[str]) -> None:
    reply = FIRMS_SENTENCE + PARK_SENTENCE + FUND_SENTENCE + "主要用于中小企业创业、创新。"
    answer = _run(fake_reply, reply)
    assert answer.answered and answer.note == llm.NOTE_TRIMMED
    assert answer.text == FUND_SENTENCE[:-1] + "[1]。"
    assert [c.quote for c in answer.citations] == [FUND_SENTENCE]
    _check_citations_exact(answer)


@pytest.mark.parametrize(
    ("reply", "text", "quote"),
    [
        (
            "Jincheng set up an industry guidance fund with a total size of 30 billion yuan.",
            "Jincheng set up an industry guidance fund with a total size of 30 billion yuan[1].",
            FUND_SENTENCE,
        ),
        (
            "The fund totals 300亿元 (30 billion yuan).",
            "The fund totals 300亿元 (30 billion yuan)[1].",
            FUND_SENTENCE,
        ),
        (
            "晋城设立了总规模300亿的产业引导基金 (a 30 billion yuan guidance fund).",
            "晋城设立了总规模300亿的产业引导基金 (a 30 billion yuan guidance fund)[1].",
            FUND_SENTENCE,
        ),
        (
            "The AI industry chain has 33 companies, total investment 8.3 billion yuan.",
            "The AI industry chain has 33 companies, total investment 8.3 billion yuan[1].",
            FIRMS_SENTENCE,
        ),
    ],
)
def test_english_and_mixed_replies_are_matched(
    fake_reply: list[str], reply: str, text: str, quote: str
) -> None:
    answer = _run(fake_reply, reply, lang="en", question=EN_QUESTION)
    assert answer.answered and answer.text == text and answer.note == llm.NOTE_MATCHED
    assert [c.quote for c in answer.citations] == [quote]


def test_claim_terms_translate_english_amounts_and_glossary_words() -> None:
    terms = llm.claim_terms("a guidance fund of 30 billion yuan, 1.2 million users, 35 percent")
    assert {"引导", "基金", "300", "120", "35%"} <= terms
    assert not {"yuan", "users", "billion"} & terms
    assert {"gpu", "5g"} <= llm.claim_terms("The city built 5G base stations and a GPU cluster.")


@pytest.mark.parametrize(
    ("reply", "lang"),
    [
        (NOT_FOUND["zh"], "zh"),
        (NOT_FOUND["en"], "en"),
        ("文档中没有找到相关信息[1]", "zh"),  # a marker on the not-found sentence is no citation
        ("  Not found in the documents  ", "en"),
        ("根据段落，文档中没有找到温州的相关信息。", "zh"),
        ("The answer is not found in the passages.", "en"),
        (NOT_FOUND["en"], "zh"),  # the wrong language still means not found
        # reworded not-found sentences, with or without a marker
        ("根据提供的段落，无法确定北京的补贴标准[1]。", "zh"),
        ("提供的资料中未提及相关内容。", "zh"),
        ("The passages do not mention Beijing's rent subsidy.", "en"),
        ("段落没有提到该市的房租补贴。The documents do not state it [2].", "zh"),
    ],
)
def test_not_found_reply_abstains(fake_reply: list[str], reply: str, lang: str) -> None:
    answer = _run(fake_reply, reply, lang=lang)
    assert not answer.answered
    assert answer.text == NOT_FOUND[lang]
    assert answer.citations == ()
    assert answer.mode == "llm"
    assert answer.contexts == tuple(p.hit for p in PASSAGES)


def test_partial_answer_with_citation_is_kept(fake_reply: list[str]) -> None:
    answer = _run(fake_reply, "晋城设立了300亿的产业引导基金[1]。文档中没有找到该基金的投向明细。")
    assert answer.answered
    assert [c.quote for c in answer.citations] == [FUND_SENTENCE]


@pytest.mark.parametrize("reply", [" ", "   \n  "])
def test_empty_reply_is_an_llm_error(fake_reply: list[str], reply: str) -> None:
    fake_reply.append(reply)
    with pytest.raises(LLMError, match="empty reply"):
        list(llm.llm_answer(Settings(), QUESTION, QUESTION, PASSAGES, "zh"))


def test_fake_model_failure_is_an_llm_error(fake_reply: list[str]) -> None:
    # GenericFakeChatModel raises StopIteration-derived errors when it runs out of replies.
    with pytest.raises(LLMError, match="malformed reply"):
        list(llm.llm_answer(Settings(), QUESTION, QUESTION, PASSAGES, "zh"))


# --- prompts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["system", "answer", "condense"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_bundled_prompts_render(name: str, lang: str) -> None:
    text = llm.render_prompt(Settings(), name, lang, passages="<P>", question="<Q>", history="<H>")
    assert "{" not in text and "}" not in text
    expected = {"system": [NOT_FOUND[lang]], "answer": ["<P>", "<Q>", NOT_FOUND[lang]]}
    expected["condense"] = ["<H>", "<Q>"]
    for part in expected[name]:
        assert part in text


def test_missing_prompt_names_file_and_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as e:
        llm.load_prompt(Settings(prompts_dir=str(tmp_path)), "answer", "zh")
    assert str(tmp_path / "answer_zh.txt") in str(e.value)
    assert "prompts_dir" in str(e.value)


def test_bad_placeholder_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "answer_en.txt").write_text("{passages} {context}", encoding="utf-8")
    with pytest.raises(ConfigError, match="context"):
        llm.render_prompt(Settings(prompts_dir=str(tmp_path)), "answer", "en")


def test_passage_block_format() -> None:
    block = llm.format_passages(PASSAGES)
    assert block.startswith(
        "[1] 《晋城市人工智能产业发展情况》 jincheng-test.txt line 6\n" + FUND_SENTENCE
    )
    assert "\n\n[2] 《晋城市人工智能产业发展情况》 jincheng-test.txt lines 3-4\n" in block


# --- the real ChatOpenAI against the fake server ---------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as s:
        yield s


@pytest.fixture
def srv(server: FakeOpenAI) -> FakeOpenAI:
    server.reset()
    return server


def _settings(url: str, timeout: float = 5.0) -> Settings:
    return Settings(llm_base_url=url, llm_model="fake-model", llm_timeout_s=timeout)


def _ask(srv: FakeOpenAI, timeout: float = 5.0) -> list[str | Answer]:
    return list(llm.llm_answer(_settings(srv.url, timeout), QUESTION, QUESTION, PASSAGES, "zh"))


def test_server_streams_pieces_then_answer(srv: FakeOpenAI) -> None:
    srv.script(Reply(pieces=("晋城设立了", "总规模300亿的", "产业引导基金", "[1]", "。")))
    items = _ask(srv)
    pieces = [x for x in items if isinstance(x, str)]
    assert pieces == ["晋城设立了", "总规模300亿的", "产业引导基金", "[1]", "。"]
    answer = _answer(items)
    assert answer.text == FUND_REPLY
    assert [(c.quote, c.line_start, c.line_end) for c in answer.citations] == [
        (FUND_SENTENCE, 6, 6)
    ]

    (request,) = srv.requests
    assert request["model"] == "fake-model"
    assert request["stream"] is True
    assert request["temperature"] == 0
    assert [m["role"] for m in request["messages"]] == ["system", "user"]
    sent = message_text(request)
    assert QUESTION in sent
    assert NOT_FOUND["zh"] in sent
    assert "[1] 《晋城市人工智能产业发展情况》 jincheng-test.txt line 6\n" + FUND_SENTENCE in sent
    assert "[2] 《晋城市人工智能产业发展情况》 jincheng-test.txt lines 3-4\n" in sent
    assert PASSAGES[1].hit.chunk.text in sent


def test_server_prompt_uses_standalone_question_and_language(srv: FakeOpenAI) -> None:
    srv.script("Jincheng set up a 30 billion yuan industry guidance fund [1].")
    settings = _settings(srv.url)
    standalone = "What fund did Jincheng set up?"
    items = list(llm.llm_answer(settings, "And the fund?", standalone, PASSAGES, "en"))
    answer = _answer(items)
    assert answer.question == "And the fund?"
    assert answer.standalone_question == standalone
    assert [c.quote for c in answer.citations] == [FUND_SENTENCE]
    sent = message_text(srv.requests[0])
    assert standalone in sent and "And the fund?" not in sent
    assert NOT_FOUND["en"] in sent and "English" in sent


def test_server_hallucinated_marker_is_stripped(srv: FakeOpenAI) -> None:
    srv.script("晋城设立了300亿的产业引导基金[1]，总投资达900亿[9]。")
    answer = _answer(_ask(srv))
    assert answer.text == "晋城设立了300亿的产业引导基金[1]，总投资达900亿。"
    assert [(c.n, c.chunk_id, c.quote) for c in answer.citations] == [(1, "c1", FUND_SENTENCE)]


def test_server_not_found(srv: FakeOpenAI) -> None:
    srv.script(NOT_FOUND["zh"])
    answer = _answer(_ask(srv))
    assert (answer.answered, answer.text, answer.citations) == (False, NOT_FOUND["zh"], ())


def test_server_no_markers(srv: FakeOpenAI) -> None:
    srv.script("晋城设立了总规模300亿的产业引导基金。")
    answer = _answer(_ask(srv))
    assert answer.text == FUND_REPLY
    assert [c.quote for c in answer.citations] == [FUND_SENTENCE]


def test_server_empty_reply(srv: FakeOpenAI) -> None:
    srv.script(Reply(""))
    with pytest.raises(LLMError, match="empty reply"):
        _ask(srv)


def test_server_timeout(srv: FakeOpenAI) -> None:
    srv.script(Reply(kind="sleep", seconds=4))
    t0 = time.monotonic()
    with pytest.raises(LLMError, match=r"no reply from .* within 1 s") as e:
        _ask(srv, timeout=1)
    assert time.monotonic() - t0 < 3
    assert "\n" not in str(e.value)


def test_server_http_500(srv: FakeOpenAI) -> None:
    srv.script(Reply(kind="http_error", status=500))
    with pytest.raises(LLMError, match="HTTP 500") as e:
        _ask(srv)
    assert srv.url in str(e.value)
    assert len(srv.requests) == 1  # max_retries=0: no retry storm against a failing endpoint


API_KEY = "sk-live-0123456789abcdef"


def _with_credentials(url: str) -> str:
    return url.replace("http://", "http://alice:pa55w0rd@")


def test_server_echoing_the_key_is_not_repeated(srv: FakeOpenAI) -> None:
    srv.script(Reply(kind="echo", status=401))
    settings = replace(_settings(srv.url), llm_api_key=API_KEY)
    with pytest.raises(LLMError) as e:
        list(llm.llm_answer(settings, QUESTION, QUESTION, PASSAGES, "zh"))
    assert srv.headers[0]["authorization"] == f"Bearer {API_KEY}"  # the body did carry the key
    assert str(e.value) == f"HTTP 401 from {srv.url} (Unauthorized; invalid_api_key)"


def test_base_url_credentials_never_shown(srv: FakeOpenAI) -> None:
    settings = replace(_settings(_with_credentials(srv.url)), llm_api_key=API_KEY)
    masked = srv.url.replace("http://", "http://***@")
    srv.script(Reply(kind="echo", status=403))
    with pytest.raises(LLMError) as e:
        list(llm.llm_answer(settings, QUESTION, QUESTION, PASSAGES, "zh"))
    assert str(e.value) == f"HTTP 403 from {masked} (Forbidden; invalid_api_key)"
    # the client sent the URL's credentials as Basic auth; the reply echoed them
    assert srv.headers[0]["authorization"].startswith("Basic ")

    # a query-string key (Azure style) breaks the path: the 404 names the URL, masked
    query_url = srv.url + "?api-key=QUERYSECRET1"
    with pytest.raises(LLMError) as e:
        list(llm.llm_answer(_settings(query_url), QUESTION, QUESTION, PASSAGES, "zh"))
    assert str(e.value) == f"HTTP 404 from {srv.url}?api-key=*** (Not Found)"

    srv.script(Reply(kind="sleep", seconds=3))
    with pytest.raises(LLMError) as e:
        list(llm.llm_answer(replace(settings, llm_timeout_s=1), QUESTION, QUESTION, PASSAGES, "zh"))
    assert str(e.value) == f"no reply from {masked} within 1 s (llm_timeout_s)"
    for secret in ("alice", "pa55w0rd", API_KEY):
        assert secret not in str(e.value)


def test_unreachable_endpoint_with_credentials() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = _settings(f"http://alice:pa55w0rd@127.0.0.1:{port}/v1")
    with pytest.raises(LLMError, match="cannot reach") as e:
        list(llm.llm_answer(settings, QUESTION, QUESTION, PASSAGES, "zh"))
    assert f"http://***@127.0.0.1:{port}/v1" in str(e.value) and "pa55w0rd" not in str(e.value)


def test_condense_error_is_redacted(srv: FakeOpenAI) -> None:
    srv.script(Reply(kind="echo", status=401))
    settings = replace(_settings(_with_credentials(srv.url)), llm_api_key=API_KEY)
    with pytest.raises(LLMError) as e:
        llm.condense_with_llm(settings, "它呢？", HISTORY, "zh")
    assert "pa55w0rd" not in str(e.value) and "HTTP 401" in str(e.value)


def test_server_malformed_stream(srv: FakeOpenAI) -> None:
    srv.script(Reply(kind="malformed"))
    with pytest.raises(LLMError, match="malformed reply") as e:
        _ask(srv)
    assert "\n" not in str(e.value)


def test_unreachable_endpoint() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    with pytest.raises(LLMError, match="cannot reach"):
        list(llm.llm_answer(_settings(url), QUESTION, QUESTION, PASSAGES, "zh"))


HISTORY = [
    ("温州的智算中心规模多大？", "温州在建智算中心[1]。"),
    ("无锡新吴区呢？", "新吴区建设了智算中心[1]。"),
    ("湖南有哪些政策？", "湖南出台了若干措施[2]。"),
    ("晋城市人工智能产业链有多少家企业？", "晋城市人工智能产业链共有企业33家[1]。"),
]


def test_condense_with_llm(srv: FakeOpenAI) -> None:
    srv.script(Reply("“晋城市设立的产业引导基金规模是多少？”\n"))
    out = llm.condense_with_llm(_settings(srv.url), "它设立的基金呢？", HISTORY, "zh")
    assert out == "晋城市设立的产业引导基金规模是多少？"
    sent = message_text(srv.requests[0])
    assert "它设立的基金呢？" in sent
    assert "晋城市人工智能产业链共有企业33家。" in sent  # answers enter without markers
    assert "无锡新吴区呢？" in sent
    assert "温州的智算中心规模多大？" not in sent  # only the last 3 turns


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("Rewritten question: What fund did Jincheng set up?", "What fund did Jincheng set up?"),
        (
            '\n  "What fund did Jincheng set up?"  \nBecause the user asked...',
            "What fund did Jincheng set up?",
        ),
        ("改写后的问题：晋城设立了什么基金？", "晋城设立了什么基金？"),
    ],
)
def test_condensed_reply_is_cleaned(reply: str, expected: str) -> None:
    assert llm.clean_condensed(reply) == expected


@pytest.mark.parametrize(
    ("reply", "match"),
    [
        (Reply('  ""  '), "empty reply"),
        (Reply(kind="malformed"), "malformed reply"),
        (Reply(kind="http_error", status=503), "HTTP 503"),
        (Reply("问" * 600), "longer than 500"),
    ],
)
def test_condense_failures(srv: FakeOpenAI, reply: Reply, match: str) -> None:
    srv.script(reply)
    with pytest.raises(LLMError, match=match):
        llm.condense_with_llm(_settings(srv.url), "它呢？", HISTORY, "zh")


# --- the model factory ------------------------------------------------------------------------


def test_chat_model_is_cached_per_endpoint() -> None:
    a = llm.get_chat_model(_settings("http://127.0.0.1:9/v1"))
    assert a is llm.get_chat_model(_settings("http://127.0.0.1:9/v1"))
    assert a is not llm.get_chat_model(_settings("http://127.0.0.1:9/v1", timeout=7))
    assert (a.max_retries, a.streaming, a.temperature) == (0, True, 0)  # type: ignore[attr-defined]
    assert a.openai_api_key.get_secret_value() == "not-needed"  # type: ignore[attr-defined]


def test_import_rag_does_not_load_langchain() -> None:
    code = "import sys, rag, rag.answer; print('langchain_core' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


# --- through the Engine (builds a small index of the bundled corpus) --------------------------


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from rag.config import load_settings
    from rag.pipeline import build_index

    index_dir = tmp_path_factory.mktemp("index")
    settings = load_settings(index_dir=index_dir, embedder="hash")
    build_index([settings.corpus_path], settings)
    return index_dir


def _engine(index_dir: Path, url: str):  # type: ignore[no-untyped-def]
    from rag.config import load_settings
    from rag.pipeline import Engine

    settings = load_settings(
        index_dir=index_dir,
        embedder="hash",
        llm_base_url=url,
        llm_model="x",
        answer_mode="llm",
        llm_timeout_s=1,
    )
    return Engine(settings)


def _raw_lines_hold(quote: str, path: str, line_start: int, line_end: int) -> bool:
    lines = Path(path).read_text(encoding="utf-8").split("\n")[line_start - 1 : line_end]
    return "".join(quote.split()) in "".join("".join(lines).split())


@pytest.mark.slow
def test_engine_falls_back_to_extractive_when_llm_is_down(corpus_index: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/v1"
    answer = _engine(corpus_index, dead).ask("晋城设立了多大规模的产业引导基金？")
    assert answer.mode == "extractive"
    assert answer.answered
    assert "LLM unavailable" in answer.note and "cannot reach" in answer.note
    assert any("300亿" in c.quote for c in answer.citations)


@pytest.mark.slow
def test_engine_llm_answer_with_follow_up(corpus_index: Path, srv: FakeOpenAI) -> None:
    standalone = "晋城市设立的产业引导基金总规模是多少？"
    srv.script(standalone, "晋城设立了总规模300亿的产业引导基金[1]。")
    engine = _engine(corpus_index, srv.url)
    history = [("晋城市人工智能产业链有多少家企业？", "共有企业33家[1]。")]
    answer = engine.ask("它设立的基金规模呢？", history=history)
    assert answer.mode == "llm" and answer.answered
    assert answer.standalone_question == standalone
    condense, answer_request = srv.requests
    assert "它设立的基金规模呢？" in message_text(condense)
    assert standalone in message_text(answer_request)
    (c,) = answer.citations
    assert "300亿" in c.quote
    assert _raw_lines_hold(c.quote, c.path, c.line_start, c.line_end)


# --- the in-process llama.cpp backend (llm_backend=llamacpp), without llama-cpp-python --------


@pytest.fixture
def gguf(tmp_path: Path) -> Iterator[Path]:
    """A file that passes the GGUF header check (the fake Llama below never reads further)."""
    path = tmp_path / "tiny-model.gguf"
    path.write_bytes(b"GGUF\x03\x00\x00\x00" + bytes(64))
    llm._load_llamacpp.cache_clear()
    yield path
    llm._load_llamacpp.cache_clear()


def _local(gguf: Path | str, **changes: object) -> Settings:
    return Settings(llm_backend="llamacpp", llm_gguf=str(gguf)).replace(**changes)


def test_local_backend_settings() -> None:
    assert _local("/models/m.gguf").llm_configured
    assert not Settings(llm_backend="llamacpp").llm_configured
    assert Settings().llm_threads == 1
    with pytest.raises(ConfigError, match="llm_backend='vllm'"):
        Settings().replace(llm_backend="vllm")
    with pytest.raises(ConfigError, match="llm_threads=0"):
        _local("/m.gguf", llm_threads=0)
    assert llm.model_label(_local("/models/qwen-1.5b-q4.gguf")) == "qwen-1.5b-q4.gguf (local)"
    remote = Settings(llm_base_url="http://u:secret99@h/v1", llm_model="qwen")
    assert llm.model_label(remote) == "qwen at http://***@h/v1"


def test_local_model_file_errors_name_the_setting(tmp_path: Path) -> None:
    missing, not_gguf = tmp_path / "none.gguf", tmp_path / "model.bin"
    not_gguf.write_bytes(b"PK\x03\x04 not a model")
    with pytest.raises(LocalModelError, match=r"llm_gguf \(RAG_LLM_GGUF\) = .*none.gguf: cannot"):
        llm.check_gguf(str(missing))
    with pytest.raises(LocalModelError, match=r"is not a GGUF model file \(it starts with b'PK"):
        llm.check_gguf(str(not_gguf))


def test_missing_extra_is_an_llm_error_naming_it(
    gguf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # as if llama-cpp-python were absent
    with pytest.raises(LocalModelError) as e:
        list(llm.llm_answer(_local(gguf), QUESTION, QUESTION, PASSAGES, "zh"))
    assert isinstance(e.value, LLMError)  # so the answerer falls back to the extractive answer
    assert str(e.value) == (
        "llm_backend=llamacpp needs the optional extra local-llm (llama_cpp is not installed): "
        "pip install '.[local-llm]'"
    )


def test_llamacpp_params_keep_the_models_own_rope_and_one_thread(gguf: Path) -> None:
    params = llm.llamacpp_params(gguf, 1, 4096, 512)
    assert (params["n_threads"], params["model_kwargs"]) == (1, {"n_threads_batch": 1})
    assert (params["rope_freq_base"], params["rope_freq_scale"]) == (0.0, 0.0)
    assert (params["temperature"], params["repeat_penalty"], params["verbose"]) == (0.0, 1.0, False)
    assert (params["n_ctx"], params["max_tokens"], params["model_path"]) == (4096, 512, str(gguf))


class FakeLlama:
    """llama_cpp.Llama's chat interface, streaming a scripted reply in OpenAI chunk dicts."""

    made: ClassVar[list[FakeLlama]] = []
    reply: ClassVar[tuple[str, ...]] = ("晋城设立了总规模", "300亿的产业引导基金", "【1】。")

    def __init__(self, model_path: str, **kwargs: object) -> None:
        self.model_path, self.kwargs = model_path, kwargs
        self.calls: list[dict[str, object]] = []
        FakeLlama.made.append(self)

    def create_chat_completion(self, messages: list[dict[str, str]], **params: object) -> object:
        self.calls.append({"messages": messages, **params})
        if "context" in messages[-1]["content"]:
            raise ValueError("Requested tokens (5000) exceed context window of 4096")
        deltas = [{"role": "assistant"}, *({"content": p} for p in self.reply), {}]
        return iter(
            {"choices": [{"delta": d, "finish_reason": None if d else "stop"}]} for d in deltas
        )


def test_local_backend_streams_through_chat_llamacpp(
    gguf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("langchain_community")  # part of the local-llm extra
    fake = type(sys)("llama_cpp")
    fake.Llama = FakeLlama  # type: ignore[attr-defined]
    fake.LlamaGrammar = object  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "llama_cpp", fake)
    FakeLlama.made.clear()
    settings = _local(gguf, llm_threads=1, llm_context_tokens=2048)
    items = list(llm.llm_answer(settings, QUESTION, QUESTION, PASSAGES, "zh"))
    assert [x for x in items if isinstance(x, str)] == list(FakeLlama.reply)
    answer = _answer(items)
    assert answer.text == FUND_REPLY and [c.quote for c in answer.citations] == [FUND_SENTENCE]

    (model,) = FakeLlama.made  # loaded once, reused by the next question
    list(llm.llm_answer(settings, QUESTION, QUESTION, PASSAGES, "zh"))
    assert len(FakeLlama.made) == 1 and len(model.calls) == 2
    assert model.model_path == str(gguf)
    assert model.kwargs["n_ctx"] == 2048 and model.kwargs["n_threads"] == 1
    assert model.kwargs["rope_freq_base"] == 0.0 and model.kwargs["n_threads_batch"] == 1
    call = model.calls[0]
    assert call["stream"] is True and call["temperature"] == 0.0
    assert [m["role"] for m in call["messages"]] == ["system", "user"]  # type: ignore[attr-defined]
    assert NOT_FOUND["zh"] in call["messages"][1]["content"]  # type: ignore[index]

    with pytest.raises(LLMError, match=r"local model tiny-model.gguf failed .*llm_context_tokens"):
        list(llm.llm_answer(settings, "context?", "context?", PASSAGES, "zh"))
