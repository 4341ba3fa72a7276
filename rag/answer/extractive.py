"""The offline default answerer: pick the sentences of the passages that answer the question."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from rag.answer.abstain import QUESTION_WORDS
from rag.answer.citations import Passage, make_citation, passage_sentences
from rag.answer.lang import asked_places, place_stem
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
DATE_RE = re.compile(r"\d{4}\s*年|\d{4}-\d{1,2}|\d{1,2}\s*月\s*\d{1,2}\s*日")
DIGIT_RE = re.compile(r"\d")
MONEY_Q = re.compile(r"多少钱|多少资金|资金多少|金额|投资了多少|how much money", re.I)
MONEY_RE = re.compile(r"\d[\d.]*\s*(万|亿)?元|\d[\d.]*\s*亿")
COUNTER_Q = re.compile(r"(?:多少|几)\s*([家个项所名位期台套座])")


@dataclass(frozen=True, slots=True)
class Slot:
    """A kind of fact a question asks for, and how to spot a sentence that states it."""

    name: str
    asked: re.Pattern[str]
    stated: re.Pattern[str]
    bonus: float


SLOTS = (
    Slot("doc_number", DOCNUM_Q, DOC_NUMBER_RE, 0.8),
    Slot("date", DATE_Q, DATE_RE, 0.5),
    Slot(
        "person",
        re.compile(r"哪位|谁|who", re.I),
        # the addressee of a reply letter ("余向前委员：") or its contact person
        re.compile(r"^[\u4e00-\u9fff]{2,4}\s*(委员|代表|同志|先生|女士)[:：]|联系人[:：]"),
        0.6,
    ),
    Slot(
        "title",
        re.compile(r"题目|主题|名称|标题|叫什么|title", re.I),
        re.compile(r"《[^》]+》"),
        0.4,
    ),
    Slot("phone", re.compile(r"电话|联系方式|phone", re.I), re.compile(r"\d{7,}"), 0.6),
    Slot(
        "unit",
        re.compile(r"哪个(单位|部门)|牵头单位|责任单位|负责"),
        re.compile(r"牵头单位|责任单位|配合单位"),
        0.5,
    ),
    Slot("money", MONEY_Q, MONEY_RE, 0.4),
)


def asked_slots(question: str) -> list[Slot]:
    """The slots a question asks for, including "多少家" style counts."""
    slots = [slot for slot in SLOTS if slot.asked.search(question)]
    m = COUNTER_Q.search(question)
    if m:
        counted = re.compile(rf"\d[\d.]*\s*[余多]?\s*{m.group(1)}")
        slots.append(Slot("count", COUNTER_Q, counted, 0.4))
    return slots


MIN_SENTENCE_CHARS = 6
MONEY_COVERAGE = 0.5
EMBED_CANDIDATES = 6
BARE_HEADING_CHARS = 25


@dataclass(frozen=True, slots=True)
class Candidate:
    passage: Passage
    start: int
    end: int
    lexical: float  # key-term coverage plus the bonus for asked-for facts
    coverage: float = 0.0  # key-term coverage alone
    score: float = 0.0

    @property
    def text(self) -> str:
        return self.passage.doc.text[self.start : self.end]


def _entity_bonus(sentence: str, question: str) -> float:
    """Bonus for a sentence stating the kinds of fact the question asks for."""
    bonus = 0.15 if NUMBER_Q.search(question) and DIGIT_RE.search(sentence) else 0.0
    return bonus + sum(s.bonus for s in asked_slots(question) if s.stated.search(sentence))


def _coverage(sentence: str, weights: dict[str, float], total: float) -> float:
    return sum(w for t, w in weights.items() if t in sentence) / total if total else 0.0


def _candidates(engine: Engine, question: str, passages: list[Passage]) -> list[Candidate]:
    places = asked_places(question, engine.index.pinyin_map)
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
            coverage = _coverage(sentence, weights, total)
            lexical = coverage + _entity_bonus(sentence, question)
            if p.doc.doc_number and p.doc.doc_number in sentence and DOCNUM_Q.search(question):
                lexical += 0.5  # the document's own number, not one it refers to
            out.append(Candidate(p, start, end, lexical, coverage))
    # When the question names a place, answer from that place's documents if any were retrieved.
    local = [
        c for c in out if any(pl in f"{c.passage.doc.region}{c.passage.doc.title}" for pl in places)
    ]
    if local and not MULTI_DOC_Q.search(question):
        return local
    return out


def _rank(
    engine: Engine, question: str, qv: np.ndarray, candidates: list[Candidate]
) -> list[Candidate]:
    """Final score: lexical coverage + sentence embedding similarity + retrieval rank prior."""
    ordered = sorted(candidates, key=lambda c: -c.lexical)
    head = ordered[:EMBED_CANDIDATES]
    if not head:
        return []
    sims = engine.embedder.embed_documents([c.text for c in head]) @ qv
    lo, hi = float(np.min(sims)), float(np.max(sims))
    norm = [(float(x) - lo) / (hi - lo) if hi > lo else 1.0 for x in sims]
    ranked = []
    # only the lexical head is embedded (it costs time); the rest may still fill an asked slot
    for c, sim_norm in zip(ordered, norm + [0.0] * (len(ordered) - len(head)), strict=True):
        prior = 1.0 / c.passage.n
        score = 0.6 * c.lexical + 0.3 * sim_norm + 0.1 * prior
        bare = len(c.text) < BARE_HEADING_CHARS and c.text[-1] not in "。！？；!?;"
        if bare and not _entity_bonus(c.text, question):
            score *= 0.7  # a bare heading or title line states no fact
        ranked.append(Candidate(c.passage, c.start, c.end, c.lexical, c.coverage, score))
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
    _fill_slots(question, best, ranked, chosen)
    chosen.sort(key=lambda c: c.start)  # reading order within the document
    return chosen, False


def _fill_slots(
    question: str, best: Candidate, ranked: list[Candidate], chosen: list[Candidate]
) -> None:
    """Add a sentence for each asked-for fact the chosen sentences do not state yet.

    A two-part question ("哪位委员提的，题目是什么？") needs two sentences; a fact next to the best
    sentence ("（责任单位：市中级人民法院）") is found among its neighbours.
    """
    for slot in asked_slots(question):
        if any(slot.stated.search(c.text) for c in chosen):
            continue
        same_doc = (c for c in ranked if c.passage.doc.doc_id == best.passage.doc.doc_id)
        pick = next(
            (c for c in same_doc if slot.stated.search(c.text) and c.score >= 0.4 * best.score),
            None,
        ) or _neighbour_stating(best, slot)
        if pick is not None and all(pick.start != c.start for c in chosen):
            chosen.append(pick)


NEIGHBOURS = 2


def _neighbour_stating(best: Candidate, slot: Slot) -> Candidate | None:
    sentences = passage_sentences(best.passage)
    after = [s for s in sentences if s[0] >= best.end][:NEIGHBOURS]
    for start, end in after:
        if slot.stated.search(best.passage.doc.text[start:end]):
            return Candidate(best.passage, start, end, 0.0, 0.0, 0.0)
    return None


def extractive_answer(
    engine: Engine,
    question: str,
    standalone: str,
    passages: list[Passage],
    lang: str,
    *,
    query_vector: np.ndarray | None = None,
    note: str = "",
) -> Answer:
    """An answer made of quoted sentences, each followed by its citation marker.

    query_vector, when given, is the embedding of standalone itself.
    """
    qv = engine.embedder.embed_query(standalone) if query_vector is None else query_vector
    ranked = _rank(engine, standalone, qv, _candidates(engine, standalone, passages))
    contexts = tuple(p.hit for p in passages)
    if not ranked:
        from rag.answer.abstain import not_found_answer

        hits = list(contexts)
        return not_found_answer(question, lang, hits, standalone, "no sentence in the passages")
    if MONEY_Q.search(standalone) and not any(
        c.coverage >= MONEY_COVERAGE and MONEY_RE.search(c.text) for c in ranked
    ):
        from rag.answer.abstain import not_found_answer

        reason = "no sentence on the topic states an amount of money"
        return not_found_answer(question, lang, list(contexts), standalone, reason)
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
