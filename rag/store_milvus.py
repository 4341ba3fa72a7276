"""The Milvus store: `IndexStore` and `IndexWriter` over Milvus, the second backend of rag.store.

Where: setting store = a path ending in .db (Milvus Lite, embedded in this process, no server)
or an http(s):// URI (a Milvus server or cluster; token from setting milvus_token). Four
collections named from setting milvus_collection:

- <name>_chunks: one row per chunk (row is the primary key and the row number the retrieval
  code sees): text, offsets, heading, line range, page, doc_id, the dense vector, and two
  sparse vectors over term ids: BM25 weights (for candidate search) and raw term counts;
- <name>_docs: one row per part of a document: part 0 holds its metadata (title, issuer,
  date, 文号, region, path); the parts' bodies together are a JSON object with the raw text,
  the clean-to-raw spans and page starts, so a citation resolves from Milvus alone;
- <name>_terms: the BM25 vocabulary (term, id, document frequency, pinyin spelling);
- <name>_state: one row: index parameters, counts, the next free ids, a generation.

BM25 is computed from client-side sparse vectors with the tokens and Okapi weights of the FAISS
path (rag.text.tokenize, rag.bm25), not with a Milvus BM25 function: Milvus Lite keeps BM25
statistics per segment, and a server-side analyzer would not see the question side's aliases
and user dictionaries, so rankings would differ from the FAISS store's. Milvus finds the
candidates (sparse inner product, filter applied inside); the candidates are then scored
exactly from their stored term counts with the current idf and average length. Dense search is
exact inner product (FLAT) on Milvus Lite and AUTOINDEX on a server. Filters are Milvus filter
expressions on doc_id. Fusion stays in rag.retrieve, as for FAISS.

Unlike the FAISS store, a commit is not atomic: rows are written, then the vocabulary, then the
state row (which readers use as the generation). One writer at a time: Milvus Lite allows one
process per .db; for a server, run one `rag index` at a time.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from rag import bm25
from rag.errors import (
    IndexBusyError,
    IndexMismatchError,
    IndexMissingError,
    StoreUnreachableError,
)
from rag.redact import redact, url_secrets
from rag.store import CorpusTerms, DocInfo, IndexParams, IndexStore, _spelling, _top, line_starts
from rag.types import Chunk, Document

FORMAT = 2  # layout of the collections; opening another is an IndexMismatchError
SERVER_SCHEMES = ("http://", "https://")
CONNECT_SECONDS = 10.0
VARCHAR_BYTES = 65_535  # Milvus's longest VARCHAR
PART_CHARS = 16_000  # a document body part: at most 4 UTF-8 bytes a character fits VARCHAR
BATCH_ROWS = 256  # rows per insert call (a gRPC message stays far below its size limit)
IN_LIST = 1_000  # ids per "in [...]" filter
MAX_TOPK = 16_384  # Milvus's largest limit per search
EMPTY_TERM = 2**32 - 2  # sparse rows must not be empty: a chunk without terms holds this id
# BM25 candidates fetched beyond k: exact rescoring reorders them, so a chunk that the
# commit-time weights put just outside k can still come back
CANDIDATE_MARGIN = 50
RECENT_ROWS = 2_000  # vectors and term counts of the rows read last, kept per store
_NAME_RE = re.compile(r"[^A-Za-z0-9_]")
_CHUNK_FIELDS = (
    "row",
    "chunk_id",
    "doc_id",
    "text",
    "start_char",
    "end_char",
    "line_start",
    "line_end",
    "heading",
    "page",
    "chunk_tokens",
)
_META_FIELDS = ("title", "issuer", "date", "doc_number", "region")


def is_milvus(store: str) -> bool:
    """True when the setting store names Milvus (a .db file or an http(s) URI), not FAISS."""
    return store.endswith(".db") or store.startswith(SERVER_SCHEMES)


def collection_name(given: str, index_dir: str) -> str:
    """The collection base name: the setting, or one derived from the index folder's name."""
    name = given or f"rag_{Path(index_dir).name or 'index'}"
    name = _NAME_RE.sub("_", name)
    return name if name[:1].isalpha() or name[:1] == "_" else f"rag_{name}"


@dataclass(frozen=True)
class MilvusTarget:
    """Where a Milvus store lives: the URI or .db path, the collection base name, a token."""

    uri: str
    collection: str
    token: str = field(default="", repr=False)

    @property
    def lite(self) -> bool:
        return not self.uri.startswith(SERVER_SCHEMES)

    @property
    def shown(self) -> str:
        """The URI fit to show: no user:password, token or secret query value."""
        return redact(self.uri, (self.token, *url_secrets(self.uri)))

    def name(self, kind: str) -> str:
        return f"{self.collection}_{kind}"


# ---------------------------------------------------------------- connecting

_clients: dict[tuple[str, str], Any] = {}
_clients_lock = threading.Lock()


