"""The offline default answerer: quote the sentences that state what was asked, or say so.

Three shapes of answer, chosen by the question (Query.shape):
- fact: the best sentence that states the asked fact and meets the question's constraints;
- list: the items of the section or paragraph the question is about, one line each;
- compare: one line per document (or place) with its fact, and which documents do not say.
Every line carries a citation of the exact sentence it quotes.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from rag.answer.citations import Passage, make_citation, passage_sentences
from rag.answer.messages import not_stated_answer
from rag.answer.sufficiency import (
    Verdict,
    coverage,
    covers,
    judge,
    names_place,
    passages_cover,
    place_in,
    term_weights,
)
from rag.chunk import heading_level, split_sentences
from rag.clean import HEADING_RE
from rag.embed import Embedder
from rag.text.facts import (
    COUNTERS,
    asked_kinds,
    asked_title_endings,
    kind_nouns,
    question_clauses,
    reach,
    stated_value,
    states,
    states_asked,
    states_title_of_kind,
    years_in,
)
from rag.text.lang import normalise
from rag.text.lexicon import lexicon
from rag.text.places import tag
from rag.text.speakers import speaker_at, speakers_in
from rag.text.tables import (
    TOTAL_Q_RE,
    asked_extreme,
    asked_rank,
    cells,
    column_names,
    extreme_row,
    header_line,
    numeric_columns,
    ranked_row,
    read_row,
    read_total,
    table_rows,
    total_header,
    total_line,
)
from rag.types import Answer, Chunk, Citation, CorpusStats, Document, Hit, Query

MIN_SENTENCE_CHARS = 6
WHOLE_SENTENCE_CHARS = 300  # how far a sentence cut by a chunk edge is followed into the document
UNKNOWN_WORDS = 3  # English content words the glossary and the index do not know
EMBED_CANDIDATES = 6
JUDGED_CANDIDATES = 12
BARE_HEADING_CHARS = 25
SLOT_BONUS = 0.4
OWN_NUMBER_BONUS = 0.5
NUMBER_BONUS = 0.15
LIST_ITEMS = 8
COMPARE_DOCS = 6
COMPARE_CANDIDATES = 24  # sentences of each document judged for a comparison
RUN_IN_HEADING_CHARS = 16
LABEL_LINE_CHARS = 24
SCOPE_CLAUSE_CHARS = 12  # "到2020年，", "在人才方面，" open a paragraph
# a line that is a date and at most a short label ("发文日期:2021-06-24 09:46", "2024年6月27日")
DATE_LINE_RE = re.compile(
    # a label or the issuer before it ("临澜市人民政府办公室    2024年4月8日印发")
    r"^[^\S\n]*[^\n\d]{0,40}?\d{4}\s*[年.\-/]\s*\d{1,2}\s*[月.\-/]\s*\d{1,2}\s*日?"
    r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?(?:\s*(?:印发|发布|签发|发))?[^\S\n]*$",
    re.M,
)
PARAGRAPH_EMBED_CHARS = 300
NEIGHBOURS = 2
FISCAL_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年度")  # a programme's year: "2025年度项目"
BRACKET_CHARS = 120  # how far the rest of a bracketed note is looked for
QUESTION_LINE_CHARS = 80
LABEL_LINES = 3  # field lines read either side of the best sentence ("责任单位：…", "完成时限：…")
# "完成时限：…", "主 持 人：…" (labels are often spaced out to align); not a numbered heading
# ("专题二：…", "问题一：…")
FIELD_LINE_RE = re.compile(
    r"^\s*((?:[\u4e00-\u9fff][ \u3000]*){2,8})(?<![一二三四五六七八九十])[：:]\s*\S"
)
LIST_HEAD_BONUS = 0.3
HEADING_DOCS = 2  # documents whose headings are searched for the noun a list question asks
HEADING_CHARS = 40  # longer lines are no section headings
# "乙方：星衡智算科技有限公司": a contract's party, which its clauses call by the label only
PARTY_RE = re.compile(r"^[^\S\n]*([甲乙丙丁]方)[^\S\n]*[：:][^\S\n]*([^\n]{2,40})$", re.M)
ATTACHMENT_LINE_RE = re.compile(r"附\s*件\s*\d*\s*[:：]?")
ISSUER_LINE_CHARS = 30
TITLE_LINE_CHARS = 40
TITLE_COVERAGE = 0.5
RECORD_CHARS = 300  # how far around a field line the other fields of its record are looked for
# a field whose value is the list below it: "采购需求：", "申报材料："
FIELD_LABEL_ONLY_RE = re.compile(r"((?:[\u4e00-\u9fff][ \u3000]*){2,8})[：:]")
# a prose paragraph holding this much of the question's key-term weight answers a list
# question itself ("做了哪些调研": the paragraph on the research done)
PROSE_COVERAGE = 0.6
ARTICLE_RE = re.compile(r"第[一二三四五六七八九十百零〇\d]+条")
ARTICLE_LEVEL = 4  # heading_level of 第N条
# a sentence counting the points that follow it: "我讲三点意见。", "重点抓好以下四个方面。"
# ("部署了五个方面的重点任务。": the counted noun after 的)
ANNOUNCED_COUNT_RE = re.compile(
    r"[两二三四五六七八九十]\s*(?:点|个方面|项|条)(?:的?[\u4e00-\u9fff]{0,6}?)?"
    r"(?:意见|要求|建议|工作|举措|任务|措施)?\s*[。：:]\s*$"
)
# a paragraph opening one of those points: "一要…", "二是…", "第三，…", "（四）…"
POINT_OPENING_RE = re.compile(
    r"^(?:[一二三四五六七八九十]+[是要]|第[一二三四五六七八九十]+[，,、]|[（(][一二三四五六七八九十]+[)）]"
    r"|首先|其次|再次|最后)"
)
# a sentence naming several points itself: "一是…，二是…"
INLINE_POINTS_RE = re.compile(r"(?:一是|一要|首先)[^。]*?[，,；;](?:二是|二要|其次)")
OWN_POINT_SHARE = 0.2  # key-term weight only one point of a list holds: it answers alone
# several questions in one (question_clauses), each with a question word
ASK_WORD_RE = re.compile(r"哪|谁|什么|多少|几|何|吗|怎|如何|啥|多[长大久高远重宽]")
# a question about a variant of the case just asked: "如果是专精特新企业呢", "要是外地企业呢"
VARIANT_CLAUSE_RE = re.compile(
    r"^(?:(?:如果|若是?|要是|假如|换成)[^?？]{1,30}|(?:对于?)[^?？]{1,20}呢)$"
)
PART_COVERAGE = 0.5
PART_MIN_WEIGHT = 0.2
MAX_PART_SENTENCES = 3
INLINE_CANDIDATES = 8  # an inline list is taken from the best judged sentences only
INLINE_TAIL_CHARS = 14  # "智慧农业等" + a few words before the head term
LIST_CLOSE_CHARS = 8  # between 等 and the head term: "等多家链上优质"
LIST_ASK_RE = re.compile(
    r"哪些|哪几[个件项条类种大]?|哪[两二三四五六七八九十]+[个件项条类种大]"
    r"|(?<=满足|具备|符合|需要|要求)(?:什么|啥)(?=条件|材料|资料)"
    r"|what (?:kinds|types|sorts) of|which (?:kinds|types) of"
    r"|what (?:measures|tasks|steps|actions|policies|support)",
    re.I,
)
# a paragraph that announces the enumerated ones after it
LIST_INTRO_RE = re.compile(r"(以下|如下)[^。；]{0,12}[：:。，,]|[：:]\s*$")
CJK_WORD_RE = re.compile(r"[\u4e00-\u9fff]+")
NOUN_FLAGS = frozenset({"n", "nz", "nt", "nr", "ns"})  # jieba tags of nouns (not verbal nouns)
LIST_MODIFIER_RE = re.compile(r"^[^，,。？?的]{1,16}的")
LIST_LEAD_RE = re.compile(r"^(具体|主要|重点|方面的|类|种)+")
ENUM_COUNT_RE = re.compile(r"[两二三四五六七八九十\d]+[个项大类条种]")
LIST_FILLER_RE = re.compile(r"(有|包括|包含|涉及|主要|都|是|分别|具体)+$")
CLAUSE_BREAK_RE = re.compile(r"[，,。；;：:！？!?]")
HEAD_CHARS = 200  # how far a document's opening sentence is looked for
# a sentence whose subject is a bare "the project / the centre": what the paragraph named
ANAPHOR_RE = re.compile(
    r"(?:该|此|其|这个|本|上述|这一)?(?:项目|中心|平台|计划|工程|园区|基金|活动|大赛|系统|基地)"
    r"(?:位于|总投资|计划|预计|将|已|于|规划|占地|建成|共|由|在)"
)
ANAPHOR_CHARS = 150  # how far back the paragraph is read for what such a subject refers to
SUBJECT_HEAD_CHARS = 800  # how far a record's subject field ("当事人：…") is looked for
DEFINITION_HEAD_CHARS = 1500  # how far a document's subject may be defined ("以下简称")
DEFINED_RE = re.compile(
    r"[“「\"《]([^”」\"》\n]{4,40})[”」\"》][（(]\s*(?:以下|下)\s*[简簡]?[称稱]"
)
DOC_HEAD_CHARS = 400  # a letter's head: title, number, salutation, the proposal it answers
ADJACENT_CHARS = 300  # how far a neighbouring sentence is looked for, either side
ENUMERATOR_RE = re.compile(
    r"(?:^|(?<=[。；;：:]))\s*(?:[一二三四五六七八九十]+是|[（(][0-9一二三四五六七八九十]+[）)]|[①-⑳]"
    r"|[0-9]{1,2}[.．、](?!\d)|第[一二三四五六七八九十]+[，,、])",
    re.M,  # "^" at each line start: items are searched from a line's start, not the text's
)

DocChunks = Callable[[str], Sequence[Chunk]]


@lru_cache(maxsize=4096)
def _norm(text: str) -> str:
    # lower case too: query tokens are, and Latin terms ("5+N", "AIGC") must match either way
    return normalise(text).lower()


@dataclass(frozen=True, slots=True)
class Candidate:
    """A sentence of a retrieved passage, with what is known about it so far."""

    passage: Passage
    start: int
    end: int
    lexical: float  # key-term coverage plus the bonus for stating the asked kinds of fact
    coverage: float = 0.0  # key-term coverage of the sentence alone
    score: float = 0.0
    verdict: Verdict | None = None

    @property
    def doc(self) -> Document:
        return self.passage.doc

    @property
    def text(self) -> str:
        return self.passage.doc.text[self.start : self.end]

    @property
    def reading(self) -> str:
        """The sentence as read: a table row with its header's column names and units."""
        return _read(self.passage.doc, self.start, self.end)


def _read(doc: Document, start: int, end: int) -> str:
    text = doc.text
    if start == 0 or text[start - 1] == "\n":
        head = header_line(text, start)
        if head and head[0] < start:
            return read_row(text[head[0] : head[1]], text[start:end])
        head = total_header(text, start)
        if head:
            return read_total(text[head[0] : head[1]], text[start:end])
    return text[start:end]


