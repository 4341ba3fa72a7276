"""The scale benchmark (eval/scale.py) end to end on a small size: every number it reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval import scale

SLOW = pytest.mark.slow  # builds indexes in subprocesses (~1 min)


@SLOW
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


@SLOW
@pytest.mark.skipif(not all(p.is_file() for p in scale.SOURCES), reason="benchmarks not present")
def test_rounds_interleave_sizes_and_report_the_median_of_each_latency(tmp_path: Path) -> None:
    out = tmp_path / "run"
    argv = ["--sizes", "300,400", "--queries", "3", "--out", str(out), "--rounds", "3"]
    assert scale.main(argv) == 0
    rows = json.loads((out / "scale.json").read_text("utf-8"))
    assert [r["size"] for r in rows] == [300, 400] and all(r["rounds"] == 3 for r in rows)
    for row in rows:
        p50s = row["fused_ms_p50_rounds"]
        assert len(p50s) == 3 and row["fused_ms"]["p50"] == sorted(p50s)[1]
        # only the last round adds a file: the earlier ones searched the index as built
        assert row["add_one_file_added"] == 1 and row["chunks_loaded"] == row["size"]
    assert not (out / "index-300").exists()


def test_median_of_rounds_takes_each_latency_apart() -> None:
    runs = [
        {"size": 10, "fused_ms": {"p50": p50, "p95": p95}, "add_one_file_seconds": add}
        for p50, p95, add in [(3.0, 9.0, None), (1.0, 7.0, None), (2.0, 8.0, 0.5)]
    ]
    row = scale._median_of_rounds(runs)
    assert row["fused_ms"] == {"p50": 2.0, "p95": 8.0} and row["fused_ms_p50_rounds"] == [3, 1, 2]
    assert row["add_one_file_seconds"] == 0.5 and row["rounds"] == 3
