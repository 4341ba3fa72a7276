"""`rag eval`: run question sets through an Engine, print the table, save the run.

Thin on purpose: eval.indexes builds the indexes, eval.measure asks and scores, eval.report prints
and saves.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from eval.datasets import RUNS_DIR
from eval.indexes import prepare
from eval.measure import MODES, EvalResult, run_eval, summarise
from eval.report import format_table, new_run_dir, write_run
from rag.config import Settings
from rag.errors import EXIT_BUG, EXIT_OK, EXIT_USER, RagError
from rag.pipeline import Engine
from rag.progress import progress_bar

__all__ = ["MODES", "EvalResult", "run_eval", "run_eval_cli", "summarise"]


def run_eval_cli(
    settings: Settings,
    *,
    qa: str | None = None,
    as_json: bool = False,
    limit: int | None = None,
    runs_dir: Path = RUNS_DIR,
) -> int:
    """`rag eval`: print the table (or JSON), save the run; non-zero only on errors."""
    if limit is not None and limit < 1:
        print("rag: error: --limit must be at least 1", file=sys.stderr)
        return EXIT_USER
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
