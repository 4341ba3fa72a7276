"""Reporting: the tables `rag eval` and `rag bench` print, and the run folders they save."""

from __future__ import annotations

import json
import time
import unicodedata
from pathlib import Path
from typing import Any

from eval.measure import EvalResult


def _fmt(v: Any, digits: int = 3) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def format_table(summary: dict[str, Any]) -> str:
    """The human-readable report of one run_eval summary."""
    ix = summary["index"]
    lines = [
        f"question set: {summary['set']} ({summary['questions']} questions: "
        f"{summary['answerable']} answerable, {summary['unanswerable']} unanswerable)",
        f"index: {ix['dir']} ({ix['documents']} documents, {ix['chunks']} chunks, "
        f"embedder {ix['embedder']})",
        "",
        f"{'retrieval':<10}{'recall@1':>10}{'recall@5':>10}{'MRR@10':>10}{'p50 ms':>10}",
    ]
    for mode, r in summary["retrieval"].items():
        lines.append(
            f"{mode:<10}{_fmt(r['recall@1']):>10}{_fmt(r['recall@5']):>10}"
            f"{_fmt(r.get('mrr@10')):>10}{_fmt(r['search_latency_ms']['p50'], 1):>10}"
        )
    a = summary.get("answers")
    if a:
        ref = a["refusal"]
        lat = a["latency_ms"]
        lines += [
            "",
            f"answers ({a['asked']} asked, {a['answerable_asked']} answerable)",
            f"  answer contains fact   {_fmt(a['fact_in_answer'])}",
            f"  citation validity      {_fmt(a['citation_valid'])}",
            f"  citation support       {_fmt(a['citation_support'])}",
            f"  citation exactness     {_fmt(a['citation_exact'])} ({a['citations']} citations)",
            f"  unanswerable refused   {ref['unanswerable_refused']}/{ref['unanswerable']} "
            f"(precision {_fmt(ref['precision'])}, recall {_fmt(ref['recall'])})",
            f"  answerable refused     {ref['answerable_refused']}",
            f"  answer length p50      {_fmt(a['answer_chars_p50'], 0)} chars",
            f"  latency ms             p50 {_fmt(lat['p50'], 1)}  p95 {_fmt(lat['p95'], 1)}",
        ]
    lines.append("")
    for key, ids in summary["failures"].items():
        if ids:
            lines.append(f"{key} ({summary['failure_counts'][key]}): {' '.join(ids)}")
    if summary["gold_not_in_any_chunk"]:
        lines.append(f"gold quote in no chunk: {' '.join(summary['gold_not_in_any_chunk'])}")
    if summary["errors"]:
        lines.append(f"errors ({summary['errors']}): {' '.join(summary['error_ids'])}")
    return "\n".join(lines)


def new_run_dir(runs_dir: Path, prefix: str = "") -> Path:
    """A fresh eval/runs/<prefix><timestamp>/ folder."""
    stamp = prefix + time.strftime("%Y%m%d-%H%M%S")
    for n in range(100):
        folder = runs_dir / (stamp if n == 0 else f"{stamp}-{n}")
        try:
            folder.mkdir(parents=True)
            return folder
        except FileExistsError:
            continue
    raise RuntimeError(f"cannot create a run folder under {runs_dir}")


