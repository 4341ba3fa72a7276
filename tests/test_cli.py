"""The `rag` command line contract: JSON shapes, stdin batches, exit codes."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_openai import FakeOpenAI, Reply

from rag import cli
from rag.cli import from_argv, shown
from rag.progress import progress_bar
from rag.types import Answer, AnswerStream

ROOT = Path(__file__).resolve().parent.parent
HIT_KEYS = {
    "rank", "score", "chunk_id", "doc_id", "path", "source", "title", "start_char", "end_char",
    "line_start", "line_end", "page", "text",
}  # fmt: skip
CITATION_KEYS = {
    "n", "chunk_id", "path", "source", "title", "quote", "start_char", "end_char", "line_start",
    "line_end", "page",
}  # fmt: skip


def rag(
    *args: str, stdin: str | None = None, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RAG_EMBEDDER": "hash", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    docs = folder / "docs"
    shutil.copytree(ROOT / "corpus", docs)
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj")
    out = rag("index", str(docs), "--index-dir", str(folder / "idx"), "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert len(report["documents"]) == 5
    jincheng = next(d for d in report["documents"] if d["source"].startswith("jincheng"))
    assert (jincheng["issuer"], jincheng["date"], jincheng["region"]) == (
        "晋城市工业和信息化局",
        "2024-06-18",
        "晋城市",
    )
    assert [Path(s["path"]).name for s in report["skipped"]] == ["broken.pdf"]
    assert "embedding" not in out.stderr  # no progress bars when stderr is not a terminal
    return folder / "idx"


def test_search_json_shape(index_dir: Path) -> None:
    out = rag("search", "人工智能产业链共有企业多少家", "--index-dir", str(index_dir), "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["question"] == "人工智能产业链共有企业多少家"
    assert len(result["hits"]) == 5 and set(result["hits"][0]) >= HIT_KEYS
    assert Path(result["hits"][0]["path"]).is_absolute()


def test_ask_stdin_batch_writes_jsonl(index_dir: Path) -> None:
    questions = (
        "晋城开发区产业引导基金总规模是多少？\n\n北京市对人工智能企业的房租补贴标准是多少？\n"
    )
    out = rag("ask", "-", "--index-dir", str(index_dir), "--json", stdin=questions)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().split("\n")
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["answered"] and "300亿" in first["answer"]
    assert set(first["citations"][0]) == CITATION_KEYS
    assert set(first["contexts"][0]) >= HIT_KEYS
    assert not second["answered"] and second["citations"] == []


def test_user_errors_exit_2_with_one_line(tmp_path: Path) -> None:
    missing = rag("search", "人工智能", "--index-dir", str(tmp_path / "none"))
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        f"rag: error: no index at {tmp_path / 'none'}: run `rag index` first (or pass --index-dir)"
    ]
    bad_flag = rag("search", "人工智能", "--k", "many")
    assert bad_flag.returncode == 2 and "invalid int value" in bad_flag.stderr


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_draws_on_a_terminal_only() -> None:
    term = _Terminal()
    tick = progress_bar(stream=term)
    for done in range(4):
        tick("embedding", done, 3)
    assert "embedding" in term.getvalue() and "3/3" in term.getvalue()

    for stream, quiet in ((io.StringIO(), False), (_Terminal(), True)):
        tick = progress_bar(stream=stream, quiet=quiet)
        tick("embedding", 3, 3)
        assert stream.getvalue() == ""


# --- bad bytes, bad lines and odd file names (issue 12 item 6 and 9) --------------------------

POLICY = (
    "某市数字经济发展情况的答复\n"
    "一、算力建设\n"
    "全市已建成数据中心机架1.2万个，智能算力规模达到800PFlops。\n"
    "二、资金支持\n"
    "市财政设立数字经济专项资金，每年安排2亿元，支持企业上云用数赋智。\n"
)


def rag_bytes(*args: str | bytes, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """`rag` with raw bytes in argv and stdin, as a shell passes them."""
    env = {**os.environ, "RAG_EMBEDDER": "hash"}
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )


def test_from_argv_replaces_bytes_that_are_not_utf8() -> None:
    assert from_argv(os.fsdecode(b"abc\xff\xe6\xb8\xa9\xe5\xb7\x9e")) == "abc\ufffd温州"
    assert from_argv("温州智算规模") == "温州智算规模"


def test_shown_escapes_controls_and_stray_bytes() -> None:
    assert shown("政策\n文件\t.txt") == "政策\\n文件\\t.txt"
    assert shown(os.fsdecode(b"gbk_\xd5\xfe.txt")) == "gbk_\\xd5\\xfe.txt"
    assert shown("a\x1b[31mred\u2028b") == "a\\x1b[31mred\\u2028b"
    assert shown("温州市 科技局") == "温州市 科技局"


def test_ask_argument_with_invalid_utf8(index_dir: Path) -> None:
    out = rag_bytes(
        "ask", b"abc\xff\xe6\xb8\xa9\xe5\xb7\x9e", "--index-dir", str(index_dir), "--json"
    )
    assert out.returncode == 0, out.stderr.decode()
    assert json.loads(out.stdout)["question"] == "abc\ufffd温州"


def test_batch_answers_good_lines_and_reports_bad_ones(index_dir: Path) -> None:
    stdin = (
        "晋城开发区产业引导基金总规模是多少？\n".encode()
        + b"\xff\xfe\xe6\xb8\xa9\xe5\xb7\x9e\xe6\x99\xba\xe7\xae\x97\n"  # bad bytes + 温州智算
        + ("问" * 501 + "\n").encode()  # over max_question_chars
        + b"\n\x07\n"  # blank and control-only lines: the second is an empty question
    )
    out = rag_bytes("ask", "-", "--index-dir", str(index_dir), "--json", stdin=stdin)
    assert out.returncode == 2
    rows = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert [r.get("line") for r in rows] == [None, None, 3, 5]
    assert rows[0]["answered"] and "300亿" in rows[0]["answer"]
    assert rows[1]["question"] == "\ufffd\ufffd温州智算" and "answer" in rows[1]
    assert "501 characters" in rows[2]["error"] and "max_question_chars" in rows[2]["error"]
    assert "empty" in rows[3]["error"]
    assert out.stderr.decode().strip().splitlines()[-1] == (
        "rag: error: 2 question(s) not answered (stdin line 3, 5)"
    )

    search = rag_bytes("search", "-", "--index-dir", str(index_dir), "--json", stdin=stdin)
    assert search.returncode == 2
    rows = [json.loads(line) for line in search.stdout.decode().splitlines()]
    assert [len(r["hits"]) if "hits" in r else r["line"] for r in rows] == [5, 5, 3, 5]


def test_plain_batch_keeps_one_error_line_per_bad_question(index_dir: Path) -> None:
    stdin = "人工智能产业链企业\n" + "问" * 501 + "\n"
    out = rag("search", "-", "--index-dir", str(index_dir), stdin=stdin)
    assert out.returncode == 2
    lines = out.stdout.splitlines()
    assert lines[0] == "Q: 人工智能产业链企业"
    assert lines[-2] == "Q: " + "问" * 200 and lines[-1].startswith("error: the question has 501")


def test_file_name_with_newline_keeps_output_lines_whole(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "数字经济\n答复.txt").write_text(POLICY, encoding="utf-8")
    idx = str(tmp_path / "idx")
    out = rag("index", str(docs), "--index-dir", idx)
    assert out.returncode == 0, out.stderr
    first, doc_line = out.stdout.splitlines()
    assert first.startswith("indexed 1 new, 0 unchanged, 0 removed, 0 skipped: 1 documents")
    assert doc_line.startswith("  数字经济\\n答复.txt: ")

    out = rag("search", "数字经济专项资金每年安排多少", "--index-dir", idx, "--k", "1")
    assert out.returncode == 0, out.stderr
    _question, hit, _text = out.stdout.splitlines()
    assert hit.startswith("[1] ") and "数字经济\\n答复.txt:" in hit
    out = rag("ask", "数字经济专项资金每年安排多少？", "--index-dir", idx, "--json")
    assert json.loads(out.stdout)["citations"][0]["source"] == "数字经济\n答复.txt"


# --- secrets (issue 12 item 7) ----------------------------------------------------------------


def test_llm_failure_note_shows_no_secret(index_dir: Path) -> None:
    key, password = "sk-live-0123456789abcdef", "pa55w0rd"
    with FakeOpenAI(default=Reply(kind="echo", status=401)) as server:
        url = server.url.replace("http://", f"http://alice:{password}@")
        env = {"RAG_LLM_API_KEY": key, "RAG_LLM_MODEL": "m"}
        question = "晋城开发区产业引导基金总规模是多少？"
        args = ("ask", question, "--index-dir", str(index_dir), "--llm", "--llm-base-url", url)
        out_json = rag(*args, "--json", env=env)
        out_plain = rag(*args, env=env)
        answered = server.requests  # the model was asked
    assert answered
    assert out_json.returncode == 0, out_json.stderr
    note = json.loads(out_json.stdout)["note"]
    masked = server.url.replace("http://", "http://***@")
    assert f"HTTP 401 from {masked} (Unauthorized; invalid_api_key)" in note
    assert f"HTTP 401 from {masked}" in out_plain.stdout
    for out in (out_json, out_plain):
        for secret in (key, password, "YWxpY2U6"):  # the key, the password, Basic base64
            assert secret not in out.stdout + out.stderr


# --- the local LLM backend from the command line (issue 16) ----------------------------------


def test_llm_flags_reach_the_settings(tmp_path: Path) -> None:
    args = cli._parser().parse_args(
        ["eval", "--answer-mode", "llm", "--llm-backend", "llamacpp", "--llm-gguf", "m.gguf"]
    )
    settings = cli._settings(args)
    assert (settings.answer_mode, settings.llm_backend, settings.llm_gguf) == (
        "llm",
        "llamacpp",
        "m.gguf",
    )
    assert settings.llm_threads == 1 and settings.llm_configured


def test_ask_with_a_bad_local_model_answers_extractively(index_dir: Path, tmp_path: Path) -> None:
    not_gguf = tmp_path / "model.gguf"
    not_gguf.write_text("not a model", encoding="utf-8")
    out = rag(
        "ask", "晋城开发区产业引导基金总规模是多少？", "--index-dir", str(index_dir), "--json",
        "--llm", "--llm-backend", "llamacpp", "--llm-gguf", str(not_gguf),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert answer["mode"] == "extractive" and answer["answered"] and "300亿" in answer["answer"]
    assert f"{not_gguf} is not a GGUF model file" in answer["note"]


# --- streaming on a terminal ------------------------------------------------------------------


class _FakeEngine:
    def __init__(self, pieces: list[str], final: str) -> None:
        self.pieces, self.final = pieces, final

    def ask_stream(self, question: str, **options: object) -> AnswerStream:
        answer = Answer(question, self.final, (), (), answered=True, mode="llm")
        return AnswerStream(iter([*self.pieces, answer]))


def test_ask_live_keeps_a_streamed_answer_that_passed_the_checks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    term = _Terminal()
    monkeypatch.setattr(sys, "stdout", term)
    engine = _FakeEngine(["晋城设立了", "300亿的基金[1]。"], "晋城设立了300亿的基金[1]。")
    answer, written = cli.ask_live(engine, "q")
    assert written and answer.text == "晋城设立了300亿的基金[1]。"
    assert term.getvalue() == "晋城设立了300亿的基金[1]。\n"


def test_ask_live_erases_text_the_checks_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    term = _Terminal()
    monkeypatch.setattr(sys, "stdout", term)
    monkeypatch.setattr(shutil, "get_terminal_size", lambda: os.terminal_size((80, 24)))
    engine = _FakeEngine(["基金【1】\n", "规模300亿\x1b[2J"], "文档中没有找到相关信息。")
    answer, written = cli.ask_live(engine, "q")
    assert not written and answer.text == "文档中没有找到相关信息。"
    # shown with the control character escaped, then the cursor goes back up one row and clears
    assert term.getvalue() == "基金【1】\n规模300亿\\x1b[2J" + "\r\x1b[1A\x1b[J"


def test_terminal_rows_count_wide_characters_twice() -> None:
    assert cli.terminal_rows("温州" * 30, 80) == 2  # 120 columns
    assert cli.terminal_rows("abc\n\nxyz", 80) == 3
