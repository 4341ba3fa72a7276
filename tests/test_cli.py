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

from rag.progress import progress_bar

ROOT = Path(__file__).resolve().parent.parent
HIT_KEYS = {
    "rank", "score", "chunk_id", "doc_id", "path", "source", "title", "start_char", "end_char",
    "line_start", "line_end", "page", "text",
}  # fmt: skip
CITATION_KEYS = {
    "n", "chunk_id", "path", "source", "title", "quote", "start_char", "end_char", "line_start",
    "line_end", "page",
}  # fmt: skip


def rag(*args: str, stdin: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RAG_EMBEDDER": "hash"}
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
