"""One writer per index folder across processes; readers follow the newest whole generation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from filelock import FileLock

from rag.config import load_settings
from rag.errors import IndexBusyError
from rag.pipeline import Engine, build_index
from rag.store import LOCK, MANIFEST, load_index

ROOT = Path(__file__).resolve().parent.parent

TOPICS = [
    ("滨海市", "智能网联汽车", "测试道路里程达到120公里"),
    ("云岭县", "数字乡村", "建成益农信息社45个"),
    ("江北区", "工业互联网", "培育标识解析二级节点3个"),
    ("南山镇", "智慧养老", "配置智能手环800只"),
    ("西湖新区", "算力调度", "上线算力调度平台1个"),
    ("青川市", "数据要素", "挂牌交易数据产品27项"),
]


def _write_set(folder: Path, topics: list[tuple[str, str, str]]) -> list[str]:
    folder.mkdir(parents=True)
    names = []
    for i, (place, topic, fact) in enumerate(topics):
        name = f"{folder.name}-{i}.txt"
        text = (
            f"{place}关于推进{topic}发展的实施意见\n\n一、总体目标\n到2025年，{place}{fact}，"
            f"{topic}产业规模持续扩大。\n\n二、保障措施\n加强组织领导，落实{topic}专项资金。\n"
        )
        (folder / name).write_text(text, "utf-8")
        names.append(name)
    return names


def _rag(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "rag.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_indexing_one_folder_keep_both_sets(tmp_path: Path) -> None:
    a = _write_set(tmp_path / "setA", TOPICS[:3])
    b = _write_set(tmp_path / "setB", TOPICS[3:])
    index_dir = tmp_path / "idx"
    common = ("--index-dir", str(index_dir), "--embedder", "hash", "--quiet")
    procs = [_rag("index", str(tmp_path / "setA"), *common)]
    procs.append(_rag("index", str(tmp_path / "setB"), *common))
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    index = load_index(index_dir)
    assert sorted(d.source for d in index.documents.values()) == sorted(a + b)
    manifest = json.loads((index_dir / MANIFEST).read_text("utf-8"))
    assert all((index_dir / s["name"]).is_dir() for s in manifest["segments"])
    assert not [p.name for p in index_dir.iterdir() if p.name.endswith(".tmp")]


def test_a_second_writer_waits_with_a_message_or_fails_with_no_wait(tmp_path: Path) -> None:
    _write_set(tmp_path / "setA", TOPICS[:2])
    index_dir = tmp_path / "idx"
    index_dir.mkdir()
    common = ("--index-dir", str(index_dir), "--embedder", "hash", "--quiet")
    lock = FileLock(str(index_dir / LOCK))
    with lock:
        busy = _rag("index", str(tmp_path / "setA"), *common, "--no-wait")
        _, err = busy.communicate(timeout=120)
        assert busy.returncode == 2
        assert "being written by another process" in err and "Traceback" not in err
        waiting = _rag("index", str(tmp_path / "setA"), *common)
        assert waiting.stderr is not None
        line = waiting.stderr.readline()  # blocks until the waiting message is printed
        assert "being written by another process; waiting" in line
        assert waiting.poll() is None  # still waiting while the lock is held
    out, _ = waiting.communicate(timeout=120)
    assert waiting.returncode == 0 and "indexed 2 new" in out
    with lock, pytest.raises(IndexBusyError, match="--no-wait"):
        build_index(
            [tmp_path / "setA"],
            load_settings(index_dir=str(index_dir), embedder="hash"),
            wait=False,
        )


def test_a_running_engine_follows_a_newer_generation_and_old_ones_are_cleaned(
    tmp_path: Path,
) -> None:
    _write_set(tmp_path / "setA", TOPICS[:2])
    _write_set(tmp_path / "setB", TOPICS[2:3])
    settings = load_settings(index_dir=str(tmp_path / "idx"), embedder="hash")
    build_index([tmp_path / "setA"], settings)
    engine = Engine(settings)
    assert len(engine.documents()) == 2
    time.sleep(0.01)  # a distinct manifest mtime even on coarse clocks
    build_index([tmp_path / "setB"], settings)  # as another process would
    hits = engine.search("工业互联网标识解析二级节点", k=1)
    assert len(engine.documents()) == 3
    assert "江北区" in hits[0].chunk.text
    first = _segments(tmp_path / "idx")
    (tmp_path / "setC").mkdir()
    (tmp_path / "setC" / "c.txt").write_text("东岸市加快建设人工智能创新应用先导区。\n", "utf-8")
    report = build_index([tmp_path / "setC"], settings, rebuild=True)
    assert len(report.removed) == 3 and len(engine.documents()) == 1
    # the previous generation's segments survive one more write (a reader may still use them) ...
    assert all((tmp_path / "idx" / name).is_dir() for name in first)
    build_index([tmp_path / "setC"], settings)
    # ... and are removed by the one after
    assert not any((tmp_path / "idx" / name).exists() for name in first)
    assert [d.source for d in engine.documents()] == ["c.txt"]


def _segments(index_dir: Path) -> list[str]:
    manifest = json.loads((index_dir / MANIFEST).read_text("utf-8"))
    return [s["name"] for s in manifest["segments"]]
