"""Does a sentence state what was asked? The decision to answer or to say "not stated".

A sentence (read with its heading, its neighbours and its document's title and region) is
sufficient when it states the asked kind of fact (a count with its counter, an amount with a
unit, a date, a person in the asked role ...) and meets the question's constraints: the years
and places it names, the measured quantity it asks about (产值 is not 企业数量), and enough of its
key terms. The reasons travel in the Answer so users and tests can see why.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rag.text.facts import (
    LOT_RE,
    ORDINAL_REF_RE,
    PERSON_NAME_Q,
    PHASE_RE,
    ROLE_ENDINGS,
    ROUND_RE,
    kind_nouns,
    named_kind_asked,
    phases_in,
    reach,
    roc_years_in,
    states_asked,
    states_phase,
    states_role,
    year_written,
    years_in,
)
from rag.text.lexicon import glossary, lexicon, sources, word_sets
from rag.text.places import place_level, place_mentions
from rag.text.tokenize import pinyin, tokenize
from rag.types import CorpusStats, Document, Query

# share of the question's key-term weight (idf) the sentence's surroundings must cover
MIN_WINDOW_COVERAGE = 0.5
MIN_TERM_SHARE = 0.6
MIN_WINDOW_COVERAGE_WITH_SHARE = 0.3
# the same for the retrieved passages as a whole, before any sentence is looked at
MIN_PASSAGE_COVERAGE = 0.4
ITEM_COUNT_RE = re.compile(r"[一二两三四五六七八九十\d]+[条个项大类种件家所名位批点]")
# verbs are paraphrased more often than nouns (建立 ~ 创建, 确定 ~ 明确): they count half
VERB_WEIGHT = 0.5


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a sentence answers the question, and why not when it does not."""

    sufficient: bool
    reasons: tuple[str, ...] = ()
    coverage: float = 0.0


def term_weights(query: Query, stats: CorpusStats) -> dict[str, float]:
    """idf weight of each key term; a term the index never saw weighs like the rarest one.

    A compound that search-mode tokenizing also gave in parts (投资规模 = 投资 + 规模) counts
    through its parts, so a text that says 总投资 covers 投资 without having to say 投资规模.
    """
    terms = set(query.terms)
    kept = [
        t
        for t in query.terms
        if not any(t[:i] in terms and t[i:] in terms for i in range(1, len(t)))
    ]
    # "落款日期是哪天": 日期 names the kind of fact asked, which the slot check looks for
    asked = asked_nouns(query)
    # (and the parts of one: 联络 of 联络人, which search-mode tokenizing also gave)
    named = [n for n in asked if n in query.normalised]
    kept = [t for t in kept if t not in asked and not any(t in n for n in named)] or kept
    if query.shape != "fact":
        # a count of the items asked for ("三条特色产业链分别是什么") names no topic
        kept = [t for t in kept if not ITEM_COUNT_RE.fullmatch(t)] or kept
    return {
        t: stats.idf.get(t, stats.max_idf)
        * (VERB_WEIGHT if t in query.verbs or any(t in a for a in query.attributes) else 1.0)
        for t in kept
        if t not in query.unmapped
    }


def points_at_document(term: str, terms: Collection[str]) -> bool:
    """True for a word that counts only where a text writes it: a document's kind ("通知";
    "招聘公告" when 招聘 is a term too) or a scope word ("全市"). "那份通知里…", "全市的水平"
    choose where to look, and the sentence that answers seldom repeats them."""
    if SCOPE_RE.fullmatch(term):
        return True
    kinds = lexicon("document_kinds")
    return any(term == k or (term.endswith(k) and term[: -len(k)] in terms) for k in kinds)


def asked_nouns(query: Query) -> set[str]:
    """The nouns naming the kinds of fact the question asks for (日期, 比例, 联系人 …)."""
    return {n for s in query.slots for n in kind_nouns(s)}


def _forms(term: str) -> tuple[str, ...]:
    full = glossary("abbreviations").get(term.lower(), "")
    # a measured quantity is covered by the other ways documents write it (预算: 经费, 编列),
    # a word by its synonyms (房租: 租金)
    same = [w for w in glossary("synonyms").get(term.lower(), "").split(",") if len(w) >= 2]
    return (term, *([full] if full else []), *metric_variants(term)[1:], *same)


