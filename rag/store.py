"""The index store: the boundary every backend implements, and the embedded FAISS backend.

`IndexStore` is what retrieval and the answer side read; `IndexWriter` is what indexing writes
through. A second backend (e.g. Milvus) is one module implementing both plus an entry in
`open_store`/`open_writer`.

FAISS backend layout (format 2): index_dir/manifest.json lists immutable *segments*
(seg-<hex>/: documents and chunks in SQLite, vectors.npy, BM25 term counts as a CSC matrix over
the segment's own vocabulary, and for large segments an IVF index), the doc_ids deleted from each
segment (tombstones), and the path of every document. Adding files writes one new segment;
removing a document adds a tombstone; small segments are merged when there are too many. A new
segment is written in full under a temporary name, then the manifest is atomically replaced, so a
crash or Ctrl-C at any moment leaves the previous index intact. One writer at a time holds
index_dir/.lock (a cross-process file lock); it deletes only segments that neither the new nor
the previous manifest names, so a reader that has just read the old manifest still finds them.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import shutil
import sqlite3
import threading
import time
from array import array
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from rag import bm25
from rag.errors import ConfigError, IndexBusyError, IndexMismatchError, IndexMissingError
from rag.text.tokenize import CJK_RUN_RE, pinyin
from rag.types import Chunk, Document

FORMAT = 2
MANIFEST = "manifest.json"
UPLOADS = "uploads"
LOCK = ".lock"
MAX_SEGMENTS = 8  # more than this many small segments are merged into one
IVF_TRAIN_PER_LIST = 40  # k-means training sample per inverted list
RECALL_TARGET = 0.98  # ANN recall@10 against exact search, measured when a segment is built
RECALL_NOISE = 1.5  # length of the perturbation of a stored vector that stands for a question
MAX_NLIST = 65_536
REFINE_FACTOR = 4  # IVF candidates per wanted hit, rescored from the float vectors
FULL_SCORINGS = 2  # how often BM25 pruning scores its k best partial rows in full
REFINE_HEAD = 10  # how many of a ranking's first hits get REFINE_FACTOR candidates each
EXACT_BELOW_ROWS = 20_000  # a filter leaving fewer rows than this in an ANN segment: exact scan
# BM25 queries reading fewer postings than this sum them all (pruning costs more than it saves)
PRUNE_MIN_POSTINGS = 5_000
BOUND_SLACK = 1e-4  # float32 sums in another order may differ in the last bits


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
    # version of the text processing (cleaning, metadata, chunking, tokens) the documents went
    # through; an index written before it was recorded holds 0
    processing: int = 0


@dataclass(frozen=True, slots=True)
class DocInfo:
    """A document's metadata without its text: what filters and listings need."""

    doc_id: str
    path: str
    source: str
    title: str | None = None
    issuer: str | None = None
    date: str | None = None
    region: str | None = None

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date else None


@dataclass(frozen=True)
class CorpusTerms:
    """Corpus-wide BM25 statistics: idf and document frequency of each indexed term."""

    idf: Mapping[str, float]
    doc_freq: Mapping[str, int]


class IndexStore(Protocol):
    """A loaded index generation, read-only. Rows are ints naming chunks within it."""

    params: IndexParams
    stamp: tuple[int, int, int] | None

    @property
    def documents(self) -> Mapping[str, Document]: ...
    @property
    def chunks(self) -> Sequence[Chunk]: ...
    @property
    def files(self) -> Mapping[str, str]: ...  # path -> doc_id
    @property
    def bm25(self) -> CorpusTerms: ...
    @property
    def pinyin_map(self) -> Mapping[str, str]: ...
    def doc_infos(self) -> Sequence[DocInfo]: ...
    def chunks_of(self, doc_id: str) -> list[int]: ...
    def chunk_counts(self) -> dict[str, int]: ...  # doc_id -> live chunks
    def chunks_at(self, rows: Sequence[int]) -> list[Chunk]: ...
    def dense_search(
        self, vector: np.ndarray, k: int, allowed: Collection[str] | None = None
    ) -> tuple[np.ndarray, np.ndarray]: ...
    def dense_scores(self, vector: np.ndarray, rows: Sequence[int]) -> np.ndarray: ...
    def bm25_search(
        self, tokens: Sequence[str], k: int, allowed: Collection[str] | None = None
    ) -> tuple[np.ndarray, np.ndarray]: ...
    def bm25_scores(self, tokens: Sequence[str], rows: Sequence[int]) -> np.ndarray: ...


class IndexWriter(Protocol):
    """Changes to an index, applied atomically by commit (hold writer_lock around it)."""

    def add(
        self,
        documents: Sequence[Document],
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        term_counts: Sequence[Mapping[str, int]],
    ) -> None: ...
    def remove(self, doc_ids: Iterable[str]) -> None: ...
    def commit(self, files: Mapping[str, str], version: str) -> None: ...


def term_counts(tokens: Sequence[str]) -> dict[str, int]:
    """BM25 term counts of one chunk's tokens."""
    return dict(Counter(tokens))


# ---------------------------------------------------------------- lock, manifest, parameters


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


def check_format(index_dir: str | Path, manifest: Mapping[str, Any]) -> None:
    """Raise when the index was written in another store format."""
    if manifest.get("format") != FORMAT:
        raise IndexMismatchError(
            f"index at {index_dir} has store format {manifest.get('format')}, this version "
            f"reads format {FORMAT}: re-index with `rag index --rebuild --index-dir {index_dir}`"
        )


def check_params(index_dir: str | Path, built: IndexParams, wanted: IndexParams) -> None:
    """Raise when an index was built with settings other than the ones asked for."""
    for name in ("embedder", "chunk_tokens", "overlap_sentences"):
        b, w = getattr(built, name), getattr(wanted, name)
        if b != w:
            raise IndexMismatchError(
                f"index at {index_dir} was built with {name}={b!r}, settings ask for {w!r}: "
                f"run `rag index --rebuild --index-dir {index_dir}` (or set {name} back)"
            )


# ---------------------------------------------------------------- one immutable segment

_DOC_COLUMNS = (
    "doc_id, path, source, fmt, text, raw_text, spans, page_starts, title, issuer, date, "
    "doc_number, region"
)
_CHUNK_COLUMNS = (
    "chunk_id, doc_id, text, start_char, end_char, line_start, line_end, heading, page, "
    "chunk_tokens"
)