def _client(target: MilvusTarget, *, create: bool) -> Any:
    """One MilvusClient per URI and token in a process (Milvus Lite: one server per .db)."""
    uri = str(Path(target.uri).expanduser().resolve()) if target.lite else target.uri
    key = (uri, target.token)
    with _clients_lock:
        client = _clients.get(key)
        if client is not None:
            return client
        from pymilvus import MilvusClient
        from pymilvus.exceptions import MilvusException

        if target.lite:
            if not create and not Path(uri).exists():
                raise IndexMissingError(
                    f"no Milvus Lite store at {target.uri}: run `rag index --store {target.uri}`"
                )
            Path(uri).parent.mkdir(parents=True, exist_ok=True)
        # Milvus Lite logs a traceback when another process holds the .db; the error below
        # says what to do in one line instead
        lite_log = logging.getLogger("milvus_lite.server_manager")
        level = lite_log.level
        lite_log.setLevel(logging.CRITICAL)
        try:
            # the in-process Milvus Lite server refuses pymilvus's 10 s keepalive pings (grpc
            # logs "too_many_pings" to stderr during a long index); a local channel needs none
            options = {"grpc_options": {"grpc.keepalive_time_ms": 2**31 - 1}} if target.lite else {}
            client = MilvusClient(uri=uri, token=target.token, timeout=CONNECT_SECONDS, **options)
        except MilvusException as e:
            reason = redact(str(getattr(e, "message", "") or e), (target.token,))
            if target.lite:
                raise IndexBusyError(
                    f"cannot open the Milvus Lite store {target.uri} ({reason}): another process "
                    "(rag serve, rag index) has it open, and Milvus Lite allows one process per "
                    ".db; stop that process, or run a Milvus server and set store to its URI"
                ) from None
            raise StoreUnreachableError(
                f"cannot reach the Milvus server at {target.shown} ({reason}): start it, or fix "
                "the setting store (RAG_STORE, --store) and milvus_token (RAG_MILVUS_TOKEN)"
            ) from None
        finally:
            lite_log.setLevel(level)
        _clients[key] = client
        return client


def _call(target: MilvusTarget, what: str, fn: Callable[[], Any]) -> Any:
    """Run one Milvus request; a failure is a RagError naming the store (secrets masked)."""
    from pymilvus.exceptions import MilvusException

    try:
        return fn()
    except MilvusException as e:
        reason = redact(str(getattr(e, "message", "") or e), (target.token,))
        raise StoreUnreachableError(
            f"Milvus at {target.shown} failed to {what} ({reason}): check that the server is "
            "running, or rebuild the store with `rag index --rebuild`"
        ) from None


def _in(field_name: str, values: Iterable[Any]) -> str:
    """A Milvus filter expression: field_name is one of values."""
    return f"{field_name} in {json.dumps(list(values), ensure_ascii=False)}"


def _query(
    target: MilvusTarget, collection: str, expr: str, fields: Sequence[str]
) -> list[dict[str, Any]]:
    """Every row matching expr (from a server through an iterator: a plain query is capped at
    16,384 rows)."""
    client = _client(target, create=False)

    def run() -> list[dict[str, Any]]:
        if target.lite:  # in-process, no result window; its iterator needs RPCs it lacks
            return [dict(r) for r in client.query(collection, filter=expr, output_fields=fields)]
        out: list[dict[str, Any]] = []
        it = client.query_iterator(
            collection, batch_size=2000, filter=expr, output_fields=list(fields)
        )
        try:
            while batch := it.next():
                out.extend(dict(r) for r in batch)
        finally:
            it.close()
        return out

    return list(_call(target, f"read {collection}", run))


def _rows_by(
    target: MilvusTarget, collection: str, key: str, values: Sequence[Any], fields: Sequence[str]
) -> list[dict[str, Any]]:
    """Rows whose key is one of values, a bounded list of ids per request."""
    client = _client(target, create=False)
    out: list[dict[str, Any]] = []
    for start in range(0, len(values), IN_LIST):
        part = list(values[start : start + IN_LIST])
        got = _call(
            target,
            f"read {collection}",
            partial(client.query, collection, filter=_in(key, part), output_fields=list(fields)),
        )
        out.extend(dict(r) for r in got)
    return out


def store_exists(target: MilvusTarget) -> bool:
    """True when the target holds a store (its state collection exists)."""
    if target.lite and not Path(target.uri).expanduser().exists():
        return False
    client = _client(target, create=False)
    return bool(
        _call(target, "list collections", lambda: client.has_collection(target.name("state")))
    )


KINDS = ("chunks", "docs", "terms", "state")
_loaded: set[tuple[str, str, str]] = set()
_opened: dict[tuple[str, str, str], MilvusStore] = {}  # the last generation opened of each


def _load(target: MilvusTarget) -> None:
    """Load the collections into memory (a reopened Milvus Lite .db has them released)."""
    key = (target.uri, target.token, target.collection)
    if key in _loaded:
        return
    client = _client(target, create=False)
    for kind in KINDS:
        name = target.name(kind)
        _call(target, f"load {name}", partial(client.load_collection, name))
    _loaded.add(key)