def covers(term: str, text: str) -> bool:
    """True when text holds the term, the full form of an abbreviation (工信厅), another way
    of writing a measured quantity (metric_words lexicon), a synonym (synonyms lexicon) or, in
    an English text, the English word the glossary gives the term for (措施: measures)."""
    if any(form in text for form in _forms(term)):
        return True
    # (only in a text with no Chinese: a bilingual page's English headline does not stand in
    # for the Chinese lines that state its facts)
    if CJK_TERM_RE.search(text):
        return False
    # (a short word whole: "ai", not the "ai" of "aim"; a name by its pinyin: 乔宁 qiaoning)
    return any(
        re.search(rf"\b{re.escape(word)}" + (r"\b" if len(word) <= 3 else ""), text)
        for word in sources("glossary_en").get(term, ())
        if len(word) >= 2 and word in text
    ) or _pinyin_named(term, text)


def _pinyin_named(term: str, text: str) -> bool:
    """True when an English text spells the Chinese name in pinyin ("Qiaoning" for 乔宁)."""
    spelled = _spelling(term) if len(term) >= 2 else ""
    return len(spelled) >= 4 and spelled in text and bool(re.search(rf"\b{spelled}\b", text))


def coverage(weights: dict[str, float], text: str) -> float:
    """Share of the weight of the terms that occur in text (normalised form); a word that
    points at a document counts only where the text holds it (none to cover: 1.0)."""
    held = {t: w for t, w in weights.items() if covers(t, text)}
    total = sum(w for t, w in weights.items() if t in held or not points_at_document(t, weights))
    return sum(held.values()) / total if total else float(bool(weights))


def missing_terms(weights: dict[str, float], text: str) -> list[str]:
    """The key terms text does not cover, but for the words that point at a document."""
    return [t for t in weights if not covers(t, text) and not points_at_document(t, weights)]


def metric_variants(metric: str) -> tuple[str, ...]:
    """A measured quantity and the other ways documents write it (metric_words lexicon)."""
    alternatives = glossary("metric_words").get(metric.lower(), "")
    return (metric, *[a for a in alternatives.split(",") if a])


THIS_YEAR_RE = re.compile(r"本年度|本年|今年|当年|\bthis year\b", re.I)
# "全市", "本省", "各县": the whole of an administrative level, no topic
SCOPE_RE = re.compile(r"[全本我各][国省市区县州镇乡]")
SHARE_WORDS = frozenset({"比重", "比例", "份额", "占比"})
# how far apart a qualifying noun and its quantity may be written ("对租房的企业给予补贴")
QUALIFIER_GAP_CHARS = 8


def qualifies(noun: str, metric: str, text: str) -> bool:
    """True when text names the noun (or a synonym) within a few characters of the metric;
    a share's base also as "占总项目数的26.5%", which does not repeat 比例."""
    for form in _forms(noun):
        if metric in SHARE_WORDS and re.search(f"占[^,，;；。]{{0,4}}{re.escape(form)}", text):
            return True
        for m in re.finditer(re.escape(form), text):
            near = text[max(0, m.start() - QUALIFIER_GAP_CHARS) : m.end() + QUALIFIER_GAP_CHARS]
            if any(v in near for v in metric_variants(metric)):
                return True
    return False


def place_in(place: str, doc: Document, doc_text_norm: str) -> bool:
    """True when the document is about or mentions the place."""
    return names_place(place, f"{doc.region or ''}{doc.title or ''}{doc.issuer or ''}".lower()) or (
        names_place(place, doc_text_norm)
    )


def names_place(place: str, text: str) -> bool:
    """True when text (lower case) names the place, in Chinese or, on an English page, in
    pinyin ("Minze City" for 岷泽)."""
    if place in text:
        return True
    spelled = _spelling(place)
    return bool(spelled) and spelled in text and bool(re.search(rf"\b{spelled}\b", text))


@lru_cache(maxsize=1024)
def _spelling(place: str) -> str:
    return pinyin(place) if CJK_TERM_RE.fullmatch(place) else ""