def write_run(folder: Path, result: EvalResult) -> None:
    """summary.json and questions.jsonl (one record per question) in folder (made if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(
        json.dumps(result.summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    with (folder / "questions.jsonl").open("w", encoding="utf-8") as f:
        for rec in result.records:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")


def format_bench(b: dict[str, Any]) -> str:
    """The one table `rag bench` prints."""
    m = b["machine"]
    dev, cm = b["quality"]["dev"], b["quality"]["cmrc"]
    lines = [
        f"{b['command']} | {b['date']} | {m['cpus']} CPUs ({m['cpu_model']}), no GPU | "
        f"embedder {b['settings']['embedder']} | load avg {b['load_average_start_end']}",
        "",
        f"{'quality':<26}{'dev product':>13}{'dev baseline':>14}"
        f"{'CMRC product':>14}{'CMRC baseline':>15}",
    ]
    rows = [
        ("recall@1", "recall@1", 3),
        ("recall@5", "recall@5", 3),
        ("MRR@10", "mrr@10", 3),
        ("answer contains fact", "fact_in_answer", 3),
        ("answer length p50 chars", "answer_chars_p50", 0),
        ("answer latency p50 ms", "answer_latency_p50_ms", 1),
    ]
    for label, key, d in rows:
        lines.append(
            f"{label:<26}{_fmt(dev['product'][key], d):>13}{_fmt(dev['baseline'][key], d):>14}"
            f"{_fmt(cm['product'][key], d):>14}{_fmt(cm['baseline'][key], d):>15}"
        )
    for label, key in (("citation exactness", "citation_exact"),
                       ("citation support", "citation_support")):  # fmt: skip
        lines.append(f"{label:<26}{_fmt(dev['product'][key]):>13}{'n/a':>14}"
                     f"{_fmt(cm['product'][key]):>14}{'n/a':>15}")  # fmt: skip
    ref = dev["product"]["refusal"] or {}
    lines += [
        f"{'unanswerable refused':<26}{ref.get('unanswerable_refused')}/{ref.get('unanswerable')}"
        f" (baseline never refuses); answerable refused: {ref.get('answerable_refused')}",
        f"questions: dev {dev['questions']} ({dev['answerable']} answerable); CMRC "
        f"{cm['questions']} for retrieval ({len(cm['skipped_questions'])} empty skipped), "
        f"{cm['answered_sample']} sampled (seed {cm['seed']}) for answers; "
        f"{cm['contexts']} contexts, {cm['context_chars']} chars",
        f"baseline: {dev['baseline']['splitter']}, chunk_size 500, overlap 50, dense only, "
        "top chunk as the answer",
        "",
        "speed",
    ]
    s = b["speed"]
    for key, label in (("index_build_corpus", "index build, corpus"),
                       ("index_build_cmrc", "index build, CMRC")):  # fmt: skip
        ib = s[key]
        if not ib["chars_embedded"]:
            lines.append(
                f"  {label}: {ib['documents']} docs, {ib['chunks']} chunks, already indexed "
                f"(reused; build speed not measured); peak RSS {ib['peak_rss_mb']:.0f} MB"
            )
            continue
        line = (
            f"  {label}: {ib['documents']} docs, {ib['chunks_embedded']} chunks, "
            f"{ib['chars_embedded']} chars in {ib['build_seconds']:.1f} s = "
            f"{ib['chars_per_s']:.0f} chars/s, {ib['chunks_per_s']:.2f} chunks/s; "
            f"peak RSS {ib['peak_rss_mb']:.0f} MB"
        )
        if "raw_embed_chars_per_s" in ib:
            line += (
                f"\n    embedder alone on the same texts: {ib['raw_embed_chars_per_s']:.0f} "
                f"chars/s; pipeline overhead {ib['pipeline_overhead_pct']:.1f}% "
                f"(model + jieba load {ib['model_load_seconds']:.1f} s, not counted)"
            )
        lines.append(line)
    for key, label in (("warm_dev", "dev"), ("warm_cmrc", "CMRC")):
        w = s[key]
        lines.append(
            f"  warm {label} ({w['search_ms']['n']} q): search p50 {_fmt(w['search_ms']['p50'], 1)}"
            f" / p95 {_fmt(w['search_ms']['p95'], 1)} ms; ask p50 {_fmt(w['ask_ms']['p50'], 1)} / "
            f"p95 {_fmt(w['ask_ms']['p95'], 1)} ms"
        )
    c = s["cold_start_rag_ask"]
    lines.append(
        f"  cold start `rag ask` (process start to answer): median {c['median_seconds']:.2f} s "
        f"of {c['runs']}; peak RSS {c['peak_rss_mb']:.0f} MB"
    )
    sp = s["serving_process"]
    lines.append(
        f"  serving process (`{sp['command']}`, {sp['questions']} questions): "
        f"{sp['seconds']:.1f} s, peak RSS {sp['peak_rss_mb']:.0f} MB"
    )
    ss = s["serve_startup"]
    lines.append(
        f"  `rag serve` startup: {ss['seconds_to_first_page']:.1f} s to first page, peak RSS "
        f"{ss['peak_rss_mb']:.0f} MB"
        if "error" not in ss
        else f"  `rag serve` startup: not measured ({ss['error'][:200]})"
    )
    lines += ["", f"saved {b['run_dir']}/bench.json ({b['total_seconds']:.0f} s in all)"]
    return "\n".join(lines)


def _width(text: str) -> int:
    """Terminal columns of text (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _rjust(text: str, width: int) -> str:
    return " " * max(0, width - _width(text)) + text


def _ratio(part: int | None, whole: int | None) -> float | None:
    return part / whole if part is not None and whole else None


def suite_row(summary: dict[str, Any]) -> dict[str, Any]:
    """The table's metrics of one set's summary (dev-style or passage benchmark)."""
    fused = summary.get("retrieval", {}).get("fused", {})
    a = summary.get("answers", {})
    ref = a.get("refusal", {})
    answerable = a.get("answerable_asked")
    outcomes = a.get("model_outcomes") or {}
    return {
        "questions": summary.get("questions"),
        "recall@5": fused.get("recall@5"),
        "mrr@10": fused.get("mrr@10"),
        "gold_in_answer": a.get("gold_in_answer", a.get("fact_in_answer")),
        "refused_unanswerable": _ratio(ref.get("unanswerable_refused"), ref.get("unanswerable")),
        "false_refusals": _ratio(ref.get("answerable_refused"), answerable),
        "citation_exact": a.get("citation_exact"),
        "citation_valid": a.get("citation_valid"),
        "citation_support": a.get("citation_support"),
        "answer_p50_ms": a.get("latency_ms", {}).get("p50"),
        "answer_p95_ms": a.get("latency_ms", {}).get("p95"),
        # llm mode: share of the questions asked whose shown answer the model wrote
        "model_answered": _ratio(outcomes.get("answered"), a.get("asked")) if outcomes else None,
    }


SUITE_ROWS = (
    ("questions", "questions", 0),
    ("recall@5", "recall@5", 3),
    ("MRR@10", "mrr@10", 3),
    ("answer contains gold", "gold_in_answer", 3),
    ("refused when unanswerable", "refused_unanswerable", 3),
    ("false refusals", "false_refusals", 3),
    ("citation exactness", "citation_exact", 3),
    ("answer p50 ms", "answer_p50_ms", 0),
    ("answer p95 ms", "answer_p95_ms", 0),
    ("citation validity", "citation_valid", 3),
    ("citation support", "citation_support", 3),
    ("answer written by model", "model_answered", 3),
)


def format_suite(summaries: dict[str, dict[str, Any]], labels: dict[str, str]) -> str:
    """One table: rows = metrics, columns = question sets (labels: set name -> heading)."""
    rows = {name: suite_row(s) for name, s in summaries.items()}
    col = max([13, *(_width(labels.get(n, n)) + 2 for n in rows)])
    lines = ["".ljust(26) + "".join(_rjust(labels.get(n, n), col) for n in rows)]
    for label, key, digits in SUITE_ROWS:
        cells = "".join(_rjust(_fmt(r[key], digits), col) for r in rows.values())
        lines.append(f"{label:<26}{cells}")
    lines.append("")
    for name, s in summaries.items():
        ref = s.get("answers", {}).get("refusal", {})
        counts = {k: v for k, v in s.get("failure_counts", {}).items() if v}
        lines.append(
            f"{labels.get(name, name)}: refused {ref.get('unanswerable_refused', 0)}/"
            f"{ref.get('unanswerable', 0)} unanswerable, {ref.get('answerable_refused', 0)}/"
            f"{s.get('answers', {}).get('answerable_asked', 0)} answerable; misses "
            + (", ".join(f"{k} {v}" for k, v in counts.items()) or "none")
            + (f"; {s['errors']} errors" if s.get("errors") else "")
        )
        outcomes = s.get("answers", {}).get("model_outcomes")
        if outcomes:
            lines.append(
                f"  model: {outcomes['answered']} answered, {outcomes['not_found']} said not "
                f"found and {outcomes['rejected']} rejected (extractive shown), "
                f"{outcomes['not_asked']} refused before the model ran"
            )
    return "\n".join(lines)
