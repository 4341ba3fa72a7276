"""Answering: given an analysed Query and its passages, quote the answer or say it is not stated.

Functions of (Query, passages, corpus statistics); nothing here sees the Engine or the index.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rag.answer.citations import Passage, passages_of
from rag.answer.extractive import DocChunks, extractive_answer, issuer_answer
from rag.answer.llm import llm_answer
from rag.answer.messages import NOT_FOUND, not_stated_answer
from rag.config import Settings
from rag.embed import Embedder
from rag.errors import LLMError
from rag.types import Answer, CorpusStats, Query

__all__ = [
    "NOT_FOUND",
    "Passage",
    "answer_query",
    "extractive_answer",
    "issuer_answer",
    "not_stated_answer",
    "passages_of",
]


def answer_query(
    query: Query,
    passages: Sequence[Passage],
    stats: CorpusStats,
    embedder: Embedder,
    *,
    settings: Settings,
    doc_chunks: DocChunks,
    answer_mode: str,
    note: str = "",
) -> Iterator[str | Answer]:
    """Yield answer text as it is produced, then the final Answer.

    The extractive answerer decides first whether the passages state what was asked; the LLM
    (when configured) writes the answer only then, so a near miss is refused by both.
    """
    extractive = extractive_answer(
        query, passages, stats, embedder, doc_chunks=doc_chunks, note=note
    )
    use_llm = answer_mode == "llm" and settings.llm_configured
    if use_llm and extractive.answered:
        try:
            produced: Answer | None = None
            for item in llm_answer(
                settings, query.text, query.standalone, list(passages), query.lang
            ):
                if isinstance(item, Answer):
                    produced = item
                else:
                    yield item
            if produced is not None and produced.answered:
                yield produced
                return
            # the model found nothing where a sentence states the answer: show that sentence
            note = "the LLM gave no answer; answered extractively"
            extractive = extractive_answer(
                query, passages, stats, embedder, doc_chunks=doc_chunks, note=note
            )
        except LLMError as e:
            note = f"LLM unavailable ({e}); answered extractively"
            extractive = extractive_answer(
                query, passages, stats, embedder, doc_chunks=doc_chunks, note=note
            )
    yield extractive.text
    yield extractive