CJK_TERM_RE = re.compile(r"[\u4e00-\u9fff]+")
# "去年同期的增加值": the figure of the same period a year before (not "比上年增长多少", which
# this year's growth answers, nor "去年" alone, which may be the year the document reports on)
LAST_YEAR_RE = re.compile(r"(?:去年|上年|上一年)同期|same period (?:of )?last year", re.I)
LAST_YEAR_STATED_RE = re.compile(
    r"去年|上年|上一年|前一年|过去一年|上年度|上一年度|(?:19|20)\d\d\s*年"
    r"|last year|previous year|in (?:19|20)\d\d",
    re.I,
)
# a year a question compares against: "比2023年", "较2023年", "和2023年相比", "vs 2023"
BASE_YEAR_RE = (
    r"(?:比|较|相比|对比|跟|和|与|同比|than|over|from|vs\.?)\s*{year}\s*年?|{year}\s*年?相比"
)
CHANGE_RE = re.compile(
    r"增长|增加|提高|提升|下降|减少|上涨|下跌|增幅|降幅|增速|百分点|同比|\bup\b|\bdown\b|growth|increase|decrease|rose|fell",
    re.I,
)
CITED_YEAR_RE = re.compile(r"[〔［\[【]\s*\d{4}\s*[〕］\]】]")