def _fs(text: str) -> bytes:
    """A path as bytes: file names that are not valid UTF-8 keep their bytes."""
    return os.fsencode(text)


class Segment:
    """One immutable segment folder, opened read-only (safe to share between generations)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.name = folder.name
        self._db = sqlite3.connect(
            f"file:{folder / 'store.sqlite'}?mode=ro&immutable=1", uri=True, check_same_thread=False
        )
        self._db_lock = threading.Lock()
        self.vectors = np.load(folder / "vectors.npy", mmap_mode="r")
        with np.load(folder / "bm25.npz") as z:
            self.indptr = z["indptr"]
            self.post_rows = z["rows"]
            self.post_counts = z["counts"]
            self.lengths = z["lengths"]
            self.row_doc = z["row_doc"]  # local document number of each row
            if "term_max" in z:
                self.term_max, self.impact_avg = z["term_max"], np.float32(z["impact_avg"])
            else:  # written before the bounds were stored
                self.impact_avg = np.float32(
                    float(self.lengths.mean()) if len(self.lengths) else 1.0
                )
                self.term_max = bm25.term_max(
                    self.indptr, self.post_counts, self.post_rows, self.lengths, self.impact_avg
                )
        self.vocab = (folder / "vocab.txt").read_text("utf-8").split("\n")
        if self.vocab == [""]:
            self.vocab = []
        spelled = folder / "pinyin.txt"
        self.spellings = (
            spelled.read_text("utf-8").split("\n")[: len(self.vocab)]
            if spelled.is_file()
            else [_spelling(t) for t in self.vocab]  # written before spellings were stored
        )
        with self._db_lock:
            got = self._db.execute(
                "SELECT doc_id, path, source, title, issuer, date, region FROM documents "
                "ORDER BY doc_no"
            ).fetchall()
        self.docs = [
            DocInfo(d, os.fsdecode(p), os.fsdecode(s), t, i, dt, r) for d, p, s, t, i, dt, r in got
        ]
        self.n = len(self.lengths)
        if not (len(self.vectors) == len(self.row_doc) == self.n):
            raise ValueError(f"segment {self.name} is inconsistent")
        ann = folder / "dense.faiss"
        self.ann = ann.is_file()
        self._faiss: Any = None
        self._faiss_lock = threading.Lock()
        self.nprobe = 1

    @property
    def faiss(self) -> Any:
        """The segment's FAISS index (IVF read from disk, or flat built from the vectors)."""
        with self._faiss_lock:
            if self._faiss is None:
                import faiss

                if self.ann:
                    self._faiss = faiss.read_index(str(self.folder / "dense.faiss"))
                    # one query's probed lists are scanned by all cores, not one per query
                    self._faiss.parallel_mode = 1
                else:
                    index = faiss.IndexFlatIP(self.vectors.shape[1])
                    if self.n:
                        index.add(np.ascontiguousarray(self.vectors, dtype=np.float32))
                    self._faiss = index
            return self._faiss

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        with self._db_lock:
            return self._db.execute(sql, args).fetchall()

    def chunks(self, local_rows: Sequence[int]) -> dict[int, Chunk]:
        out: dict[int, Chunk] = {}
        rows = [int(r) for r in local_rows]
        for start in range(0, len(rows), 500):
            part = rows[start : start + 500]
            marks = ",".join("?" * len(part))
            for row, *values in self.query(
                f"SELECT row, {_CHUNK_COLUMNS} FROM chunks WHERE row IN ({marks})", part
            ):
                out[row] = Chunk(*values)
        return out

    def iter_chunks(self) -> Iterator[tuple[int, Chunk]]:
        with self._db_lock:
            got = self._db.execute(f"SELECT row, {_CHUNK_COLUMNS} FROM chunks ORDER BY row")
            while batch := got.fetchmany(2000):
                for row, *values in batch:
                    yield row, Chunk(*values)

    def document(self, doc_id: str) -> Document | None:
        got = self.query(f"SELECT {_DOC_COLUMNS} FROM documents WHERE doc_id = ?", (doc_id,))
        if not got:
            return None
        d = dict(zip(_DOC_COLUMNS.split(", "), got[0], strict=True))
        d["path"], d["source"] = os.fsdecode(d["path"]), os.fsdecode(d["source"])
        d["spans"] = tuple(tuple(s) for s in json.loads(d["spans"]))
        d["page_starts"] = tuple(json.loads(d["page_starts"]))
        return Document(raw_line_starts=line_starts(d["raw_text"]), **d)

    def close(self) -> None:
        with self._db_lock:
            self._db.close()


