"""`rag eval`: run question sets through an Engine, print the table, save the run.

Thin on purpose: eval.indexes builds the indexes, eval.measure asks and scores, eval.report prints
and saves.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.datasets import RUNS_DIR
from eval.indexes import corpus_engine, prepare
from eval.measure import MODES, EvalResult, run_eval, summarise
from eval.report import format_suite, format_table, new_run_dir, suite_row, write_run
from eval.suite import SETS, pick_sets, run_set
from rag import Engine, RagError, Settings
from rag.errors import EXIT_BUG, EXIT_OK, EXIT_USER
from rag.progress import progress_bar

__all__ = ["MODES", "EvalResult", "run_eval", "run_eval_cli", "summarise"]


def run_eval_cli(
    settings: Settings,
    *,
    qa: str | None = None,
    as_json: bool = False,
    limit: int | None = None,
    runs_dir: Path = RUNS_DIR,
    sets: str | Sequence[str] | None = None,
    answer_modes: Sequence[str] = (),
) -> int:
    """`rag eval`: print the table (or JSON), save the run; non-zero only on errors.

    With qa, that one question set (JSONL or CMRC JSON) and its detailed table; without, the
    sets of eval.suite (all, or those named in sets) side by side in one table. answer_modes:
    the answerers to measure over the same questions (empty: the answer_mode setting).
    """
    if limit is not None and limit < 1:
        print("rag: error: --limit must be at least 1", file=sys.stderr)
        return EXIT_USER
    if qa is None:
        return run_suite_cli(
            settings,
            sets=sets,
            as_json=as_json,
            limit=limit,
            runs_dir=runs_dir,
            answer_modes=answer_modes,
        )
    if len(answer_modes) > 1:
        print("rag: error: --answer-mode both needs the suite (leave out --qa)", file=sys.stderr)
        return EXIT_USER
    if answer_modes:
        settings = settings.replace(answer_mode=answer_modes[0])
    try:
        qset, settings = prepare(settings, qa, runs_dir)
        engine = Engine(settings)
        questions = list(qset.questions[:limit])
        result = run_eval(engine, questions, name=qset.name, progress=progress_bar(unit="q"))
    except RagError as e:
        print(f"rag: error: {e}", file=sys.stderr)
        return EXIT_USER
    result.summary["qa"] = qset.path
    result.summary["skipped_questions"] = list(qset.skipped)
    folder = new_run_dir(runs_dir)
    result.summary["run_dir"] = str(folder)
    write_run(folder, result)
    if as_json:
        print(json.dumps(result.summary, ensure_ascii=False, indent=2))
    else:
        print(format_table(result.summary))
        if qset.skipped:
            print(f"skipped (empty question or answer): {' '.join(qset.skipped)}")
        print(f"\nsaved {folder / 'summary.json'} and {folder / 'questions.jsonl'}")
    if result.summary["errors"]:
        first = next(r for r in result.records if "error" in r)
        print(
            f"rag: {result.summary['errors']} question(s) failed; first: {first['id']}: "
            f"{first['error']}",
            file=sys.stderr,
        )
        return EXIT_BUG
    return EXIT_OK


def run_suite_cli(
    settings: Settings,
    *,
    sets: str | Sequence[str] | None = None,
    as_json: bool = False,
    limit: int | None = None,
    runs_dir: Path = RUNS_DIR,
    answer_modes: Sequence[str] = (),
) -> int:
    """The eval.suite sets in one table; each set's run saved under eval/runs/<stamp>/<set>/.

    With several answer modes, each set has one column per mode ("dev extractive", "dev llm"),
    saved under <set>.<mode>/, all from the same index and questions.
    """
    try:
        specs = pick_sets(sets)
    except RagError as e:
        print(f"rag: error: {e}", file=sys.stderr)
        return EXIT_USER
    started = time.perf_counter()
    summaries: dict[str, dict[str, Any]] = {}
    skipped: dict[str, str] = {}
    engine: Engine | None = None
    folder: Path | None = None
    errors = 0
    labels: dict[str, str] = {}
    for spec in specs:
        if not spec.path.is_file():
            skipped[spec.name] = f"{spec.path} not found"
            continue
        try:
            if engine is None and not spec.passages:
                engine = corpus_engine(settings)
            results = run_set(
                spec,
                settings,
                limit=limit,
                runs_dir=runs_dir,
                engine=engine,
                progress=progress_bar(unit="q"),
                answer_modes=answer_modes,
            )
        except RagError as e:
            print(f"rag: error: {e}", file=sys.stderr)
            return EXIT_USER
        folder = folder or new_run_dir(runs_dir, prefix="suite-")
        for mode, result in results.items():
            key, label = spec.name, spec.label
            if len(results) > 1:
                key, label = f"{spec.name}.{mode}", f"{spec.label} {mode}"
            write_run(folder / key, result)
            summaries[key] = result.summary
            labels[key] = label
            errors += result.summary["errors"]
    labels |= {s.name: s.label for s in SETS if s.name not in labels}
    shown_mode = "both" if len(answer_modes) > 1 else "".join(answer_modes)
    report = {
        "command": "rag eval" + (f" --answer-mode {shown_mode}" if answer_modes else ""),
        "settings": {
            "answer_modes": list(answer_modes) or [settings.answer_mode],
            "llm_backend": settings.llm_backend,
            "llm_model": Path(settings.llm_gguf).name
            if settings.llm_backend == "llamacpp"
            else settings.llm_model,
            "llm_threads": settings.llm_threads,
        },
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "seconds": round(time.perf_counter() - started, 1),
        "embedder": settings.embedder,
        "table": {name: suite_row(s) for name, s in summaries.items()},
        "sets": summaries,
        "skipped_sets": skipped,
        "run_dir": str(folder) if folder else None,
    }
    if folder:
        (folder / "suite.json").write_text(
            json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(format_suite(summaries, labels))
        for name, why in skipped.items():
            print(f"{labels.get(name, name)}: not run ({why})")
        if folder:
            print(f"\nsaved {folder}/suite.json and one folder per set ({report['seconds']:.0f} s)")
    if errors:
        print(f"rag: {errors} question(s) failed; see the sets' questions.jsonl", file=sys.stderr)
        return EXIT_BUG
    return EXIT_OK