def judge(
    query: Query,
    sentence: str,
    window: str,
    slot_window: str,
    weights: dict[str, float],
    title: str = "",
    doc_year: int | None = None,
) -> Verdict:
    """Judge one sentence. All texts are in the normalised form.

    sentence: the sentence itself; window: heading path, title, region, the neighbours and the
    sentence; slot_window: the sentence and the next ones that may state a role or unit for it;
    title: the document's title and issuer; doc_year: the year the document is of.
    """
    reasons: list[str] = []
    if query.slots:
        # ("到哪天结束" is not answered by "2025年度")
        stated = [
            s
            for s in query.slots
            if states_asked(query.normalised, s, slot_window if _far(s) else sentence)
        ]
        if not stated:
            reasons.append(f"states no {query.slots[0].split(':')[0]}")
        else:
            # "the fax number / e-mail of the contact": not the contact
            reasons.extend(
                f"states no {s}" for s in ("fax", "email") if s in query.slots and s not in stated
            )
    # the window holds the document's title, region and issuer: a place named only in passing
    # elsewhere in the document does not make the sentence about it. A comparison of places
    # needs each line to be about one of them.
    absent = [p for p in query.places if not names_place(p, window)]
    if absent and (query.shape != "compare" or len(absent) == len(query.places)):
        reasons.extend(f"not about {p}" for p in absent)
    if query.shape != "compare":
        # a town or district the question names with its suffix ("梅岭乡") though the
        # tagger did not take it for a place
        unnamed = [
            m.stem
            for m in place_mentions(query.normalised)
            if not any(m.stem in p or p in m.stem for p in query.places)
            and not names_place(m.stem, window)
        ]
        reasons.extend(f"not about {p}" for p in unnamed)
        reasons.extend(r for r in sibling_place_reasons(query, sentence) if r not in reasons)
    # (the year of a cited document's number, "芷政办发〔2024〕41号", dates no fact)
    dated = CITED_YEAR_RE.sub(" ", window) if query.years else window
    row = bool(TABLE_ROW_RE.search(sentence))
    # a table row that names its own year ("民国111年度 | 10,200 | 96.6%") is about that year
    # alone, whatever years the rows around it name
    row_years = [*years_in(sentence), *roc_years_in(sentence)] if row else []
    for year in query.years:
        if row_years and year not in row_years:
            reasons.append(f"not for {year}")
            continue
        # ("本年度总预算…" in a document of that year is about that year)
        if not year_written(year, dated) and not (
            doc_year == int(year) and THIS_YEAR_RE.search(sentence)
        ):
            # "2024年比2023年涨了多少": the year compared against is implied by a change
            # stated for the other ("增长23.8%")
            base = re.search(BASE_YEAR_RE.format(year=year), query.normalised)
            if not (base and len(query.years) > 1 and CHANGE_RE.search(sentence)):
                reasons.append(f"not for {year}")
    if LAST_YEAR_RE.search(query.normalised) and not LAST_YEAR_STATED_RE.search(sentence):
        # "去年同期的增加值是多少" is not answered by this year's figure and its growth rate
        reasons.append("not for last year")
    # (labels spaced out to align, "组　长：…", name the office too)
    unspaced = re.sub(r"[ \u3000]", "", sentence)
    for phrase in query.exact:
        # "第十一条规定了什么" is not answered by 第一条 (a quoted name may head a whole section
        # the sentence sits in: the documents hold it, which the answerer checks)
        if ORDINAL_REF_RE.fullmatch(phrase) and phrase not in window:
            reasons.append(f"does not name {phrase}")
        # "数据局的局长叫什么" is not answered by "市数据局副局长韦立诚" nor by another bureau's;
        # "局长叫什么名字" only by a line that names the office with the person
        if phrase.endswith(ROLE_ENDINGS) and (
            not states_role(query.normalised, phrase, unspaced, title)
            if phrase in unspaced
            else PERSON_NAME_Q.search(query.normalised)
        ):
            reasons.append(f"does not name {phrase}")
    own_phases = phases_in(sentence)
    for phase in query.phases:
        # "二期规模是多少" is not answered by what 首期 is, even when a neighbour names 二期
        if not states_phase(phase, window) or (own_phases and phase not in own_phases):
            reasons.append(f"not for phase {phase}")
    for member, other in _siblings_named(query.normalised, sentence):
        # "全职引进的硕士" is not answered by "全职引进博士：生活补贴3000元/月"
        reasons.append(f"about {other}, not {member}")
    for term in weights:
        # under "三、笔试和面试", "笔试定于8月2日" is about 笔试, not the 面试 asked about
        sibling = _sibling(term, window)
        if sibling and sibling in sentence and term not in sentence and sibling not in weights:
            reasons.append(f"about {sibling}, not {term}")
    endings = named_kind_asked(query.normalised)
    if endings and not re.search(
        rf"[\u4e00-\u9fffA-Za-z0-9]{{2,}}(?:{'|'.join(map(re.escape, endings))})", slot_window
    ):
        # "住的是哪家酒店" is answered by a hotel's name, not by "食宿统一安排"
        reasons.append(f"names no {endings[0]}")
    if query.alternatives and not any(
        all(covers(t, window) for t in [w for w in tokenize(alt) if len(w) >= 2] or [alt])
        for alt in query.alternatives
    ):
        # "是公开招标还是竞争性磋商": a sentence naming neither does not choose
        reasons.append(f"names neither {' nor '.join(query.alternatives)}")
    for base in RATE_BASE_RE.findall(query.normalised):
        # "每万人有几个基站" is not answered by the number of 基站: a rate per so many people
        # is written with its base ("每万人", "/万人", "万人均")
        if not re.search(f"每{base}|/{base}|{base}均", window):
            reasons.append(f"does not state per {base}")
    for topic in query.yes_no:
        # "培训没通过能补考吗" is not answered by the line that schedules the exam
        if not covers(topic, window):
            reasons.append(f"does not name {topic}")
    asked = asked_nouns(query) if query.metrics else set()
    # (a table row's cells carry their column names: the row, not its neighbours, states what
    # its figures measure)
    measured = sentence if row else window
    for metric in query.metrics:
        if metric in asked:
            continue  # "比例是多少" asks for a percentage, which the slot check looks for
        if not covers(metric, measured):
            # (its other forms, 经费 for 预算; on an English page "revenue" for 营收 through
            # the glossary)
            reasons.append(f"does not state {metric}")
    for noun, metric in query.qualifiers:
        # 安家补贴 does not answer a question about 租房补贴, nor 意图识别准确率 one about 图像识别
        # 准确率: the text names the noun near the quantity it qualifies
        # (a document titled by the noun, "人才安居办法", is about it in each of its subsidies)
        titled = any(f in title for f in _forms(noun)) and any(
            v in window for v in metric_variants(metric)
        )
        if not qualifies(noun, metric, window) and not titled:
            reasons.append(f"does not state {noun}{metric}")
    if query.phases and not any(r.startswith("not for phase") for r in reasons):
        # the words of a phase the window states ("一批" of 第一批, written 首批) are covered
        said = [m.group(0) for r in PHASE_PATTERNS for m in r.finditer(query.normalised)]
        window = f"{window} {' '.join(said)}"
    cov = coverage(weights, window)
    # idf weights let one rare word the sentence paraphrases (集中 for 聚集) outweigh all the
    # common ones it does say; most of the terms by count, and a fair share by weight, is enough
    missing = missing_terms(weights, window)
    covered = sum(covers(t, window) for t in weights)
    # (a word pointing at a document counts only where written, here as in coverage)
    counted = covered + len(missing)
    share = 1 - len(missing) / counted if counted else 1.0
    enough = cov >= MIN_WINDOW_COVERAGE or (
        share >= MIN_TERM_SHARE and cov >= MIN_WINDOW_COVERAGE_WITH_SHARE
    )
    if weights and not enough:
        reasons.append(f"key terms not covered: {' '.join(missing[:4])}")
    return Verdict(not reasons, tuple(reasons), cov)