def _write_segment(
    folder: Path,
    documents: Sequence[Document],
    chunks: Sequence[Chunk],
    vectors: np.ndarray,
    counts: Sequence[Mapping[str, int]],
    *,
    ann_min_chunks: int,
) -> dict[str, Any]:
    """Write one segment folder (the caller renames it into place); return its manifest entry."""
    folder.mkdir()
    doc_no = {d.doc_id: i for i, d in enumerate(documents)}
    db = sqlite3.connect(folder / "store.sqlite")
    try:
        db.execute("PRAGMA journal_mode=OFF")  # the whole folder is temporary until renamed
        db.execute(
            "CREATE TABLE documents (doc_no INTEGER PRIMARY KEY, doc_id TEXT UNIQUE, path BLOB, "
            "source BLOB, fmt TEXT, text TEXT, raw_text TEXT, spans TEXT, page_starts TEXT, "
            "title TEXT, issuer TEXT, date TEXT, doc_number TEXT, region TEXT)"
        )
        db.execute(
            "CREATE TABLE chunks (row INTEGER PRIMARY KEY, chunk_id TEXT, doc_id TEXT, text TEXT, "
            "start_char INTEGER, end_char INTEGER, line_start INTEGER, line_end INTEGER, "
            "heading TEXT, page INTEGER, chunk_tokens INTEGER)"
        )
        with db:
            db.executemany(
                f"INSERT INTO documents (doc_no, {_DOC_COLUMNS}) VALUES ({','.join('?' * 14)})",
                (
                    (
                        i,
                        d.doc_id,
                        _fs(d.path),
                        _fs(d.source),
                        d.fmt,
                        d.text,
                        d.raw_text,
                        json.dumps(d.spans),
                        json.dumps(d.page_starts),
                        d.title,
                        d.issuer,
                        d.date,
                        d.doc_number,
                        d.region,
                    )
                    for i, d in enumerate(documents)
                ),
            )
            db.executemany(
                f"INSERT INTO chunks (row, {_CHUNK_COLUMNS}) VALUES ({','.join('?' * 11)})",
                (
                    (
                        r,
                        c.chunk_id,
                        c.doc_id,
                        c.text,
                        c.start_char,
                        c.end_char,
                        c.line_start,
                        c.line_end,
                        c.heading,
                        c.page,
                        c.chunk_tokens,
                    )
                    for r, c in enumerate(chunks)
                ),
            )
    finally:
        db.close()
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    np.save(folder / "vectors.npy", vectors)
    vocab: dict[str, int] = {}
    # typed arrays, not lists of ints: a million chunks hold ~10^8 (row, term, count) entries
    per_row = np.zeros(len(chunks), dtype=np.int64)
    terms = array("q")
    tfs = array("q")
    lengths = np.zeros(len(chunks), dtype=np.float32)
    for r, tc in enumerate(counts):
        terms.extend([vocab.setdefault(term, len(vocab)) for term in tc])
        tfs.extend(tc.values())
        per_row[r] = len(tc)
        lengths[r] = sum(tc.values())
    rows = np.repeat(np.arange(len(chunks), dtype=np.int64), per_row)
    indptr, post_rows, post_counts = bm25.csc(
        rows, np.frombuffer(terms, dtype=np.int64), np.frombuffer(tfs, dtype=np.int64), len(vocab)
    )
    del rows, terms, tfs
    impact_avg = np.float32(float(lengths.mean()) if len(lengths) else 1.0)
    np.savez(
        folder / "bm25.npz",
        indptr=indptr,
        rows=post_rows,
        counts=post_counts,
        lengths=lengths,
        # each term's best idf-free contribution: the bound that lets search skip long postings
        term_max=bm25.term_max(indptr, post_counts, post_rows, lengths, impact_avg),
        impact_avg=impact_avg,
        row_doc=np.array([doc_no[c.doc_id] for c in chunks], dtype=np.int32),
    )
    (folder / "vocab.txt").write_text("\n".join(vocab), "utf-8")
    # spelled once here, so opening a big index does not run pypinyin over its vocabulary
    (folder / "pinyin.txt").write_text("\n".join(_spelling(t) for t in vocab), "utf-8")
    entry: dict[str, Any] = {
        "name": folder.name.strip(".").removesuffix(".tmp"),
        "chunks": len(chunks),
        "documents": len(documents),
        "deleted": [],
        "ann": None,
    }
    if len(chunks) >= ann_min_chunks:
        entry["ann"] = _write_ivf(folder / "dense.faiss", vectors)
    for f in folder.iterdir():
        with f.open("rb") as fh:
            os.fsync(fh.fileno())
    return entry


def _spelling(term: str) -> str:
    """The pinyin a term is found by in English questions ("" for none), the rule of
    rag.text.tokenize.pinyin_terms: Chinese terms of 2-4 characters."""
    return pinyin(term) if 2 <= len(term) <= 4 and CJK_RUN_RE.fullmatch(term) else ""


def _write_ivf(path: Path, vectors: np.ndarray) -> dict[str, Any]:
    """Build an IVF index with 8-bit codes, pick the smallest nprobe reaching the recall target.

    IVF rather than HNSW: on the 1M-chunk benchmark HNSW (M=32, efConstruction=80) took 22 min
    to build and reached recall@10 0.90 at efSearch 2048; IVF scans the probed lists, so recall
    climbs with nprobe, and it builds in minutes. 8-bit scalar codes read a quarter of the bytes
    of float vectors per scanned row (the scan is memory-bound) and keep recall@10 near 1; the
    final hits are rescored exactly from the stored vectors (dense_scores)."""
    import faiss

    n, dim = vectors.shape
    # 4 sqrt(n) lists (FAISS's guidance is 4-16 sqrt(n)): at 1M real passage vectors, 4,000
    # lists reach recall@10 0.99 of real questions at nprobe 16, 1,000 lists only at 128
    nlist = int(min(MAX_NLIST, max(16, 4 * math.sqrt(n))))
    rng = np.random.default_rng(0)
    index = faiss.IndexIVFScalarQuantizer(
        faiss.IndexFlatIP(dim),
        dim,
        nlist,
        faiss.ScalarQuantizer.QT_8bit,
        faiss.METRIC_INNER_PRODUCT,
    )
    sample = rng.choice(n, size=min(n, nlist * IVF_TRAIN_PER_LIST), replace=False)
    index.train(np.ascontiguousarray(vectors[np.sort(sample)]))
    index.add(vectors)
    # queries: perturbed stored vectors (a question is near, not on, its passage)
    picks = rng.choice(n, size=min(200, n), replace=False)
    # far enough that the nearest stored vector is at cosine ~0.6: nearer probes (0.9) chose
    # an nprobe at which real questions on real embeddings reached recall 0.87, not 0.98
    noise = rng.normal(0, RECALL_NOISE / math.sqrt(dim), (len(picks), dim))
    queries = vectors[picks] + noise
    queries = (queries / np.linalg.norm(queries, axis=1, keepdims=True)).astype(np.float32)
    flat = faiss.IndexFlatIP(dim)
    flat.add(vectors)
    _, exact = flat.search(queries, 10)
    del flat
    nprobe, recall = 4, 0.0
    while True:
        found = []
        for query, e in zip(queries, exact, strict=True):
            rows, _ = _ivf_search(index, vectors, query, 10, nprobe)
            found.append(len(set(rows.tolist()) & set(e.tolist())) / 10)
        recall = float(np.mean(found))
        if recall >= RECALL_TARGET or nprobe >= nlist:
            break
        nprobe = min(nprobe * 2, nlist)
    faiss.write_index(index, str(path))
    return {
        "kind": "ivf_sq8",
        "nlist": nlist,
        "nprobe": nprobe,
        "recall_at_10": round(recall, 4),
        "recall_queries": len(picks),
    }


