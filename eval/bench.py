"""`rag bench`: quality (product vs a LangChain-tutorial baseline) and speed, in one table + JSON.

Quality runs on the dev set (bundled corpus) and on the CMRC 2018 trial set (each context its
own document). Retrieval uses every CMRC question; answers use a seeded sample of them (see
CMRC_ANSWER_SAMPLE) because the extractive answerer embeds candidate sentences per question.
Speed is measured by eval.speed (subprocesses), quality by eval.measure and eval.baseline; the
table is eval.report.format_bench.
"""

from __future__ import annotations

import json
import os
import sys
import time
from itertools import cycle, islice
from pathlib import Path
from typing import Any

from eval.baseline import BaselineIndex, evaluate_baseline
from eval.datasets import CMRC_TRIAL, DEV_SET, RUNS_DIR, load_cmrc, load_jsonl, sample
from eval.measure import run_eval
from eval.report import format_bench, new_run_dir, write_run
from eval.speed import (
    cold_start,
    machine_info,
    measure_index_build,
    serve_startup,
    serving_process,
    warm_latency,
)
from rag import Engine, RagError, Settings
from rag.errors import EXIT_OK, EXIT_USER

SEED = 2018
CMRC_ANSWER_SAMPLE = 200  # CMRC questions answered (all 1002 are used for retrieval)
WARM_QUESTIONS = 60  # per set, so 120 in all: dev questions (cycled), then CMRC questions
COLD_RUNS = 3
SERVE_QUESTIONS = 50
QUICK = {"dev": 12, "cmrc_paragraphs": 12, "cmrc_answers": 12, "warm": 10, "cold": 1, "serve": 5}


def _quality(
    product: dict[str, Any], base: dict[str, Any], n_questions: int, answered: int
) -> dict[str, Any]:
    fused = product["retrieval"]["fused"]
    answers = product.get("answers", {})
    return {
        "questions": n_questions,
        "answerable": product["answerable"],
        "answered_sample": answered,
        "product": {
            "recall@1": fused["recall@1"],
            "recall@5": fused["recall@5"],
            "mrr@10": fused["mrr@10"],
            "fact_in_answer": answers.get("fact_in_answer"),
            "answer_latency_p50_ms": answers.get("latency_ms", {}).get("p50"),
            "answer_chars_p50": answers.get("answer_chars_p50"),
            "citation_exact": answers.get("citation_exact"),
            "citation_support": answers.get("citation_support"),
            "citation_valid": answers.get("citation_valid"),
            "refusal": answers.get("refusal"),
            "by_mode": {
                m: {k: v for k, v in r.items() if k != "search_latency_ms"}
                for m, r in product["retrieval"].items()
            },
        },
        "baseline": {
            "recall@1": base["recall@1"],
            "recall@5": base["recall@5"],
            "mrr@10": base["mrr@10"],
            "fact_in_answer": base["fact_in_answer"],
            "answer_latency_p50_ms": base["latency_ms"]["p50"],
            "answer_chars_p50": base["answer_chars_p50"],
            "chunks": base["chunks"],
            "splitter": base["splitter"],
        },
        "failures": product["failure_counts"],
    }


