"""The scale benchmark (eval/scale.py) end to end on a small size: every number it reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval import scale

pytestmark = pytest.mark.slow  # builds indexes in subprocesses (~1 min)


@pytest.mark.skipif(not all(p.is_file() for p in scale.SOURCES), reason="benchmarks not present")
def test_scale_benchmark_reports_build_load_search_and_add(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    code = scale.main(
        ["--sizes", "600", "--queries", "5", "--out", str(out), "--ann-min-chunks", "500"]
    )
    assert code == 0
    (row,) = json.loads((out / "scale.json").read_text("utf-8"))
    assert row["size"] == row["chunks_loaded"] == 600 and row["documents"] == 30
    assert row["build_seconds"] > 0 and row["disk_mb"] > 0 and row["build_peak_rss_mb"] > 0
    for mode in ("analysis", *scale.MODES):
        assert 0 < row[f"{mode}_ms"]["p50"] <= row[f"{mode}_ms"]["p95"]
    assert row["add_one_file_added"] == 1 and row["add_one_file_seconds"] > 0
    (ann,) = row["ann"]  # 600 chunks >= 500: one IVF segment with its measured recall
    assert ann["kind"] == "ivf_sq8" and ann["recall_at_10"] >= 0.98
    assert row["vectors"] == "hash" and 0.9 <= row["dense_recall_at_10"] <= 1.0
    assert "| 600 |" in capsys.readouterr().out
    assert not (out / "index-600").exists()  # removed without --keep
