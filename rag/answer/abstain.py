"""Decide from the evidence whether the passages can answer the question at all."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from rag.answer.citations import Passage
from rag.answer.lang import asked_places, question_language
from rag.lexical import english_aliases, tokenize
from rag.types import Answer, Hit

if TYPE_CHECKING:
    from rag.pipeline import Engine

NOT_FOUND = {"zh": "文档中没有找到相关信息。", "en": "Not found in the documents."}
# Words that shape a question without naming its topic.
QUESTION_WORDS = frozenset(
    [
        "多少",
        "哪些",
        "什么",
        "哪个",
        "哪家",
        "哪里",
        "哪儿",
        "如何",
        "怎么",
        "怎样",
        "是否",
        "情况",
        "主要",
        "具体",
        "目前",
        "现在",
        "有关",
        "相关",
        "提到",
        "提及",
        "文件",
        "文档",
        "规定",
        "内容",
        "包括",
        "分别",
        "一共",
        "总共",
        "多大",
        "多久",
        "何时",
        "时候",
        "时间",
        "哪年",
        "哪一年",
        "介绍",
        "说明",
        "请",
        "问",
        "是",
        "有",
        "的",
        "了",
        "吗",
        "呢",
        "几",
        "家",
        "个",
        "项",
        "次",
        "年",
        "月",
        "日",
    ]
)
MIN_COVERAGE = 0.4
MIN_DENSE_EN = 0.75  # e5 cosine below which an English question has no real match


@dataclass(frozen=True, slots=True)
class Evidence:
    answerable: bool
    reason: str
    coverage: float


# Interrogatives and counters ("哪几个", "这份", "第几") shape a question but name no topic.
QUESTION_PATTERN = re.compile(
    r"[哪几谁啥么]|^(这|那|两|三|各|每)[份个位部项家]|多少|什么|^[第来里时]"
)
LATIN_TOKEN = re.compile(r"[a-z][a-z0-9.+%]*")


def _content_tokens(question: str) -> list[str]:
    return [
        t
        for t in dict.fromkeys(tokenize(question))
        if t not in QUESTION_WORDS and not QUESTION_PATTERN.search(t) and len(t) > 1
    ]


def assess_evidence(engine: Engine, question: str, passages: list[Passage]) -> Evidence:
    """Answerable only when the best passages cover the question's places and key terms."""
    if not passages:
        return Evidence(False, "no passages retrieved", 0.0)
    index = engine.index
    docs = {p.doc.doc_id: p.doc for p in passages}
    haystack = "".join(f"{d.title or ''}{d.region or ''}{d.text}" for d in docs.values())
    lang = question_language(question)

    places = asked_places(question, index.pinyin_map)
    for place in places:
        if place not in haystack:
            return Evidence(False, f"{place} is not in the retrieved documents", 0.0)

    if lang == "en":
        best_dense = max(p.hit.dense_score or 0.0 for p in passages)
        found = dict.fromkeys(english_aliases(question, index.pinyin_map))
        aliases = [a for a in found if a not in places]
        if not aliases and best_dense < MIN_DENSE_EN:
            return Evidence(False, "no passage matches the question", best_dense)
        texts = [p.hit.chunk.text + (p.doc.region or "") for p in passages]
        matched = [a for a in aliases if any(a in t for t in texts)]
        coverage = len(matched) / len(aliases) if aliases else best_dense
        if aliases and coverage < MIN_COVERAGE:
            missing = [a for a in aliases if a not in matched]
            return Evidence(False, f"key terms not covered: {' '.join(missing)}", coverage)
        return Evidence(True, "", coverage)

    tokens = _content_tokens(question)
    if not tokens:
        return Evidence(True, "", 1.0)
    idf = index.bm25.idf
    # a Latin term the documents never use ("GDP") names a topic they do not cover
    absent = [t for t in tokens if LATIN_TOKEN.fullmatch(t) and t not in idf]
    if absent:
        return Evidence(False, f"{', '.join(absent)} does not occur in the documents", 0.0)
    typical = float(np.median(list(idf.values()))) if idf else 1.0
    weights = {t: idf.get(t, typical) for t in tokens}
    total = sum(weights.values())
    best = 0.0
    for p in passages:
        text = f"{p.doc.title or ''}{p.doc.region or ''}{p.hit.chunk.heading}{p.hit.chunk.text}"
        covered = sum(w for t, w in weights.items() if t in text)
        best = max(best, covered / total)
    if best < MIN_COVERAGE:
        missing = [t for t in tokens if not any(t in p.hit.chunk.text for p in passages)]
        return Evidence(False, f"key terms not covered: {' '.join(missing[:5])}", best)
    return Evidence(True, "", best)


def not_found_answer(
    question: str, lang: str, hits: list[Hit], standalone: str, reason: str
) -> Answer:
    """The fixed not-found answer: answered=False, no citations, contexts kept for inspection."""
    return Answer(
        question=question,
        text=NOT_FOUND[lang],
        citations=(),
        contexts=tuple(hits),
        answered=False,
        mode="extractive",
        note=reason,
        standalone_question=standalone,
    )
