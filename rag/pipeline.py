"""The wiring of the question side: question -> Query -> passages -> answer, over one index."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np

from rag.answer.lang import question_language
from rag.config import Settings
from rag.embed import Embedder, get_embedder
from rag.errors import QuestionError
from rag.indexing import (
    EMBED_BATCH,
    Progress,
    _wanted,
    build_index,
    document_from_text,
    load_document,
    passage_text,
)
from rag.lexical import english_aliases, tokenize
from rag.retrieve import rerank, retrieve
from rag.store import StoredIndex, check_params, load_index
from rag.types import Answer, AnswerStream, Document, Filters, Hit, IndexReport

__all__ = [
    "EMBED_BATCH",
    "Engine",
    "build_index",
    "document_from_text",
    "get_engine",
    "load_document",
    "passage_text",
]


class Engine:
    """Loads the index and models once; answers searches and questions. Thread-safe."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._index: StoredIndex | None = None
        self._lock = threading.RLock()
        self._write_lock = threading.Lock()

    @property
    def embedder(self) -> Embedder:
        return get_embedder(self.settings.embedder, self.settings.device)

    @property
    def index(self) -> StoredIndex:
        with self._lock:
            if self._index is None:
                index = load_index(self.settings.index_dir)
                check_params(
                    self.settings.index_dir,
                    index.params,
                    _wanted(self.settings, index.params),
                )
                self._index = index
            return self._index

    def reload(self) -> None:
        with self._lock:
            self._index = None
        _ = self.index

    def documents(self) -> list[Document]:
        return sorted(self.index.documents.values(), key=lambda d: d.source)

    def document(self, doc_id: str) -> Document:
        return self.index.documents[doc_id]

    def question_vector(self, question: str) -> np.ndarray:
        """The dense query vector of a question (see dense_query)."""
        return self.embedder.embed_query(self.dense_query(question))

    def warm_up(self) -> None:
        """Load the index and the embedding model now rather than on the first question."""
        _ = self.index
        self.embedder.embed_query("warm up")
        tokenize("预热")

    def check_question(self, question: str) -> str:
        question = (question or "").strip()
        if not question:
            raise QuestionError("the question is empty: type a question")
        if len(question) > self.settings.max_question_chars:
            raise QuestionError(
                f"the question has {len(question)} characters; the limit is "
                f"{self.settings.max_question_chars} (setting max_question_chars)"
            )
        return question

    def query_tokens(self, question: str) -> list[str]:
        return tokenize(question) + english_aliases(question, self.index.pinyin_map)

    def dense_query(self, question: str) -> str:
        """The text embedded for a question: English ones carry their Chinese key terms along."""
        if question_language(question) != "en":
            return question
        aliases = english_aliases(question, self.index.pinyin_map)
        return f"{question} {' '.join(dict.fromkeys(aliases))}" if aliases else question

    def search(
        self,
        question: str,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        mode: str = "fused",
        query_vector: np.ndarray | None = None,
    ) -> list[Hit]:
        """Top-k passages for a question (dense + BM25 fused unless mode says otherwise).

        query_vector, when given, is question_vector(question) computed by the caller.
        """
        question = self.check_question(question)
        index = self.index
        if mode == "bm25":
            query_vector = None
        elif query_vector is None:
            query_vector = self.question_vector(question)
        hits = retrieve(
            index,
            query_vector,
            self.query_tokens(question),
            k=k or self.settings.k,
            filters=filters or Filters(),
            mode=mode,
            dense_weight=self.settings.dense_weight,
            bm25_weight=self.settings.bm25_weight,
            rrf_k=self.settings.rrf_k,
        )
        if self.settings.reranker and hits:
            hits = rerank(question, hits, model=self.settings.reranker, device=self.settings.device)
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
        from rag.answer import answer_question

        question = self.check_question(question)
        return AnswerStream(
            answer_question(
                self,
                question,
                history=list(history or []),
                filters=filters,
                k=k,
                answer_mode=answer_mode or self.settings.answer_mode,
            )
        )

    def add_files(
        self, paths: Sequence[str | Path], progress: Progress | None = None
    ) -> IndexReport:
        """Index more files into this engine's index and make them searchable at once."""
        with self._write_lock:
            report = build_index(paths, self.settings, progress=progress)
            self.reload()
            return report


@cache
def get_engine(settings: Settings) -> Engine:
    """One engine per settings value in a process (models and index load once)."""
    return Engine(settings)
