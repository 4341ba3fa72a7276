"""The offline default answerer: pick the sentences of the passages that answer the question."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from rag.answer.abstain import QUESTION_WORDS
from rag.answer.citations import Passage, make_citation, passage_sentences
from rag.answer.lang import place_names, place_stem, question_language
from rag.lexical import english_aliases
from rag.meta import DOC_NUMBER_RE
from rag.types import Answer, Citation

if TYPE_CHECKING:
    from rag.pipeline import Engine

NUMBER_Q = re.compile(
    r"多少|几[家个项所亿万]|规模|数量|金额|多大|比例|how many|how much|how large|size", re.I
)
DOCNUM_Q = re.compile(r"文号|字号|发文编号|document number|reference number", re.I)
DATE_Q = re.compile(r"什么时候|何时|哪天|日期|哪年|哪一年|when|what date", re.I)
MULTI_DOC_Q = re.compile(
    r"哪些(城市|地方|地区|文件|文档|部门|地市)|哪几个(城市|地方|地区|文件)|各地|分别"
    r"|which (cities|documents|places|regions|files)",
    re.I,
)
LIST_Q = re.compile(r"哪些|哪几|有什么|包括|举措|措施|which|what are|list", re.I)
PERSON_Q = re.compile(r"哪位|谁|who", re.I)
# the addressee line of a reply letter: "余向前委员：", "李晓明代表："
SALUTATION_RE = re.compile(r"^[\u4e00-\u9fff]{2,4}\s*(委员|代表|同志|先生|女士)[:：]")
DATE_RE = re.compile(r"\d{4}\s*年|\d{4}-\d{1,2}|\d{1,2}\s*月\s*\d{1,2}\s*日")
DIGIT_RE = re.compile(r"\d")
MIN_SENTENCE_CHARS = 6
EMBED_CANDIDATES = 6
BARE_HEADING_CHARS = 25


@dataclass(frozen=True, slots=True)
class Candidate:
    passage: Passage
    start: int
    end: int
    lexical: float
    score: float = 0.0

    @property
    def text(self) -> str:
        return self.passage.doc.text[self.start : self.end]


def _entity_bonus(sentence: str, question: str) -> float:
    """Bonus for a sentence holding the kind of thing asked for: number, 文号, date, person."""
    bonus = 0.0
    if NUMBER_Q.search(question) and DIGIT_RE.search(sentence):
        bonus += 0.15
    if DOCNUM_Q.search(question) and DOC_NUMBER_RE.search(sentence):
        bonus += 0.8
    if DATE_Q.search(question) and DATE_RE.search(sentence):
        bonus += 0.5
    if PERSON_Q.search(question) and SALUTATION_RE.search(sentence):
        bonus += 0.6
    return bonus


def _lexical_score(sentence: str, weights: dict[str, float], total: float, question: str) -> float:
    covered = sum(w for t, w in weights.items() if t in sentence) / total if total else 0.0
    return covered + _entity_bonus(sentence, question)


def _asked_places(engine: Engine, question: str) -> list[str]:
    """Place stems the question names, in Chinese or in pinyin ("Jincheng" -> 晋城)."""
    places = [place_stem(p) for p in place_names(question)]
    if question_language(question) == "en":
        places += [a for a in english_aliases(question, engine._doc_freq) if place_names(a)]
    return places


def _candidates(engine: Engine, question: str, passages: list[Passage]) -> list[Candidate]:
    places = _asked_places(engine, question)
    idf = engine.index.bm25.idf
    max_idf = max(idf.values(), default=1.0)
    tokens = [t for t in dict.fromkeys(engine.query_tokens(question)) if t not in QUESTION_WORDS]
    weights = {t: idf.get(t, max_idf) for t in tokens}
    total = sum(weights.values())
    seen: set[tuple[str, int]] = set()
    out: list[Candidate] = []
    for p in passages:
        for start, end in passage_sentences(p):
            key = (p.doc.doc_id, start)
            if key in seen or end - start < MIN_SENTENCE_CHARS:
                continue
            seen.add(key)
            sentence = p.doc.text[start:end]
            lexical = _lexical_score(sentence, weights, total, question)
            out.append(Candidate(p, start, end, lexical))
    # When the question names a place, answer from that place's documents if any were retrieved.
    local = [
        c for c in out if any(pl in f"{c.passage.doc.region}{c.passage.doc.title}" for pl in places)
    ]
    if local and not MULTI_DOC_Q.search(question):
        return local
    return out


def _rank(engine: Engine, question: str, candidates: list[Candidate]) -> list[Candidate]:
    """Final score: lexical coverage + sentence embedding similarity + retrieval rank prior."""
    head = sorted(candidates, key=lambda c: -c.lexical)[:EMBED_CANDIDATES]
    if not head:
        return []
    qv = engine.embedder.embed_query(question)
    sims = engine.embedder.embed_documents([c.text for c in head]) @ qv
    lo, hi = float(np.min(sims)), float(np.max(sims))
    ranked = []
    for c, sim in zip(head, sims, strict=True):
        sim_norm = (float(sim) - lo) / (hi - lo) if hi > lo else 1.0
        prior = 1.0 / c.passage.n
        score = 0.6 * c.lexical + 0.3 * sim_norm + 0.1 * prior
        bare = len(c.text) < BARE_HEADING_CHARS and c.text[-1] not in "。！？；!?;"
        if bare and not _entity_bonus(c.text, question):
            score *= 0.7  # a bare heading or title line states no fact
        ranked.append(Candidate(c.passage, c.start, c.end, c.lexical, score))
    return sorted(ranked, key=lambda c: -c.score)


def _label(p: Passage, lang: str) -> str:
    place = p.doc.region or p.doc.title or p.doc.source
    if lang == "en" and p.doc.region:
        from pypinyin import lazy_pinyin

        return f"{''.join(lazy_pinyin(place_stem(place))).title()} ({place})"
    return place


def _select(question: str, ranked: list[Candidate]) -> tuple[list[Candidate], bool]:
    """The sentences to show and whether they are grouped per document."""
    best = ranked[0]
    if MULTI_DOC_Q.search(question):
        per_doc: dict[str, Candidate] = {}
        for c in ranked:
            if c.passage.doc.doc_id not in per_doc and c.score >= 0.6 * best.score and c.lexical:
                per_doc[c.passage.doc.doc_id] = c
        if len(per_doc) > 1:
            return list(per_doc.values())[:5], True
    limit = 3 if LIST_Q.search(question) else 2
    chosen = [best]
    for c in ranked[1:]:
        if len(chosen) >= limit:
            break
        same_doc = c.passage.doc.doc_id == best.passage.doc.doc_id
        if same_doc and c.score >= 0.85 * best.score and c.lexical >= 0.5 * best.lexical:
            chosen.append(c)
    chosen.sort(key=lambda c: c.start)  # reading order within the document
    return chosen, False


def extractive_answer(
    engine: Engine,
    question: str,
    standalone: str,
    passages: list[Passage],
    lang: str,
    *,
    note: str = "",
) -> Answer:
    """An answer made of quoted sentences, each followed by its citation marker."""
    ranked = _rank(engine, standalone, _candidates(engine, standalone, passages))
    contexts = tuple(p.hit for p in passages)
    if not ranked:
        from rag.answer.abstain import not_found_answer

        hits = list(contexts)
        return not_found_answer(question, lang, hits, standalone, "no sentence in the passages")
    chosen, grouped = _select(standalone, ranked)
    citations: list[Citation] = []
    parts: list[str] = []
    for n, c in enumerate(chosen, 1):
        citations.append(make_citation(n, c.passage, c.start, c.end))
        quoted = f"“{c.text}”" if lang == "en" else c.text
        parts.append(f"- {_label(c.passage, lang)}: {quoted}[{n}]" if grouped else f"{quoted}[{n}]")
    if grouped:
        lead = "Several documents address this:" if lang == "en" else "多份文件涉及此问题："
        text = lead + "\n" + "\n".join(parts)
    elif lang == "en":
        text = "According to the documents (quoted in Chinese): " + " ".join(parts)
    else:
        text = "".join(parts)
    return Answer(
        question=question,
        text=text,
        citations=tuple(citations),
        contexts=contexts,
        answered=True,
        mode="extractive",
        note=note,
        standalone_question=standalone,
    )