def _ivf_search(
    index: Any, vectors: np.ndarray, query: np.ndarray, k: int, nprobe: int, params: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (rows, exact scores) of one query: REFINE_FACTOR x k candidates from the 8-bit
    codes, rescored from the stored float vectors (codes of near-duplicate passages tie or
    swap; the floats put them back in order)."""
    import faiss

    params = params or faiss.SearchParametersIVF()
    params.nprobe = nprobe
    # the head of a ranking is rescored from REFINE_FACTOR times its size of candidates; a deep
    # ranking (fusion reads 100) only needs its order roughly, past its head
    want = min(max(k, min(k, REFINE_HEAD) * REFINE_FACTOR), index.ntotal)
    _, ids = index.search(query.reshape(1, -1), want, params=params)
    rows = ids[0][ids[0] >= 0]
    rows.sort()  # ascending rows read the memory-mapped vectors in order
    scores = np.asarray(vectors[rows], dtype=np.float32) @ query.reshape(-1)
    top = np.lexsort((rows, -scores))[:k]
    return rows[top].astype(np.int64), scores[top]


# ---------------------------------------------------------------- a loaded generation


class _Documents(Mapping[str, Document]):
    """doc_id -> Document, read from the segments on demand (the full texts stay on disk)."""

    def __init__(self, store: FaissStore) -> None:
        self._store = store
        self._cache: dict[str, Document] = {}

    def __getitem__(self, doc_id: str) -> Document:
        got = self._cache.get(doc_id)
        if got is not None:
            return got
        where = self._store._doc_where.get(doc_id)
        if where is None:
            raise KeyError(doc_id)
        doc = self._store._segments[where[0]].document(doc_id)
        if doc is None:
            raise KeyError(doc_id)
        info = self._store._infos[self._store._doc_index[doc_id]]
        if (doc.path, doc.source) != (info.path, info.source):  # moved since it was embedded
            doc = replace(doc, path=info.path, source=info.source)
        if len(self._cache) > 512:
            self._cache.pop(next(iter(self._cache)))
        self._cache[doc_id] = doc
        return doc

    def __iter__(self) -> Iterator[str]:
        return (info.doc_id for info in self._store._infos)

    def __len__(self) -> int:
        return len(self._store._infos)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._store._doc_index


class _Chunks(Sequence[Chunk]):
    """The live chunks in row order, read from the segments on demand."""

    def __init__(self, store: FaissStore) -> None:
        self._store = store

    def __len__(self) -> int:
        return len(self._store._live_rows)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return self._store.chunks_at(self._store._live_rows[i].tolist())
        return self._store.chunks_at([int(self._store._live_rows[i])])[0]

    def __iter__(self) -> Iterator[Chunk]:
        store = self._store
        for s, seg in enumerate(store._segments):
            live = store._live[store._offsets[s] : store._offsets[s] + seg.n]
            for row, chunk in seg.iter_chunks():
                if live[row]:
                    yield chunk


@dataclass(eq=False)
class FaissStore:
    """A loaded generation of the embedded store (FAISS + SQLite + sparse BM25). Thread-safe."""

    params: IndexParams
    manifest: dict[str, Any]
    _segments: list[Segment]
    stamp: tuple[int, int, int] | None = None
    _filter_cache: dict[frozenset[str], np.ndarray] = field(default_factory=dict)
    _pinyin: dict[str, str] | None = None

    def __post_init__(self) -> None:
        segs = self._segments
        entries = {e["name"]: e for e in self.manifest["segments"]}
        sizes = [seg.n for seg in segs]
        self._offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        n = int(self._offsets[-1])
        path_of = {doc_id: path for path, doc_id in self.manifest.get("files", {}).items()}
        self._infos: list[DocInfo] = []
        self._doc_where: dict[str, tuple[int, int]] = {}
        live_docs: list[np.ndarray] = []
        row_doc: list[np.ndarray] = []
        for s, seg in enumerate(segs):
            deleted = set(entries[seg.name]["deleted"])
            doc_map = np.full(len(seg.docs), -1, dtype=np.int32)
            for j, info in enumerate(seg.docs):
                if info.doc_id in deleted:
                    continue
                doc_map[j] = len(self._infos)
                path = path_of.get(info.doc_id, info.path)
                if path != info.path:
                    info = replace(info, path=path, source=os.path.basename(path))
                self._infos.append(info)
                self._doc_where[info.doc_id] = (s, j)
            row_doc.append(doc_map[seg.row_doc] if seg.n else np.zeros(0, np.int32))
            live_docs.append(doc_map)
        self._doc_index = {info.doc_id: i for i, info in enumerate(self._infos)}
        self._row_doc = np.concatenate(row_doc) if row_doc else np.zeros(0, np.int32)
        self._live = self._row_doc >= 0
        self._all_live = bool(self._live.all())
        self._live_rows = np.flatnonzero(self._live)
        self._lengths = (
            np.concatenate([seg.lengths for seg in segs]) if segs else np.zeros(0, np.float32)
        )
        live_lengths = self._lengths[self._live]
        self._avg_length = np.float32(float(live_lengths.mean()) if len(live_lengths) else 1.0)
        # one vocabulary over the segments; df counts live rows only
        vocab: dict[str, int] = {}
        self._l2g: list[np.ndarray] = []
        for seg in segs:
            self._l2g.append(
                np.fromiter((vocab.setdefault(t, len(vocab)) for t in seg.vocab), np.int64)
            )
        self._vocab = vocab
        df = np.zeros(len(vocab), dtype=np.int64)
        self._g2l: list[np.ndarray] = []
        for s, seg in enumerate(segs):
            g2l = np.full(len(vocab), -1, dtype=np.int64)
            g2l[self._l2g[s]] = np.arange(len(seg.vocab))
            self._g2l.append(g2l)
            if not len(seg.vocab):
                continue
            live = self._live[self._offsets[s] : self._offsets[s] + seg.n]
            if live.all():
                seg_df = np.diff(seg.indptr)
            else:
                hit = live[seg.post_rows].astype(np.int64)
                seg_df = np.add.reduceat(np.append(hit, 0), seg.indptr[:-1])
                seg_df[np.diff(seg.indptr) == 0] = 0
            np.add.at(df, self._l2g[s], seg_df)
        n_live = len(self._live_rows)
        # per term: postings to read (deleted rows too) and the bound of its idf-free contribution
        self._postings = np.zeros(len(vocab), dtype=np.int64)
        self._term_bound = np.zeros(len(vocab), dtype=np.float64)
        for s, seg in enumerate(segs):
            if not len(seg.vocab):
                continue
            l2g = self._l2g[s]
            self._postings[l2g] += np.diff(seg.indptr)
            scaled = seg.term_max * bm25.bound_scale(self._avg_length, seg.impact_avg)
            self._term_bound[l2g] = np.maximum(self._term_bound[l2g], scaled)
        self._df = df
        self._idf = bm25.idf(n_live, df)
        self._n = n
        for seg in segs:
            ann = entries[seg.name].get("ann") or {}
            seg.nprobe = int(ann.get("nprobe", 1))
        self._terms: CorpusTerms | None = None
        self._lock = threading.Lock()

    # -- what the answer side reads

    @property
    def documents(self) -> Mapping[str, Document]:
        if not hasattr(self, "_documents"):
            self._documents = _Documents(self)
        return self._documents

    @property
    def chunks(self) -> Sequence[Chunk]:
        return _Chunks(self)

    @property
    def files(self) -> Mapping[str, str]:
        return dict(self.manifest.get("files", {}))

    @property
    def bm25(self) -> CorpusTerms:
        """idf and document frequency of every term in a live chunk."""
        with self._lock:
            if self._terms is None:
                terms = list(self._vocab)
                keep = np.flatnonzero(self._df > 0).tolist()
                idf = self._idf.tolist()
                df = self._df.tolist()
                self._terms = CorpusTerms(
                    idf={terms[i]: idf[i] for i in keep}, doc_freq={terms[i]: df[i] for i in keep}
                )
            return self._terms

    @property
    def pinyin_map(self) -> Mapping[str, str]:
        """Pinyin -> indexed Chinese term, for English questions that name places in pinyin."""
        if self._pinyin is None:
            spelling = [""] * len(self._vocab)
            for s, seg in enumerate(self._segments):
                for gid, py in zip(self._l2g[s].tolist(), seg.spellings, strict=True):
                    spelling[gid] = py
            terms = list(self._vocab)
            best: dict[str, tuple[int, str]] = {}
            df = self._df.tolist()
            for gid in np.flatnonzero(self._df > 0).tolist():
                py = spelling[gid]
                if py and (py not in best or df[gid] > best[py][0]):
                    best[py] = (df[gid], terms[gid])
            self._pinyin = {py: term for py, (_, term) in best.items()}
        return self._pinyin

    def doc_infos(self) -> Sequence[DocInfo]:
        return self._infos

    def chunk_counts(self) -> dict[str, int]:
        """doc_id -> number of its chunks, counted in one pass over the row table."""
        counts = np.bincount(self._row_doc[self._live], minlength=len(self._infos)).tolist()
        return {info.doc_id: int(n) for info, n in zip(self._infos, counts, strict=True)}

    def chunks_of(self, doc_id: str) -> list[int]:
        """Rows of one document's chunks, in order."""
        i = self._doc_index.get(doc_id)
        return [] if i is None else np.flatnonzero(self._row_doc == i).tolist()

    def chunks_at(self, rows: Sequence[int]) -> list[Chunk]:
        """The chunks at these rows, in the same order."""
        rows_arr = np.asarray(rows, dtype=np.int64)
        seg_of = np.searchsorted(self._offsets, rows_arr, side="right") - 1
        found: dict[int, Chunk] = {}
        for s in np.unique(seg_of).tolist():
            local = rows_arr[seg_of == s] - self._offsets[s]
            for lr, chunk in self._segments[s].chunks(local.tolist()).items():
                found[lr + int(self._offsets[s])] = chunk
        return [found[int(r)] for r in rows_arr]

    # -- search

    def _allowed_mask(self, allowed: Collection[str] | None) -> np.ndarray | None:
        """Live rows whose document is allowed (None: every row is allowed and live)."""
        if allowed is None:
            return None if self._all_live else self._live
        key = frozenset(allowed)
        with self._lock:
            mask = self._filter_cache.get(key)
        if mask is None:
            ok = np.zeros(len(self._infos) + 1, dtype=bool)  # the extra slot: deleted rows
            idx = [self._doc_index[d] for d in key if d in self._doc_index]
            ok[idx] = True
            mask = ok[self._row_doc]  # row_doc -1 reads the extra False slot
            with self._lock:
                if len(self._filter_cache) > 32:
                    self._filter_cache.clear()
                self._filter_cache[key] = mask
        return mask

    def dense_search(
        self, vector: np.ndarray, k: int, allowed: Collection[str] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k rows by inner product, through each segment's FAISS index, filtered inside."""
        import faiss

        mask = self._allowed_mask(allowed)
        q = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
        all_rows: list[np.ndarray] = []
        all_scores: list[np.ndarray] = []
        for s, seg in enumerate(self._segments):
            off = int(self._offsets[s])
            if seg.n == 0:
                continue
            local_mask = None if mask is None else mask[off : off + seg.n]
            n_ok = seg.n if local_mask is None else int(local_mask.sum())
            if n_ok == 0:
                continue
            kk = min(k, n_ok)
            if local_mask is not None and seg.ann and n_ok < EXACT_BELOW_ROWS:
                # few rows pass: score them exactly instead of probing lists of other rows
                ids = np.flatnonzero(local_mask)
                sims = np.asarray(seg.vectors[ids], dtype=np.float32) @ q[0]
                top = np.argsort(-sims, kind="stable")[:kk]
                all_rows.append(ids[top] + off)
                all_scores.append(sims[top])
                continue
            params: Any = faiss.SearchParametersIVF() if seg.ann else None
            if local_mask is not None:
                bits = np.packbits(local_mask, bitorder="little")
                params = params or faiss.SearchParameters()
                params.sel = faiss.IDSelectorBitmap(seg.n, faiss.swig_ptr(bits))
            if seg.ann:
                # a large segment: its lists are scanned in parallel (parallel_mode 1)
                rows, sims = _ivf_search(seg.faiss, seg.vectors, q[0], kk, seg.nprobe, params)
                all_rows.append(rows + off)
                all_scores.append(sims)
                continue
            with _one_thread(faiss):
                scores, ids = seg.faiss.search(q, kk, params=params)
            keep = ids[0] >= 0
            all_rows.append(ids[0][keep].astype(np.int64) + off)
            all_scores.append(scores[0][keep])
        return _top(all_rows, all_scores, k)

    def dense_scores(self, vector: np.ndarray, rows: Sequence[int]) -> np.ndarray:
        """Inner product of the vector with the stored vectors of these rows only."""
        rows_arr = np.asarray(rows, dtype=np.int64)
        out = np.zeros(len(rows_arr), dtype=np.float32)
        seg_of = np.searchsorted(self._offsets, rows_arr, side="right") - 1
        q = np.asarray(vector, dtype=np.float32)
        for s in np.unique(seg_of).tolist():
            pick = seg_of == s
            local = rows_arr[pick] - self._offsets[s]
            out[pick] = np.asarray(self._segments[s].vectors[local], dtype=np.float32) @ q
        return out

    def _bm25_postings(self, tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores) of every row holding a query term (deleted ones too); the work grows
        with the query terms' postings, not with the index (a dense accumulator for long ones)."""
        parts = [self._term_postings(g, float(self._idf[g])) for g in self._live_terms(tokens)]
        if not parts:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        if len(parts) == 1:
            return parts[0]
        if sum(len(r) for r, _ in parts) * 8 < self._n:
            rows = np.unique(np.concatenate([r for r, _ in parts]))
            scores = np.zeros(len(rows), dtype=np.float32)
            for r, sc in parts:  # float32, term by term: the same sums as the dense path
                scores[np.searchsorted(rows, r)] += sc
            return rows, scores
        dense = np.zeros(self._n, dtype=np.float32)
        for r, sc in parts:
            dense[r] += sc
        rows = np.flatnonzero(dense)
        return rows, dense[rows]

    def _live_terms(self, tokens: Sequence[str]) -> list[int]:
        """Term ids of the query tokens that some live chunk holds, once each, by falling score
        bound: every path adds a row's term scores in this order, so their float sums agree."""
        gids = [g for g in map(self._vocab.get, dict.fromkeys(tokens)) if g is not None]
        gids = [g for g in gids if self._df[g] > 0]
        bound = self._idf[gids] * self._term_bound[gids] if gids else np.zeros(0)
        return [gids[i] for i in np.argsort(-bound, kind="stable").tolist()]

    def _term_postings(self, gid: int, idf: float) -> tuple[np.ndarray, np.ndarray]:
        """(rows ascending, contributions) of one term over every segment."""
        rows: list[np.ndarray] = []
        scores: list[np.ndarray] = []
        for s, seg in enumerate(self._segments):
            lid = self._g2l[s][gid]
            if lid < 0:
                continue
            a, b = seg.indptr[lid], seg.indptr[lid + 1]
            r = seg.post_rows[a:b].astype(np.int64) + self._offsets[s]
            rows.append(r)
            scores.append(
                bm25.term_scores(idf, seg.post_counts[a:b], self._lengths[r], self._avg_length)
            )
        if len(rows) == 1:
            return rows[0], scores[0]
        return np.concatenate(rows), np.concatenate(scores)

    def _bm25_candidates(
        self, tokens: Sequence[str], k: int, mask: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """(rows, full scores) of the rows that can be in the BM25 top k, reading only the
        postings that can change it (MaxScore: terms by falling bound; stop when the unread terms
        together cannot lift a row that holds none of the read ones to the k-th best partial
        score). None: read everything is cheaper."""
        gids = self._live_terms(tokens)  # by falling bound
        if len(gids) < 2 or int(self._postings[gids].sum()) < PRUNE_MIN_POSTINGS:
            return None
        idf = self._idf[gids]
        bound = idf * self._term_bound[gids] * (1 + BOUND_SLACK)
        rest = np.concatenate([np.cumsum(bound[::-1])[::-1][1:], [0.0]])
        rows = np.zeros(0, np.int64)
        partial = np.zeros(0, np.float32)
        theta = 0.0
        scorings = 0
        for i, gid in enumerate(gids):
            r, sc = self._term_postings(gid, float(idf[i]))
            rows, partial = _merge_add(rows, partial, r, sc)
            if rest[i] == 0:
                break
            ok_rows, ok = (
                (rows, partial) if mask is None else (rows[mask[rows]], partial[mask[rows]])
            )
            if len(ok) < k:
                continue
            if rest[i] >= theta * (1 - BOUND_SLACK):
                # the k best partial scores, scored in full: the k-th of them is a lower bound
                # of the k-th best score, much higher than the partial one after a rare term
                # (after FULL_SCORINGS of them, the k-th best partial score raises it)
                if scorings < FULL_SCORINGS:
                    # (the read terms are in the partial scores: only the unread ones are
                    # looked up)
                    cut = np.argpartition(-ok, k - 1)[:k]
                    by_row = np.argsort(ok_rows[cut], kind="stable")
                    best, best_partial = ok_rows[cut][by_row], ok[cut][by_row]
                    full = best_partial + self._scores_at(gids[i + 1 :], best)
                    theta = max(theta, float(full.min()))
                    scorings += 1
                else:
                    theta = max(theta, float(np.partition(ok, len(ok) - k)[len(ok) - k]))
            if rest[i] < theta * (1 - BOUND_SLACK):
                break
        keep = partial + rest[i] >= theta * (1 - BOUND_SLACK)
        if mask is not None:
            keep &= mask[rows]
        rows, partial = rows[keep], partial[keep]
        # the unread terms, read only at the rows that can still make the top k, dropping the
        # rows that cannot after each one
        for j in range(i + 1, len(gids)):
            partial = partial + self._scores_at([gids[j]], rows)
            if len(partial) >= k:
                theta = max(theta, float(np.partition(partial, len(partial) - k)[len(partial) - k]))
            keep = partial + rest[j] >= theta * (1 - BOUND_SLACK)
            rows, partial = rows[keep], partial[keep]
        # every term is now read at every row left: the partial scores are the full ones
        return rows, partial

    def bm25_search(
        self, tokens: Sequence[str], k: int, allowed: Collection[str] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k rows by Okapi BM25 (rows scoring 0 are left out), filtered before ranking."""
        mask = self._allowed_mask(allowed)
        found = self._bm25_candidates(tokens, k, mask) if k > 0 else None
        if found is not None:
            rows, scores = found
        else:
            rows, scores = self._bm25_postings(tokens)
            if mask is not None:
                keep = mask[rows]
                rows, scores = rows[keep], scores[keep]
        hit = scores > 0
        return _top([rows[hit]], [scores[hit]], k)

    def bm25_scores(self, tokens: Sequence[str], rows: Sequence[int] | np.ndarray) -> np.ndarray:
        """BM25 scores of these rows only (a binary search in each query term's postings)."""
        rows_arr = np.asarray(rows, dtype=np.int64)
        order = np.argsort(rows_arr, kind="stable")
        out = np.empty(len(rows_arr), dtype=np.float32)
        out[order] = self._scores_at(self._live_terms(tokens), rows_arr[order])
        return out

    def _scores_at(self, gids: Sequence[int], rows: np.ndarray) -> np.ndarray:
        """The contributions of these terms, added in this order, at these rows (ascending;
        0 where none is present)."""
        acc = np.zeros(len(rows), dtype=np.float32)
        if not len(rows) or not len(gids):
            return acc
        cuts = np.searchsorted(rows, self._offsets).tolist()
        for s, (lo, hi) in enumerate(itertools.pairwise(cuts)):
            if hi <= lo:
                continue
            seg, lids = self._segments[s], self._g2l[s]
            # (in the postings' own dtype: searching int64 keys would copy the postings to int64)
            local = (rows[lo:hi] - self._offsets[s]).astype(seg.post_rows.dtype)
            lengths = self._lengths[rows[lo:hi]]
            for gid in gids:
                lid = lids[gid]
                if lid < 0:
                    continue
                first, last = int(seg.indptr[lid]), int(seg.indptr[lid + 1])
                posted = seg.post_rows[first:last]
                at = np.minimum(np.searchsorted(posted, local), len(posted) - 1)
                has = np.flatnonzero(posted[at] == local)
                acc[lo + has] += bm25.term_scores(
                    float(self._idf[gid]),
                    seg.post_counts[first + at[has]],
                    lengths[has],
                    self._avg_length,
                )
        return acc


def _segment_term_counts(seg: Segment, local_rows: np.ndarray) -> list[dict[str, int]]:
    """Term counts of some rows of a segment, from its term x row matrix."""
    pos = {int(r): i for i, r in enumerate(local_rows)}
    out: list[dict[str, int]] = [{} for _ in local_rows]
    if not len(local_rows):
        return out
    wanted = np.zeros(seg.n, dtype=bool)
    wanted[local_rows] = True
    terms = np.repeat(np.arange(len(seg.vocab)), np.diff(seg.indptr))
    sel = np.flatnonzero(wanted[seg.post_rows])
    for t, r, c in zip(
        terms[sel].tolist(), seg.post_rows[sel].tolist(), seg.post_counts[sel].tolist(), strict=True
    ):
        out[pos[r]][seg.vocab[t]] = int(c)
    return out


@contextmanager
def _one_thread(faiss: Any) -> Iterator[None]:
    """Search one query on the calling thread: waking OpenMP workers for a single query costs
    tens of milliseconds on a busy machine (0.1 ms single-threaded at 10k chunks)."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _merge_add(
    rows_a: np.ndarray, sc_a: np.ndarray, rows_b: np.ndarray, sc_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Two (rows ascending, scores) lists as one, the scores of a row in both added."""
    if not len(rows_a):
        return rows_b, sc_b.astype(np.float32)
    rows = np.concatenate([rows_a, rows_b])
    scores = np.concatenate([sc_a, sc_b]).astype(np.float32)
    order = np.argsort(rows, kind="stable")
    rows, scores = rows[order], scores[order]
    first = np.flatnonzero(np.concatenate([[True], rows[1:] != rows[:-1]]))
    return rows[first], np.add.reduceat(scores, first)


def _top(rows: list[np.ndarray], scores: list[np.ndarray], k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best (row, score) pairs, best first; ties go to the lower row."""
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    r = np.concatenate(rows)
    s = np.concatenate(scores).astype(np.float32)
    if len(r) > k:
        cut = np.argpartition(-s, k - 1)[:k]
        # keep every row tied with the k-th score so the tie-break below is by row
        kth = s[cut].min()
        cut = np.flatnonzero(s >= kth)
        r, s = r[cut], s[cut]
    order = np.lexsort((r, -s))[:k]
    return r[order], s[order]


# ---------------------------------------------------------------- opening and writing


def open_store(index_dir: str | Path, previous: IndexStore | None = None) -> IndexStore:
    """Open the current generation (segments already open in previous are reused)."""
    for _attempt in range(3):
        stamp = manifest_stamp(index_dir)
        try:
            store = _open_faiss(index_dir, previous)
            store.stamp = stamp
            return store
        except IndexMismatchError:
            if manifest_stamp(index_dir) == stamp:
                raise
            # a writer switched generations while we read: read the new one
    return _open_faiss(index_dir, previous)


load_index = open_store


def _open_faiss(index_dir: str | Path, previous: IndexStore | None) -> FaissStore:
    root = Path(index_dir)
    manifest = read_manifest(root)
    if manifest is None:
        raise IndexMissingError(f"no index at {root}: run `rag index` first (or pass --index-dir)")
    check_format(root, manifest)
    reuse = {s.name: s for s in previous._segments} if isinstance(previous, FaissStore) else {}
    try:
        segments = [reuse.get(e["name"]) or Segment(root / e["name"]) for e in manifest["segments"]]
        return FaissStore(
            params=IndexParams(**manifest["params"]), manifest=manifest, _segments=segments
        )
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, sqlite3.Error) as e:
        raise IndexMismatchError(
            f"index at {root} is damaged ({e}): run `rag index --rebuild --index-dir {root}`"
        ) from None


class FaissWriter:
    """Pending changes to a FAISS store; commit writes one segment and a new manifest."""

    def __init__(
        self,
        index_dir: str | Path,
        params: IndexParams,
        base: IndexStore | None,
        *,
        ann_min_chunks: int,
    ) -> None:
        self.root = Path(index_dir)
        self.params = params
        self.base = base if isinstance(base, FaissStore) else None
        self.ann_min_chunks = ann_min_chunks
        self._docs: list[Document] = []
        self._chunks: list[Chunk] = []
        self._vectors: list[np.ndarray] = []
        self._counts: list[Mapping[str, int]] = []
        self._removed: set[str] = set()

    def add(
        self,
        documents: Sequence[Document],
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        term_counts: Sequence[Mapping[str, int]],
    ) -> None:
        if not (len(chunks) == len(vectors) == len(term_counts)):
            raise ValueError("chunks, vectors and term counts differ in length")
        self._docs.extend(documents)
        self._chunks.extend(chunks)
        self._vectors.append(np.asarray(vectors, dtype=np.float32).reshape(-1, self.params.dim))
        self._counts.extend(term_counts)

    def remove(self, doc_ids: Iterable[str]) -> None:
        self._removed.update(doc_ids)

    def commit(self, files: Mapping[str, str], version: str) -> dict[str, Any]:
        """Write the changes as a new generation and switch the manifest (hold writer_lock)."""
        root = self.root
        root.mkdir(parents=True, exist_ok=True)
        previous = read_manifest(root) if (root / MANIFEST).exists() else None
        entries: list[dict[str, Any]] = []
        if self.base is not None:
            for e in self.base.manifest["segments"]:
                seg = next(s for s in self.base._segments if s.name == e["name"])
                dead = set(e["deleted"]) | ({d.doc_id for d in seg.docs} & self._removed)
                dead_nos = [j for j, d in enumerate(seg.docs) if d.doc_id in dead]
                dead_chunks = int(np.isin(seg.row_doc, dead_nos).sum())
                entries.append({**e, "deleted": sorted(dead), "deleted_chunks": dead_chunks})
        made: list[Path] = []
        try:
            if self._chunks or self._docs:
                entries.append(self._new_segment(made, self._docs, self._chunks, self._counts))
            entries = self._merge_small(entries, made)
            entries = [e for e in entries if len(e["deleted"]) < e["documents"]]
            manifest = {
                "format": FORMAT,
                "generation": f"gen-{time.time_ns():x}",
                "params": asdict(self.params),
                "version": version,
                "files": dict(files),
                "segments": entries,
                "documents": len(files),
                "chunks": sum(e["chunks"] - e.get("deleted_chunks", 0) for e in entries),
                "ann_min_chunks": self.ann_min_chunks,
                "written_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            }
            tmp_manifest = root / f".{MANIFEST}.tmp"
            # ASCII JSON: any file name (even one that is not UTF-8) round-trips
            tmp_manifest.write_text(json.dumps(manifest, indent=1), "utf-8")
            with tmp_manifest.open("rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp_manifest, root / MANIFEST)
        except BaseException:
            for folder in made:
                shutil.rmtree(folder, ignore_errors=True)
            raise
        # Readers that read the old manifest a moment ago may still open its segments; anything
        # else (and any temp folder: the lock says no writer is running) is unreferenced.
        keep = {e["name"] for e in entries}
        keep |= {e["name"] for e in (previous or {}).get("segments", [])}
        for child in root.iterdir():
            if child.name.startswith(("seg-", ".seg-", "gen-", ".gen-")) and child.name not in keep:
                shutil.rmtree(child, ignore_errors=True)
        return manifest

    def _new_segment(
        self,
        made: list[Path],
        docs: Sequence[Document],
        chunks: Sequence[Chunk],
        counts: Sequence[Mapping[str, int]],
        vectors: np.ndarray | None = None,
    ) -> dict[str, Any]:
        name = f"seg-{time.time_ns():x}"
        tmp = self.root / f".{name}.tmp"
        made.append(tmp)
        if vectors is None:
            vectors = (
                np.vstack(self._vectors)
                if self._vectors
                else np.zeros((0, self.params.dim), np.float32)
            )
        entry = _write_segment(
            tmp, docs, chunks, vectors, counts, ann_min_chunks=self.ann_min_chunks
        )
        os.replace(tmp, self.root / name)
        made.append(self.root / name)
        entry["name"] = name
        return entry

    def _merge_small(self, entries: list[dict[str, Any]], made: list[Path]) -> list[dict[str, Any]]:
        """Merge the small (flat) segments into one when there are too many of them."""
        small = [e for e in entries if not e.get("ann")]
        if len(small) <= MAX_SEGMENTS:
            return entries
        docs: list[Document] = []
        chunks: list[Chunk] = []
        counts: list[Mapping[str, int]] = []
        vectors: list[np.ndarray] = []
        for e in small:
            seg = self._open_for_merge(e["name"], made)
            dead = set(e["deleted"])
            for info in seg.docs:
                if info.doc_id in dead:
                    continue
                doc = seg.document(info.doc_id)
                assert doc is not None
                docs.append(doc)
            alive = np.array([seg.docs[j].doc_id not in dead for j in seg.row_doc], dtype=bool)
            local = np.flatnonzero(alive)
            found = seg.chunks(local.tolist())
            chunks.extend(found[int(r)] for r in local)
            counts.extend(_segment_term_counts(seg, local))
            vectors.append(np.asarray(seg.vectors[local], dtype=np.float32))
            seg.close()
        merged = self._new_segment(
            made,
            docs,
            chunks,
            counts,
            np.vstack(vectors) if vectors else np.zeros((0, self.params.dim), np.float32),
        )
        small_names = {e["name"] for e in small}
        return [e for e in entries if e["name"] not in small_names] + [merged]

    def _open_for_merge(self, name: str, made: list[Path]) -> Segment:
        if self.base is not None:
            for seg in self.base._segments:
                if seg.name == name:
                    return Segment(seg.folder)
        return Segment(self.root / name)


def open_writer(
    index_dir: str | Path,
    params: IndexParams,
    base: IndexStore | None,
    *,
    ann_min_chunks: int,
) -> FaissWriter:
    """A writer over base (None: start an empty index)."""
    return FaissWriter(index_dir, params, base, ann_min_chunks=ann_min_chunks)


# The name the rest of the package has used for a loaded index.
StoredIndex = IndexStore
