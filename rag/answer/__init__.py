"""Answering: follow-up rewriting, evidence check, extractive or LLM answer, citations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from rag.answer.abstain import assess_evidence, not_found_answer
from rag.answer.citations import passages_of
from rag.answer.extractive import extractive_answer
from rag.answer.followup import condense_question
from rag.answer.lang import question_language
from rag.errors import LLMError
from rag.types import Answer, Filters

if TYPE_CHECKING:
    from rag.pipeline import Engine


def answer_question(
    engine: Engine,
    question: str,
    *,
    history: list[tuple[str, str]],
    filters: Filters | None,
    k: int | None,
    answer_mode: str,
) -> Iterator[str | Answer]:
    """Yield answer text as it is produced, then the final Answer."""
    settings = engine.settings
    lang = question_language(question)
    use_llm = answer_mode == "llm" and settings.llm_configured
    note = ""
    if answer_mode == "llm" and not settings.llm_configured:
        note = "no LLM configured (set RAG_LLM_BASE_URL and RAG_LLM_MODEL); answered extractively"
    standalone: str | None = question
    if history:
        standalone = None
        if use_llm:
            from rag.answer.llm import condense_with_llm

            try:
                standalone = condense_with_llm(settings, question, history, lang)
            except LLMError:
                standalone = None
        if not standalone:
            standalone = condense_question(question, history)
    assert standalone is not None
    # one embedding of the question serves retrieval and the extractive sentence ranking
    query_vector = engine.question_vector(standalone)
    hits = engine.search(standalone, k=k, filters=filters, query_vector=query_vector)
    passages = passages_of(hits, engine.index.documents)
    evidence = assess_evidence(engine, standalone, passages)
    if not evidence.answerable:
        answer = not_found_answer(question, lang, hits, standalone, note or evidence.reason)
        yield answer.text
        yield answer
        return
    if use_llm:
        from rag.answer.llm import llm_answer

        try:
            produced: Answer | None = None
            for item in llm_answer(settings, question, standalone, passages, lang):
                if isinstance(item, Answer):
                    produced = item
                else:
                    yield item
            if produced is not None:
                yield produced
                return
        except LLMError as e:
            note = f"LLM unavailable ({e}); answered extractively"
    # English retrieval embeds the question with its Chinese key terms; sentences are ranked
    # against the question alone
    own_vector = query_vector if engine.dense_query(standalone) == standalone else None
    answer = extractive_answer(
        engine, question, standalone, passages, lang, query_vector=own_vector, note=note
    )
    yield answer.text
    yield answer
