"""Indexing: files -> documents -> chunks -> vectors and BM25 statistics -> the stored index."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from rag.chunk import chunk_document
from rag.clean import clean_text
from rag.config import VERSION, Settings
from rag.embed import Embedder, embed_in_batches, get_embedder
from rag.errors import ConfigError, IndexMismatchError, IngestError, MetadataError
from rag.ingest import iter_files, read_file
from rag.meta import extract_meta
from rag.store import (
    FaissWriter,
    IndexParams,
    IndexStore,
    check_params,
    line_starts,
    load_index,
    manifest_stamp,
    open_writer,
    read_manifest,
    term_counts,
    writer_lock,
)
from rag.store_milvus import (
    MilvusTarget,
    MilvusWriter,
    collection_name,
    is_milvus,
    milvus_lock,
    milvus_stamp,
    open_milvus,
    open_milvus_writer,
    store_exists,
)
from rag.text.lexicon import use_user_dirs
from rag.text.speakers import speakers_in
from rag.text.tokenize import tokenize
from rag.types import Chunk, Document, IndexReport, Skipped

# progress(stage, done, total): stage is "files", "chunks" or "embedding"
Progress = Callable[[str, int, int], None]
EMBED_BATCH = 32
# the stages build_index times, reported as IndexReport.extra["<stage>_seconds"]
STAGES = ("read", "clean_meta", "chunk", "tokenize", "embed", "write")
# Bump when cleaning, metadata, chunking or tokenizing change what an index holds for the same
# file (tests/test_ingest.py fingerprints their output): an index is updated by file content, so
# without it upgraded code would keep serving every unchanged file as the old code read it.
PROCESSING_VERSION = 9
log = logging.getLogger(__name__)


def load_document(path: str | Path) -> Document:
    """Read, clean and describe one file (raises IngestError with the file and reason)."""
    raw = read_file(path)
    return document_from_text(
        raw.text,
        path=raw.path,
        fmt=raw.fmt,
        page_starts=raw.page_starts,
        content_hash=raw.content_hash,
    )


def document_from_text(
    raw_text: str,
    *,
    path: str,
    fmt: str = "txt",
    page_starts: tuple[int, ...] = (),
    content_hash: str | None = None,
) -> Document:
    """Clean and describe already-decoded text as a Document (doc_id from content_hash)."""
    cleaned = clean_text(raw_text)
    if not cleaned.text.strip():
        raise IngestError(path, "no text left after removing page chrome")
    meta = extract_meta(cleaned.text)
    digest = content_hash or hashlib.sha256(raw_text.encode("utf-8")).hexdigest()
    return Document(
        doc_id=digest[:16],
        path=path,
        source=Path(path).name,
        fmt=fmt,
        text=cleaned.text,
        raw_text=raw_text,
        spans=cleaned.spans,
        raw_line_starts=line_starts(raw_text),
        page_starts=page_starts,
        title=meta.title,
        issuer=meta.issuer,
        date=meta.date,
        doc_number=meta.doc_number,
        region=meta.region,
    )


def passage_text(doc: Document, chunk: Chunk) -> str:
    """What gets embedded and BM25-indexed for a chunk: its text in its document's context
    (title, region, heading path, and the offices of a transcript's speakers in it)."""
    speakers = speakers_in(doc.text, chunk.start_char, chunk.end_char)
    context = " ".join(x for x in (doc.title, doc.region, chunk.heading, *speakers) if x)
    return f"{context}\n{chunk.text}" if context else chunk.text


def _file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ---------------------------------------------------------------- the store the settings name


def _milvus(settings: Settings) -> MilvusTarget | None:
    if not is_milvus(settings.store):
        return None
    name = collection_name(settings.milvus_collection, settings.index_dir)
    return MilvusTarget(settings.store, name, settings.milvus_token)


def index_location(settings: Settings) -> str:
    """Where the index lives, fit to show: the folder, or the Milvus URI (secrets masked)."""
    target = _milvus(settings)
    return target.shown if target else str(Path(settings.index_dir).resolve())


def open_index(settings: Settings, previous: IndexStore | None = None) -> IndexStore:
    """The index the settings name: the FAISS folder index_dir, or a Milvus store."""
    target = _milvus(settings)
    return open_milvus(target) if target else load_index(settings.index_dir, previous=previous)


def index_stamp(settings: Settings) -> tuple[int, int, int] | None:
    """A fingerprint of the index's current generation (None: no index)."""
    target = _milvus(settings)
    return milvus_stamp(target) if target else manifest_stamp(settings.index_dir)


def index_lock(settings: Settings, *, wait: bool = True) -> AbstractContextManager[None]:
    """The index's writer lock (see rag.store.writer_lock, rag.store_milvus.milvus_lock)."""
    target = _milvus(settings)
    if target:
        return milvus_lock(target, wait=wait, notify=log.warning)
    return writer_lock(settings.index_dir, wait=wait, notify=log.warning)


def index_writer(
    settings: Settings, params: IndexParams, base: IndexStore | None
) -> FaissWriter | MilvusWriter:
    """A writer over base (None: start an empty index) in the store the settings name."""
    target = _milvus(settings)
    if target:
        return open_milvus_writer(target, params, base)
    return open_writer(settings.index_dir, params, base, ann_min_chunks=settings.ann_min_chunks)


def copy_index(
    settings: Settings, index_dir: str | Path, *, ignore: Callable[..., Any] | None = None
) -> None:
    """Copy the index the settings name into a new FAISS folder index_dir (a private working
    copy; vectors are reused, nothing is embedded). ignore: shutil.copytree's, FAISS only."""
    target = _milvus(settings)
    if target is None:
        shutil.copytree(settings.index_dir, index_dir, ignore=ignore)
        return
    store = open_milvus(target)
    documents, chunks, vectors, counts = store.export()
    writer = open_writer(index_dir, store.params, None, ann_min_chunks=settings.ann_min_chunks)
    writer.add(documents, chunks, vectors, counts)
    writer.commit(store.files, VERSION)


def _index_files(settings: Settings) -> dict[str, str] | None:
    """path -> doc_id of the indexed files, read without checking the index (None: no index)."""
    target = _milvus(settings)
    if target is None:
        manifest = read_manifest(settings.index_dir)
        return None if manifest is None else dict(manifest.get("files", {}))
    if not store_exists(target):
        return None
    try:
        return dict(open_milvus(target).files)
    except IndexMismatchError:
        return {}  # another store format: a rebuild replaces it


def index_params(settings: Settings, embedder: Embedder) -> IndexParams:
    return IndexParams(
        embedder=settings.embedder,
        dim=embedder.dim,
        chunk_tokens=settings.chunk_tokens,
        overlap_sentences=settings.overlap_sentences,
        processing=PROCESSING_VERSION,
    )


def build_index(
    paths: Sequence[str | Path],
    settings: Settings,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
    wait: bool = True,
) -> IndexReport:
    """Index files and folders incrementally: only new or changed files are embedded.

    One writer per index folder across processes: a second one waits for the first (a warning is
    logged), or raises IndexBusyError at once when wait is False.
    """
    use_user_dirs(settings.user_dict)
    for given in paths:
        if not os.path.lexists(Path(given).expanduser()):
            # a typo must not empty the index: nothing is read, written or removed
            raise IngestError(str(given), "no such file or folder: check the path")
    with index_lock(settings, wait=wait):
        return _build_index(paths, settings, rebuild=rebuild, progress=progress)


def _build_index(
    paths: Sequence[str | Path],
    settings: Settings,
    *,
    rebuild: bool,
    progress: Progress | None,
) -> IndexReport:
    started = time.perf_counter()
    seconds = dict.fromkeys(STAGES, 0.0)
    tick = progress or (lambda stage, done, total: None)
    index_dir = Path(settings.index_dir)
    embedder = get_embedder(settings.embedder, settings.device)
    old: IndexStore | None = None
    files_before = _index_files(settings)
    before: dict[str, str] = files_before or {}  # path -> id
    reprocessed: list[str] = []
    if not rebuild and files_before is not None:
        old = open_index(settings)
        check_params(index_dir, old.params, _wanted(settings, old.params))
        if old.params.processing != PROCESSING_VERSION:
            # every file is read again, the ones indexed from elsewhere too (when still there)
            reprocessed = sorted(p for p in before if Path(p).is_file())
            log.warning(
                "index at %s was built by an older text processing (version %s, now %s): "
                "all its files are read and embedded again",
                index_location(settings),
                old.params.processing,
                PROCESSING_VERSION,
            )
            old, rebuild = None, True
    files, skipped = iter_files([*paths, *reprocessed])
    skipped = list(skipped)

    old_infos = {d.doc_id: d for d in old.doc_infos()} if old else {}
    keep: dict[str, str] = {}  # doc_id -> path of a document whose chunks and vectors stay
    fresh: list[Document] = []
    seen_paths: set[str] = set()
    unchanged: list[str] = []
    for done, path in enumerate(files, 1):
        tick("files", done, len(files))
        apath = str(path.resolve())
        seen_paths.add(apath)
        try:
            t0 = time.perf_counter()
            digest = _file_hash(path)[:16]
            if digest in keep or any(d.doc_id == digest for d in fresh):
                skipped.append(Skipped(apath, "same content as a file already indexed"))
                continue
            if digest in old_infos:
                keep[digest] = apath
                unchanged.append(apath)
                continue
            raw = read_file(path)
            t1 = time.perf_counter()
            seconds["read"] += t1 - t0
            fresh.append(
                document_from_text(
                    raw.text,
                    path=raw.path,
                    fmt=raw.fmt,
                    page_starts=raw.page_starts,
                    content_hash=raw.content_hash,
                )
            )
            seconds["clean_meta"] += time.perf_counter() - t1
        except IngestError as e:
            skipped.append(Skipped(apath, e.reason))
        except OSError as e:
            skipped.append(Skipped(apath, f"cannot read: {e}"))

    removed: list[str] = []
    if old:
        new_paths = {d.path for d in fresh} | set(keep.values())
        for info in old_infos.values():
            if info.doc_id in keep or info.path in new_paths:
                continue
            if info.path in seen_paths:
                removed.append(info.path)  # given again but unreadable now (emptied, damaged)
            elif Path(info.path).is_file() and _file_hash(Path(info.path))[:16] == info.doc_id:
                keep[info.doc_id] = info.path  # indexed earlier from another folder, still there
            else:
                removed.append(info.path)
    elif rebuild:
        now = {d.path for d in fresh} | set(keep.values())
        removed = sorted(p for p in before if p not in now)  # --rebuild says what it drops
    gone = set(removed)
    skipped = [
        Skipped(s.path, f"{s.reason}; its earlier version was removed from the index")
        if s.path in gone
        else s
        for s in skipped
    ]

    t0 = time.perf_counter()
    new_chunks: list[tuple[Document, Chunk]] = []
    for done, doc in enumerate(fresh, 1):
        tick("chunks", done, len(fresh))
        for chunk in chunk_document(
            doc, chunk_tokens=settings.chunk_tokens, overlap_sentences=settings.overlap_sentences
        ):
            new_chunks.append((doc, chunk))
    texts = [passage_text(d, c) for d, c in new_chunks]
    t1 = time.perf_counter()
    seconds["chunk"] = t1 - t0

    def count_terms() -> list[dict[str, int]]:
        started = time.perf_counter()
        out = [term_counts(tokenize(text)) for text in texts]
        seconds["tokenize"] = time.perf_counter() - started
        return out

    # tokenizing (Python) runs while the embedder computes (native code, GIL released): the
    # pipeline's own work then costs little wall time beyond the model's
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(count_terms)
        t2 = time.perf_counter()
        tick("embedding", 0, len(texts))
        vectors = embed_in_batches(
            embedder,
            texts,
            batch_size=EMBED_BATCH,
            progress=lambda done, total: tick("embedding", done, total),
        )
        seconds["embed"] = time.perf_counter() - t2
        counts = pending.result()
    t3 = time.perf_counter()

    params = index_params(settings, embedder)
    writer = index_writer(settings, params, old)
    writer.remove(set(old_infos) - set(keep))
    writer.add(fresh, [c for _d, c in new_chunks], vectors, counts)
    files_now = {**{p: d for d, p in keep.items()}, **{d.path: d.doc_id for d in fresh}}
    written = writer.commit(files_now, VERSION)
    seconds["write"] = time.perf_counter() - t3

    documents: list[Document] = list(fresh)
    if old:
        for doc_id, kept_path in keep.items():
            doc = old.documents[doc_id]
            documents.append(replace(doc, path=kept_path, source=Path(kept_path).name))
    return IndexReport(
        index_dir=index_location(settings),
        documents=tuple(sorted(documents, key=lambda d: d.path)),
        added=tuple(d.path for d in fresh),
        unchanged=tuple(unchanged),
        removed=tuple(removed),
        skipped=tuple(skipped),
        chunks=int(written["chunks"]),
        seconds=time.perf_counter() - started,
        extra={
            **{f"{stage}_seconds": round(value, 4) for stage, value in seconds.items()},
            "embedded_chunks": float(len(texts)),
            "embedded_chars": float(sum(len(t) for t in texts)),
        },
    )


# Document fields a user may correct after indexing; the rest describe the file itself.
EDITABLE_FIELDS = ("title", "issuer", "date", "doc_number", "region")
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def remove_documents(
    doc_ids: Sequence[str], settings: Settings, *, wait: bool = True
) -> tuple[str, ...]:
    """Drop documents from the index (their files stay on disk); returns their paths.

    Unknown ids are ignored. Indexing the files again later adds them back.
    """
    with index_lock(settings, wait=wait):
        old = open_index(settings)
        check_params(settings.index_dir, old.params, _wanted(settings, old.params))
        gone = {d.doc_id: d.path for d in old.doc_infos() if d.doc_id in set(doc_ids)}
        if not gone:
            return ()
        writer = index_writer(settings, old.params, old)
        writer.remove(gone)
        writer.commit({p: d for p, d in old.files.items() if d not in gone}, VERSION)
    return tuple(sorted(gone.values()))


def _checked_changes(changes: Mapping[str, str | None]) -> dict[str, str | None]:
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise MetadataError(
            f"cannot edit {', '.join(unknown)}: editable fields are {', '.join(EDITABLE_FIELDS)}"
        )
    out: dict[str, str | None] = {}
    for name, value in changes.items():
        text = " ".join((value or "").split()) or None  # blank clears the field
        if name == "date" and text is not None:
            m = _DATE_RE.match(text)
            try:
                if m is None:
                    raise ValueError(text)
                date(int(m[1]), int(m[2] or 1), int(m[3] or 1))
            except ValueError:
                raise MetadataError(
                    f"date {text!r} is not a date: write it as yyyy-mm-dd, yyyy-mm or yyyy"
                ) from None
        out[name] = text
    return out


def edit_document(
    doc_id: str,
    changes: Mapping[str, str | None],
    settings: Settings,
    *,
    wait: bool = True,
) -> Document:
    """Correct a document's metadata (title, issuer, date, 文号, region) in the index.

    Its chunks keep their text and offsets; they are embedded again because the title and
    region are part of each passage's indexed text. A blank value clears the field.
    """
    fields = _checked_changes(changes)
    with index_lock(settings, wait=wait):
        old = open_index(settings)
        check_params(settings.index_dir, old.params, _wanted(settings, old.params))
        try:
            doc = replace(old.documents[doc_id], **fields)  # type: ignore[arg-type]
        except KeyError:
            raise MetadataError(
                f"no document {doc_id!r} in the index at {settings.index_dir}: pick a listed one"
            ) from None
        chunks = old.chunks_at(old.chunks_of(doc_id))
        texts = [passage_text(doc, c) for c in chunks]
        embedder = get_embedder(settings.embedder, settings.device)
        vectors = embed_in_batches(embedder, texts, batch_size=EMBED_BATCH)
        writer = index_writer(settings, old.params, old)
        writer.remove([doc_id])
        writer.add([doc], chunks, vectors, [passage_terms(t) for t in texts])
        writer.commit(old.files, VERSION)
    return doc


def passage_terms(text: str) -> dict[str, int]:
    """BM25 term counts of a passage's text, as build_index stores them."""
    return term_counts(tokenize(text))


def index_prepared(
    settings: Settings,
    documents: Sequence[Document],
    chunks: Sequence[Chunk],
    vectors: np.ndarray,
    terms: Sequence[Mapping[str, int]],
    *,
    wait: bool = True,
) -> dict[str, float]:
    """Replace the index with already chunked, embedded and tokenised passages (benchmarks,
    imports); returns the store's write seconds."""
    embedder = get_embedder(settings.embedder, settings.device)
    if vectors.shape[1:] != (embedder.dim,):
        raise ConfigError(
            f"vectors have shape {vectors.shape}, embedder {settings.embedder!r} makes "
            f"{embedder.dim}-dimensional ones: embed the passages with that embedder"
        )
    started = time.perf_counter()
    with index_lock(settings, wait=wait):
        writer = index_writer(settings, index_params(settings, embedder), None)
        writer.add(documents, chunks, vectors, terms)
        writer.commit({d.path: d.doc_id for d in documents}, VERSION)
    return {"write_seconds": time.perf_counter() - started}


def _wanted(settings: Settings, built: IndexParams) -> IndexParams:
    """The index parameters the settings ask for (the dimension follows the embedder)."""
    return replace(
        built,
        embedder=settings.embedder,
        chunk_tokens=settings.chunk_tokens,
        overlap_sentences=settings.overlap_sentences,
    )
