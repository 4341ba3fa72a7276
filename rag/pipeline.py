"""The wiring of the question side: question -> Query -> passages -> answer, over one index."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np

from rag.answer import answer_query, issuer_answer, passages_of
from rag.answer.followup import condense_question
from rag.answer.llm import condense_with_llm, model_label
from rag.config import Settings
from rag.embed import Embedder, get_embedder
from rag.errors import LLMError, QuestionError
from rag.indexing import (
    EDITABLE_FIELDS,
    EMBED_BATCH,
    Progress,
    _wanted,
    build_index,
    document_from_text,
    edit_document,
    index_stamp,
    load_document,
    open_index,
    passage_text,
    remove_documents,
)
from rag.query import build_query, region_spellings
from rag.retrieve import matches, rerank, retrieve
from rag.store import DocInfo, StoredIndex, check_params
from rag.text.lang import is_traditional, normalise, question_language, strip_controls
from rag.text.lexicon import use_user_dirs
from rag.text.places import gazetteer_pinyin, place_names
from rag.text.tokenize import tokenize
from rag.types import (
    Answer,
    AnswerStream,
    Chunk,
    CorpusStats,
    Document,
    Filters,
    Hit,
    IndexReport,
    Query,
)

__all__ = [
    "EDITABLE_FIELDS",
    "EMBED_BATCH",
    "Engine",
    "build_index",
    "document_from_text",
    "edit_document",
    "get_engine",
    "load_document",
    "passage_text",
    "remove_documents",
]


class Engine:
    """Loads the index and models once; answers searches and questions. Thread-safe."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        use_user_dirs(settings.user_dict)
        self._index: StoredIndex | None = None
        self._lock = threading.RLock()
        self._write_lock = threading.Lock()
        self._stats: tuple[StoredIndex, CorpusStats] | None = None
        self._labels: tuple[StoredIndex, list[tuple[DocInfo, str, str]]] | None = None

    @property
    def embedder(self) -> Embedder:
        return get_embedder(self.settings.embedder, self.settings.device)

    @property
    def index(self) -> StoredIndex:
        with self._lock:
            current = self._index
            if current is None or current.stamp != index_stamp(self.settings):
                # first use, or another process wrote a newer generation: load it, reusing
                # the segments it shares with the current one
                current = open_index(self.settings, previous=current)
                check_params(
                    self.settings.index_dir,
                    current.params,
                    _wanted(self.settings, current.params),
                )
                self._index = current
            return current

    def reload(self) -> None:
        with self._lock:
            if self._index is not None:
                self._index.stamp = None  # stale: the next read loads the current generation
        _ = self.index

    def documents(self) -> list[Document]:
        return sorted(self.index.documents.values(), key=lambda d: d.source)

    def document(self, doc_id: str) -> Document:
        return self.index.documents[doc_id]

    def stats(self) -> CorpusStats:
        """Corpus statistics of the loaded index, computed once per index generation."""
        index = self.index
        with self._lock:
            if self._stats is None or self._stats[0] is not index:
                idf = index.bm25.idf
                values = np.fromiter(idf.values(), dtype=np.float64, count=len(idf))
                infos = index.doc_infos()
                heads = [f"{d.issuer or ''}{d.title or ''}" for d in infos]
                stats = CorpusStats(
                    idf=idf,
                    # the documents' places first: their names beat a namesake of the vocabulary
                    pinyin_map={
                        **index.pinyin_map,
                        **region_spellings(d.region or "" for d in infos),
                    },
                    typical_idf=float(np.median(values)) if len(values) else 1.0,
                    max_idf=float(values.max()) if len(values) else 1.0,
                    # metadata only: no document text is read
                    metadata_text="\n".join(
                        normalise(f"{d.region or ''} {d.issuer or ''} {d.title or ''}").lower()
                        for d in infos
                    ),
                    traditional_share=(
                        sum(is_traditional(h) for h in heads) / len(heads) if heads else 0.0
                    ),
                )
                self._stats = (index, stats)
            return self._stats[1]

    def chunk_counts(self) -> dict[str, int]:
        """doc_id -> number of chunks, for every document (one pass, no chunk is read)."""
        return self.index.chunk_counts()

    def model_label(self) -> str:
        """The LLM answering in llm mode, for people ("" when none is configured)."""
        return model_label(self.settings) if self.settings.llm_configured else ""

    def doc_chunks(self, doc_id: str) -> list[Chunk]:
        """The chunks of one document, in order."""
        index = self.index
        return index.chunks_at(index.chunks_of(doc_id))

    def warm_up(self) -> None:
        """Load the index and the embedding model now rather than on the first question."""
        self.stats()
        self.embedder.embed_query("warm up")
        tokenize("预热")
        place_names("预热")
        gazetteer_pinyin()

    def check_question(self, question: object) -> str:
        """The question as text, or a QuestionError saying what is wrong with it."""
        if not isinstance(question, str):
            raise QuestionError(
                f"the question must be text, not {type(question).__name__}: pass a str"
            )
        question = strip_controls(question).strip()
        if not question:
            raise QuestionError("the question is empty: type a question")
        if len(question) > self.settings.max_question_chars:
            raise QuestionError(
                f"the question has {len(question)} characters; the limit is "
                f"{self.settings.max_question_chars} (setting max_question_chars)"
            )
        return question

    def query(self, question: str, *, standalone: str | None = None, embed: bool = True) -> Query:
        """The analysed question (built once; retrieval and answering both read it)."""
        question = self.check_question(question)
        return build_query(
            question,
            standalone=standalone,
            stats=self.stats(),
            embed=self.embedder.embed_query if embed else None,
        )

    def search(
        self,
        question: str | Query,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        mode: str = "fused",
    ) -> list[Hit]:
        """Top-k passages for a question (dense + BM25 fused unless mode says otherwise)."""
        query = (
            question if isinstance(question, Query) else self.query(question, embed=mode != "bm25")
        )
        if query.is_empty:
            return []
        index = self.index
        hits = retrieve(
            index,
            None if mode == "bm25" else query.vector,
            list(query.tokens),
            k=k or self.settings.k,
            filters=filters or Filters(),
            mode=mode,
            dense_weight=self.settings.dense_weight,
            bm25_weight=self.settings.bm25_weight,
            rrf_k=self.settings.rrf_k,
        )
        if self.settings.reranker and hits:
            hits = rerank(
                query.standalone, hits, model=self.settings.reranker, device=self.settings.device
            )
        return hits

    def ask(
        self,
        question: str,
        *,
        history: Sequence[tuple[str, str]] | None = None,
        filters: Filters | None = None,
        k: int | None = None,
        answer_mode: str | None = None,
    ) -> Answer:
        """Answer a question with citations, or abstain; history holds (question, answer) pairs."""
        return self.ask_stream(
            question, history=history, filters=filters, k=k, answer_mode=answer_mode
        ).answer

    def ask_stream(
        self,
        question: str,
        *,
        history: Sequence[tuple[str, str]] | None = None,
        filters: Filters | None = None,
        k: int | None = None,
        answer_mode: str | None = None,
    ) -> AnswerStream:
        """The answer as it is produced: iterate for text pieces, then read `.answer`."""
        question = self.check_question(question)
        return AnswerStream(
            self._answer(
                question,
                history=list(history or []),
                filters=filters or Filters(),
                k=k or self.settings.k,
                answer_mode=answer_mode or self.settings.answer_mode,
            )
        )

    def _answer(
        self,
        question: str,
        *,
        history: list[tuple[str, str]],
        filters: Filters,
        k: int,
        answer_mode: str,
    ) -> Iterator[str | Answer]:
        settings = self.settings
        note = ""
        if answer_mode == "llm" and not settings.llm_configured:
            note = (
                "no LLM configured (set RAG_LLM_BASE_URL and RAG_LLM_MODEL, or "
                "RAG_LLM_BACKEND=llamacpp and RAG_LLM_GGUF); answered extractively"
            )
        standalone = question
        if history:
            standalone = ""
            if answer_mode == "llm" and settings.llm_configured:
                try:
                    standalone = condense_with_llm(
                        settings, question, history, question_language(question)
                    )
                except LLMError:
                    standalone = ""
            standalone = standalone or condense_question(question, history)
        query = self.query(question, standalone=standalone)
        if query.issuer:
            # "哪些是由X作出的？" is answered from every document's issuer, not from passages
            by_issuer = issuer_answer(
                query, self._issuer_documents(query.issuer, filters), self.doc_chunks, note
            )
            if by_issuer is not None:
                yield by_issuer.text
                yield by_issuer
                return
        if query.shape == "compare":
            # one line per document: look wider, then keep a few passages of each document
            hits = _per_document(self.search(query, k=k * 4, filters=filters), per_doc=2)
            for place in query.places:
                # "峪川和临渚的奖励分别多少": the passages of one place's documents are looked
                # up among its documents too, so a place the whole question ranks low on is
                # not reported unstated
                own = self._place_documents(place, filters)
                if own and len(own) < len(self.index.documents):
                    own_hits = self.search(query, k=k, filters=replace(filters, sources=own))
                    hits += _per_document(own_hits, per_doc=3)
            hits = _unique(hits)
        else:
            hits = self.search(query, k=k, filters=filters)
            for place in query.places[:1] if len(query.places) == 1 else ():
                own = self._place_documents(place, filters)
                if own and not any(h.chunk.doc_id in own for h in hits):
                    # "岚汀市数字经济促进条例…批准" ranked below another city's report on its own
                    # 条例: the place's documents are looked up among themselves too
                    hits += self.search(query, k=k, filters=replace(filters, sources=own))
        passages = passages_of(hits, self.index.documents)
        if filters != Filters() and not passages:
            note = note or "no document passes the active filters"
        yield from answer_query(
            query,
            passages,
            self.stats(),
            self.embedder,
            settings=settings,
            doc_chunks=self.doc_chunks,
            answer_mode=answer_mode,
            note=note,
        )

    def _doc_labels(self) -> list[tuple[DocInfo, str, str]]:
        """(info, region and title, issuer) of every document in the matching form, computed
        once per index generation: questions look places and issuers up in them."""
        index = self.index
        with self._lock:
            if self._labels is None or self._labels[0] is not index:
                labels = [
                    (
                        info,
                        normalise(f"{info.region or ''}{info.title or ''}").lower(),
                        normalise(info.issuer or "").lower(),
                    )
                    for info in index.doc_infos()
                ]
                self._labels = (index, labels)
            return self._labels[1]

    def _place_documents(self, place: str, filters: Filters) -> tuple[str, ...]:
        """The ids of the documents passing the filters whose region or title names the place."""
        return tuple(
            info.doc_id
            for info, region_title, _ in self._doc_labels()
            if place in region_title and matches(info, filters)
        )

    def _issuer_documents(self, issuer: str, filters: Filters) -> list[Document]:
        """The documents passing the filters whose issuer contains these words."""
        wanted = normalise(issuer).lower()
        return [
            self.index.documents[info.doc_id]
            for info, _, issuing in self._doc_labels()
            if issuing and wanted in issuing and matches(info, filters)
        ]

    def add_files(
        self, paths: Sequence[str | Path], progress: Progress | None = None
    ) -> IndexReport:
        """Index more files into this engine's index and make them searchable at once."""
        with self._write_lock:
            report = build_index(paths, self.settings, progress=progress)
            self.reload()
            return report

    def remove_documents(self, doc_ids: Sequence[str]) -> tuple[str, ...]:
        """Drop documents from this engine's index (files stay on disk); returns their paths."""
        with self._write_lock:
            removed = remove_documents(doc_ids, self.settings)
            self.reload()
            return removed

    def edit_document(self, doc_id: str, **changes: str | None) -> Document:
        """Correct a document's title, issuer, date, doc_number or region in the index."""
        with self._write_lock:
            doc = edit_document(doc_id, changes, self.settings)
            self.reload()
            return doc


def _per_document(hits: list[Hit], *, per_doc: int) -> list[Hit]:
    """Hits with at most per_doc of each document, in rank order."""
    seen: dict[str, int] = {}
    out = []
    for hit in hits:
        n = seen.get(hit.chunk.doc_id, 0)
        if n < per_doc:
            out.append(hit)
            seen[hit.chunk.doc_id] = n + 1
    return out


def _unique(hits: list[Hit]) -> list[Hit]:
    """Hits without repeats of a chunk, first occurrence kept."""
    seen: set[str] = set()
    out = []
    for hit in hits:
        if hit.chunk.chunk_id not in seen:
            seen.add(hit.chunk.chunk_id)
            out.append(hit)
    return out


@cache
def get_engine(settings: Settings) -> Engine:
    """One engine per settings value in a process (models and index load once)."""
    return Engine(settings)
