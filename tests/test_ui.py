"""The Gradio app through its HTTP API (gradio_client), and its rendering and upload helpers."""

from __future__ import annotations

import re
import socket
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradio_client import Client, handle_file  # noqa: E402

from rag.config import Settings, load_settings  # noqa: E402
from rag.pipeline import Engine, build_index  # noqa: E402
from rag.types import Answer, AnswerStream, Chunk, Citation, Document, Hit  # noqa: E402
from ui.app import build_app, build_filters, launch  # noqa: E402
from ui.render import chat_text, document_html, passage_with_mark, sources_html  # noqa: E402
from ui.uploads import accept_uploads, safe_name  # noqa: E402

FUND_Q = "晋城开发区产业引导基金总规模是多少？"
UPLOAD_TEXT = "测试市人工智能专项资金总额为12345万元。\n"
UPLOAD_Q = "测试市人工智能专项资金总额是多少？"


class RecordingEngine(Engine):
    """The real engine, remembering the history each question was asked with."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.histories: list[list[tuple[str, str]]] = []

    def ask_stream(self, question: str, **kwargs: Any) -> AnswerStream:
        self.histories.append(list(kwargs.get("history") or []))
        return super().ask_stream(question, **kwargs)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, RecordingEngine]]:
    index_dir = tmp_path_factory.mktemp("ui_index")
    settings = load_settings(cwd=ROOT, index_dir=str(index_dir), embedder="hash")
    build_index([ROOT / "corpus"], settings)
    engine = RecordingEngine(settings)
    engine.warm_up()
    app = build_app(engine)
    engine.app = app  # type: ignore[attr-defined]  # the tests look at its sessions folder
    port = _free_port()
    launch(app, settings, host="127.0.0.1", port=port, prevent_thread_lock=True)
    try:
        yield f"http://127.0.0.1:{port}/", engine
    finally:
        app.close()


def _client(url: str) -> Client:
    return Client(url, verbose=False)


def _ask(client: Client, question: str, **kwargs: Any) -> tuple[str, str]:
    """Ask through the /ask endpoint (English UI); returns (last chat message text, sources)."""
    kwargs.setdefault("lang", "en")
    chat, sources, *_rest = client.predict(question=question, api_name="/ask", **kwargs)
    content = chat[-1]["content"]
    text = content[0]["text"] if isinstance(content, list) else content
    return text, sources


@pytest.mark.slow  # a live server: ~20 s for the module
def test_ask_streams_answer_with_citation_and_marked_quote(server: tuple[str, Engine]) -> None:
    url, _ = server
    text, sources = _ask(_client(url), FUND_Q)
    assert "[1]" in text and "300亿" in text
    assert 'id="cite-1"' in sources
    marks = re.findall(r"<mark>(.*?)</mark>", sources)
    assert any("300亿" in m for m in marks)
    assert "jincheng-2024-reply-npc-268.txt" in sources
    assert "晋城市工业和信息化局" in sources  # issuing body on the card


@pytest.mark.slow  # a live server: ~20 s for the module
def test_open_document_marks_the_selected_quote(server: tuple[str, Engine]) -> None:
    url, _ = server
    client = _client(url)
    _ask(client, FUND_Q)
    html, raw = client.predict(n=1, lang="en", api_name="/open_document")
    selected = re.search(r'<mark class="selected" data-n="1" id="doc-cite-1">(.*?)</mark>', html)
    assert selected and "300亿" in selected.group(1)
    assert "关于市八届人大四次会议第268号建议的答复" in html
    # the raw file is offered for download, byte for byte
    raw_path = Path(raw["value"] if isinstance(raw, dict) else raw)
    assert raw_path.name == "jincheng-2024-reply-npc-268.txt"
    assert raw_path.read_bytes() == (ROOT / "corpus" / raw_path.name).read_bytes()


@pytest.mark.slow  # a live server: ~20 s for the module
def test_follow_up_passes_history(server: tuple[str, RecordingEngine]) -> None:
    url, engine = server
    client = _client(url)
    _ask(client, FUND_Q)
    _ask(client, "首期基金叫什么？")
    history = engine.histories[-1]
    assert len(history) == 1
    assert history[0][0] == FUND_Q and "300亿" in history[0][1]


@pytest.mark.slow  # a live server: ~20 s for the module
def test_filters_restrict_the_sources(server: tuple[str, Engine]) -> None:
    url, engine = server
    # the region as the documents name it (温州 or 温州市), as the dropdown offers it
    region = next(d.region for d in engine.documents() if d.region and "温州" in d.region)
    _text, sources = _ask(_client(url), FUND_Q, region=region)
    assert "jincheng-2024-reply-npc-268.txt" not in sources


@pytest.mark.slow
@pytest.mark.parametrize(("question", "expected"), [("   ", "empty"), ("问" * 600, "limit is 500")])
def test_bad_question_gets_a_chat_message(
    server: tuple[str, Engine], question: str, expected: str
) -> None:
    url, _ = server
    text, _sources = _ask(_client(url), question)
    assert text.count("⚠") == 1 and expected in text


@pytest.mark.slow  # a live server: ~20 s for the module
def test_not_found_is_marked(server: tuple[str, Engine]) -> None:
    url, _ = server
    text, sources = _ask(_client(url), "火星的首都是哪里？")
    assert "⚠" in text and 'class="not-found"' in sources
    assert "<mark" not in sources


def _session_uploads(engine: Engine, name: str) -> list[Path]:
    handlers = engine.app.rag_handlers  # type: ignore[attr-defined]
    return list(Path(handlers.sessions_dir).glob(f"rag-session-*/uploads/{name}"))


@pytest.mark.slow  # a live server: ~20 s for the module
def test_upload_is_searchable_and_bad_file_is_reported(
    server: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = server
    client = _client(url)
    good = tmp_path / "测试市专项资金.txt"
    good.write_text(UPLOAD_TEXT, encoding="utf-8")
    shared_before = len(engine.documents())
    status, _files, table, *_choices = client.predict(
        files=[handle_file(str(good))], lang="en", api_name="/add_documents"
    )
    assert "测试市专项资金.txt" in status and "added" in status
    assert any(row[-1] == "测试市专项资金.txt" for row in table["value"]["data"])
    (stored,) = _session_uploads(engine, "测试市专项资金.txt")
    assert stored.read_text(encoding="utf-8") == UPLOAD_TEXT
    # private to the session that uploaded it: the shared library is unchanged
    assert len(engine.documents()) == shared_before

    text, sources = _ask(client, UPLOAD_Q)
    assert "12345" in text and "[1]" in text
    assert "测试市专项资金.txt" in sources
    assert re.search(r"<mark>[^<]*12345万元[^<]*</mark>", sources)
    _other_text, other_sources = _ask(_client(url), UPLOAD_Q)
    assert "测试市专项资金.txt" not in other_sources

    bad = tmp_path / "broken.txt"
    bad.write_bytes(bytes(range(256)) * 8)
    status, *_ = client.predict(files=[handle_file(str(bad))], lang="en", api_name="/add_documents")
    assert "broken.txt" in status and "binary" in status
    assert len(engine.documents()) == shared_before
    assert not _session_uploads(engine, "broken.txt")
    text, _ = _ask(client, FUND_Q)
    assert "[1]" in text and "300亿" in text


@pytest.mark.slow  # a live server: ~20 s for the module
def test_sessions_run_side_by_side(server: tuple[str, RecordingEngine]) -> None:
    url, _ = server
    questions = [FUND_Q, "吉林市人工智能产业发展的目标是什么？", FUND_Q]
    results: dict[int, tuple[str, str]] = {}

    def run(i: int) -> None:
        results[i] = _ask(_client(url), questions[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(questions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(results) == len(questions)
    for i, (text, sources) in results.items():
        assert f"Question: {questions[i]}" in sources  # each session sees its own answer
        assert text


# --- helpers without a server ---------------------------------------------------------------


def _doc(text: str) -> Document:
    return Document(
        doc_id="d1",
        path="/x/a.txt",
        source="a.txt",
        fmt="txt",
        text=text,
        raw_text=text,
        spans=((0, 0, len(text)),),
        raw_line_starts=(0,),
        title="<b>标题</b>",
        issuer="某局",
    )


def _answer(text: str, citations: Sequence[Citation], hits: Sequence[Hit], answered: bool = True):
    return Answer(
        question="q?",
        text=text,
        citations=tuple(citations),
        contexts=tuple(hits),
        answered=answered,
        mode="extractive",
    )


def test_rendering_escapes_and_marks_the_quote() -> None:
    text = "前文<script>alert(1)</script>。引用的句子含<i>标签</i>。后文。"
    doc = _doc(text)
    quote = "引用的句子含<i>标签</i>。"
    start = text.index(quote)
    cit = Citation(
        1, "d1:0", "d1", doc.path, doc.source, doc.title, quote, start, start + len(quote), 1, 1
    )
    chunk = Chunk("d1:0", "d1", text, 0, len(text), 1, 1)
    answer = _answer("答案[1]，越界[9]。", [cit], [Hit(chunk, 1.0, 1, "fused")])
    html = sources_html(answer, lambda _id: doc, 0)
    assert "<script>" not in html and "<i>" not in html and "<b>" not in html
    assert "<mark>引用的句子含&lt;i&gt;标签&lt;/i&gt;。</mark>" in html
    chat = chat_text(answer, 3)
    assert 'class="cite-ref cite-turn-3" href="#cite-1">[1]</a>' in chat
    assert "越界[9]" in chat  # a marker without a citation is left as plain text
    full = document_html(doc, answer.citations, 1)
    assert 'id="doc-cite-1">引用的句子含&lt;i&gt;' in full and "<script>" not in full
    # a chunk that is not among the contexts falls back to a window of the document
    assert "<mark>" in passage_with_mark(cit, [], doc)


def test_not_found_rendering() -> None:
    answer = _answer("文档中没有找到相关信息。", [], [], answered=False)
    assert 'class="not-found"' in sources_html(answer, lambda _id: None, 0)
    assert "⚠" in chat_text(answer, 0)


def test_build_filters() -> None:
    f = build_filters(["d1"], "", "2024", "2018")
    assert (f.sources, f.region, f.year_from, f.year_to) == (("d1",), None, 2018, 2024)
    assert build_filters(None, None, "", None).is_empty()


@pytest.mark.parametrize(
    ("client_name", "expected"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\me\\报告.md", "报告.md"),
        ("a<b>|c.PDF", "a_b__c.pdf"),
    ],
)
def test_safe_name_strips_directories(client_name: str, expected: str) -> None:
    assert safe_name(client_name) == expected


@pytest.mark.parametrize(
    ("client_name", "reason"),
    [
        (".bashrc.txt", "hidden"),
        ("dir/.x.md", "hidden"),
        ("run.exe", "unsupported"),
        ("", "no name"),
    ],
)
def test_safe_name_rejects(client_name: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        safe_name(client_name)


def test_accept_uploads_limits_size_and_deduplicates(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    one, two, big = src / "1", src / "2", src / "3"
    one.write_text("甲", encoding="utf-8")
    two.write_text("乙", encoding="utf-8")
    big.write_bytes(b"x" * (1024 * 1024 + 1))
    uploads = tmp_path / "uploads"
    accepted, rejected = accept_uploads(
        [("doc.txt", one), ("sub/doc.txt", two), ("doc.txt", one), ("big.txt", big)], uploads, 1
    )
    assert [a.path.name for a in accepted] == ["doc.txt", "doc-2.txt", "doc.txt"]
    assert [a.created for a in accepted] == [True, True, False]
    assert (uploads / "doc-2.txt").read_text(encoding="utf-8") == "乙"
    assert len(rejected) == 1 and "limit is 1 MB" in rejected[0].reason
    assert sorted(p.name for p in uploads.iterdir()) == ["doc-2.txt", "doc.txt"]


# --- rendering of list answers, exports, filters, examples, stored conversations ------------


def _cit(n: int, doc: Document, quote: str) -> Citation:
    start = doc.text.index(quote)
    line = doc.line_of(start)
    return Citation(
        n,
        "d1:0",
        doc.doc_id,
        doc.path,
        doc.source,
        None,
        quote,
        start,
        start + len(quote),
        line,
        line,
    )


def _lined_doc() -> Document:
    from rag.store import line_starts

    raw = "某市关于加快发展智能制造的若干措施\n一、设立专项资金1亿元。\n二、建设算力中心。\n"
    return Document(
        doc_id="d1",
        path="/x/m.txt",
        source="m.txt",
        fmt="txt",
        text=raw,
        raw_text=raw,
        spans=((0, 0, len(raw)),),
        raw_line_starts=line_starts(raw),
        title="某市关于加快发展智能制造的若干措施",
        issuer="某市人民政府办公室",
        date="2024-05-01",
        doc_number="某政办发〔2024〕3号",
    )


def test_list_answer_renders_as_a_list_with_links() -> None:
    from dataclasses import replace

    doc = _lined_doc()
    cits = [_cit(1, doc, "设立专项资金1亿元"), _cit(2, doc, "建设算力中心")]
    answer = replace(
        _answer("主要措施有两项：\n- 设立专项资金1亿元[1]\n- 建设算力中心[2]", cits, []),
        kind="list",
    )
    chat = chat_text(answer, 0)
    assert chat.startswith("主要措施有两项：<ul")
    assert chat.count("<li>") == 2 and 'href="#cite-2">[2]</a></li>' in chat


def test_comparison_renders_as_a_table_and_its_closing_line_apart() -> None:
    doc = _lined_doc()
    cits = [_cit(1, doc, "设立专项资金1亿元"), _cit(2, doc, "建设算力中心")]
    text = (
        "2份文件提到：\n- 甲市：设立专项资金1亿元[1]\n- 乙县：建设算力中心[2]\n未说明的文件：丙市"
    )
    answer = replace(_answer(text, cits, []), kind="compare")
    chat = chat_text(answer, 0)
    rows = re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", chat)
    assert [r[0] for r in rows] == ["甲市", "乙县"]
    assert 'href="#cite-2">[2]</a>' in rows[1][1] and "丙市" not in rows[1][1]
    assert chat.endswith('<p class="answer-tail">未说明的文件：丙市</p>')
    # a wrapped item line still belongs to its item
    wrapped = replace(
        answer, text="两项：\n- 甲市：设立\n专项资金[1]\n- 乙县：建设[2]", kind="list"
    )
    assert "<li>甲市：设立 专项资金" in chat_text(wrapped, 0)


def test_markdown_export_has_quote_file_number_date_and_lines() -> None:
    from ui.render import answer_markdown, conversation_markdown

    doc = _lined_doc()
    answer = _answer("设立专项资金1亿元[1]", [_cit(1, doc, "设立专项资金1亿元")], [])
    md = answer_markdown(answer, lambda _id: doc, "en")
    assert "### Question: q?" in md
    assert "> 设立专项资金1亿元" in md
    assert "m.txt" in md and "某政办发〔2024〕3号" in md and "2024-05-01" in md
    assert "line 2" in md and "<" not in md
    whole = conversation_markdown([answer, answer], lambda _id: doc, "zh")
    assert whole.count("### 问题: q?") == 2


def test_document_view_numbers_raw_lines_and_marks_the_cited_one() -> None:
    doc = _lined_doc()
    html = document_html(doc, [_cit(1, doc, "建设算力中心")], 1)
    assert '<div class="ln" data-line="1">' in html
    assert (
        '<div class="ln cited" data-line="3"><span class="ln-t">二、'
        '<mark class="selected" data-n="1" id="doc-cite-1">建设算力中心</mark>' in html
    )


def test_not_found_names_the_active_filters() -> None:
    from rag.types import Filters
    from ui.render import filters_summary

    answer = _answer("Not found in the documents.", [], [], answered=False)
    answer = replace(answer, lang="en")
    filters = Filters(region="某市", year_from=2018, year_to=2018)
    html = sources_html(answer, lambda _id: None, 0, "zh", filters)
    assert "Filters are on: region 某市; years 2018–2018" in html
    assert "2018" in chat_text(answer, 0, "zh", filters_summary(filters, "zh"))
    assert filters_summary(Filters(), "zh") == ""


def test_refusal_is_told_in_the_question_language_only() -> None:
    from rag.types import Filters

    # a Chinese question in the English page: the machine reasons (English) are not shown
    answer = replace(
        _answer("文档中没有找到相关信息。（没有涉及：火星）", [], [], answered=False),
        note="key terms not covered: 火星",
        lang="zh",
    )
    html = sources_html(answer, lambda _id: None, 0, "en", Filters(year_from=2018))
    text = re.sub(
        r"<[^>]+>", "", html.split('<div class="rag-question">', 1)[1].split("</div>", 1)[1]
    )
    assert "文档中没有找到答案" in text and "没有涉及：火星" in text and "年份 2018" in text
    assert not re.search(r"[A-Za-z]{3,}", text), text
    assert "key terms" not in html


def test_example_questions_come_from_the_documents_titles() -> None:
    from ui.render import example_questions

    doc = _lined_doc()
    assert example_questions([doc], "zh") == [
        "《某市关于加快发展智能制造的若干措施》提出了哪些措施？"
    ]
    assert example_questions([doc], "en")[0].startswith("What measures does “某市")
    untitled = Document("d2", "/x/u.txt", "u.txt", "txt", "x", "x", ((0, 0, 1),), (0,))
    assert example_questions([untitled]) == []


def test_every_text_has_both_languages() -> None:
    from ui.i18n import TEXTS, t

    for key, (zh, en) in TEXTS.items():
        assert zh.strip() and en.strip(), key
        assert zh != en or key in ("k",), key
    assert t("en", "too_long", n=600, limit=500).endswith("(setting max_question_chars).")


def test_conversations_round_trip_through_browser_storage() -> None:
    import json

    from ui import history

    doc = _lined_doc()
    answer = _answer("设立专项资金1亿元[1]", [_cit(1, doc, "设立专项资金1亿元")], [])
    messages = [{"role": "user", "content": "q?"}, {"role": "assistant", "content": "a"}]
    store = history.save_chat(None, "c1", messages, [answer], {1: 0}, "New chat")
    store = json.loads(json.dumps(store))  # what the browser keeps is JSON
    loaded = history.load_chat(store, "c1")
    assert loaded is not None
    got_messages, (got,), turns = loaded
    assert got_messages == messages and turns == {1: 0}
    assert got.citations == answer.citations and got.text == answer.text
    store = history.rename_chat(store, "c1", "资金")
    assert history.chat_choices(store) == [("资金", "c1")]
    assert history.load_chat(history.delete_chat(store, "c1"), "c1") is None
    assert history.valid_store("garbage") == history.empty_store()


def test_accept_uploads_caps_characters(tmp_path: Path) -> None:
    src = tmp_path / "long.txt"
    src.write_text("人工智能产业发展。" * 200, encoding="utf-8")
    accepted, rejected = accept_uploads([("long.txt", src)], tmp_path / "up", 1, max_chars=100)
    assert not accepted and "limit is 100" in rejected[0].reason
    assert "max_upload_chars" in rejected[0].reason
    assert not (tmp_path / "up" / "long.txt").exists()


def _drain(gen: Any) -> tuple[Any, ...]:
    """The last value a generator handler yields (what the page shows in the end)."""
    return list(gen)[-1]


@pytest.mark.slow  # builds a small index
def test_uploads_private_by_default_and_library_on_request(tmp_path: Path) -> None:
    from ui.handlers import Handlers, Session, close_private

    settings = load_settings(cwd=ROOT, index_dir=str(tmp_path / "ix"), embedder="hash")
    build_index([ROOT / "corpus" / "jincheng-2024-reply-npc-268.txt"], settings)
    engine = Engine(settings)

    def temp_upload() -> str:  # stands for Gradio's temporary copy of an upload
        path = tmp_path / "gradio" / "测试市专项资金.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text(UPLOAD_TEXT, encoding="utf-8")
        return str(path)

    private_h = Handlers(engine)
    temp = temp_upload()
    steps = list(private_h.add_documents([temp], Session(), None, "en"))
    # the page hears at once that indexing runs in the background, then the result
    assert steps[0][0] == "Indexing in the background; you can keep asking."
    status, _upload, *_corpus, _session, private = steps[-1]
    assert "added" in status and not Path(temp).exists()  # the temporary copy is gone
    assert private is not None and len(private.engine.documents()) == 2
    assert len(engine.documents()) == 1  # the shared library did not change
    assert not private.refresh()  # nothing changed in the shared library
    engine.add_files([ROOT / "corpus" / "wenzhou-2024-reply-cppcc-2.txt"])
    assert private.refresh()  # the session now sees the new library file and keeps its upload
    assert {d.source for d in private.engine.documents()} == {
        "jincheng-2024-reply-npc-268.txt",
        "wenzhou-2024-reply-cppcc-2.txt",
        "测试市专项资金.txt",
    }
    folder = private.folder
    close_private(private)  # the session ended or its time ran out
    assert not folder.exists()

    library_h = Handlers(engine, library_uploads=True)
    status, *_rest, private = _drain(
        library_h.add_documents([temp_upload()], Session(), None, "en")
    )
    assert "added" in status and private is None
    assert len(engine.documents()) == 3
    assert (Path(settings.index_dir) / "uploads" / "测试市专项资金.txt").is_file()
    upload = next(d for d in engine.documents() if d.source == "测试市专项资金.txt")
    message, *_ = library_h.delete_document(upload.doc_id, None, "en")
    assert message == "Deleted: 测试市专项资金.txt" and len(engine.documents()) == 2
    corpus_doc = engine.documents()[0]
    # a session of a private-uploads server cannot change the shared library
    message, *_ = private_h.delete_document(corpus_doc.doc_id, None, "en")
    assert "shared library" in message and len(engine.documents()) == 2
    message, *_ = private_h.save_metadata(corpus_doc.doc_id, "t", "", "", "", "", None, "en")
    assert "shared library" in message and engine.document(corpus_doc.doc_id).title != "t"
    # the library server's owner can: the document leaves the index, its file stays
    message, *_ = library_h.delete_document(corpus_doc.doc_id, None, "en")
    assert message.startswith("Removed from the index") and len(engine.documents()) == 1
    assert Path(corpus_doc.path).is_file()


def test_ui_imports_only_the_rag_public_api() -> None:
    import ast

    deep = []
    for path in sorted((ROOT / "ui").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            deep += [f"{path.name}: {n}" for n in names if n.startswith("rag.")]
    assert deep == []


@pytest.mark.slow  # builds a small index
def test_a_session_corrects_and_deletes_its_own_upload(tmp_path: Path) -> None:
    from ui.handlers import Handlers, Session

    settings = load_settings(cwd=ROOT, index_dir=str(tmp_path / "ix"), embedder="hash")
    build_index([ROOT / "corpus" / "jincheng-2024-reply-npc-268.txt"], settings)
    engine = Engine(settings)
    upload = tmp_path / "gradio" / "测试市专项资金.txt"
    upload.parent.mkdir()
    upload.write_text(UPLOAD_TEXT, encoding="utf-8")
    h = Handlers(engine)
    *_rest, private = _drain(h.add_documents([str(upload)], Session(), None, "en"))
    mine = next(d for d in private.engine.documents() if d.source == "测试市专项资金.txt")
    assert h.metadata_fields(mine.doc_id, private)[2] == ""  # no date found in the text
    status, *_ = h.save_metadata(
        mine.doc_id, "测试市资金说明", "测试市财政局", "2025-01-02", "", "测试市", private, "en"
    )
    assert status.startswith("Metadata saved")
    doc = private.engine.document(mine.doc_id)
    assert (doc.title, doc.issuer, doc.date, doc.region) == (
        "测试市资金说明",
        "测试市财政局",
        "2025-01-02",
        "测试市",
    )
    assert h.metadata_fields(mine.doc_id, private)[:3] == (
        "测试市资金说明",
        "测试市财政局",
        "2025-01-02",
    )
    assert all(d.title != "测试市资金说明" for d in engine.documents())  # the library is untouched
    status, *_ = h.save_metadata(mine.doc_id, "", "", "01/02/2025", "", "", private, "en")
    assert "yyyy-mm-dd" in status and private.engine.document(mine.doc_id).date == "2025-01-02"
    status, *_ = h.delete_document(mine.doc_id, private, "en")
    assert status == "Deleted: 测试市专项资金.txt"
    assert [d.source for d in private.engine.documents()] == ["jincheng-2024-reply-npc-268.txt"]
    assert not Path(mine.path).exists()
    private.close()


def _ingest_error(path: Path) -> Any:
    """The IngestError rag raises for a file (the reasons below are rag's own)."""
    from rag import IngestError, load_document

    with pytest.raises(IngestError) as caught:
        load_document(path)
    return caught.value


def test_skip_reasons_from_rag_are_told_in_both_languages(tmp_path: Path) -> None:
    from ui.i18n import told_error, told_reason

    png = tmp_path / "扫描件.txt"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    binary = _ingest_error(png)
    assert told_error("zh", binary, "/ix") == "扫描件.txt：二进制内容，不是文本（看起来是PNG 图片）"
    assert told_error("en", binary, "/ix") == (
        "扫描件.txt: binary content, not text (looks like a PNG image)"
    )
    exe = tmp_path / "setup.exe"
    exe.write_bytes(b"MZ\x90\x00")
    unsupported = _ingest_error(exe)
    types = ".txt .md .html .htm .pdf .docx"
    assert told_error("zh", unsupported, "/ix") == (
        f"setup.exe：不支持的文件类型 .exe；支持：{types}"
    )
    assert told_error("en", unsupported, "/ix") == (
        f"setup.exe: unsupported file type .exe; supported: {types}"
    )
    empty = tmp_path / "空白.md"
    empty.write_text("", encoding="utf-8")
    assert told_reason("zh", _ingest_error(empty).reason) == "空文件"
    replaced = (
        "same content as a file already indexed; its earlier version was removed from the index"
    )
    assert told_reason("zh", replaced) == "内容与一个已索引的文件相同；它的旧版本已从索引中移除"
    assert told_reason("en", replaced) == replaced
    assert told_reason("zh", "cannot read: Permission denied") == "无法读取：Permission denied"
    # a reason of an unknown family is shown as rag wrote it
    assert told_reason("zh", "a reason rag may add later") == "a reason rag may add later"


def test_index_errors_are_told_by_class_naming_the_store(tmp_path: Path) -> None:
    from rag import IndexBusyError, IndexMissingError, RagError, index_location
    from ui.i18n import told_error

    settings = load_settings(cwd=ROOT, index_dir=str(tmp_path / "无索引"), embedder="hash")
    with pytest.raises(IndexMissingError) as missing:
        Engine(settings).warm_up()
    where = index_location(settings)
    assert where == str(tmp_path / "无索引")
    assert (
        told_error("zh", missing.value, where)
        == f"{where} 还没有索引：请先运行 rag index 建立索引。"
    )
    assert told_error("en", missing.value, where) == f"No index at {where}: run rag index first."
    lite = index_location(settings.replace(store=str(tmp_path / "milvus.db")))
    assert lite == str(tmp_path / "milvus.db")  # a Milvus store is named, not index_dir
    busy = IndexBusyError(f"the Milvus Lite store {lite} is being written by another process")
    assert told_error("zh", busy, lite) == (
        f"索引 {lite} 正被另一个进程写入或占用：请等它完成后再试。"
    )
    assert told_error("en", busy, lite) == (
        f"The index at {lite} is being written or held by another process: "
        "try again when it has finished."
    )
    # a RagError of no known class keeps its own message
    assert told_error("zh", RagError("something new"), lite) == "something new"


def test_handlers_tell_rag_errors_in_the_page_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag import IndexBusyError
    from ui.handlers import Handlers, Session

    settings = load_settings(cwd=ROOT, index_dir=str(tmp_path / "ix"), embedder="hash")
    engine = Engine(settings)
    h = Handlers(engine, library_uploads=True)
    # no index yet: the chat says so in Chinese, naming the index folder
    chat, *_ = _drain(
        h.ask(
            "资金总额是多少？", [], None, None, None, None, "extractive", 3, "zh", Session(), None
        )
    )
    assert f"{tmp_path / 'ix'} 还没有索引：请先运行 rag index 建立索引。" in chat[-1]["content"]

    def busy(*_args: Any, **_kwargs: Any) -> Any:
        raise IndexBusyError(f"index at {settings.index_dir} is being written by another process")

    monkeypatch.setattr(engine, "add_files", busy)
    upload = tmp_path / "gradio" / "测试市专项资金.txt"
    upload.parent.mkdir()
    upload.write_text(UPLOAD_TEXT, encoding="utf-8")
    status, *_ = _drain(h.add_documents([str(upload)], Session(), None, "zh"))
    assert status == (
        f"- ⚠ 索引未改变：索引 {tmp_path / 'ix'} 正被另一个进程写入或占用：请等它完成后再试。"
    )


def test_a_bad_metadata_date_is_told_in_chinese() -> None:
    from rag import MetadataError
    from ui.i18n import told_error

    bad = MetadataError("date '2023年4月' is not a date: write it as yyyy-mm-dd, yyyy-mm or yyyy")
    assert told_error("zh", bad, "/ix") == (
        "元数据有误：日期 '2023年4月' 不是日期：请写成 yyyy-mm-dd、yyyy-mm 或 yyyy"
    )
    assert told_error("en", bad, "/ix") == f"Metadata error: {bad}"
