"""The question sets `rag eval` runs side by side, and how each one is prepared and measured.

dev, near_miss, dev_hant, dev_en and fresh are JSONL sets over the configured corpus index;
other_docs is a JSONL set over documents of its own (eval/other_docs, indexed apart). cmrc and
drcd are SQuAD-style benchmarks: each context paragraph is its own document in the benchmark's
own cached index (eval/runs/passages/<name>/index-<embedder>), and a seeded sample of questions is
asked twice (eval.measure.passage_record): with its passage plus same-topic ones (should answer)
and with the same-topic ones alone (should refuse).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from eval.datasets import (
    CMRC_TRIAL,
    DEV_SET,
    DRCD_DEV,
    EVAL_DIR,
    RUNS_DIR,
    DatasetError,
    load_jsonl,
    load_passages,
    sample,
)
from eval.indexes import corpus_engine, set_index
from eval.measure import EvalResult, run_eval_answerers, run_passage_eval
from rag import Engine, Settings
from rag.progress import ProgressCallback

SEED = 2018
PASSAGE_QUESTIONS = 300  # questions sampled per benchmark (--limit changes it)


@dataclass(frozen=True, slots=True)
class SetSpec:
    """One column of the `rag eval` table."""

    name: str
    label: str
    path: Path
    passages: bool = False  # a SQuAD-style benchmark (else a JSONL set over the corpus)
    # benchmark paragraphs indexed: whole articles in seeded order up to this many (None: all);
    # fixed, not tied to --limit, so the cached index stays the same between runs
    max_paragraphs: int | None = None
    # a JSONL set about documents of its own (not the corpus): indexed apart, like a benchmark
    docs: Path | None = None


SETS = (
    SetSpec("dev", "dev", DEV_SET),
    SetSpec("near_miss", "near-miss", EVAL_DIR / "near_miss.jsonl"),
    SetSpec("dev_hant", "dev 繁體", EVAL_DIR / "dev_hant.jsonl"),
    SetSpec("dev_en", "dev English", EVAL_DIR / "dev_en.jsonl"),
    # questions written after the dev set by people who had not read it (see eval/README.md)
    SetSpec("fresh", "fresh", EVAL_DIR / "fresh.jsonl"),
    # other people's documents: shapes the corpus lacks (a Taiwan notice, a work plan with
    # 牵头单位 notes, a portal page), questions written without seeing the code (eval/README.md)
    SetSpec(
        "other_docs", "other docs", EVAL_DIR / "other_docs.jsonl", docs=EVAL_DIR / "other_docs"
    ),
    SetSpec("cmrc", "CMRC", CMRC_TRIAL, passages=True),
    # DRCD dev has 1000 paragraphs (449k characters); 300 keep the first build to ~5 minutes
    SetSpec("drcd", "DRCD", DRCD_DEV, passages=True, max_paragraphs=300),
)
SET_NAMES = tuple(s.name for s in SETS)


def pick_sets(names: str | Sequence[str] | None) -> list[SetSpec]:
    """The specs named (comma-separated or a list; None or empty: all), in table order."""
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    if not names:
        return list(SETS)
    unknown = [n for n in names if n not in SET_NAMES]
    if unknown:
        raise DatasetError(
            f"unknown question set(s) {', '.join(unknown)}: choose from {', '.join(SET_NAMES)}"
        )
    return [s for s in SETS if s.name in names]


def run_set(
    spec: SetSpec,
    settings: Settings,
    *,
    limit: int | None = None,
    runs_dir: Path = RUNS_DIR,
    engine: Engine | None = None,
    progress: ProgressCallback | None = None,
    answer_modes: Sequence[str] = (),
) -> dict[str, EvalResult]:
    """Prepare one set's index and measure it with each answer mode (none given: the setting).

    limit: first N (JSONL) or a sample of N. A JSONL set is searched once and asked once per
    answer mode; the results are keyed by answer mode.
    """
    if not spec.path.is_file():
        raise DatasetError(f"{spec.path}: question set {spec.name!r} not found")
    answer_modes = tuple(answer_modes) or (settings.answer_mode,)
    if not spec.passages:
        qset = load_jsonl(spec.path)
        if spec.docs is not None:
            engine = Engine(set_index(settings, spec.name, spec.docs, runs_dir / spec.name))
        engine = engine or corpus_engine(settings)
        results = run_eval_answerers(
            engine, qset.questions[:limit], answer_modes, name=spec.name, progress=progress
        )
        for result in results.values():
            result.summary["qa"] = qset.path
        return results
    folder = runs_dir / "passages" / spec.name
    pset = load_passages(spec.path, folder / "docs", max_paragraphs=spec.max_paragraphs, seed=SEED)
    own = set_index(settings, spec.name, pset.docs_dir, folder)
    questions = sample(pset.questions, limit or PASSAGE_QUESTIONS, SEED)
    passage_engine = Engine(own)
    results = {}
    for mode in answer_modes:
        result = run_passage_eval(
            passage_engine, pset, questions, progress=progress, answer_mode=mode
        )
        result.summary["set"] = spec.name
        result.summary["seed"] = SEED
        result.summary["sampled_from"] = len(pset.questions)
        results[mode] = result
    return results
