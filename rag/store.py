"""The index folder: FAISS + chunk table + document table + BM25 tokens + manifest.

Layout: index_dir/manifest.json names the current generation folder (gen-NNNNNN/) holding the
data. A new generation is written completely before the manifest is atomically replaced, so a
crash or Ctrl-C mid-write leaves the previous index intact. Old generations are then removed.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rag.bm25 import BM25
from rag.errors import IndexMismatchError, IndexMissingError
from rag.lexical import pinyin_terms
from rag.types import Chunk, Document

FORMAT = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads"


def line_starts(raw_text: str) -> tuple[int, ...]:
    """Offset of the start of each line of raw_text."""
    starts = [0]
    find = raw_text.find
    pos = find("\n")
    while pos != -1:
        starts.append(pos + 1)
        pos = find("\n", pos + 1)
    return tuple(starts)


@dataclass(frozen=True, slots=True)
class IndexParams:
    """The settings an index is built with; opening it with other values is an error."""

    embedder: str
    dim: int
    chunk_tokens: int
    overlap_sentences: int


@dataclass(eq=False)
class StoredIndex:
    params: IndexParams
    documents: dict[str, Document]  # by doc_id
    chunks: list[Chunk]
    vectors: np.ndarray  # (n, dim) float32, row i = chunks[i]
    tokens: list[list[str]]  # BM25 tokens, row i = chunks[i]
    files: dict[str, str] = field(default_factory=dict)  # path -> content hash
    _faiss: Any = None
    _bm25: BM25 | None = None
    _pinyin_map: dict[str, str] | None = None

    @property
    def faiss_index(self) -> Any:
        if self._faiss is None:
            import faiss

            index = faiss.IndexFlatIP(self.params.dim)
            if len(self.vectors):
                index.add(np.ascontiguousarray(self.vectors, dtype=np.float32))
            self._faiss = index
        return self._faiss

    @property
    def bm25(self) -> BM25:
        if self._bm25 is None:
            self._bm25 = BM25(self.tokens)
        return self._bm25

    @property
    def pinyin_map(self) -> dict[str, str]:
        """Pinyin -> indexed Chinese term, for English questions that name places in pinyin."""
        if self._pinyin_map is None:
            self._pinyin_map = pinyin_terms(self.bm25.doc_freq)
        return self._pinyin_map

    def chunks_of(self, doc_id: str) -> list[int]:
        return [i for i, c in enumerate(self.chunks) if c.doc_id == doc_id]


def _doc_to_json(doc: Document) -> dict[str, Any]:
    d = asdict(doc)
    d.pop("raw_line_starts")  # recomputed from raw_text on load
    d["spans"] = [list(s) for s in doc.spans]
    d["page_starts"] = list(doc.page_starts)
    return d


def _doc_from_json(d: dict[str, Any]) -> Document:
    d["spans"] = tuple(tuple(s) for s in d["spans"])
    d["page_starts"] = tuple(d["page_starts"])
    return Document(raw_line_starts=line_starts(d["raw_text"]), **d)


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_manifest(index_dir: str | Path) -> dict[str, Any] | None:
    path = Path(index_dir) / MANIFEST
    if not path.is_file():
        return None
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as e:
        raise IndexMismatchError(
            f"{path} is unreadable ({e}): run `rag index --rebuild --index-dir {index_dir}`"
        ) from None


def check_params(index_dir: str | Path, built: IndexParams, wanted: IndexParams) -> None:
    """Raise when an index was built with settings other than the ones asked for."""
    for name in ("embedder", "chunk_tokens", "overlap_sentences"):
        b, w = getattr(built, name), getattr(wanted, name)
        if b != w:
            raise IndexMismatchError(
                f"index at {index_dir} was built with {name}={b!r}, settings ask for {w!r}: "
                f"run `rag index --rebuild --index-dir {index_dir}` (or set {name} back)"
            )


def save_index(index_dir: str | Path, index: StoredIndex, version: str) -> None:
    """Write index as a new generation and switch the manifest to it atomically."""
    root = Path(index_dir)
    root.mkdir(parents=True, exist_ok=True)
    gen = f"gen-{time.time_ns():x}"
    tmp = root / f".{gen}.tmp"
    tmp.mkdir()
    try:
        _write_jsonl(tmp / "documents.jsonl", [_doc_to_json(d) for d in index.documents.values()])
        _write_jsonl(tmp / "chunks.jsonl", [asdict(c) for c in index.chunks])
        np.save(tmp / "vectors.npy", np.asarray(index.vectors, dtype=np.float32))
        (tmp / "lexical.json").write_text(
            json.dumps({"tokens": index.tokens}, ensure_ascii=False), encoding="utf-8"
        )
        import faiss

        faiss.write_index(index.faiss_index, str(tmp / "faiss.index"))
        for f in tmp.iterdir():
            with f.open("rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, root / gen)
        manifest = {
            "format": FORMAT,
            "generation": gen,
            "params": asdict(index.params),
            "version": version,
            "files": index.files,
            "documents": len(index.documents),
            "chunks": len(index.chunks),
            "written_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        tmp_manifest = root / f".{MANIFEST}.tmp"
        tmp_manifest.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
        os.replace(tmp_manifest, root / MANIFEST)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    # Only now is the old generation unreferenced.
    for child in root.iterdir():
        if child.name.startswith((".gen-", "gen-")) and child.name != gen:
            shutil.rmtree(child, ignore_errors=True)


def load_index(index_dir: str | Path) -> StoredIndex:
    """Open the index folder; a clear error when there is none or it is damaged."""
    root = Path(index_dir)
    manifest = read_manifest(root)
    if manifest is None:
        raise IndexMissingError(f"no index at {root}: run `rag index` first (or pass --index-dir)")
    if manifest.get("format") != FORMAT:
        raise IndexMismatchError(
            f"index at {root} has format {manifest.get('format')}, this version reads {FORMAT}: "
            f"run `rag index --rebuild --index-dir {root}`"
        )
    gen = root / manifest["generation"]
    try:
        docs = [_doc_from_json(d) for d in _read_jsonl(gen / "documents.jsonl")]
        chunks = [Chunk(**c) for c in _read_jsonl(gen / "chunks.jsonl")]
        vectors = np.load(gen / "vectors.npy")
        tokens = json.loads((gen / "lexical.json").read_text(encoding="utf-8"))["tokens"]
        import faiss

        faiss_index = faiss.read_index(str(gen / "faiss.index"))
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as e:
        raise IndexMismatchError(
            f"index at {root} is damaged ({e}): run `rag index --rebuild --index-dir {root}`"
        ) from None
    if not (len(chunks) == len(vectors) == len(tokens) == faiss_index.ntotal):
        raise IndexMismatchError(
            f"index at {root} is inconsistent: run `rag index --rebuild --index-dir {root}`"
        )
    return StoredIndex(
        params=IndexParams(**manifest["params"]),
        documents={d.doc_id: d for d in docs},
        chunks=chunks,
        vectors=vectors,
        tokens=tokens,
        files=dict(manifest.get("files", {})),
        _faiss=faiss_index,
    )
