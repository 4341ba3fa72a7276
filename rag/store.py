"""The index folder: FAISS + chunk table + document table + BM25 tokens + manifest.

Layout: index_dir/manifest.json names the current generation folder (gen-NNNNNN/) holding the
data. A new generation is written completely before the manifest is atomically replaced, so a
crash or Ctrl-C mid-write leaves the previous index intact. One writer at a time holds
index_dir/.lock (a cross-process file lock); it removes generations older than the previous one, so
a reader that has just read the old manifest still finds the generation it names.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rag.bm25 import BM25
from rag.errors import ConfigError, IndexBusyError, IndexMismatchError, IndexMissingError
from rag.text.tokenize import pinyin_terms
from rag.types import Chunk, Document

FORMAT = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads"
LOCK = ".lock"


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
    stamp: tuple[int, int, int] | None = None  # manifest_stamp when loaded
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
    # file names that are not valid UTF-8 arrive as surrogate escapes; keep their bytes
    with path.open("w", encoding="utf-8", errors="surrogateescape") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8", errors="surrogateescape") as f:
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


@contextmanager
def writer_lock(
    index_dir: str | Path, *, wait: bool = True, notify: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the index folder's cross-process writer lock; wait for it unless wait is False."""
    from filelock import FileLock, Timeout

    root = Path(index_dir)
    check_writable(root)
    lock = FileLock(str(root / LOCK))
    try:
        lock.acquire(timeout=0)
    except Timeout:  # before OSError: filelock's Timeout is a TimeoutError
        if not wait:
            raise IndexBusyError(
                f"index at {root} is being written by another process (lock {root / LOCK}): "
                "run again when it has finished, or without --no-wait to wait for it"
            ) from None
        if notify:
            notify(f"index at {root} is being written by another process; waiting for it")
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


def check_writable(root: Path) -> None:
    """Create the index folder if needed; a ConfigError naming it when it cannot be a folder."""
    if root.exists() and not root.is_dir():
        raise ConfigError(
            f"the index folder {root} is a file, not a folder: pass a folder path with "
            "--index-dir (setting index_dir), or move the file away"
        )
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = root / f".write-test-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as e:
        raise ConfigError(
            f"cannot create or write the index folder {root} ({e.strerror or e}): pass a folder "
            "you can write with --index-dir (setting index_dir), or fix its permissions"
        ) from None


def manifest_stamp(index_dir: str | Path) -> tuple[int, int, int] | None:
    """A cheap fingerprint of the manifest (inode, size, mtime): it changes with each write."""
    try:
        st = (Path(index_dir) / MANIFEST).stat()
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


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
    """Write index as a new generation and switch the manifest to it (hold writer_lock)."""
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
        previous = read_manifest(root)
        tmp_manifest = root / f".{MANIFEST}.tmp"
        tmp_manifest.write_text(json.dumps(manifest, indent=1), "utf-8")  # ASCII: any file name
        os.replace(tmp_manifest, root / MANIFEST)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    # Readers that read the old manifest a moment ago may still open the previous generation;
    # anything older (and any temp folder: the lock says no writer is running) is unreferenced.
    keep = {gen, (previous or {}).get("generation")}
    for child in root.iterdir():
        if child.name.startswith((".gen-", "gen-")) and child.name not in keep:
            shutil.rmtree(child, ignore_errors=True)


def load_index(index_dir: str | Path) -> StoredIndex:
    """Open the index folder; a clear error when there is none or it is damaged."""
    for _attempt in range(3):
        stamp = manifest_stamp(index_dir)
        try:
            index = _load_index(index_dir)
            index.stamp = stamp
            return index
        except IndexMismatchError:
            if manifest_stamp(index_dir) == stamp:
                raise
            # a writer switched generations while we read: read the new one
    return _load_index(index_dir)


def _load_index(index_dir: str | Path) -> StoredIndex:
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