def _rows_like(
    best: Candidate, weights: dict[str, float], places: Sequence[str], doc_chunks: DocChunks
) -> list[Candidate]:
    """The rows of best's table holding every key term best's own cells hold (the filter a
    list question puts on the table), best among them; none when best is no table row."""
    text = best.doc.text
    head = header_line(text, best.start) if best.reading != best.text else None
    if head is None:
        return []
    header = _norm(text[head[0] : head[1]])
    own = _norm(best.text)
    wanted = [t for t in (*weights, *places) if t in own and t not in header]
    if not wanted:
        return []
    spans = [
        (a, b) for a, b in table_rows(text, head[1]) if all(t in _norm(text[a:b]) for t in wanted)
    ]
    found = (_span_of(best, a, b, doc_chunks) for a, b in spans[:LIST_ITEMS])
    return [c for c in found if c is not None]


def _table_header(c: Candidate, doc_chunks: DocChunks) -> Candidate | None:
    """The header line of the table a chosen row belongs to, to cite above it."""
    if c.reading == c.text:
        return None
    head = header_line(c.doc.text, c.start) or total_header(c.doc.text, c.start)
    return None if head is None else _span_of(c, *head, doc_chunks)


def _header_of(c: Candidate) -> tuple[int, int] | None:
    """The header of the table c is a row of, or is (a header line with rows under it)."""
    text = c.doc.text
    if c.start and text[c.start - 1] != "\n":
        return None
    if c.reading != c.text:
        return header_line(text, c.start) or total_header(text, c.start)
    own = cells(text[c.start : c.end])
    line_end = text.find("\n", c.start)
    if len(own) >= 3 and line_end == c.end and table_rows(text, c.end):
        return c.start, c.end
    return None


def _asked_column(query: Query, text: str, header_end: int, cue_at: int) -> int | None:
    """The figure column a "which … the most" question ranks by: the one whose name shares a
    word with the question, nearest the cue; the only one when the table has one."""
    numeric = numeric_columns(text, header_end)
    names = column_names(text, header_end)
    asked = query.normalised
    terms = [t for t in query.terms if len(t) >= 2]
    matched: list[tuple[int, int]] = []
    for i in numeric:
        name = names[i]
        pairs = [name[k : k + 2] for k in range(len(name) - 1)]
        spots = [asked.find(p) for p in pairs if p in asked]
        if spots:
            matched.append((min(abs(at - cue_at) for at in spots), i))
        elif any(p in t for p in pairs for t in terms):
            matched.append((len(asked), i))
    if matched:
        return min(matched)[1]
    return numeric[0] if len(numeric) == 1 else None


# "哪个…最多", "who has the most": the row with the largest figure; "最多能补多少" asks a cap
WHICH_RE = re.compile(r"哪|谁|\b(?:which|who|what)\b", re.I)
CAP_RE = re.compile(r"最(?:多|高|大|少|低)[^，,。？?；;]{0,10}(?:多少|几)|\bat (?:most|least)\b")
# a short "label：value" line ("时间：…", "📍 地点：…") and how far its record runs on
RECORD_LINE_RE = re.compile(r"^[^\w\s]{0,2}\s*[\u4e00-\u9fff]{2,6}[：:]")
FIELD_LINE_CHARS = 40
FIELD_RECORD_LINES = 2
FIELD_RECORD_CHARS = 200
NAMING_HEADING_CHARS = 16  # a numbered heading this short names a section, no statement
CAPTION_CHARS = 120  # how far above its header a table's caption is read
TABLE_CANDIDATES = 8  # the best candidates whose tables are looked up by rank or figure
TOTAL_CANDIDATES = 3  # a total is read only from a table among the very best


def _table_lookup(
    query: Query, ranked: list[Candidate], weights: dict[str, float], doc_chunks: DocChunks
) -> Candidate | None:
    """The row a question picks out of a table by its rank (排第二的), its largest or smallest
    figure (哪个…调用得最多) or the table's total (加起来一共多少), when a retrieved passage
    holds such a table."""
    asked = query.normalised
    rank = asked_rank(asked)
    extreme = asked_extreme(asked) if WHICH_RE.search(asked) and not CAP_RE.search(asked) else None
    total = bool(TOTAL_Q_RE.search(asked)) and rank is None and extreme is None
    if rank is None and extreme is None and not total:
        return None
    seen: set[tuple[str, int]] = set()
    for n, c in enumerate(ranked[:TABLE_CANDIDATES]):
        head = _header_of(c)
        if head is None or (c.doc.doc_id, head[0]) in seen:
            continue
        seen.add((c.doc.doc_id, head[0]))
        text = c.doc.text
        span = ranked_row(text, head[1], rank) if rank is not None else None
        if span is None and extreme is not None:
            column = _asked_column(query, text, head[1], extreme[1])
            if column is not None:
                span = extreme_row(text, head[1], column, largest=extreme[0])
        if span is None and total and n < TOTAL_CANDIDATES:
            header = _norm(text[head[0] : head[1]])
            if any(t in header for t in weights):
                span = total_line(text, head[1])
        if span is not None:
            pick = _span_of(c, *span, doc_chunks)
            if pick is not None:
                return replace(pick, lexical=c.lexical, coverage=c.coverage, score=c.score)
    return None


def _span_of(c: Candidate, a: int, b: int, doc_chunks: DocChunks) -> Candidate | None:
    """A span of c's document as a candidate: in c's passage, or in the chunk that holds it."""
    probe = Candidate(c.passage, a, b, 0.0)
    if _in_chunk(probe):
        return probe
    passage = _passage_for(c.doc, a, b, doc_chunks, c.passage.n)
    return None if passage is None else Candidate(passage, a, b, 0.0)


def _slot_bonus(query: Query, sentence_norm: str, after: str = "") -> float:
    bonus = sum(
        SLOT_BONUS
        for s in query.slots
        if states(s, sentence_norm) or (after and reach(s) and states(s, after))
    )
    if query.slots and re.search(r"\d", sentence_norm):
        bonus += NUMBER_BONUS
    return bonus


def _whole_sentences(p: Passage) -> list[tuple[int, int]]:
    """The passage's sentences, those its chunk cut at either edge made whole again.

    A long paragraph is cut into several chunks, often inside a sentence: the part of
    "…以A、B、C等领域为发展重点，…。" that a retrieved chunk holds may lack the words asked.
    """
    sentences = passage_sentences(p)
    if not sentences:
        return sentences
    text = p.doc.text
    for i in {0, len(sentences) - 1}:
        start, end = sentences[i]
        para_start, para_end = _paragraph(p.doc, start, end)
        lo = max(para_start, start - WHOLE_SENTENCE_CHARS)
        hi = min(para_end, end + WHOLE_SENTENCE_CHARS)
        whole = [(a, b) for a, b in split_sentences(text, lo, hi) if a <= start < b or a < end <= b]
        # a sentence longer than the window stays as the chunk has it
        if (
            whole
            and (whole[0][0] > lo or lo == para_start)
            and (whole[-1][1] < hi or hi == para_end)
        ):
            sentences[i] = (min(whole[0][0], start), max(whole[-1][1], end))
    return sentences


def _candidates(
    query: Query, passages: Sequence[Passage], weights: dict[str, float]
) -> list[Candidate]:
    seen: set[tuple[str, int]] = set()
    out: list[Candidate] = []
    title_endings = asked_title_endings(query.normalised) if "title" in query.slots else ()
    heads: dict[str, str] = {}
    for p in passages:
        sentences = _whole_sentences(p)
        if p.doc.doc_id not in heads:
            # a list or comparison is anchored on its own section or place, not on the topic
            heads[p.doc.doc_id] = _doc_head(p.doc) if query.shape == "fact" else ""
        head = heads[p.doc.doc_id]
        for i, (start, end) in enumerate(sentences):
            key = (p.doc.doc_id, start)
            if key in seen:
                continue
            norm = _norm(_read(p.doc, start, end))
            if norm.rstrip().endswith("?"):
                continue  # a question ("问：…要满足什么条件？") states nothing; its answer follows
            if norm.rstrip().endswith(")") and norm.count("(") < norm.count(")"):
                # the end of a note opened in the sentence before ("…；配合单位：…）"): it is
                # about that sentence's task, which reads it whole (_bracketed)
                continue
            # a short line is kept only when it states what is asked ("吴涛委员：")
            if end - start < MIN_SENTENCE_CHARS and not any(states(s, norm) for s in query.slots):
                continue
            seen.add(key)
            # what the document is about (its title and opening sentence) holds for each of its
            # sentences: "以甲壳类为食" answers a question about the fish its first line names
            cov = coverage(weights, f"{norm} {head} {_asked_before(p.doc, start)}")
            # a unit or contact stated just after a sentence ("（牵头单位：…）") counts for it
            after = _norm(p.doc.text[end : sentences[i + 1][1]]) if i + 1 < len(sentences) else ""
            lexical = cov + _slot_bonus(query, norm, after)
            section = _norm(p.hit.chunk.heading.rsplit(">", 1)[-1])
            if any(n in section for s in query.slots for n in kind_nouns(s)) and any(
                t in section for t in weights
            ):
                # "二、公示时间" heads the answer to "公示到哪天结束": its section names both
                lexical += SLOT_BONUS
            if "doc_number" in query.slots and p.doc.doc_number and p.doc.doc_number in norm:
                lexical += OWN_NUMBER_BONUS  # the document's own number, not one it cites
            if query.of_document and "date" in query.slots and DATE_LINE_RE.fullmatch(norm):
                lexical += OWN_NUMBER_BONUS  # its date line or signature, not a date it cites
            if states_title_of_kind(norm, title_endings):
                lexical += SLOT_BONUS  # the title of the kind of document asked about
            out.append(Candidate(p, start, end, lexical, cov))
    if query.places and query.shape != "compare":
        # a question about a place is answered from that place's documents when any came back
        local = [c for c in out if _of_asked_place(query, c.doc)]
        if local:
            # (and from sentences of other documents that name it: a city's press conference
            # on one of its counties)
            return [
                c
                for c in out
                if _of_asked_place(query, c.doc) or any(p in _norm(c.text) for p in query.places)
            ]
    return out


def _of_the_document(slot: str, query: Query) -> bool:
    """True for a fact about the document itself (its addressee, contact, number, own date)."""
    return slot in ("addressee", "contact", "phone", "doc_number") or (
        slot == "date" and query.of_document
    )


@lru_cache(maxsize=256)
def _defined_names(head: str) -> tuple[str, ...]:
    """The names a document's head defines a short form for ("“X”（以下简称“Y”）" -> X)."""
    return tuple(dict.fromkeys(DEFINED_RE.findall(head)))


@lru_cache(maxsize=8)  # keyed on the word list, so a user lexicon added later is seen
def _subject_re(labels: tuple[str, ...]) -> re.Pattern[str] | None:
    if not labels:
        return None
    names = "|".join(map(re.escape, sorted(labels, key=len, reverse=True)))
    return re.compile(rf"(?m)^\s*(?:{names})\s*[：:]\s*([^\n]{{2,60}})")