# how a question writes a phase, round or lot ("第一批", "二期", "包2")
PHASE_PATTERNS = (PHASE_RE, ROUND_RE, LOT_RE)
# the base of a rate asked: 每万人, 每千户, 每百名, 每平方公里
RATE_BASE_RE = re.compile(
    r"每((?:[十百千万]+|[一二三四五六七八九十\d]+万?)(?:人|户|名|家|常住人口)|平方公里)"
)
FIGURE_KINDS = ("count:", "measure:", "money", "percent", "quantity")
PLACE_CLAUSE_RE = re.compile(r"[^，,；;。！？!?]+")
# a table row as the answerer reads it: cells apart, or "设区市:枫屿市;企业数量:341家"
TABLE_ROW_RE = re.compile(r"[|\t]|\S {2,}\S|^[^:;]{1,12}:[^;]*;[^:;]{1,12}:")


def sibling_place_reasons(query: Query, sentence: str) -> list[str]:
    """Why a sentence naming other places of the asked place's level does not answer for it.

    "临溪镇新增了几家企业" is not answered by "青石镇新增规上企业11家" (another town), nor the
    count of 泽南区 by "岚北区、泽南区集聚了78%的企业，栖梧县…分别有23家和14家", whose count
    is in another place's clause: with siblings named, the asked fact must be stated in a
    clause that names the asked place.
    """
    asked = {m.stem: m.level for m in place_mentions(query.normalised)}
    for place in query.places:
        level = place_level(place, query.normalised, sentence)
        if level is not None and not any(place in s or s in place for s in asked):
            asked[place] = level
    if not asked or len(set(asked.values())) < len(asked):
        return []  # (several places of one level asked about: each sentence may name one)
    named = place_mentions(sentence)
    # (a figure sits in its place's clause; a contact's name and phone may be split by commas)
    figures = [s for s in query.slots if s.startswith(FIGURE_KINDS)]
    reasons: list[str] = []
    for place, level in asked.items():
        siblings = [
            m.stem
            for m in named
            if m.level == level and place not in m.stem and m.stem not in place
        ]
        if not siblings:
            continue
        if place not in sentence:
            reasons.append(f"about {siblings[0]}, not {place}")
        elif figures and not TABLE_ROW_RE.search(sentence):
            # (a table row's cells are no clauses: its header states the unit)
            clauses = [c for c in PLACE_CLAUSE_RE.findall(sentence) if place in c]
            if not any(states_asked(query.normalised, s, c) for s in query.slots for c in clauses):
                reasons.append(f"not stated for {place}")
    return reasons


def _siblings_named(question: str, sentence: str) -> list[tuple[str, str]]:
    """(asked member, the other member the sentence names instead) for each set whose member
    the question names and the sentence does not, though it names another."""
    out = []
    for members in word_sets("sibling_sets"):
        asked = [m for m in members if m in question]
        if not asked or any(m in sentence for m in asked):
            continue
        others = [m for m in members if m in sentence and not any(m in a for a in asked)]
        if others:
            out.append((asked[0], others[0]))
    return out


def _sibling(term: str, window: str) -> str:
    """The word joined to term as its equal ("笔试和面试" -> 笔试 for 面试), "" when none."""
    if len(term) < 2 or not CJK_TERM_RE.fullmatch(term):
        return ""
    n = len(term)
    m = re.search(
        rf"([\u4e00-\u9fff]{{{n}}})[和及与、]{term}|{term}[和及与、]([\u4e00-\u9fff]{{{n}}})",
        window,
    )
    return (m.group(1) or m.group(2)) if m else ""


def _far(slot: str) -> bool:
    return reach(slot) > 0


def passages_cover(
    query: Query, texts: Sequence[str], weights: dict[str, float]
) -> tuple[bool, str, float]:
    """Whether the passages as a whole cover the key terms (before judging sentences)."""
    if not texts:
        return False, "no passages retrieved", 0.0
    best = max(coverage(weights, t) for t in texts)
    if weights and best < MIN_PASSAGE_COVERAGE:
        missing = [
            t
            for t in weights
            if not points_at_document(t, weights) and not any(covers(t, x) for x in texts)
        ]
        return False, f"key terms not covered: {' '.join(missing[:5])}", best
    return True, "", best
