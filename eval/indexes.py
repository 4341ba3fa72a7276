"""Index building for evaluation: the corpus index when missing, and cached per-set indexes."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from eval.datasets import (
    DEV_SET,
    RUNS_DIR,
    DatasetError,
    QuestionSet,
    is_cmrc,
    load_cmrc,
    load_jsonl,
)
from rag import Engine, IndexMismatchError, Settings, build_index
from rag.progress import progress_bar


def has_index(settings: Settings) -> bool:
    """Whether settings.index_dir holds an index (of any settings)."""
    return (Path(settings.index_dir) / "manifest.json").is_file()


def ensure_index(settings: Settings, paths: Sequence[str | Path], *, own: bool) -> None:
    """Build the index when it is missing; an index the harness owns is also kept in step."""
    if has_index(settings) and not own:
        return
    # an existing index is brought in step incrementally: only changed files are re-embedded
    verb = "updating" if has_index(settings) else "indexing"
    where = f"{', '.join(map(str, paths))} into {settings.index_dir}"
    print(f"{verb} {where} (only new or changed files are embedded) ...", file=sys.stderr)
    try:
        build_index(paths, settings, progress=progress_bar())
    except IndexMismatchError:
        if not own:
            raise
        # built earlier with other settings
        build_index(paths, settings, rebuild=True, progress=progress_bar())


def set_index(settings: Settings, name: str, docs_dir: str | Path, runs_dir: Path) -> Settings:
    """The settings of a set's own index of docs_dir (runs_dir/<name>_index/<embedder>), built.

    Incremental by content hash: a second run reuses it. The embedder is part of the folder
    name so that test runs with the hash embedder never rebuild the real one.
    """
    folder = runs_dir / f"{name}_index" / _safe(settings.embedder)
    own = settings.replace(index_dir=str(folder))
    ensure_index(own, [docs_dir], own=True)
    return own


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)


def prepare(
    settings: Settings, qa: str | Path | None, runs_dir: Path = RUNS_DIR
) -> tuple[QuestionSet, Settings]:
    """Load the question set and the settings of the index it is asked against (built if missing).

    JSONL sets run against settings.index_dir (built from the corpus when missing). A CMRC file
    gets its own index of its contexts in runs_dir/cmrc_index/<name>, same settings otherwise.
    """
    path = Path(qa) if qa else DEV_SET
    if not path.is_file():
        raise DatasetError(f"{path}: no such question set (give a .jsonl set or a CMRC .json)")
    if is_cmrc(path):
        qset = load_cmrc(path, runs_dir / "cmrc_docs" / path.stem)
        assert qset.docs_dir is not None
        settings = settings.replace(index_dir=str(runs_dir / "cmrc_index" / path.stem))
        ensure_index(settings, [qset.docs_dir], own=True)
    else:
        qset = load_jsonl(path)
        ensure_index(settings, [settings.corpus_path], own=False)
    return qset, settings


def corpus_engine(settings: Settings) -> Engine:
    """An Engine over settings.index_dir, built from the configured corpus when missing."""
    ensure_index(settings, [settings.corpus_path], own=False)
    return Engine(settings)