def _subjects(head: str) -> tuple[str, ...]:
    """What a record's head names as its subject: the values of its subject labels
    ("当事人：鹭汀市云栈数据科技有限公司", lexicon subject_labels)."""
    pattern = _subject_re(tuple(lexicon("subject_labels")))
    if pattern is None:
        return ()
    return tuple(dict.fromkeys(v.strip() for v in pattern.findall(head)))


def _unmarked(text: str) -> str:
    """The text without the heading or item marker it starts with."""
    m = HEADING_RE.match(text)
    return text[m.end() :] if m else text


def _doc_head(doc: Document) -> str:
    """The document's title and first sentence, normalised: what all of it is about."""
    first = split_sentences(doc.text, 0, min(len(doc.text), HEAD_CHARS))[:1]
    opening = doc.text[first[0][0] : first[0][1]] if first else ""
    return _norm(f"{doc.title or ''} {opening}")


def _phrases_at(phrases: Sequence[str]) -> Callable[[Document], list[int]]:
    """A finder of where a document first writes each of the phrases (matching form)."""

    def find(doc: Document) -> list[int]:
        norm = _norm(doc.text)
        if len(norm) != len(doc.text):
            return []  # the matching form moved the offsets: no place to point at
        return [at for p in phrases if (at := norm.find(p.lower())) >= 0]

    return find


def _own_number_at(doc: Document) -> list[int]:
    if not doc.doc_number:
        return []
    at = doc.text.find(doc.doc_number)
    return [at] if at >= 0 else []


def _date_lines_at(doc: Document) -> list[int]:
    return [m.start() for m in DATE_LINE_RE.finditer(doc.text)]


def _addressee_lines_at(doc: Document) -> list[int]:
    # the salutation of a letter is one of its first lines
    head = doc.text[:DOC_HEAD_CHARS]
    return [m.start() for m in re.finditer(r"(?m)^.+$", head) if states("addressee", m.group())][:1]


def _own_line_passages(
    passages: Sequence[Passage], doc_chunks: DocChunks, find: Callable[[Document], list[int]]
) -> list[Passage]:
    """The chunks holding each retrieved document's own lines (its 文号, its date lines), when
    no passage holds them yet.

    "这份文件的文号是什么？" asks for the number in the document's head, "这份答复是哪天发布的"
    for its date line or signature, which retrieval by the question's words rarely brings back.
    """
    out: list[Passage] = []
    shown = {p.hit.chunk.chunk_id for p in passages}
    for doc in {p.doc.doc_id: p.doc for p in passages}.values():
        for at in find(doc):
            for chunk in doc_chunks(doc.doc_id):
                if chunk.start_char <= at < chunk.end_char and chunk.chunk_id not in shown:
                    shown.add(chunk.chunk_id)
                    n = len(passages) + len(out) + 1
                    out.append(Passage(n, Hit(chunk, 0.0, n, "metadata"), doc))
                    break
    return out


def _doc_label_text(doc: Document) -> str:
    return _norm(f"{doc.region or ''}{doc.title or ''}{doc.issuer or ''}")


def _of_asked_place(query: Query, doc: Document) -> bool:
    """True when the document's region, title or issuer names a place the question asks about."""
    return any(names_place(p, _doc_label_text(doc)) for p in query.places)


def _rank(query: Query, embedder: Embedder, candidates: list[Candidate]) -> list[Candidate]:
    """Final score: lexical coverage + sentence embedding similarity + retrieval rank prior."""
    ordered = sorted(candidates, key=lambda c: -c.lexical)
    head = ordered[:EMBED_CANDIDATES]
    if not head:
        return []
    norm = [0.0] * len(head)
    if query.vector is not None:
        # an English question's vector carries its Chinese key terms; sentences are ranked
        # against the question as asked
        qv = (
            embedder.embed_query(query.standalone)
            if query.lang == "en" and query.dense_text != query.standalone
            else query.vector
        )
        sims = embedder.embed_documents([c.text for c in head]) @ np.asarray(qv)
        lo, hi = float(np.min(sims)), float(np.max(sims))
        norm = [(float(x) - lo) / (hi - lo) if hi > lo else 1.0 for x in sims]
    ranked = []
    # only the lexical head is embedded (it costs time); the rest may still fill an asked slot
    for c, sim_norm in zip(ordered, norm + [0.0] * (len(ordered) - len(head)), strict=True):
        score = 0.6 * c.lexical + 0.3 * sim_norm + 0.1 / c.passage.n
        text = c.text
        bare = len(text) < BARE_HEADING_CHARS and text[-1] not in "。！？；!?;"
        if bare and not _slot_bonus(query, _norm(text)):
            score *= 0.7  # a bare heading or title line states no fact
        ranked.append(replace(c, score=score))
    return sorted(ranked, key=lambda c: -c.score)