def _read_state(target: MilvusTarget) -> dict[str, Any] | None:
    if not store_exists(target):
        return None
    _load(target)
    client = _client(target, create=False)
    got = _call(
        target,
        "read the state",
        lambda: client.query(target.name("state"), ids=["state"], output_fields=["body"]),
    )
    return dict(json.loads(got[0]["body"])) if got else None


def milvus_stamp(target: MilvusTarget) -> tuple[int, int, int] | None:
    """The store's generation (changes with each commit), or None when there is no store."""
    state = _read_state(target)
    if state is None:
        return None
    return (int(state["generation"]), int(state["chunks"]), int(state["documents"]))


@contextmanager
def milvus_lock(
    target: MilvusTarget, *, wait: bool = True, notify: Callable[[str], None] | None = None
) -> Iterator[None]:
    """One writer per Milvus Lite .db in this machine (a lock file beside it); a server has no
    lock here: run one `rag index` against it at a time."""
    if not target.lite:
        yield
        return
    from filelock import FileLock, Timeout

    path = Path(target.uri).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(f"{path}.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if not wait:
            raise IndexBusyError(
                f"the Milvus Lite store {target.uri} is being written by another process: run "
                "again when it has finished, or without --no-wait to wait for it"
            ) from None
        if notify:
            notify(f"the Milvus Lite store {target.uri} is being written by another process")
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


# ---------------------------------------------------------------- values in and out


def _put_path(path: str) -> str:
    """A path as VARCHAR text: a file name that is not valid UTF-8 keeps its bytes (base64)."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return "\x00" + base64.b64encode(os.fsencode(path)).decode("ascii")


def _get_path(text: str) -> str:
    return os.fsdecode(base64.b64decode(text[1:])) if text.startswith("\x00") else text


def _opt(value: str) -> str | None:
    return value or None


def _body(doc: Document) -> str:
    """A document's raw text, spans and page starts as JSON (the clean text is rebuilt from
    the spans: it is a subsequence of the raw text; stored too when it is not)."""
    body: dict[str, Any] = {
        "fmt": doc.fmt,
        "raw_text": doc.raw_text,
        "spans": doc.spans,
        "page_starts": doc.page_starts,
    }
    if _clean_from_spans(doc.raw_text, doc.spans) != doc.text:
        body["text"] = doc.text
    try:
        text = json.dumps(body, ensure_ascii=False)
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:  # lone surrogates: escaped, still valid JSON
        return json.dumps(body, ensure_ascii=True)


def _clean_from_spans(raw_text: str, spans: Sequence[Sequence[int]]) -> str:
    return "".join(raw_text[r : r + n] for _c, r, n in spans)


def _document(info: dict[str, Any], parts: Sequence[str]) -> Document:
    body = json.loads("".join(parts))
    spans = tuple(tuple(s) for s in body["spans"])
    raw_text = body["raw_text"]
    return Document(
        doc_id=info["doc_id"],
        path=_get_path(info["path"]),
        source=_get_path(info["source"]),
        fmt=body["fmt"],
        text=body.get("text", _clean_from_spans(raw_text, spans)),
        raw_text=raw_text,
        spans=spans,  # type: ignore[arg-type]
        raw_line_starts=line_starts(raw_text),
        page_starts=tuple(body["page_starts"]),
        **{k: _opt(info[k]) for k in _META_FIELDS},
    )


def _info(row: Mapping[str, Any]) -> DocInfo:
    return DocInfo(
        doc_id=row["doc_id"],
        path=_get_path(row["path"]),
        source=_get_path(row["source"]),
        title=_opt(row["title"]),
        issuer=_opt(row["issuer"]),
        date=_opt(row["date"]),
        region=_opt(row["region"]),
    )


def _chunk(row: Mapping[str, Any]) -> Chunk:
    return Chunk(
        chunk_id=row["chunk_id"],
        doc_id=row["doc_id"],
        text=row["text"],
        start_char=int(row["start_char"]),
        end_char=int(row["end_char"]),
        line_start=int(row["line_start"]),
        line_end=int(row["line_end"]),
        heading=row["heading"],
        page=None if int(row["page"]) < 0 else int(row["page"]),
        chunk_tokens=int(row["chunk_tokens"]),
    )


def _sparse(values: Mapping[int, float]) -> dict[int, float]:
    return {int(k): float(v) for k, v in values.items()} or {EMPTY_TERM: 1.0}


# ---------------------------------------------------------------- a loaded store


class _Documents(Mapping[str, Document]):
    """doc_id -> Document, read from the docs collection on demand."""

    def __init__(self, store: MilvusStore) -> None:
        self._store = store
        self._cache: dict[str, Document] = {}
        self._lock = threading.Lock()

    def __getitem__(self, doc_id: str) -> Document:
        with self._lock:
            got = self._cache.get(doc_id)
        if got is not None:
            return got
        store = self._store
        if doc_id not in store._doc_index:
            raise KeyError(doc_id)
        # by primary key: a filter on doc_id would scan the collection
        keys = [f"{doc_id}:{p}" for p in range(store._parts[doc_id])]
        rows = _rows_by(
            store.target,
            store.target.name("docs"),
            "key",
            keys,
            ["part", "body", "doc_id", "path", "source", *_META_FIELDS],
        )
        if len(rows) != len(keys):
            raise KeyError(doc_id)
        rows.sort(key=lambda r: int(r["part"]))
        doc = _document(rows[0], [r["body"] for r in rows])
        with self._lock:
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
    """The chunks in row order, read on demand."""

    def __init__(self, store: MilvusStore) -> None:
        self._store = store

    def __len__(self) -> int:
        return int(self._store.state["chunks"])

    def __getitem__(self, i: Any) -> Any:
        rows = self._store._all_rows()
        if isinstance(i, slice):
            return self._store.chunks_at(rows[i].tolist())
        return self._store.chunks_at([int(rows[i])])[0]

    def __iter__(self) -> Iterator[Chunk]:
        rows = self._store._all_rows().tolist()
        for start in range(0, len(rows), 1000):
            yield from self._store.chunks_at(rows[start : start + 1000])


class MilvusStore:
    """A loaded generation of a Milvus store; searches run in Milvus. Thread-safe."""

    def __init__(self, target: MilvusTarget, state: Mapping[str, Any]) -> None:
        self.target = target
        self.state = dict(state)
        self.params = IndexParams(**state["params"])
        self.stamp: tuple[int, int, int] | None = (
            int(state["generation"]),
            int(state["chunks"]),
            int(state["documents"]),
        )
        docs = _query(
            target,
            target.name("docs"),
            "part == 0",
            [
                "seq",
                "doc_id",
                "path",
                "source",
                "title",
                "issuer",
                "date",
                "region",
                "chunks",
                "parts",
            ],
        )
        docs.sort(key=lambda r: int(r["seq"]))
        self._infos = [_info(r) for r in docs]
        self._chunk_counts = {r["doc_id"]: int(r["chunks"]) for r in docs}
        self._parts = {r["doc_id"]: int(r["parts"]) for r in docs}
        self._doc_index = {d.doc_id: i for i, d in enumerate(self._infos)}
        terms = _query(target, target.name("terms"), "df > 0", ["term", "tid", "df", "pinyin"])
        terms.sort(key=lambda r: int(r["tid"]))
        self._terms = terms
        self._tid = {r["term"]: int(r["tid"]) for r in terms}
        n = int(state["chunks"])
        df = np.array([int(r["df"]) for r in terms], dtype=np.int64)
        self._idf_by_tid = dict(
            zip((int(r["tid"]) for r in terms), bm25.idf(n, df).tolist(), strict=True)
        )
        self._avg_length = np.float32(float(state["total_length"]) / n if n else 1.0)
        self._rows: np.ndarray | None = None
        self._corpus: CorpusTerms | None = None
        self._pinyin: dict[str, str] | None = None
        self._lock = threading.Lock()
        self._recent: dict[int, dict[str, Any]] = {}
        self._documents = _Documents(self)

    # -- what the answer side reads

    @property
    def documents(self) -> Mapping[str, Document]:
        return self._documents

    @property
    def chunks(self) -> Sequence[Chunk]:
        return _Chunks(self)

    @property
    def files(self) -> Mapping[str, str]:
        return {d.path: d.doc_id for d in self._infos}

    @property
    def bm25(self) -> CorpusTerms:
        """idf and document frequency of every term in a chunk."""
        with self._lock:
            if self._corpus is None:
                self._corpus = CorpusTerms(
                    idf={r["term"]: self._idf_by_tid[int(r["tid"])] for r in self._terms},
                    doc_freq={r["term"]: int(r["df"]) for r in self._terms},
                )
            return self._corpus

    @property
    def pinyin_map(self) -> Mapping[str, str]:
        """Pinyin -> indexed Chinese term (the most frequent one), as the FAISS store has it."""
        with self._lock:
            if self._pinyin is None:
                best: dict[str, tuple[int, str]] = {}
                for r in self._terms:  # tid order = first-seen order, as the FAISS vocabulary
                    py, df = r["pinyin"], int(r["df"])
                    if py and (py not in best or df > best[py][0]):
                        best[py] = (df, r["term"])
                self._pinyin = {py: term for py, (_, term) in best.items()}
            return self._pinyin

    def doc_infos(self) -> Sequence[DocInfo]:
        return self._infos

    def chunk_counts(self) -> dict[str, int]:
        """doc_id -> number of its chunks (kept with each document's metadata)."""
        return dict(self._chunk_counts)

    def _all_rows(self) -> np.ndarray:
        with self._lock:
            if self._rows is None:
                got = _query(self.target, self.target.name("chunks"), "row >= 0", ["row"])
                self._rows = np.sort(np.array([int(r["row"]) for r in got], dtype=np.int64))
            return self._rows

    def chunks_of(self, doc_id: str) -> list[int]:
        """Rows of one document's chunks, in order."""
        if doc_id not in self._doc_index:
            return []
        got = _rows_by(self.target, self.target.name("chunks"), "doc_id", [doc_id], ["row"])
        return sorted(int(r["row"]) for r in got)

    def chunks_at(self, rows: Sequence[int]) -> list[Chunk]:
        """The chunks at these rows, in the same order (their vectors and term counts are kept
        for a while: retrieval scores the same rows next)."""
        wanted = [int(r) for r in rows]
        got = _rows_by(
            self.target,
            self.target.name("chunks"),
            "row",
            sorted(set(wanted)),
            [*_CHUNK_FIELDS, "vector", "tf", "length"],
        )
        self._remember(got, ("vector", "tf", "length"))
        found = {int(r["row"]): _chunk(r) for r in got}
        return [found[r] for r in wanted]

    def _remember(self, rows: Sequence[Mapping[str, Any]], fields: Sequence[str]) -> None:
        """Keep some fields of recently read rows (a row id is never reused, so its vector and
        term counts never change)."""
        with self._lock:
            for r in rows:
                kept = {f: r[f] for f in fields}
                if "vector" in kept:  # a float32 array, not a list of Python floats (20x less)
                    kept["vector"] = np.asarray(kept["vector"], dtype=np.float32)
                self._recent.setdefault(int(r["row"]), {}).update(kept)
            while len(self._recent) > RECENT_ROWS:
                self._recent.pop(next(iter(self._recent)))

    def _fields_of(self, rows: Sequence[int], fields: Sequence[str]) -> dict[int, dict[str, Any]]:
        """row -> those fields, from the recent rows or else from Milvus."""
        with self._lock:
            found = {
                r: got
                for r in set(rows)
                if (got := self._recent.get(r)) is not None and all(f in got for f in fields)
            }
        missing = sorted(set(rows) - found.keys())
        if missing:
            got_rows = _rows_by(
                self.target, self.target.name("chunks"), "row", missing, ["row", *fields]
            )
            self._remember(got_rows, fields)
            found.update({int(r["row"]): r for r in got_rows})
        return found

    def export(self) -> tuple[list[Document], list[Chunk], np.ndarray, list[dict[str, int]]]:
        """Every document, chunk (in row order), vector and term count: what an IndexWriter
        takes to make a copy of this store."""
        target = self.target
        parts: dict[str, list[dict[str, Any]]] = {}
        doc_fields = ["part", "body", "doc_id", "path", "source", *_META_FIELDS]
        for r in _query(target, target.name("docs"), "part >= 0", doc_fields):
            parts.setdefault(r["doc_id"], []).append(r)
        documents = []
        for info in self._infos:
            rows = sorted(parts[info.doc_id], key=lambda r: int(r["part"]))
            documents.append(_document(rows[0], [r["body"] for r in rows]))
        got = _query(target, target.name("chunks"), "row >= 0", [*_CHUNK_FIELDS, "vector", "tf"])
        got.sort(key=lambda r: int(r["row"]))
        term_of = {int(r["tid"]): r["term"] for r in self._terms}
        counts = [
            {term_of[int(t)]: int(c) for t, c in r["tf"].items() if int(t) in term_of} for r in got
        ]
        vectors = np.array([r["vector"] for r in got], dtype=np.float32).reshape(
            -1, self.params.dim
        )
        return documents, [_chunk(r) for r in got], vectors, counts

    # -- search

    def _filter(self, allowed: Collection[str] | None) -> str:
        """The Milvus filter expression for the allowed documents ("" for all)."""
        if allowed is None:
            return ""
        keep = sorted(set(allowed) & self._doc_index.keys())
        drop = sorted(self._doc_index.keys() - set(keep))
        if not drop:
            return ""
        if len(drop) < len(keep):  # the shorter list of ids makes the shorter expression
            return f"not ({_in('doc_id', drop)})"
        return _in("doc_id", keep)

    def _search(
        self, data: Any, field_name: str, limit: int, expr: str, fields: Sequence[str]
    ) -> list[dict[str, Any]]:
        client = _client(self.target, create=False)
        got = _call(
            self.target,
            "search",
            lambda: client.search(
                self.target.name("chunks"),
                data=[data],
                anns_field=field_name,
                limit=min(limit, MAX_TOPK),
                filter=expr,
                output_fields=list(fields),
                search_params={"metric_type": "IP"},
            ),
        )
        out = []
        for hit in got[0]:
            entity = dict(hit.get("entity") or {})
            entity["row"] = int(hit["id"] if "id" in hit else hit["row"])
            entity["score"] = float(hit["distance"])
            out.append(entity)
        return out

    def dense_search(
        self, vector: np.ndarray, k: int, allowed: Collection[str] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k rows by inner product, searched in Milvus with the filter applied inside."""
        if allowed is not None and not (set(allowed) & self._doc_index.keys()):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        q = np.asarray(vector, dtype=np.float32).reshape(-1).tolist()
        hits = self._search(q, "vector", k, self._filter(allowed), ["row"])
        rows = np.array([h["row"] for h in hits], dtype=np.int64)
        scores = np.array([h["score"] for h in hits], dtype=np.float32)
        return _top([rows], [scores], k)  # ties in row order, as the FAISS store

    def dense_scores(self, vector: np.ndarray, rows: Sequence[int]) -> np.ndarray:
        """Inner product of the vector with the stored vectors of these rows only."""
        wanted = [int(r) for r in rows]
        if not wanted:
            return np.zeros(0, np.float32)
        got = self._fields_of(wanted, ["vector"])
        q = np.asarray(vector, dtype=np.float32).reshape(-1)
        return np.stack([np.asarray(got[r]["vector"], dtype=np.float32) for r in wanted]) @ q

    def _query_terms(self, tokens: Sequence[str]) -> list[int]:
        """Term ids of the distinct query tokens the index knows, in question order."""
        return [t for t in (self._tid.get(tok) for tok in dict.fromkeys(tokens)) if t is not None]

    def _exact_bm25(self, tids: Sequence[int], rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Okapi BM25 of the rows from their stored term counts: the FAISS store's float32
        arithmetic, term by term in question order, with the current idf and average length."""
        lengths = np.array([float(r["length"]) for r in rows], dtype=np.float32)
        out = np.zeros(len(rows), dtype=np.float32)
        counts = [r["tf"] for r in rows]
        for tid in tids:
            tf = np.array([float(c.get(tid, 0.0)) for c in counts], dtype=np.float32)
            has = tf > 0
            if has.any():
                out[has] += bm25.term_scores(
                    self._idf_by_tid[tid], tf[has], lengths[has], self._avg_length
                )
        return out

    def bm25_search(
        self, tokens: Sequence[str], k: int, allowed: Collection[str] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k rows by Okapi BM25 (rows scoring 0 are left out), filtered before ranking."""
        tids = self._query_terms(tokens)
        if not tids or (allowed is not None and not (set(allowed) & self._doc_index.keys())):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        query = {tid: self._idf_by_tid[tid] for tid in tids}
        hits = self._search(
            query, "bm25", k + CANDIDATE_MARGIN, self._filter(allowed), ["tf", "length"]
        )
        rows = np.array([h["row"] for h in hits], dtype=np.int64)
        scores = self._exact_bm25(tids, hits)
        hit = scores > 0
        return _top([rows[hit]], [scores[hit]], k)

    def bm25_scores(self, tokens: Sequence[str], rows: Sequence[int]) -> np.ndarray:
        """BM25 scores of these rows only, from their stored term counts."""
        wanted = [int(r) for r in rows]
        tids = self._query_terms(tokens)
        if not wanted or not tids:
            return np.zeros(len(wanted), np.float32)
        by_row = self._fields_of(wanted, ["tf", "length"])
        return self._exact_bm25(tids, [by_row[r] for r in wanted])


def open_milvus(target: MilvusTarget, previous: IndexStore | None = None) -> MilvusStore:
    """Open the store's current generation (previous is unused: the last store opened in this
    process is reused while its generation is current)."""
    state = _read_state(target)
    if state is None:
        raise IndexMissingError(
            f"no index in Milvus at {target.shown} (collection {target.collection}): run "
            f"`rag index --store {target.shown}` first"
        )
    if state.get("format") != FORMAT:
        raise IndexMismatchError(
            f"the Milvus store at {target.shown} (collection {target.collection}) has format "
            f"{state.get('format')}, this version reads format {FORMAT}: run "
            "`rag index --rebuild` with the same --store"
        )
    key = (target.uri, target.token, target.collection)
    with _clients_lock:
        cached = _opened.get(key)
    if cached is not None and cached.state["generation"] == state["generation"]:
        return cached  # the same generation: its metadata and vocabulary are already loaded
    store = MilvusStore(target, state)
    with _clients_lock:
        _opened[key] = store
    return store


# ---------------------------------------------------------------- writing


def _schemas(dim: int, lite: bool) -> dict[str, tuple[Any, Any]]:
    """(schema, index params) of each collection."""
    from pymilvus import DataType, MilvusClient

    text = {"datatype": DataType.VARCHAR, "max_length": VARCHAR_BYTES}
    out: dict[str, tuple[Any, Any]] = {}

    chunks = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    chunks.add_field("row", DataType.INT64, is_primary=True)
    chunks.add_field("chunk_id", **text)
    chunks.add_field("doc_id", DataType.VARCHAR, max_length=256)
    chunks.add_field("text", **text)
    for name in ("start_char", "end_char", "line_start", "line_end", "page", "chunk_tokens"):
        chunks.add_field(name, DataType.INT64)
    chunks.add_field("heading", **text)
    chunks.add_field("length", DataType.FLOAT)  # BM25 length: the chunk's term count
    chunks.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    chunks.add_field("bm25", DataType.SPARSE_FLOAT_VECTOR)
    chunks.add_field("tf", DataType.SPARSE_FLOAT_VECTOR)
    idx = MilvusClient.prepare_index_params()
    # Milvus Lite: exact search, as the FAISS store below ann_min_chunks; a server: its default
    idx.add_index("vector", index_type="FLAT" if lite else "AUTOINDEX", metric_type="IP")
    idx.add_index("bm25", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
    idx.add_index("tf", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
    idx.add_index("doc_id", index_type="INVERTED")
    out["chunks"] = (chunks, idx)

    def small(key: str, key_bytes: int, fields: Sequence[tuple[str, Any]]) -> tuple[Any, Any]:
        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field(key, DataType.VARCHAR, max_length=key_bytes, is_primary=True)
        for name, kind in fields:
            if kind == "text":
                schema.add_field(name, **text)
            else:
                schema.add_field(name, kind)
        # a Milvus server loads only collections with a vector field: a two-number placeholder
        schema.add_field("_v", DataType.FLOAT_VECTOR, dim=2)
        index = MilvusClient.prepare_index_params()
        index.add_index("_v", index_type="FLAT", metric_type="IP")
        return schema, index

    out["docs"] = docs = small(
        "key",
        512,
        [
            ("doc_id", "text"),
            ("part", DataType.INT64),
            ("seq", DataType.INT64),
            ("chunks", DataType.INT64),
            ("parts", DataType.INT64),
            ("path", "text"),
            ("source", "text"),
            *((name, "text") for name in _META_FIELDS),
            ("body", "text"),
        ],
    )
    docs[1].add_index("doc_id", index_type="INVERTED")  # deletes and exports by document
    out["terms"] = small(
        "term", VARCHAR_BYTES, [("tid", DataType.INT64), ("df", DataType.INT64), ("pinyin", "text")]
    )
    out["state"] = small("key", 64, [("body", "text")])
    return out


_PLACEHOLDER = [0.0, 0.0]


class MilvusWriter:
    """Pending changes to a Milvus store; commit writes them (hold milvus_lock around it)."""

    def __init__(self, target: MilvusTarget, params: IndexParams, base: IndexStore | None) -> None:
        self.target = target
        self.params = params
        self.base = base if isinstance(base, MilvusStore) else None
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

    def _client(self) -> Any:
        return _client(self.target, create=True)

    def _write(self, kind: str, rows: Sequence[dict[str, Any]], *, upsert: bool = False) -> None:
        client = self._client()
        name = self.target.name(kind)
        for start in range(0, len(rows), BATCH_ROWS):
            part = list(rows[start : start + BATCH_ROWS])
            write = client.upsert if upsert else client.insert
            _call(self.target, f"write {name}", partial(write, name, part))

    def _create(self) -> None:
        """Drop any collections of this name and create them empty."""
        client = self._client()
        for kind, (schema, index) in _schemas(self.params.dim, self.target.lite).items():
            name = self.target.name(kind)

            def make(name: str = name, schema: Any = schema, index: Any = index) -> None:
                if client.has_collection(name):
                    client.drop_collection(name)
                client.create_collection(name, schema=schema, consistency_level="Strong")
                # Milvus Lite indexes an empty collection at once; waiting polls every 0.5 s
                # through an RPC it does not implement
                client.create_index(name, index, sync=not self.target.lite)
                client.load_collection(name)

            _call(self.target, f"create {name}", make)

    def commit(self, files: Mapping[str, str], version: str) -> dict[str, Any]:
        """Write the changes, then the state row that names the new generation."""
        target = self.target
        if self.base is None:
            self._create()
            state: dict[str, Any] = {
                "format": FORMAT,
                "params": asdict(self.params),
                "chunks": 0,
                "documents": 0,
                "total_length": 0.0,
                "next_row": 0,
                "next_tid": 0,
                "next_seq": 0,
            }
            vocab: dict[str, dict[str, Any]] = {}
        else:
            state = dict(self.base.state)
            vocab = {
                r["term"]: dict(r)
                for r in _query(target, target.name("terms"), "tid >= 0", ["term", "tid", "df"])
            }
            for r in vocab.values():
                r.pop("pinyin", None)
        changed: set[str] = set()
        by_tid = {int(r["tid"]): t for t, r in vocab.items()}

        # removals: their term counts leave the statistics
        known: set[str] = set(self.base._doc_index) if self.base is not None else set()
        gone = sorted(self._removed & known)
        if gone:
            for start in range(0, len(gone), IN_LIST):
                part = gone[start : start + IN_LIST]
                expr = _in("doc_id", part)
                for r in _query(target, target.name("chunks"), expr, ["row", "tf", "length"]):
                    for tid in r["tf"]:
                        term = by_tid.get(int(tid))
                        if term is not None:
                            vocab[term]["df"] -= 1
                            changed.add(term)
                    state["chunks"] -= 1
                    state["total_length"] -= float(r["length"])
                client = self._client()
                for kind in ("chunks", "docs"):
                    name = target.name(kind)
                    _call(
                        target,
                        f"delete from {name}",
                        partial(client.delete, name, filter=expr),
                    )
            state["documents"] -= len(gone)

        # additions
        for counts in self._counts:
            for term in counts:
                got = vocab.get(term)
                if got is None:
                    got = vocab[term] = {"term": term, "tid": state["next_tid"], "df": 0}
                    state["next_tid"] += 1
                got["df"] += 1
                changed.add(term)
        lengths = [float(sum(c.values())) for c in self._counts]
        state["chunks"] += len(self._chunks)
        state["total_length"] += float(sum(lengths))
        avg = np.float32(state["total_length"] / state["chunks"] if state["chunks"] else 1.0)
        vectors = (
            np.vstack(self._vectors)
            if self._vectors
            else np.zeros((0, self.params.dim), np.float32)
        )
        rows: list[dict[str, Any]] = []
        first_row = int(state["next_row"])
        for i, (chunk, counts) in enumerate(zip(self._chunks, self._counts, strict=True)):
            tids = [int(vocab[t]["tid"]) for t in counts]
            tf = np.array(list(counts.values()), dtype=np.float32)
            weights = bm25.term_scores(1.0, tf, np.full(len(tf), lengths[i], np.float32), avg)
            rows.append(
                {
                    "row": first_row + i,
                    "chunk_id": chunk.chunk_id,
                    "doc_id": chunk.doc_id,
                    "text": chunk.text,
                    "start_char": chunk.start_char,
                    "end_char": chunk.end_char,
                    "line_start": chunk.line_start,
                    "line_end": chunk.line_end,
                    "heading": chunk.heading,
                    "page": -1 if chunk.page is None else chunk.page,
                    "chunk_tokens": chunk.chunk_tokens,
                    "length": lengths[i],
                    "vector": vectors[i].tolist(),
                    "bm25": _sparse(dict(zip(tids, weights.tolist(), strict=True))),
                    "tf": _sparse(dict(zip(tids, tf.tolist(), strict=True))),
                }
            )
        self._write("chunks", rows)
        state["next_row"] = first_row + len(rows)
        del rows

        path_of = {doc_id: path for path, doc_id in files.items()}
        doc_rows: list[dict[str, Any]] = []
        per_doc = Counter(c.doc_id for c in self._chunks)
        for doc in self._docs:
            body = _body(doc)
            parts = [body[i : i + PART_CHARS] for i in range(0, len(body), PART_CHARS)] or [""]
            path = path_of.get(doc.doc_id, doc.path)
            for p, text in enumerate(parts):
                head = p == 0
                doc_rows.append(
                    {
                        "key": f"{doc.doc_id}:{p}",
                        "doc_id": doc.doc_id,
                        "part": p,
                        "seq": state["next_seq"],
                        "chunks": per_doc[doc.doc_id] if head else 0,
                        "parts": len(parts),
                        "path": _put_path(path) if head else "",
                        "source": _put_path(os.path.basename(path)) if head else "",
                        **{k: (getattr(doc, k) or "") if head else "" for k in _META_FIELDS},
                        "body": text,
                        "_v": _PLACEHOLDER,
                    }
                )
            state["next_seq"] += 1
        state["documents"] += len(self._docs)
        self._write("docs", doc_rows)
        del doc_rows
        self._move_kept(path_of)

        self._write(
            "terms",
            [
                {
                    "term": term,
                    "tid": int(vocab[term]["tid"]),
                    "df": int(vocab[term]["df"]),
                    "pinyin": _spelling(term),
                    "_v": _PLACEHOLDER,
                }
                for term in sorted(changed, key=lambda t: int(vocab[t]["tid"]))
            ],
            upsert=True,
        )
        state.update(
            generation=time.time_ns(),
            version=version,
            written_at=time.strftime("%Y-%m-%dT%H:%M:%S"),
        )
        self._write(
            "state",
            [{"key": "state", "body": json.dumps(state), "_v": _PLACEHOLDER}],
            upsert=True,
        )
        return state

    def _move_kept(self, path_of: Mapping[str, str]) -> None:
        """Kept documents whose file has moved get their new path (part 0 rewritten)."""
        if self.base is None:
            return
        moved = [
            d.doc_id
            for d in self.base.doc_infos()
            if d.doc_id in path_of and d.doc_id not in self._removed and path_of[d.doc_id] != d.path
        ]
        if not moved:
            return
        keys = [f"{doc_id}:0" for doc_id in moved]
        fields = ["key", "doc_id", "part", "seq", "chunks", "parts", "path", "source"]
        fields += [*_META_FIELDS, "body"]
        rows = _rows_by(self.target, self.target.name("docs"), "key", keys, fields)
        for r in rows:
            path = path_of[r["doc_id"]]
            r.update(path=_put_path(path), source=_put_path(os.path.basename(path)))
            r["_v"] = _PLACEHOLDER
        self._write("docs", rows, upsert=True)


def open_milvus_writer(
    target: MilvusTarget, params: IndexParams, base: IndexStore | None
) -> MilvusWriter:
    """A writer over base (None: start an empty store, dropping any collections of the name)."""
    return MilvusWriter(target, params, base)