def _log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run_bench(
    settings: Settings,
    *,
    quick: bool = False,
    runs_dir: Path = RUNS_DIR,
    cmrc_path: Path = CMRC_TRIAL,
    dev_path: Path = DEV_SET,
) -> dict[str, Any]:
    """Every measurement of `rag bench`; saves bench.json and the eval runs in a new folder."""
    started = time.perf_counter()
    folder = new_run_dir(runs_dir, prefix="bench-quick-" if quick else "bench-")
    load_start = os.getloadavg()
    dev_settings = settings.replace(index_dir=str(folder / "dev-index"))
    dev_all = load_jsonl(dev_path).questions
    dev_questions = list(dev_all)
    corpus = [settings.corpus_path]
    if quick:  # the smallest document and its questions are enough to smoke-test every path
        small = min(settings.corpus_path.glob("*.txt"), key=lambda p: p.stat().st_size)
        corpus = [small]
        ours = [q for q in dev_all if q.answerable and set(q.reference_sources) == {small.name}]
        dev_questions = ours[: QUICK["dev"] - 3] + [q for q in dev_all if not q.answerable][:3]

    _log(f"index build (bundled corpus) into {dev_settings.index_dir}")
    speed: dict[str, Any] = {}
    speed["index_build_corpus"] = measure_index_build(dev_settings, corpus, raw=True)

    stem = cmrc_path.stem + ("-quick" if quick else "")
    cmrc = load_cmrc(
        cmrc_path,
        runs_dir / "cmrc_docs" / stem,
        paragraphs=QUICK["cmrc_paragraphs"] if quick else None,
    )
    assert cmrc.docs_dir is not None
    cmrc_settings = settings.replace(index_dir=str(runs_dir / "cmrc_index" / stem))
    _log(f"index build (CMRC: {cmrc.documents} contexts, {cmrc.chars} chars)")
    # incremental: the CMRC index is rebuilt only when its contexts or settings changed
    speed["index_build_cmrc"] = measure_index_build(
        cmrc_settings, [cmrc.docs_dir], raw=False, rebuild=False
    )

    cache = runs_dir / "baseline_cache"
    dev_engine = Engine(dev_settings)
    dev_engine.warm_up()
    _log(f"dev quality: {len(dev_questions)} questions")
    dev_run = run_eval(dev_engine, dev_questions, name="dev")
    (folder / "dev").mkdir()
    write_run(folder / "dev", dev_run)
    _log("dev baseline")
    dev_base = evaluate_baseline(
        BaselineIndex(settings).build(corpus, cache_dir=cache), dev_questions
    )

    cmrc_engine = Engine(cmrc_settings)
    cmrc_engine.warm_up()
    n_answers = QUICK["cmrc_answers"] if quick else CMRC_ANSWER_SAMPLE
    answer_ids = {q.id for q in sample(cmrc.questions, n_answers, SEED)}
    _log(f"CMRC quality: {len(cmrc.questions)} questions, {len(answer_ids)} answered")
    cmrc_run = run_eval(cmrc_engine, cmrc.questions, name=cmrc.name, answer_ids=answer_ids)
    (folder / "cmrc").mkdir()
    write_run(folder / "cmrc", cmrc_run)
    _log("CMRC baseline")
    cmrc_base = evaluate_baseline(
        BaselineIndex(settings).build([cmrc.docs_dir], cache_dir=cache),
        cmrc.questions,
        answer_ids=answer_ids,
    )

    n_warm = QUICK["warm"] if quick else WARM_QUESTIONS
    _log(f"warm latency: {n_warm} dev + {n_warm} CMRC questions")
    warm_dev = warm_latency(dev_engine, dev_questions, n_warm)
    warm_cmrc = warm_latency(cmrc_engine, sample(cmrc.questions, n_warm, SEED + 1), n_warm)
    speed["warm_dev"] = warm_dev
    speed["warm_cmrc"] = warm_cmrc

    _log("cold start, serving process")
    first = next(q for q in dev_questions if q.answerable).user_input
    speed["cold_start_rag_ask"] = cold_start(
        dev_settings, first, QUICK["cold"] if quick else COLD_RUNS
    )
    n_serve = QUICK["serve"] if quick else SERVE_QUESTIONS
    served = [q.user_input for q in islice(cycle(dev_questions), n_serve)]
    speed["serving_process"] = serving_process(dev_settings, served)
    speed["serve_startup"] = serve_startup(dev_settings)

    return {
        "command": "rag bench" + (" --quick" if quick else ""),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": machine_info(),
        "load_average_start_end": [round(load_start[0], 2), round(os.getloadavg()[0], 2)],
        "settings": {
            "embedder": settings.embedder,
            "chunk_tokens": settings.chunk_tokens,
            "overlap_sentences": settings.overlap_sentences,
            "k": settings.k,
            "reranker": settings.reranker or None,
            "answer_mode": settings.answer_mode,
        },
        "quality": {
            "dev": _quality(dev_run.summary, dev_base, len(dev_questions), len(dev_questions)),
            "cmrc": _quality(cmrc_run.summary, cmrc_base, len(cmrc.questions), len(answer_ids))
            | {
                "contexts": cmrc.documents,
                "context_chars": cmrc.chars,
                "seed": SEED,
                "skipped_questions": list(cmrc.skipped),
            },
        },
        "speed": speed,
        "run_dir": str(folder),
        "total_seconds": round(time.perf_counter() - started, 1),
    }


def run_bench_cli(settings: Settings, *, as_json: bool = False, quick: bool = False) -> int:
    """`rag bench`: print the table (or JSON) and save bench.json under eval/runs/bench-*/."""
    if not CMRC_TRIAL.is_file():
        print(f"rag: error: {CMRC_TRIAL}: CMRC 2018 trial set not found", file=sys.stderr)
        return EXIT_USER
    try:
        result = run_bench(settings, quick=quick)
    except RagError as e:
        print(f"rag: error: {e}", file=sys.stderr)
        return EXIT_USER
    Path(result["run_dir"], "bench.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(json.dumps(result, ensure_ascii=False, indent=2) if as_json else format_bench(result))
    return EXIT_OK