def _neighbours(
    c: Candidate, before: int, after: int
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Sentences of the same paragraph region before and after c, from the document text."""
    doc = c.doc
    para_start, para_end = _paragraph(doc, c.start, c.end)
    prev = split_sentences(doc.text, para_start, c.start)[-before:] if before else []
    nxt = split_sentences(doc.text, c.end, para_end)[:after]
    return prev, nxt


def _windows(c: Candidate, query: Query) -> tuple[str, str, str]:
    """(sentence, window, slot window) of a candidate, normalised."""
    doc = c.doc
    prev, nxt = _neighbours(c, 1, max((reach(s) for s in query.slots), default=0) or 1)
    # (an item's number, "02 大模型备案奖励" or "1.笔试…", states no quantity)
    sentence = _norm(_unmarked(c.reading))
    around = "".join(doc.text[a:b] for a, b in [*prev, (c.start, c.end), *nxt[:1]])
    context = (
        f"{doc.title or ''} {doc.region or ''} {doc.issuer or ''} {c.passage.hit.chunk.heading} "
    )
    para_start, para_end = _paragraph(doc, c.start, c.end)
    first = split_sentences(doc.text, para_start, min(para_end, para_start + 40))[:1]
    if first and first[0][1] - first[0][0] <= RUN_IN_HEADING_CHARS and first[0][1] <= c.start:
        context += doc.text[first[0][0] : first[0][1]]  # "智能农业。" heads its paragraph
    lead = doc.text[para_start : para_start + SCOPE_CLAUSE_CHARS + 1]
    comma = min((i for i in (lead.find("，"), lead.find(",")) if i > 0), default=-1)
    if comma > 0 and para_start + comma < c.start:
        # "到2020年，…；…；争取进入…": the opening clause scopes the paragraph's sentences
        context += lead[:comma] + " "
    if query.years and not years_in(sentence):
        # "截至2024年底，…。全年新增发明专利授权935件": a sentence that names no year of its own
        # speaks of the year its paragraph named before it
        context += " ".join(years_in(doc.text[para_start : c.start])) + " "
    context += _asked_before(doc, para_start)
    if ANAPHOR_RE.match(sentence):
        # "项目位于…，总投资28.6亿元": the project is the one the paragraph named before
        context += doc.text[max(para_start, c.start - ANAPHOR_CHARS) : c.start] + " "
    speaker = speaker_at(doc.text, para_start)
    if speaker:
        # what a speaker says is said by their office: "科技局副局长说…" asks about it
        context += f" {speaker[1]} "
    if not prev:
        # a short line ending in a colon introduces what follows: the salutation of a letter
        # ("余向前委员：") or a label ("联系人：") on the line before
        above = doc.text[:para_start].rstrip()
        line = above[above.rfind("\n") + 1 :].strip()
        own = doc.text[para_start : para_start + LABEL_LINE_CHARS]
        # not when this line is a label itself: "负责人：" left empty does not name "承办人：张三"
        if (
            line.endswith(("：", ":"))
            and len(line) <= LABEL_LINE_CHARS
            and not re.search("[：:]", own)
        ):
            context += line
    if RECORD_LINE_RE.match(c.text) and len(c.text) <= FIELD_LINE_CHARS:
        # "时间：6月28日 14:00" then "地点：…" and "现场将解读场景需求": an event's or a
        # contact's lines are one record, which the lines after the field say what it is of
        after = doc.text[c.end : c.end + FIELD_RECORD_CHARS]
        context += " ".join(after.split("\n")[1 : FIELD_RECORD_LINES + 1]) + " "
    head = _header_of(c) if c.reading != c.text else None
    if head:
        # a table's caption and the lines introducing it ("表1　2024年各区产业规模排名",
        # "主题分类：经济建设") hold for each of its rows
        context += doc.text[max(0, head[0] - CAPTION_CHARS) : head[1]] + " "
    # "本批示核准“中小企業人工智能應用資助計劃”（下稱“資助計劃”）": the thing a document
    # defines at its head is what its later articles ("申請期由…") are about
    context += " ".join(_defined_names(doc.text[:DEFINITION_HEAD_CHARS])) + " "
    # "当事人：某某科技有限公司": every line of a penalty decision or a bid award is about it
    context += " ".join(_subjects(doc.text[:SUBJECT_HEAD_CHARS])) + " "
    if query.slots and all(_of_the_document(s, query) for s in query.slots):
        # "那份关于装备制造融合的答复，提案的委员是谁": the words name the letter, whose head
        # (its title, salutation and the proposal it answers) holds for the line asked about
        context += doc.text[:DOC_HEAD_CHARS]
    window = _norm(f"{context}{around} {c.reading if c.reading != c.text else ''}")
    slot_window = _norm(_unmarked(doc.text[c.start : nxt[-1][1]] if nxt else c.text))
    # the field lines after an item ("责任单位：…", "完成时限：…") are part of it
    fields = _norm(" ".join(_field_lines_after(doc, para_end)))
    if speaker:
        fields = f"{fields} {speaker[0]}表示"  # the turn's speaker, for "是谁介绍的"
    if fields.strip():
        sentence, window, slot_window = (f"{x} {fields}" for x in (sentence, window, slot_window))
    return sentence, window, slot_window


def _said(chosen: Sequence[Candidate]) -> str:
    """What the chosen sentences state, normalised; a transcript turn's opening sentence
    ("梁振华：谢谢您的提问。") states who speaks."""
    out = []
    for c in chosen:
        out.append(_norm(c.reading))
        para_start = c.doc.text.rfind("\n", 0, c.start) + 1
        turn = speaker_at(c.doc.text, para_start) if c.start == para_start else None
        if turn:
            out.append(f"{turn[0]}表示")
    return " ".join(out)


def _asked_before(doc: Document, start: int) -> str:
    """The question line an answer follows in a question-and-answer text ("问3：资助涵盖哪些
    开支？" above "答：…"): what the answer is about, though it does not repeat it."""
    para_start = doc.text.rfind("\n", 0, start) + 1
    above = doc.text[: max(para_start - 1, 0)]
    line = above[above.rfind("\n") + 1 :].strip()
    return line if line.endswith(("？", "?")) and len(line) <= QUESTION_LINE_CHARS else ""


def _field_lines_after(doc: Document, pos: int) -> list[str]:
    """The field lines ("label：value") that directly follow pos, up to LABEL_LINES."""
    out: list[str] = []
    for _, line in _lines_after(doc.text, pos):
        if len(out) >= LABEL_LINES or not FIELD_LINE_RE.match(line):
            break
        out.append(line)
    return out


def _judged(query: Query, ranked: list[Candidate], weights: dict[str, float]) -> list[Candidate]:
    out = []
    parts = _question_parts(query, weights)
    for c in ranked[:JUDGED_CANDIDATES]:
        sentence, window, slot_window = _windows(c, query)
        title = _norm(f"{c.doc.title or ''} {c.doc.issuer or ''}")
        verdict = judge(query, sentence, window, slot_window, weights, title, c.doc.year)
        if query.slots and verdict.sufficient and _header_of(c) == (c.start, c.end):
            # "序号｜项目名称｜预算金额（万元）" names the figures its rows state
            verdict = Verdict(False, ("a table header states no figure",), verdict.coverage)
        if (
            query.shape == "fact"
            and verdict.sufficient
            and len(c.text) <= NAMING_HEADING_CHARS
            and heading_level(c.text.strip())
            # ("（二）处罚款人民币35万元；" is a point that states its figure)
            and not re.search(r"[。；;！？!?]\s*$|\d", c.text)
        ):
            # "三、课程安排" names what its section is about and answers nothing itself
            verdict = Verdict(False, ("a heading states nothing",), verdict.coverage)
        for part in parts if not verdict.sufficient else ():
            # one of several questions answered is an answer; the others get their own sentence
            part_verdict = judge(
                _part_query(query, part), sentence, window, slot_window, part, title, c.doc.year
            )
            if part_verdict.sufficient:
                verdict = part_verdict
                break
        out.append(replace(c, verdict=verdict))
    return out


def _quoted(
    query: Query,
    text: str,
    citations: Sequence[Citation],
    contexts: tuple[Hit, ...],
    *,
    kind: str,
    reasons: tuple[str, ...],
    note: str,
) -> Answer:
    """An answered extractive Answer (refusals are made by messages.not_stated_answer)."""
    return Answer(
        question=query.text,
        text=text,
        citations=tuple(citations),
        contexts=contexts,
        answered=True,
        mode="extractive",
        note=note,
        standalone_question=query.standalone,
        reasons=reasons,
        kind=kind,
        lang=query.lang,
    )


def _cite(chosen: Sequence[Candidate]) -> list[Citation]:
    return [make_citation(n, c.passage, c.start, c.end) for n, c in enumerate(chosen, 1)]


def _with_passages(contexts: tuple[Hit, ...], chosen: Sequence[Candidate]) -> tuple[Hit, ...]:
    """The contexts plus the chunks of cited sentences found outside them (a section's items,
    a neighbouring sentence), so every citation has its passage."""
    known = {h.chunk.chunk_id for h in contexts}
    return contexts + tuple(
        dict.fromkeys(c.passage.hit for c in chosen if c.passage.hit.chunk.chunk_id not in known)
    )


def _label(doc: Document, lang: str) -> str:
    place = doc.region or doc.title or doc.source
    if lang == "en" and doc.region:
        from rag.text.places import place_stem
        from rag.text.tokenize import pinyin

        return f"{pinyin(place_stem(place)).title()} ({place})"
    return place


KIND_LABELS_EN = {
    "money": "Amount",
    "percent": "Percentage",
    "date": "Date",
    "doc_number": "Document number",
    "title": "Title",
    "phone": "Phone",
    "contact": "Contact person",
    "addressee": "Addressed to",
    "unit": "Responsible unit",
    "quantity": "Figure",
    "measure": "Figure",
}


def _english_lead(query: Query, chosen: Sequence[Candidate]) -> str:
    """ "Count: 33家 [1]." — the asked fact pulled out of the quoted Chinese sentence."""
    for slot in query.slots:
        for n, c in enumerate(chosen, 1):
            value = stated_value(slot, _norm(c.reading))
            if value:
                kind = slot.split(":", 1)[0]
                label = "Count" if kind == "count" else KIND_LABELS_EN.get(kind, "Answer")
                return f"{label}: {value} [{n}]."
    if not any(CJK_WORD_RE.search(c.text) for c in chosen):
        return "According to the documents:"  # (an English page quoted as written)
    return "According to the documents (quoted in Chinese):"


def _fact_answer(
    query: Query,
    judged: list[Candidate],
    ranked: list[Candidate],
    contexts: tuple[Hit, ...],
    doc_chunks: DocChunks,
    weights: dict[str, float],
    note: str,
) -> Answer | None:
    good = [c for c in judged if c.verdict and c.verdict.sufficient]
    if query.shape == "list":
        # "那12家服务商具体是哪几家": "共有12家服务商" counts them and names none
        heads = _list_heads(query)
        good = [c for c in good if not _counts_only(_norm(c.text), heads)]
    if not good:
        return None
    best = good[0]
    chosen = [best]
    # a second sentence of the same document when it is nearly as good (two-part questions)
    # (another row of best's table is another case, not more of best's)
    table = _header_of(best)
    for c in good[1:]:
        if len(chosen) >= 2:
            break
        if table is not None and c.doc.doc_id == best.doc.doc_id and _header_of(c) == table:
            continue
        if c.doc.doc_id == best.doc.doc_id and c.score >= 0.85 * best.score:
            chosen.append(c)
    for part in _question_parts(query, weights):
        # "政策叫什么？要发挥哪位院士工作站的作用？": each question gets the sentence on its words
        said = " ".join(_norm(c.reading) for c in chosen)
        if coverage(part, said) >= PART_COVERAGE or len(chosen) >= MAX_PART_SENTENCES:
            continue
        same_doc = [c for c in good if c.doc.doc_id == best.doc.doc_id and c not in chosen]
        # a sentence answers the part when its surroundings cover the part and it says a word
        # of the part the chosen sentences do not
        fresh = [c for c in same_doc if any(t in _norm(c.reading) and t not in said for t in part)]
        scored = [(coverage(part, _windows(c, query)[1]), c) for c in fresh]
        best_part = max(scored, key=lambda pair: pair[0], default=None)
        if best_part is not None and best_part[0] >= PART_COVERAGE:
            chosen.append(best_part[1])
    # "…企业632家，比上年末增加57家；其中人工智能企业148家": the part named by a key term
    # the whole does not name follows the whole
    for a, b in _adjacent(best, 1)[:1]:
        clause = best.doc.text[a:b]
        missing = [t for t in weights if t not in _norm(best.reading)]
        if clause.startswith("其中") and any(t in _norm(clause) for t in missing):
            probe = _span_of(best, a, b, doc_chunks)
            if probe is not None and all(probe.start != c.start for c in chosen):
                chosen.append(probe)
    _fill_slots(query, best, ranked, chosen, doc_chunks)
    if query.slots and any(VARIANT_CLAUSE_RE.search(c) for c in question_clauses(query.normalised)):
        # "一年最多多少？如果是专精特新企业呢？": the case asked about and the general rule the
        # variant departs from, which the sentence before it in the paragraph states
        para_start, _ = _paragraph(best.doc, best.start, best.end)
        for a, b in _adjacent(best, 1):
            rule = _norm(best.doc.text[a:b])
            if para_start <= a < best.start and any(states(s, rule) for s in query.slots):
                probe = Candidate(best.passage, a, b, 0.0)
                if _in_chunk(probe) and all(a != c.start for c in chosen):
                    chosen.append(probe)
    chosen += [c for c in _announced(best, doc_chunks) if all(c.start != x.start for x in chosen)]
    for c in _labelled(query, best, weights, doc_chunks):
        if all(not (x.start <= c.start and c.end <= x.end) for x in chosen):
            chosen.append(c)
    if query.shape == "list" or LIST_ASK_RE.search(query.normalised):
        # "名单里位于东湖区的项目有哪几个": every row of the table with what the best row
        # matched the question on, not only the rows retrieval brought back
        row = next((c for c in chosen if c.reading != c.text), None)
        rows = _rows_like(row, weights, query.places, doc_chunks) if row else []
        if row and len(rows) >= 2:
            chosen = [c for c in chosen if c.reading == c.text or c.doc.doc_id != row.doc.doc_id]
            chosen += rows
    for c in list(chosen):
        header = _table_header(c, doc_chunks)
        if header is not None and all(header.start != x.start for x in chosen):
            chosen.append(header)  # a row's figures mean what its header's columns say
    chosen.sort(key=lambda c: (c.doc.doc_id != best.doc.doc_id, c.start))
    citations = _cite(chosen)
    contexts = _with_passages(contexts, chosen)
    if query.lang == "en":
        quotes = " ".join(f"“{c.text}”[{n}]" for n, c in enumerate(chosen, 1))
        text = f"{_english_lead(query, chosen)} {quotes}"
    else:
        text = "".join(f"{c.text}[{n}]" for n, c in enumerate(chosen, 1))
    said = _said(chosen)
    reasons = tuple(
        f"states {s.split(':')[0]}" if states(s, said) else f"does not state {s.split(':')[0]}"
        for s in query.slots
    ) or ("covers the key terms",)
    return _quoted(query, text, citations, contexts, kind="fact", reasons=reasons, note=note)


def _counts_only(sentence: str, heads: Sequence[str]) -> bool:
    """True when the sentence gives only how many of the asked items there are ("共有12家
    服务商"), naming none of them (no enumeration, no colon introducing them)."""
    return (
        bool(heads)
        and not re.search(r"[、:;,]", sentence)
        and any(
            re.search(rf"\d+\s*[余多]?\s*[{COUNTERS}]\s*{re.escape(h)}", sentence) for h in heads
        )
    )


def _labelled(
    query: Query, best: Candidate, weights: dict[str, float], doc_chunks: DocChunks
) -> list[Candidate]:
    """Field lines whose label names what the question asks ("完成时限：…" for 啥时候完成,
    "主持人：…" for 谁主持, "申报条件：…" for 什么条件): the field lines right after the best
    sentence's line, those right before it when it is a field line itself, and those of the
    document's head (a record's own time, place and chair) when the best sentence is there."""
    text = best.doc.text
    line_start = text.rfind("\n", 0, best.start) + 1
    line_end = text.find("\n", best.end)
    line_end = len(text) if line_end < 0 else line_end
    # the notes on the best sentence's own line ("（牵头单位：…；配合单位：…）")
    spans: list[tuple[int, int]] = [
        (a, b) for a, b in split_sentences(text, best.end, line_end) if text[a] != "（"
    ]
    for a, b in _lines(text, line_end + 1, len(text))[:LABEL_LINES]:
        if not FIELD_LINE_RE.match(text[a:b]):
            break
        spans.append((a, b))
    if FIELD_LINE_RE.match(text[line_start:line_end]):
        for a, b in _lines(text, 0, max(line_start - 1, 0))[::-1][:LABEL_LINES]:
            if not FIELD_LINE_RE.match(text[a:b]):
                break
            spans.append((a, b))
    # the head: the lines before the first heading; its fields are the record's own, read when
    # the question is about the record (its best sentence is in the head too)
    head = _lines(text, 0, min(len(text), DOC_HEAD_CHARS))
    first = next((a for a, b in head if heading_level(text[a:b].strip())), len(text))
    if best.start < first:
        spans += [(a, b) for a, b in head if b <= first]
    asked = [t for t in weights if len(t) >= 2]
    out: list[Candidate] = []
    for a, b in spans:
        m = FIELD_LINE_RE.match(text[a:b])
        label = re.sub(r"[ \u3000]", "", m.group(1)) if m else ""
        # the label names a key term ("完成时限" for 啥时候完成) or the noun asked ("申报条件"
        # for 需要满足什么条件, a noun that is no key term), or the asked kind ("时间：…" for
        # 哪天开的) with a value of that kind
        kind_label = any(
            any(n in label for n in kind_nouns(s)) and states(s, _norm(text[a:b]))
            for s in query.slots
        )
        # (a key term only as the question wrote it: 发布 of 发布会 does not name 发布时间)
        named = (
            any(
                t in label and not any(t in u and u not in label for u in asked if u != t)
                for t in asked
            )
            or label[-2:] in query.normalised
        )
        if not label or not (kind_label or named):
            continue
        field = _span_of(best, a, b, doc_chunks)
        if field is not None and all(a != c.start for c in out):
            out.append(field)
    return out[:LABEL_LINES]


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of each non-blank line between start and end, leading spaces left out."""
    out = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        nl = end if nl < 0 else nl
        line = text[pos:nl]
        if line.strip():
            out.append((pos + len(line) - len(line.lstrip()), nl))
        pos = nl + 1
    return out


def _announced(c: Candidate, doc_chunks: DocChunks) -> list[Candidate]:
    """The points a sentence ending in a colon announces ("应当同时符合下列条件：" then
    "（一）…", "（二）…"), or that a sentence counts ("我讲三点意见。" then paragraphs opening
    一要…, 二要…): the sentence alone says only that there are some."""
    if ANNOUNCED_COUNT_RE.search(c.text):
        points = (_span_of(c, a, b, doc_chunks) for a, b in _point_paragraphs(c)[:LIST_ITEMS])
        found = [p for p in points if p is not None]
        if len(found) >= 2:
            return found
        # or names them in its next sentence: "一是夯实算力底座，二是汇聚高质量数据，…"
        for a, b in _adjacent(c, 1):
            if a > c.start and INLINE_POINTS_RE.match(c.doc.text[a:b].lstrip()):
                nxt = _span_of(c, a, b, doc_chunks)
                return [nxt] if nxt is not None else []
    if not c.text.rstrip().endswith(("：", ":")):
        return []
    start, end, _ = _block(c.doc, c, siblings=False)
    if start <= c.start:
        return []
    points = (_span_of(c, a, b, doc_chunks) for a, b in _items(c.doc, start, end)[:LIST_ITEMS])
    return [p for p in points if p is not None]


def _point_paragraphs(c: Candidate) -> list[tuple[int, int]]:
    """The opening sentences of the paragraphs right after c's that open with an ordinal
    ("一要强化算力供给，夯实发展底座。", "二要…"): the points c announces."""
    text = c.doc.text
    _, pos = _paragraph(c.doc, c.start, c.end)
    out: list[tuple[int, int]] = []
    for end, line in _lines_after(text, pos):
        if not line:
            continue
        if not POINT_OPENING_RE.match(line):
            break
        first = split_sentences(text, text.rfind("\n", 0, end) + 1, end)[:1]
        if first:
            out.append(first[0])
    return out


def _question_parts(query: Query, weights: dict[str, float]) -> list[dict[str, float]]:
    """The key-term weights of each question of a several-question text, [] for one question."""
    if query.lang == "en":
        return []
    clauses = [c for c in question_clauses(query.normalised) if ASK_WORD_RE.search(c)]
    if len(clauses) < 2:
        return []
    parts = [{t: w for t, w in weights.items() if t in clause} for clause in clauses]
    total = sum(weights.values())
    # a part must name something of its own: two key terms and a fair share of the weight, or
    # one term no other question names when it asks a kind of fact ("预算多少？服务期多长？")
    return [
        p
        for p, clause in zip(parts, clauses, strict=True)
        if sum(p.values()) >= PART_MIN_WEIGHT * total
        and (
            len(p) >= 2
            or (
                len(p) == 1
                and asked_kinds(clause)
                and not any(t in other for t in p for other in clauses if other != clause)
            )
        )
    ]


def _part_query(query: Query, part: dict[str, float]) -> Query:
    """The query as one of its questions asks it: only the measured quantities that question
    names ("罚款罚了多少？违法所得没收了多少？": the second asks no 罚款)."""
    metrics = tuple(m for m in query.metrics if any(m in t or t in m for t in part))
    qualifiers = tuple(q for q in query.qualifiers if q[1] in metrics)
    return replace(query, metrics=metrics, qualifiers=qualifiers)


def _fill_slots(
    query: Query,
    best: Candidate,
    ranked: list[Candidate],
    chosen: list[Candidate],
    doc_chunks: DocChunks,
) -> None:
    """Add a sentence for each asked kind of fact the chosen sentences do not state yet.

    A two-part question ("哪位委员提的，题目是什么？") needs two sentences; a unit or contact
    next to the best sentence ("（责任单位：…）") is found among its neighbours.
    """
    for slot in query.slots:
        if states_asked(query.normalised, slot, _said(chosen)):
            continue
        if slot == "speaker":
            # the turn's opening sentence names its speaker ("梁振华：谢谢您的提问。")
            para_start = best.doc.text.rfind("\n", 0, best.start) + 1
            opening = split_sentences(best.doc.text, para_start, best.start)[:1]
            turn = speaker_at(best.doc.text, para_start)
            label = _span_of(best, *opening[0], doc_chunks) if opening and turn else None
            if label is not None and all(label.start != c.start for c in chosen):
                chosen.insert(0, label)
            continue
        # a two-part question asks about neighbouring facts ("某某委员：" then "您提出的《…》"),
        # which a chunk boundary may separate
        near = [
            (a, b)
            for a, b in _adjacent(best, NEIGHBOURS)
            if states_asked(query.normalised, slot, _norm(best.doc.text[a:b]))
        ]
        if near:
            a, b = _bracketed(best.doc.text, *near[0])
            note = _span_of(best, a, b, doc_chunks)
            if note is not None and all(a != c.start for c in chosen):
                chosen.append(note)
            continue
        stating = [
            c
            for c in ranked
            if c.doc.doc_id == best.doc.doc_id
            and states_asked(query.normalised, slot, _norm(c.reading))
            and c.score >= 0.4 * best.score
        ]
        # the sentence on the question's topic, not the first one of the right shape
        pick = max(stating, key=lambda c: (c.coverage, c.score), default=None)
        if pick is not None and _in_chunk(pick) and all(pick.start != c.start for c in chosen):
            chosen.append(pick)


def _bracketed(text: str, start: int, end: int) -> tuple[int, int]:
    """A clause that opens a bracket, extended to where it closes on the same line:
    "（牵头单位：A；配合单位：B、C）" is one note, though 「；」 ends a sentence."""
    opened = text.count("（", start, end) + text.count("(", start, end)
    closed = text.count("）", start, end) + text.count(")", start, end)
    if opened <= closed:
        return start, end
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    m = re.compile(r"[）)]").search(text, end, min(line_end, end + BRACKET_CHARS))
    return (start, m.end()) if m else (start, end)


def _adjacent(c: Candidate, n: int) -> list[tuple[int, int]]:
    """Up to n sentences of the document after c, then up to n before it, nearest first."""
    text = c.doc.text
    # whole paragraphs around c, so the sentence split starts at a sentence
    after_end = text.find("\n", min(c.end + ADJACENT_CHARS, len(text)))
    before_start = text.rfind("\n", 0, max(c.start - ADJACENT_CHARS, 0)) + 1
    after = split_sentences(text, c.end, len(text) if after_end < 0 else after_end)
    before = split_sentences(text, before_start, c.start)
    return after[:n] + before[::-1][:n]


def _in_chunk(c: Candidate) -> bool:
    chunk = c.passage.hit.chunk
    return chunk.start_char <= c.start and c.end <= chunk.end_char


# ---------------------------------------------------------------- list answers


def _lines_after(text: str, pos: int) -> Iterator[tuple[int, str]]:
    """(end offset, stripped text) of each line after the line ending at pos."""
    while pos < len(text):
        end = text.find("\n", pos + 1)
        end = len(text) if end < 0 else end
        yield end, text[pos + 1 : end].strip()
        pos = end


def _run_end(text: str, pos: int, outer: Callable[[int], bool]) -> int:
    """End of the lines after pos, up to the first heading whose level `outer` accepts."""
    for end, line in _lines_after(text, pos):
        level = heading_level(line)
        if level and outer(level):
            break
        pos = end
    return pos


def _block(
    doc: Document, anchor: Candidate, siblings: bool, heads: Sequence[str] = ()
) -> tuple[int, int, str]:
    """(start, end, heading) of the section or paragraph whose items answer a list question."""
    text = doc.text
    para_start, para_end = _paragraph(doc, anchor.start, anchor.end)
    paragraph = text[para_start:para_end]
    level = heading_level(paragraph)
    if level and len(paragraph) <= 60:
        # a heading: its section runs to the next heading of the same or an outer level
        end = _run_end(text, para_end, lambda lv: lv <= level)
        first = _next_level(text, para_end)
        announces = bool(LIST_INTRO_RE.search(paragraph))
        if end <= para_end + 1 and first and first != level and announces:
            # "第十条 有下列情形之一的：" then "（一）…": points whose marker ranks above 条 in
            # the usual order, though they are its items; they run while the marker is theirs
            end = _own_points_end(text, para_end, first)
        elif end <= para_end + 1 and first and ARTICLE_RE.match(paragraph.strip()):
            # "第四条　乙方权利义务" then "1．…": points of the article's own level, which run
            # to the next article
            end = _article_end(text, para_end)
        article = ARTICLE_RE.match(paragraph.strip())
        if end > para_end + 1 or not siblings or not (article or _names_head(paragraph, heads)):
            return para_end + 1, end, paragraph.strip()
        # a point with nothing under it ("第四条　每年遴选…奖励。", "2. 智慧医疗类：…人工智能
        # 应用；" for "哪几类人工智能应用"): one of its siblings
    if level and siblings:
        # one enumerated point ("2.实施一批技术攻关项目。…"): the list is it and its siblings,
        # from the heading or announcing paragraph above them to the next outer heading
        start = para_start
        while start > 0:
            prev_start = text.rfind("\n", 0, start - 1) + 1
            line = text[prev_start : start - 1].strip()
            lvl = heading_level(line)
            if (lvl and lvl < level) or (not lvl and LIST_INTRO_RE.search(line)):
                break
            if not lvl and _title_like(line):
                start = prev_start  # the points' own title ("某县若干措施") heads them
                break
            start = prev_start
        return start, _points_end(text, para_end, level), ""
    # "从以下四个方面发力：" then "（一）…", "（二）…": the enumerated paragraphs that follow; not
    # a letter's "现就有关事项通知如下。", which announces the whole document, not the asked items
    named = _norm(f"{anchor.passage.hit.chunk.heading} {paragraph}")
    # (a paragraph ending in a colon announces what follows whatever it names)
    names_head = not heads or any(h in named for h in heads) or paragraph.rstrip()[-1:] in "：:"
    # (and so does a title line alone: "某县促进人工智能产业发展若干措施" then 第一条…)
    # (one that names what is asked, or most of the question's words: "…若干措施（征求意见稿）")
    titled = _title_like(paragraph) and (names_head or anchor.coverage >= TITLE_COVERAGE)
    if (LIST_INTRO_RE.search(paragraph) and names_head) or titled:
        first = _next_level(text, para_end)
        if first:
            end = _points_end(text, para_end, first)
            return para_end + 1, end, paragraph.strip() if titled else ""
    return para_start, para_end, ""


def _names_head(paragraph: str, heads: Sequence[str]) -> bool:
    """True when the paragraph names one of the nouns a list question asks for."""
    return any(h in _norm(paragraph) for h in heads)


def _field_list(
    doc: Document, anchor: Candidate, weights: dict[str, float]
) -> tuple[int, int, str] | None:
    """A record's field whose value is a list ("采购需求：" then "1. …", "2. …") named by a key
    term, among the field lines around the anchor's: the list a question about it asks for."""
    text = doc.text
    para_start, para_end = _paragraph(doc, anchor.start, anchor.end)
    if not FIELD_LINE_RE.match(text[para_start:para_end]):
        return None
    lines = _lines(text, max(0, para_start - RECORD_CHARS), min(len(text), para_end + RECORD_CHARS))
    for a, b in lines:
        m = FIELD_LABEL_ONLY_RE.fullmatch(text[a:b].strip())
        if not m or not any(len(t) >= 2 and t in _norm(m.group(1)) for t in weights):
            continue
        first = _next_level(text, b)
        if first:
            return b + 1, _points_end(text, b, first), m.group(1)
    return None


def _next_level(text: str, pos: int) -> int:
    """The heading level of the first non-blank line after pos (0: not a heading)."""
    return next((heading_level(line) for _, line in _lines_after(text, pos) if line), 0)


def _article_end(text: str, pos: int) -> int:
    """End of the lines after pos up to the next article (第N条) or outer heading."""
    end = pos
    for line_end, line in _lines_after(text, pos):
        level = heading_level(line)
        if ARTICLE_RE.match(line) or (level and level < ARTICLE_LEVEL):
            break
        end = line_end
    return end


def _own_points_end(text: str, pos: int, level: int) -> int:
    """End of the points after pos while their marker is of this level (to any other heading):
    "（一）…" under "第十条 有下列情形之一的：", whose marker ranks above 条 elsewhere."""
    return _run_end(text, pos, lambda lv: lv != level)


def _points_end(text: str, pos: int, level: int) -> int:
    """End of the points of this heading level that follow pos (to an outer heading)."""
    return _run_end(text, pos, lambda lv: lv < level)


def _title_like(paragraph: str) -> bool:
    """A short line that names rather than says: a title or a section name, no sentence."""
    line = paragraph.strip()
    return 4 <= len(line) <= TITLE_LINE_CHARS and not re.search(r"[。；;！？!?，,：:]", line)


def _items(doc: Document, start: int, end: int) -> list[tuple[int, int]]:
    """The items of a block: its sub-headings or enumerated points, else its sentences."""
    text = doc.text
    lines: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        nl = end if nl < 0 else nl
        if text[pos:nl].strip():
            lines.append((pos, nl))
        pos = nl + 1
    items: list[tuple[int, int]] = []
    levels = [heading_level(text[a:b].strip()) for a, b in lines]
    top = min((lv for lv in levels if lv), default=0)
    if top and levels.count(top) >= 2:
        # a section of sub-sections ("（一）加强组织领导。" then its paragraphs): the
        # sub-headings are the items, their bodies are what each one means
        lines = [line for line, lv in zip(lines, levels, strict=True) if lv == top]
    if len(lines) > 1 and not top:
        # a signature block, its date or an attachment label is no point of a list, nor is
        # the header of a table whose rows are the items
        headers = {(header_line(text, a) or (-1,))[0] for a, _ in lines}
        lines = [(a, b) for a, b in lines if not _furniture(text[a:b].strip()) and a not in headers]
    if len(lines) > 1:
        # several paragraphs: each paragraph is an item, cited by its first sentence (two when
        # the first is only a run-in heading such as "智能农业。")
        for a, b in lines:
            sentences = split_sentences(text, a, b)
            if not sentences:
                continue
            first = sentences[0]
            if first[1] - first[0] <= RUN_IN_HEADING_CHARS and len(sentences) > 1:
                first = (first[0], sentences[1][1])
            items.append(first)
        return items
    a, b = lines[0] if lines else (start, end)
    marks = [m.start() for m in ENUMERATOR_RE.finditer(text, a, b)]
    if len(marks) >= 2:
        bounds = [*marks, b]
        for s, e in itertools.pairwise(bounds):
            sentences = split_sentences(text, s, e)
            if sentences:
                items.append(
                    (sentences[0][0], sentences[-1][1] if len(sentences) == 1 else sentences[0][1])
                )
        return items
    sentences = split_sentences(text, a, b)
    if sentences and sentences[0][1] - sentences[0][0] <= RUN_IN_HEADING_CHARS:
        return sentences[1:]  # "智能农业。" names the paragraph; its sentences are the items
    return []  # a paragraph of prose is not a list: its best sentence answers instead


def _furniture(line: str) -> bool:
    """A line of a document's furniture, not of its content: an issuer's name alone, a date
    line, an attachment label ("附件1")."""
    return bool(
        DATE_LINE_RE.fullmatch(line)
        or ATTACHMENT_LINE_RE.fullmatch(line)
        or (len(line) <= ISSUER_LINE_CHARS and line.endswith(lexicon("issuer_suffixes")))
    )


def _passage_for(
    doc: Document,
    start: int,
    end: int,
    doc_chunks: DocChunks,
    n: int,
    *,
    stage: str = "section",
    rank: int = 0,
) -> Passage | None:
    """Passage n: the chunk of doc holding text[start:end] whole, or None."""
    for chunk in doc_chunks(doc.doc_id):
        if chunk.start_char <= start and end <= chunk.end_char:
            return Passage(n, Hit(chunk, 0.0, rank, stage), doc)
    return None


def _paragraph(doc: Document, start: int, end: int) -> tuple[int, int]:
    para_start = doc.text.rfind("\n", 0, start) + 1
    para_end = doc.text.find("\n", end)
    return para_start, len(doc.text) if para_end < 0 else para_end


def _list_anchors(
    query: Query,
    anchors: list[Candidate],
    weights: dict[str, float],
    embedder: Embedder,
    heads: Sequence[str],
) -> list[Candidate]:
    """Candidates ordered by how well their whole paragraph, not one sentence, matches."""
    by_para: dict[tuple[str, int], Candidate] = {}
    for c in anchors:
        key = (c.doc.doc_id, _paragraph(c.doc, c.start, c.end)[0])
        by_para.setdefault(key, c)
    paras = list(by_para.values())[:EMBED_CANDIDATES]
    texts = [
        c.doc.text[slice(*_paragraph(c.doc, c.start, c.end))][:PARAGRAPH_EMBED_CHARS] for c in paras
    ]
    sims = [0.0] * len(paras)
    if query.vector is not None and query.lang != "en" and len(paras) > 1:
        raw = embedder.embed_documents(texts) @ np.asarray(query.vector)
        lo, hi = float(np.min(raw)), float(np.max(raw))
        sims = [(float(x) - lo) / (hi - lo) if hi > lo else 1.0 for x in raw]
    scored = [
        (
            0.5 * coverage(weights, _norm(c.passage.hit.chunk.heading + t))
            + 0.4 * sim
            + 0.1 / c.passage.n
            # a heading or an announcing paragraph naming what is asked ("以下四个方面")
            + LIST_HEAD_BONUS * _introduces(t, heads),
            i,
        )
        for i, (c, t, sim) in enumerate(zip(paras, texts, sims, strict=True))
    ]
    return [paras[i] for _, i in sorted(scored, reverse=True)]


def _named_headings(
    anchors: list[Candidate],
    weights: dict[str, float],
    doc_chunks: DocChunks,
    heads: Sequence[str],
) -> list[Candidate]:
    """Heading lines of the anchors' documents that name the noun a list question asks for,
    those holding more of its key terms first."""
    if not heads:
        return []
    docs = list({c.doc.doc_id: c.doc for c in anchors}.values())[:HEADING_DOCS]
    found: list[tuple[float, int, Candidate]] = []
    for rank, doc in enumerate(docs):
        parties = _parties(doc)
        for a, b in _lines(doc.text, 0, len(doc.text)):
            line = doc.text[a:b]
            if len(line) > HEADING_CHARS or not heading_level(line):
                continue
            if not _names_head(line, heads):
                continue
            norm = _norm(line)
            passage = _passage_for(doc, a, b, doc_chunks, rank + 1)
            if passage is None:
                continue
            # "乙方权利义务" is about the company a contract calls 乙方
            named = norm + "".join(_norm(n) for label, n in parties.items() if label in norm)
            cov = coverage(weights, named)
            found.append((cov, -rank, Candidate(passage, a, b, cov, cov)))
    return [c for *_, c in sorted(found, key=lambda f: (f[0], f[1]), reverse=True)]


def _nested_block(
    doc: Document,
    spans: list[tuple[int, int]],
    weights: dict[str, float],
    heads: Sequence[str] = (),
) -> tuple[int, int] | None:
    """(start, end) of the points under the one item of spans that announces them and holds a
    key term, or None. An item that is a short heading naming the asked noun ("（二）重点任务。"
    under "五、发展目标和重点任务") announces the points under it too."""
    text = doc.text
    announcing = [
        (a, b)
        for a, b in spans
        if (
            text[a:b].rstrip().endswith(("：", ":"))
            or (
                b - a <= BARE_HEADING_CHARS
                and bool(heading_level(text[a:b]))
                and _names_head(text[a:b], heads)
                # (points of its own below it: not the next section, "六、…" after "6. …")
                and _next_level(text, b) > heading_level(text[a:b])
            )
        )
        and any(len(t) >= 2 and t in _norm(text[a:b]) for t in weights)
    ]
    if len(announcing) != 1:
        return None
    _, para_end = _paragraph(doc, *announcing[0])
    first = _next_level(text, para_end)
    end = _own_points_end(text, para_end, first) if first else para_end
    return (para_end + 1, end) if end > para_end + 1 else None


def _announces(c: Candidate) -> bool:
    """True when the candidate's paragraph announces points that follow it."""
    paragraph = c.doc.text[slice(*_paragraph(c.doc, c.start, c.end))].rstrip()
    return paragraph.endswith(("：", ":")) or bool(LIST_INTRO_RE.search(paragraph))


def _inside(c: Candidate, heading: Candidate, section: tuple[int, int]) -> bool:
    """True when the candidate sits in the section (start, end) the heading line heads."""
    start, end = section
    return c.doc.doc_id == heading.doc.doc_id and start <= c.start < end


def _parties(doc: Document) -> dict[str, str]:
    """A contract's parties as its head names them: {"乙方": "星衡智算科技有限公司"}."""
    head = doc.text[:DOC_HEAD_CHARS]
    return {m.group(1): m.group(2).strip() for m in PARTY_RE.finditer(head)}


def _introduces(paragraph: str, heads: Sequence[str]) -> bool:
    """A heading or announcing paragraph naming what is asked ("以下四个方面"); any announcing
    paragraph when the question names no noun ("哪几件事")."""
    if not heads:
        return bool(LIST_INTRO_RE.search(paragraph))
    return _names_head(paragraph, heads) and bool(
        heading_level(paragraph) or LIST_INTRO_RE.search(paragraph)
    )


def _list_answer(
    query: Query,
    judged: list[Candidate],
    contexts: tuple[Hit, ...],
    doc_chunks: DocChunks,
    weights: dict[str, float],
    embedder: Embedder,
    note: str,
) -> Answer | None:
    anchors = [c for c in judged if c.verdict and _list_ok(c.verdict)]
    # the best-matching paragraph first; one that is not a list (a title line) passes its turn
    heads = _list_heads(query)
    # "发现了哪些问题": a heading naming the asked noun ("三、存在的问题") heads the items, wherever
    # retrieval's best sentence sits in its document
    by_heading = _named_headings(anchors, weights, doc_chunks, heads)
    ordered = _list_anchors(query, anchors, weights, embedder, heads)
    if by_heading:
        # (a paragraph inside that section is more precise: "（一）申报单位应当满足以下要求："
        # under "二、申报条件")
        section = _block(by_heading[0].doc, by_heading[0], False, heads)[:2]
        inside = [c for c in ordered if _announces(c) and _inside(c, by_heading[0], section)]
        ordered = [*inside, *by_heading, *(c for c in ordered if c not in inside)]
    for anchor in ordered:
        doc = anchor.doc
        # "哪几件事": a point of an enumeration stands for all its points, unless it alone is
        # about what the question names ("对人才给哪些支持": the point on 人才, not all eight)
        siblings = bool(LIST_ASK_RE.search(query.normalised))
        start, end, heading = _block(doc, anchor, siblings, heads)
        if siblings and _stands_alone(anchor, start, end, weights):
            start, end, heading = _block(doc, anchor, False, heads)
        spans = _items(doc, start, end)
        if anchor in by_heading:
            # "二、申报条件" then "（一）申报单位应当满足以下要求：": the one point announcing
            # points of its own, on what the question names, holds the asked items
            nested = _nested_block(doc, spans, weights, heads)
            if nested is not None:
                start, end = nested
                spans = _items(doc, start, end)
        field_list = _field_list(doc, anchor, weights) if len(spans) < 2 else None
        if field_list is not None:
            start, end, heading = field_list
            spans = _items(doc, start, end)
        items: list[Candidate] = []
        for a, b in spans:
            p = _passage_for(doc, a, b, doc_chunks, len(items) + 1)
            if p is not None:
                items.append(Candidate(p, a, b, 0.0))
        if len(items) >= 2:
            break
        para_start, para_end = _paragraph(doc, anchor.start, anchor.end)
        own = _norm(doc.text[para_start:para_end])
        if para_start >= DOC_HEAD_CHARS and (
            any(h in own for h in heads) or coverage(weights, own) >= PROSE_COVERAGE
        ):
            # the best paragraph on the asked noun is prose ("存在的主要问题：…"): its sentence
            # answers, not a list from a paragraph about something else (the title and opening
            # lines name what the whole document lists)
            return None
    else:
        return None
    if not heading:
        first = split_sentences(doc.text, start, end)[:1]
        short = first and first[0][1] - first[0][0] <= RUN_IN_HEADING_CHARS
        if short and not heading_level(doc.text[first[0][0] : first[0][1]]):
            heading = doc.text[first[0][0] : first[0][1]].rstrip("。：:")
    shown = items[:LIST_ITEMS]
    citations = _cite(shown)
    contexts = _with_passages(contexts, shown)
    first_line, last_line = doc.line_of(start), doc.line_of(max(items[-1].end - 1, start))
    extra = len(items) - len(shown)
    if query.lang == "en":
        named = f" under “{heading}”" if heading else ""
        lead = (
            f"The documents list {len(items)} items{named} "
            f"({doc.source}, lines {first_line}-{last_line}):"
        )
        lines = [f"- “{c.text}”[{n}]" for n, c in enumerate(shown, 1)]
        more = [f"- … and {extra} more in the same section."] if extra else []
    else:
        named = f"“{heading}”" if heading else ""
        where = f"{doc.source} 第{first_line}–{last_line}行"
        lead = f"{_label(doc, 'zh')}{named}共{len(items)}项（{where}）："
        lines = [f"- {c.text}[{n}]" for n, c in enumerate(shown, 1)]
        more = [f"- ……另有{extra}项，见同一节。"] if extra else []
    reasons = (f"lists {len(items)} items of one section",)
    text = "\n".join([lead, *lines, *more])
    return _quoted(query, text, citations, contexts, kind="list", reasons=reasons, note=note)


def _stands_alone(anchor: Candidate, start: int, end: int, weights: dict[str, float]) -> bool:
    """True when the anchor's paragraph holds a fair share of the question's key terms that
    none of its sibling paragraphs (start:end) holds."""
    text = anchor.doc.text
    para_start, para_end = _paragraph(anchor.doc, anchor.start, anchor.end)
    if not start <= para_start < end:
        return False
    own = _norm(text[para_start:para_end])
    rest = _norm(text[start:para_start] + text[para_end:end])
    total = sum(weights.values())
    alone = sum(w for t, w in weights.items() if covers(t, own) and not covers(t, rest))
    return bool(total) and alone / total >= OWN_POINT_SHARE


def _list_heads(query: Query) -> tuple[str, ...]:
    """The key terms a list question asks items of: the noun after 哪些 ("哪些具体任务" ->
    任务), else the one before it ("重点领域有哪些" -> 领域)."""
    q = query.normalised
    after: list[str] = []
    before: list[str] = []
    for m in LIST_ASK_RE.finditer(q):
        head = LIST_FILLER_RE.sub("", q[: m.start()])
        tail = LIST_LEAD_RE.sub("", q[m.end() :])
        # "哪些比较知名的企业", "哪些支持人工智能的政策文件": the noun after the modifier
        stripped = LIST_MODIFIER_RE.sub("", tail)
        tails = (stripped,) if stripped != tail and stripped.strip("？?") else (tail,)
        # the asked noun itself is not a key term ("哪些领域" asks for 领域, it does not name a
        # topic), so it is looked for among all the question's words
        words = {t for t in query.tokens if len(t) > 1 and CJK_WORD_RE.fullmatch(t)}
        for term in sorted(words | set(query.terms), key=len, reverse=True):
            if any(t.startswith(term) for t in tails) and term not in after:
                after.append(term)
            if head.endswith(term) and term not in before:
                before.append(term)
        if after:
            # a modifier leads into the noun asked for: 哪些保障措施 -> 保障 and 措施
            rest = next((t for t in tails if t.startswith(after[0])), tail)[len(after[0]) :]
            nxt = [t for t in words if rest.startswith(t) and t not in query.verbs]
            after.extend(max(nxt, key=len) for _ in nxt[:1])
    # "哪些东西": a word that names no kind of item ("things") asks for whatever is listed
    vague = frozenset(lexicon("question_words"))
    return tuple(t for t in (after or before) if t not in vague)


def _closes(gap: str) -> bool:
    """True when the words between 等 and the head term only qualify it ("等多家链上优质"
    企业), not when a verb starts a new phrase ("等龙头企业联合" 高校)."""
    if len(gap) > LIST_CLOSE_CHARS:
        return False
    return not any(flag.startswith("v") for _, flag in tag(gap)) if gap else True


def _modifies(after: str) -> bool:
    """True when a noun follows the head term, which then only qualifies it: "技术、金融等企业
    公共服务" lists services, not 企业."""
    words = tag(CLAUSE_BREAK_RE.split(after, maxsplit=1)[0][:8])
    return bool(words) and len(words[0][0]) > 1 and words[0][1] in NOUN_FLAGS


def _enumerates(sentence: str, heads: Sequence[str]) -> bool:
    """True when the sentence lists items of a head term inline ("以A、B、C等领域为重点")."""
    for head in heads:
        for m in re.finditer(re.escape(head), sentence):
            clause = CLAUSE_BREAK_RE.split(sentence[: m.start()])[-1]
            # the items run up to the head term, closed by 等 or a count ("三大")
            tail = clause.rsplit("、", 1)[-1]
            if (
                len(tail) <= INLINE_TAIL_CHARS
                and not _modifies(sentence[m.end() :])
                # "A、B等龙头企业", "A、B、C三大领域"; the 等 closes a list of the head term
                # itself, not of a word before it ("A、B等龙头企业联合高校" lists no 高校)
                and (
                    ("等" in tail and _closes(tail.rsplit("等", 1)[1]) and clause.count("、") >= 1)
                    or (ENUM_COUNT_RE.search(tail) and clause.count("、") >= 2)
                )
            ):
                return True
    return False


def _inline_list_answer(
    query: Query, judged: list[Candidate], contexts: tuple[Hit, ...], note: str
) -> Answer | None:
    """One sentence that names the asked items itself, before any section's list of points."""
    heads = _list_heads(query)
    if not heads:
        return None
    inline = [
        c
        for c in judged[:INLINE_CANDIDATES]
        if c.verdict
        and c.verdict.sufficient
        and _enumerates(_norm(c.text), heads)
        # "从A、B等方面…重点做好以下几方面工作": the points that follow are the answer
        and not LIST_INTRO_RE.search(c.doc.text[slice(*_paragraph(c.doc, c.start, c.end))])
    ]
    # the sentence that names most of what the question says, not merely the first list
    if not inline:
        return None
    c = min(inline, key=lambda c: (-c.coverage, -c.score))
    if query.lang == "en":
        quoted = " (quoted in Chinese)" if CJK_WORD_RE.search(c.text) else ""
        text = f"The documents name them in one sentence{quoted}: “{c.text}”[1]"
    else:
        text = f"{c.text}[1]"
    reasons = ("names the items in one sentence",)
    return _quoted(query, text, _cite([c]), contexts, kind="list", reasons=reasons, note=note)


def _list_ok(verdict: Verdict) -> bool:
    """A list question asks for no single fact: the key terms and constraints are what count."""
    return (
        all(not r.startswith("states no") for r in verdict.reasons) and verdict.sufficient
    ) or all(r.startswith("states no") for r in verdict.reasons)


# ---------------------------------------------------------------- comparisons


def _place_clauses(query: Query, weights: dict[str, float]) -> dict[str, dict[str, float]]:
    """place -> the key-term weights of its own part of a comparison question, when each
    named place is followed by terms of its own ("晋城A企业数和无锡B企业数分别是多少")."""
    q = query.normalised.lower()
    at = sorted((q.find(p.lower()), p) for p in query.places if p.lower() in q)
    if len(at) < 2:
        return {}
    out: dict[str, dict[str, float]] = {}
    for i, (start, place) in enumerate(at):
        end = at[i + 1][0] if i + 1 < len(at) else len(q)
        clause = q[start:end]
        own = {t: w for t, w in weights.items() if t in clause}
        if not own:
            return {}  # "青岚市和淮阳省的企业…": the places share one question
        out[place] = own
    return out


def _asked_about(query: Query, doc: Document) -> bool:
    """False for a document of another place or year than the question names."""
    if query.places and not _of_asked_place(query, doc):
        return False
    return not (query.years and doc.year is not None and str(doc.year) not in query.years)


def _compare_answer(
    query: Query, judged_by_doc: dict[str, list[Candidate]], contexts: tuple[Hit, ...], note: str
) -> Answer | None:
    lines: list[Candidate] = []
    silent: list[Document] = []
    for cands in judged_by_doc.values():
        good = [c for c in cands if c.verdict and c.verdict.sufficient]
        if good:
            lines.append(good[0])
        elif cands and _asked_about(query, cands[0].doc):
            silent.append(cands[0].doc)
    if not lines:
        return None
    lines = lines[:COMPARE_DOCS]
    citations = _cite(lines)
    if query.lang == "en":
        lead = f"{len(lines)} document(s) state this:"
        body = [f"- {_label(c.doc, 'en')}: “{c.text}”[{n}]" for n, c in enumerate(lines, 1)]
        tail = ["Not stated in: " + ", ".join(_label(d, "en") for d in silent)] if silent else []
    else:
        lead = f"{len(lines)}份文件提到："
        body = [f"- {_label(c.doc, 'zh')}：{c.text}[{n}]" for n, c in enumerate(lines, 1)]
        tail = ["未说明的文件：" + "、".join(_label(d, "zh") for d in silent)] if silent else []
    reasons = (f"{len(lines)} documents state it", *(f"not stated in {d.source}" for d in silent))
    text = "\n".join([lead, *body, *tail])
    return _quoted(query, text, citations, contexts, kind="compare", reasons=reasons, note=note)


# ---------------------------------------------------------------- documents by issuer


def issuer_answer(
    query: Query, docs: Sequence[Document], doc_chunks: DocChunks, note: str = ""
) -> Answer | None:
    """Which documents an issuer made, each cited at the line naming the issuer.

    docs: the documents whose issuer matches; each is cited where it names its issuer last
    (the signature, else the head).
    """
    lines: list[Candidate] = []
    for doc in docs:
        at = doc.text.rfind(doc.issuer) if doc.issuer else -1
        n = len(lines) + 1
        p = (
            _passage_for(doc, at, at + 1, doc_chunks, n, stage="metadata", rank=n)
            if at >= 0
            else None
        )
        sentence = (
            next(((a, b) for a, b in passage_sentences(p) if a <= at < b), None) if p else None
        )
        if p is not None and sentence is not None:
            lines.append(Candidate(p, sentence[0], sentence[1], 0.0))
    if not lines:
        return None
    contexts = tuple(c.passage.hit for c in lines)
    if query.lang == "en":
        lead = f"{len(lines)} document(s) were issued by an issuer named “{query.issuer}”:"
        body = [f"- {c.doc.title or c.doc.source}: “{c.text}”[{n}]" for n, c in enumerate(lines, 1)]
    else:
        lead = f"{len(lines)}份文件由名称含“{query.issuer}”的机关作出："
        body = [
            f"- 《{c.doc.title or c.doc.source}》：{c.text}[{n}]" for n, c in enumerate(lines, 1)
        ]
    reasons = (f"{len(lines)} documents' issuer names {query.issuer}",)
    text = "\n".join([lead, *body])
    return _quoted(query, text, _cite(lines), contexts, kind="compare", reasons=reasons, note=note)


# ---------------------------------------------------------------- the answerer


def _names(text: str, name: str) -> bool:
    """True when text names the person; a tagged name of three or more characters may carry a
    neighbouring character the tagger joined to it ("和望平" for 望平, "了佩琴" for 佩琴)."""
    if covers(name, text):  # (人大常委会: 人民代表大会常务委员会)
        return True
    return len(name) >= 3 and (name[1:] in text or name[:-1] in text)


def extractive_answer(
    query: Query,
    passages: Sequence[Passage],
    stats: CorpusStats,
    embedder: Embedder,
    *,
    doc_chunks: DocChunks,
    note: str = "",
) -> Answer:
    """An answer made of quoted sentences with citations, or a "not stated" answer with reasons."""
    contexts = tuple(p.hit for p in passages)

    sources = {p.doc.doc_id: p.doc.source for p in passages}

    def refuse(*reasons: str) -> Answer:
        return not_stated_answer(query, contexts, reasons, note=note, sources=sources)

    if query.is_empty:
        return refuse("the question names nothing to look up")
    if not passages:
        return refuse("no passages retrieved")
    docs = {p.doc.doc_id: p.doc for p in passages}
    texts_norm = {d.doc_id: _norm(d.text) for d in docs.values()}
    for place in query.places:
        if not any(place_in(place, d, texts_norm[d.doc_id]) for d in docs.values()):
            return refuse(f"{place} is not in the documents found")
    for person in query.persons:
        if not any(_names(t, person) for t in texts_norm.values()):
            return refuse(f"{person} is not in the documents found")
    for phrase in query.exact:
        # "“人工智能+医疗”场景", "第九条", "副组长": named exactly, stated nowhere
        if not any(phrase.lower() in t for t in texts_norm.values()):
            return refuse(f"{phrase} is not in the documents found")
    if query.exact:
        passages = [
            p for p in passages if all(x.lower() in texts_norm[p.doc.doc_id] for x in query.exact)
        ]
    for year in FISCAL_YEAR_RE.findall(query.normalised):
        # "2024年度的申报截止时间" asked of a notice about 2025年度 projects: the documents name
        # their programme years, and this one is not among them
        stated = {y for t in texts_norm.values() for y in FISCAL_YEAR_RE.findall(t)}
        if stated and year not in stated:
            return refuse(f"{year}年度 is not in the documents found")
    if query.persons and query.shape != "compare":
        # the person asked about is named somewhere in the document that answers
        passages = [
            p for p in passages if all(_names(texts_norm[p.doc.doc_id], n) for n in query.persons)
        ]
    numbers = [t for t in query.terms if t.isdigit() and len(t) >= 2 and t not in query.years]
    named = [p for p in passages if all(n in texts_norm[p.doc.doc_id] for n in numbers)]
    if numbers and named:
        # "proposal No. 0192", "第268号建议": the number names the document that answers
        passages = named
    weights = term_weights(query, stats)
    # (no place, no year and one known word against several unknown ones)
    unknown = not query.places and not query.years and len(weights) <= 1
    if query.unmapped and (not weights or (unknown and len(query.unmapped) >= UNKNOWN_WORDS)):
        # "Who is the mayor of Wenzhou?": the place is known, what is asked about is not;
        # "a recipe for chocolate chip cookies": most of what is asked is unknown to the
        # documents and the glossary, one word that is (chip) does not make it answerable
        return refuse(f"key terms not covered: {' '.join(query.unmapped[:4])}")
    texts = [
        _norm(
            f"{p.doc.title or ''}{p.doc.region or ''}{p.hit.chunk.heading}{p.hit.chunk.text}"
            + " ".join(speakers_in(p.doc.text, p.hit.chunk.start_char, p.hit.chunk.end_char))
        )
        for p in passages
    ]
    ok, reason, _ = passages_cover(query, texts, weights)
    if not ok:
        return refuse(reason)
    # a document's own lines for facts about the document itself, which retrieval by the
    # question's words rarely brings back: its 文号, its date line or signature, its salutation
    own_lines = {
        # "第十一条规定了什么": where the document says what the question names exactly
        _phrases_at(query.exact): bool(query.exact),
        _own_number_at: "doc_number" in query.slots,
        _date_lines_at: query.of_document and "date" in query.slots,
        _addressee_lines_at: "addressee" in query.slots,
    }
    for find in (f for f, asked in own_lines.items() if asked):
        passages = [*passages, *_own_line_passages(passages, doc_chunks, find)]
        contexts = tuple(p.hit for p in passages)
    ranked = _rank(query, embedder, _candidates(query, passages, weights))
    if not ranked:
        return refuse("no sentence in the passages")
    if query.shape == "compare":
        by_doc: dict[str, list[Candidate]] = {}
        for c in ranked:
            by_doc.setdefault(c.doc.doc_id, []).append(c)
        clauses = _place_clauses(query, weights)
        judged_by_doc = {}
        for d, cs in by_doc.items():
            w = next((cw for p, cw in clauses.items() if p in _doc_label_text(cs[0].doc)), weights)
            if w is not weights:
                # "晋城的A和无锡的B分别是多少": each place's documents answer its own part
                # words naming the document itself ("临澜的行动方案，哪份先出") hold for all of
                # its lines: they are read against its head too
                head = _norm(cs[0].doc.text[:DOC_HEAD_CHARS]) if query.of_document else ""
                cs = sorted(
                    cs,
                    key=lambda c: (
                        -(coverage(w, f"{_norm(c.text)} {head}") + c.lexical - c.coverage)
                    ),
                )
            judged_by_doc[d] = _judged(query, cs[:COMPARE_CANDIDATES], w)
        answer = _compare_answer(query, judged_by_doc, contexts, note)
        # one document stating it is still a comparison when others were asked about
        if answer is not None and (len(answer.citations) > 1 or len(query.places) > 1):
            return answer
    looked_up = _table_lookup(query, ranked, weights, doc_chunks)
    if looked_up is not None:
        # the row the question picks is judged first, whatever the sentence ranking thought
        ranked = [
            looked_up,
            *(
                c
                for c in ranked
                if (c.doc.doc_id, c.start) != (looked_up.doc.doc_id, looked_up.start)
            ),
        ]
    judged = _judged(query, ranked, weights)
    if query.shape == "list":
        answer = _inline_list_answer(query, judged, contexts, note) or _list_answer(
            query, judged, contexts, doc_chunks, weights, embedder, note
        )
        if answer is not None:
            return answer
    answer = _fact_answer(query, judged, ranked, contexts, doc_chunks, weights, note)
    if answer is not None:
        return answer
    return refuse(*(judged[0].verdict.reasons if judged and judged[0].verdict else ()))
