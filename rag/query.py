"""Analyse a question once: language, 简体 form, tokens, aliases, places, years, asked facts."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache

from rag.text.facts import (
    DOCUMENT_ORDER_Q,
    alternatives_in,
    asked_kinds,
    exact_phrases,
    phases_in,
    roc_years_in,
    years_in,
    yes_no_topics,
)
from rag.text.lang import (
    is_traditional,
    normalise,
    question_language,
    strip_controls,
    to_simplified,
    to_traditional,
)
from rag.text.lexicon import glossary, lexicon, rewrite
from rag.text.places import (
    gazetteer_pinyin,
    gazetteer_places,
    generic_places,
    place_names,
    place_stem,
    place_suffixes,
    places_in,
    tag,
)
from rag.text.tokenize import CJK_RUN_RE, known_word, pinyin_readings, stop_words, tokenize
from rag.types import CorpusStats, Query

ROLE_SLOTS = frozenset({"unit", "contact", "addressee"})
PERSON_FLAGS = frozenset({"nr", "nrfg", "nrt", "nt"})
NAME_FLAGS = frozenset({"nr", "ns", "nt", "nz", "nrt", "nrfg", "eng"})
LATIN_WORD_RE = re.compile(r"[A-Za-z]+")
# interrogatives and counters ("哪几个", "这份", "第几") shape a question but name no topic
QUESTION_PATTERN = re.compile(
    r"[哪几谁啥么]|^(这|那|两|三|各|每)[份个位部项家笔批回轮]|多少|什么|^[第来里时]"
)
LIST_Q = re.compile(
    # 哪些/哪几 ask for several things whatever noun follows ("哪些保障措施", "哪几件事")
    r"哪些|哪几(?![年天月日岁次号])|哪[两二三四五六七八九十]+[个件项条类种大方]"  # not 哪几年
    r"|具体任务|主要任务|重点任务|主要举措|主要措施|具体措施"
    # "成员都有谁": the people of a body are several
    r"|都有谁|都是谁|有哪些人|有哪几位"
    # the conditions or materials an application needs are several
    r"|(?:满足|具备|符合|需要|要求)(?:什么|哪些|啥)(?:条件|材料|资料)"
    # "分几点说说", "从几个方面": the points are the items (not "几点开门", a time)
    r"|分(?:为|成)?几[点条个项]|几个方面|几方面"
    r"|采取了?(什么|哪些)|做了哪些|what (measures|tasks|steps|actions|policies|support|are the)"
    # "what kinds of support / expenses / projects …": the kinds are the items
    r"|what (kinds|types|sorts) of|which (kinds|types) of"
    # "list" the verb ("List the…", "can you list"), not the noun ("in the project list")
    r"|which (measures|tasks|steps|actions|policies)|^\s*list\b|\b(?:please|you|to) list\b",
    re.I,
)


def _asker_preamble_re() -> re.Pattern[str]:
    """A leading clause about the asker: "我是做投资的，", "作为省里的工作人员想比一下：",
    "想确认一下："; "作为试点城市，" names no asker (lexicon asker_roles)."""
    return _asker_preamble_for(lexicon("asker_roles"))


@cache  # keyed on the word list, so a user lexicon added later is seen
def _asker_preamble_for(asker_roles: tuple[str, ...]) -> re.Pattern[str]:
    roles = "|".join(map(re.escape, asker_roles)) or "(?!)"
    return re.compile(
        r"^(?:(?:我|我们|本人)(?:是|在)[^，,：:。？?]{0,20}[，,：:]"
        rf"|作为[^，,：:。？?]{{0,16}}(?:{roles})[^，,：:。？?]{{0,10}}[，,：:]"
        r"|[^，,：:。？?]{0,12}想(?:确认|问问|问|了解|知道|请教|核实|比较|对比|比)[^，,：:。？?]{0,6}"
        r"[，,：:]"
        r"|(?:我|我们)?(?:想|希望)(?:知道|了解|问问|问|请教|确认|核实)(?:一下)?[，,：:]?"
        r"|请问[，,：:]?)+"
    )


def _rather_re() -> re.Pattern[str]:
    """比较 as the adverb "rather" ("比较知名的企业"), not the verb (lexicon degree_words)."""
    return _rather_for(lexicon("degree_words"))


@cache
def _rather_for(degree_words: tuple[str, ...]) -> re.Pattern[str]:
    words = "|".join(map(re.escape, sorted(degree_words, key=len, reverse=True)))
    return re.compile(rf"比较(?={words})" if words else r"(?!)")


COMPARE_Q = re.compile(
    r"各地|各市|各省|分别|各(?:是|为|自|有多少)|哪些(城市|地方|地区|文件|文档|地市|省份|省|市)|哪几个(城市|地方|地区|文件|省)"
    r"|比较|对比|异同"
    r"|compare|comparison|which (cities|documents|places|regions|files|provinces)"
    r"|each (city|document|region|province)"
    # "the three 2024 reply letters", "这三份答复": several documents asked about at once
    r"|\b(?:the|these|those|all)\s+(?:two|three|four|five|six|seven|eight|nine|ten|\d+)\b[^?]{0,30}?"
    r"\b(?:letters|documents|replies|files|notices|plans|policies|opinions|reports)\b"
    r"|[这那][两二三四五六七八九十\d]+份",
    re.I,
)


# Chinese in brackets after an English term: "final accounts (决算)"
DEMONSTRATIVES = ("此", "该", "本", "这", "那")
FRAMING_FLAGS = frozenset("rmtfqcd")  # jieba: pronoun, numeral, time, localizer, classifier,
# conjunction, adverb
ACRONYM_RE = re.compile(r"\b([A-Z]{2,6})s?\b(?!\s*[(（])")
GLOSSED_RE = re.compile(r"[(（]\s*([\u4e00-\u9fff]{2,12})\s*[)）]")


def english_aliases(question: str, pinyin_map: Mapping[str, str] | None) -> list[str]:
    """Chinese terms for an English question: glossary phrases and words, names in pinyin."""
    return _english_matches(question, pinyin_map)[0]


def _pinyin_name(
    spelling: str, pinyin_map: Mapping[str, str] | None, *, proper: bool = True
) -> str | None:
    """The indexed term spelled so (the documents' own spelling), else a city or province when
    the word is written as a name (proper)."""
    if pinyin_map and spelling in pinyin_map:
        return pinyin_map[spelling]
    return gazetteer_pinyin().get(spelling) if proper else None


def _english_matches(
    question: str, pinyin_map: Mapping[str, str] | None
) -> tuple[list[str], set[str]]:
    """(Chinese aliases, the English words a glossary phrase or a pinyin name accounts for)."""
    raw = LATIN_WORD_RE.findall(question)
    words = [w.lower() for w in raw]
    # "the service guide" names no county Guide (贵德): in a question that writes capitals, a
    # place outside the documents is a capitalised word
    cased = any(w != w.lower() for w in raw)
    proper = [not cased or w[:1].isupper() for w in raw]
    gloss = glossary("glossary_en")
    out: list[str] = []
    accounted: set[str] = set()
    used = [False] * len(words)
    longest = max((len(k.split()) for k in gloss), default=1)
    # phrases first ("guidance fund" -> 引导基金), then each word too (fund -> 基金): documents
    # often write the phrase's term inside a longer one (产业引导基金)
    for size in range(longest, 0, -1):
        for i in range(len(words) - size + 1):
            phrase = " ".join(words[i : i + size])
            if phrase in gloss:
                accounted.update(words[i : i + size])
            if gloss.get(phrase):
                out.append(gloss[phrase])
                used[i : i + size] = [True] * size
    stops = stop_words()
    names: list[str] = []
    for i, w in enumerate(words):
        # a name may be written in one word (Wuxi) or two (Xin Wu)
        pair = w + words[i + 1] if i + 1 < len(words) else ""
        if _pinyin_name(pair, pinyin_map, proper=proper[i]) if pair else None:
            accounted.update({w, words[i + 1]})
        elif _pinyin_name(w, pinyin_map, proper=proper[i]):
            accounted.add(w)
        if used[i] or w in stops:
            continue
        pair = pair if pair and not used[i + 1] else ""
        name = _pinyin_name(pair, pinyin_map, proper=proper[i]) if pair else None
        if name is None and len(w) >= 4:
            name = _pinyin_name(w, pinyin_map, proper=proper[i])
        if name:
            names.append(name)
    return list(dict.fromkeys(out + names)), accounted


# what joins two places compared side by side: "临澜市和甘肃", "A、B两地", "A vs B"; no clause
# break between them
PLACES_JOINED_RE = re.compile(
    r"^[^，,。；;？?！!]{0,12}?(?:和|与|跟|及|同|、|还是|或|以及|对比|比|\bvs\b|\band\b|\bor\b)"
    r"[^，,。；;？?！!]{0,3}$",
    re.I,
)
# "…？跟临渚的比怎么样": a place right after 跟/与/比 is compared with, whatever comes between
COMPARED_WITH = frozenset("跟与同比较")
DISTRICT_RE = re.compile(r"(?=([\u4e00-\u9fff]{2,3}[省市州盟区县旗镇]))")
# the administrative units of a region field, outermost first: "溪州市云塘区" -> 溪州市, 云塘区
REGION_UNIT_RE = re.compile(r"[\u4e00-\u9fff]{2,}?(?:特别行政区|自治区|自治州|省|市|区|县|旗|盟)")


def region_spellings(regions: Iterable[str]) -> dict[str, str]:
    """Pinyin -> the documents' own place names (yucheng -> 昱城, yuchengshi -> 昱城市), so an
    English question names the indexed place, not a namesake the gazetteer knows (禹城)."""
    out: dict[str, str] = {}
    for region in regions:
        for name in (m.group(0) for m in REGION_UNIT_RE.finditer(normalise(region or ""))):
            stem = place_stem(name)
            # a place's name read any way its characters are read: 峤城 is jiaocheng or qiaocheng
            for spelling in pinyin_readings(name):
                out.setdefault(spelling, name)
            if stem != name and len(stem) >= 2:
                for spelling in pinyin_readings(stem):
                    out.setdefault(spelling, stem)
    return out


def _metadata_places(normalised: str, stats: CorpusStats | None) -> list[str]:
    """Place names in the question that the indexed documents' metadata also names.

    Covers districts jieba does not know (新吴区) and any place a user's own documents are
    about, whatever the gazetteer holds.
    """
    if not stats or not stats.metadata_text:
        return []
    generic = generic_places()
    # a name ends where a word does: "数据要素市场" holds no place "据要素市" (its 市 begins
    # 市场), though a title with those words is in the metadata
    ends, pos = set(), 0
    for word, _flag in tag(normalised):
        pos += len(word)
        ends.add(pos)
    found = [
        m.group(1)
        for m in DISTRICT_RE.finditer(normalised)
        if m.group(1) in stats.metadata_text
        and not any(g in m.group(1) for g in generic)
        and m.start() + len(m.group(1)) in ends
    ]
    # a document's region named without its suffix ("临澜和甘肃" for 临澜市): its stem
    regions = {line.split(" ", 1)[0] for line in stats.metadata_text.splitlines()}
    for name in (m.group(0) for r in regions for m in REGION_UNIT_RE.finditer(r)):
        stem = place_stem(name)
        if len(stem) >= 2 and stem != name and stem in normalised and name not in generic:
            found.append(stem)
    # "新吴区" and "吴区" both match: keep the longest names only
    found = list(dict.fromkeys(found))
    return [f for f in found if not any(f != g and f in g for g in found)]


INTERROGATIVE_RE = re.compile(r"^(哪|什么|何)")


# interrogative phrases: "哪一年", "哪一场", "何年", "多少", "几个"
QUESTION_PHRASE_RE = re.compile(
    r"哪一?[个种年位家所项场次条天月日时届任些国省市]|何[年时处地种人]|什么时候|多少|几[个年次位种项号]"
    # "多长时间内", "多久报一次": how long and how often
    r"|多大|多长时间|多久(?:[\u4e00-\u9fff]{0,3}一次)?"
)
DOCUMENT_SLOTS = frozenset({"date", "doc_number", "addressee"})
COPULAS = frozenset({"是", "为", "有", "在", "具有", "位于", "叫", "称为"})


def _attributes(tags: list[tuple[str, str]], terms: Sequence[str]) -> tuple[str, ...]:
    """The noun just before the interrogative that asks for its value ("的外貌是什么",
    "祖籍何处", "产业规模是多少": the compound when the question's terms hold it)."""
    out: list[str] = []
    for i, (word, flag) in enumerate(tags):
        if not ((flag == "r" and INTERROGATIVE_RE.match(word)) or word in ("多少", "何处", "何时")):
            continue
        if i + 1 < len(tags) and tags[i + 1][1][:1] in ("n", "q", "m"):
            continue  # "有多少家企业": what is counted comes after, the noun before holds it
        j = i - 1
        while j >= 0 and tags[j][0] in COPULAS:
            j -= 1
        if j < 0 or not tags[j][1].startswith("n") or tags[j][1] in NAME_FLAGS:
            continue
        noun = tags[j][0]
        if j > 0 and tags[j - 1][1].startswith("n") and tags[j - 1][0] + noun in terms:
            noun = tags[j - 1][0] + noun
        if noun in terms and len(noun) >= 2:
            out.append(noun)
    return tuple(dict.fromkeys(out))


def _asked_types(tags: list[tuple[str, str]]) -> set[str]:
    """The noun right after an interrogative names the kind of answer, not its topic:
    "哪家机构" is answered by "上海人工智能实验室", which never says 机构."""
    out = set()
    for i, ((word, _), (nxt, flag)) in enumerate(itertools.pairwise(tags)):
        if INTERROGATIVE_RE.match(word) and flag.startswith("n") and len(nxt) >= 2:
            out.add(nxt)
            # "哪位委员或代表": each alternative names the kind of answer
            rest = tags[i + 2 : i + 4]
            if (
                len(rest) == 2
                and rest[0][0] in ("或", "或者", "和", "及")
                and rest[1][1][:1] == "n"
            ):
                out.add(rest[1][0])
    return out


# "哪些（文件）是由X（部门）作出/发布/印发的", "which were issued by X (departments)"
ISSUER_Q = re.compile(
    r"(?:哪些|哪几份|哪份|哪个|哪一份)[^？?]{0,12}?由\s*([^，,。？?]{2,24}?)\s*"
    r"(?:部门|单位|机关|机构|系统)?\s*(?:作出|做出|发布|印发|出具|制定|发出|下发|答复)"
)
ISSUER_Q_EN = re.compile(
    r"\bwhich\b[^?]{0,40}?\b(?:made|issued|published|written|released)\s+by\s+(?:the\s+)?"
    r"([a-z ,&'-]{3,80}?)\s*\??$",
    re.I,
)


def _asked_issuer(normalised: str, lang: str, pinyin_map: Mapping[str, str] | None) -> str:
    """The issuer words of a question asking which documents an issuer made, else ""."""
    m = ISSUER_Q.search(normalised)
    if m:
        return m.group(1).strip()
    m = ISSUER_Q_EN.search(normalised) if lang == "en" else None
    if m:
        found, _ = _english_matches(m.group(1).lower(), pinyin_map)
        return max(found, key=len, default="")
    return ""


def _documented(places: Sequence[str], stats: CorpusStats | None) -> list[str]:
    """The places that some indexed document is about (named in its metadata)."""
    text = stats.metadata_text if stats else ""
    return [p for p in places if p.lower() in text]


def _compares_places(
    places: Sequence[str], stats: CorpusStats | None, normalised: str = ""
) -> bool:
    """True when the question names places of two different documents side by side.

    A city and its district named by one document ("无锡…新吴区") are one place asked about;
    so are places written one inside the other ("苍岭省霁川市") or one qualifying what is asked
    of the other ("霁川的申报企业里，汀栖县报了几家"): only places joined by 和/与/、/and …
    are compared.
    """
    documented = [p.lower() for p in _documented(places, stats)]
    if len(documented) < 2 or stats is None:
        return False
    lines = stats.metadata_text.split("\n")
    if any(all(p in line for p in documented) for line in lines):
        return False
    at = sorted((i, p) for p in documented if (i := normalised.find(p)) >= 0)
    if len(at) < 2:
        return True  # (named in another script or spelling: as before, by the documents)
    return any(
        PLACES_JOINED_RE.search(normalised[i + len(p) : j])
        or normalised[max(j - 1, 0) : j] in COMPARED_WITH
        for (i, p), (j, _) in itertools.pairwise(at)
    )


def _single_char_names(tokens: Sequence[str], text: str) -> list[str]:
    """Names the tokenizer cut into single characters (阿閦佛 -> 阿 閦 佛), joined back.

    Each character alone is too common to count; the run as written is a key term.
    """
    out = []
    run = ""
    for t in [*tokens, ""]:
        if len(t) == 1 and CJK_RUN_RE.fullmatch(t) and run + t in text:
            run += t
            continue
        if len(run) >= 2:
            out.append(run)
        run = t if len(t) == 1 and CJK_RUN_RE.fullmatch(t) else ""
    return out


def _names_thing(word: str) -> bool:
    """True when the tagger reads the word as a noun ("剧" of 此剧, not "块" of 这块)."""
    tags = tag(word)
    return len(tags) == 1 and tags[0][1] == "n"


def _unmapped(word: str) -> bool:
    """An English content word that neither the glossary nor the index accounts for."""
    return len(word) >= 3 and word.isalpha() and word not in stop_words()


def _metrics(normalised: str, aliases: Sequence[str]) -> tuple[str, ...]:
    """Measured quantities a question asks about, longest names first, none inside another."""
    names = sorted(glossary("metric_words"), key=len, reverse=True)
    text = normalised + " " + " ".join(aliases)
    found: list[str] = []
    for name in names:
        if name and name.lower() in text.lower() and not any(name in f for f in found):
            found.append(name)
    return tuple(found)


PARTICLE_ENDINGS = ("得", "地", "了", "着", "过", "的")
RATE_RE = re.compile(r"(?<![率])([\u4e00-\u9fff]{2}率)")
ASK_TAIL_RE = re.compile(r"(?:多大|多少|多高|几成|几|什么|怎样)$")
SHARE_OF_RE = re.compile(r"占(?![了到])([\u4e00-\u9fff]{2,8}?)的?(比重|比例|份额)")


def _qualifiers(
    normalised: str, tags: list[tuple[str, str]], metrics: Sequence[str], named: Sequence[str]
) -> tuple[tuple[str, str], ...]:
    """The noun right before each asked metric (租房 in 租房补贴): which subsidy, which output."""
    ends: dict[int, tuple[str, str]] = {}
    pos = 0
    for word, flag in tags:
        pos += len(word)
        ends[pos] = (word, flag)
    question_words = frozenset(lexicon("question_words"))
    out = []
    # a share's base: "占全省的比重" is not answered by "占地区生产总值比重"
    for m in SHARE_OF_RE.finditer(normalised):
        # ("占总投资多大比例": the base is 总投资)
        base = ASK_TAIL_RE.sub("", m.group(1))
        if len(base) >= 2 and not QUESTION_PATTERN.search(base) and base not in question_words:
            out.append((base, m.group(2)))
    # the kinds of thing a question picks one of: "高中阶段" (not 小学阶段), "交通领域"; not
    # "重点领域", whose word before it ranks rather than names
    categories = [c for c in lexicon("category_nouns") if c in normalised]
    generic = frozenset(lexicon("generic_modifiers"))
    for metric in [*metrics, *categories]:
        at = normalised.find(metric)
        if normalised[at - 1 : at] == "的" and len(ends.get(at - 1, ("", ""))[0]) >= 3:
            at -= 1  # "图像识别的准确率" (not "企业的研发投入": an owner, not a kind)
        word, flag = ends.get(at, ("", ""))
        if word[:1] in "年月" and normalised[at - len(word) - 1 : at - len(word)].isdigit():
            word = word[1:]  # "2023年算力补贴": the tagger's 年算力 is 算力
        before = ends.get(at - len(word), ("", ""))
        if (
            flag.startswith("v")
            and len(word) >= 2  # (not a modal: "合格证能奖励多少", "政府会补贴")
            and len(before[0]) >= 2
            and before[1].startswith("n")
        ):
            word, flag = before[0] + word, "n"  # 语音识别准确率: the noun and its verb
        if (
            len(word) >= 2
            # (a noun; 高中 of 高中阶段 is tagged a place word, s)
            and (flag.startswith("n") or flag == "s")
            and word not in question_words
            # ("按多大比例补贴": 比例 is how the subsidy is measured, not which one)
            and word not in metrics
            and not (metric in categories and word in generic)
            and not any(word in p or p in word for p in named)
        ):
            out.append((word, metric))
    return tuple(out)


def _standard_forms(text: str) -> str:
    """Colloquial and Cantonese question words in their written forms (lexicon colloquial):
    "每间公司最多攞到几多钱" -> "每家公司最多拿到多少钱"."""
    return rewrite(text, "colloquial")


def _suffixed(name: str, place: str) -> bool:
    """True when name is place with an administrative ending or more of a place name after it
    ("枫渚县", "枫渚新区"), not place and the word the tagger joined to it ("枫渚拿")."""
    rest = name[len(place) :]
    return not rest or bool(PLACE_PREFIX_END_RE.search(rest))


PLACE_PREFIX_END_RE = re.compile(r"[省市州盟区县旗镇乡村街道园港湾岛]$")


def _straddles(term: str, places: Sequence[str], text: str) -> bool:
    """True when every use of term in text crosses the edge of a place name: "跟汀" of
    "跟汀湖市相比" is a tokenizer's cut through 汀湖市, not a word of the question."""
    spans = [(m.start(), m.end()) for p in places for m in re.finditer(re.escape(p), text)]
    uses = [(m.start(), m.end()) for m in re.finditer(re.escape(term), text)]
    return bool(uses) and all(
        any(a < pe and b > ps and not (ps <= a and b <= pe) for ps, pe in spans) for a, b in uses
    )


def key_terms(tokens: Sequence[str], places: Sequence[str] = ()) -> tuple[str, ...]:
    """Tokens that name a topic: no question words, interrogatives or single characters."""
    question_words = frozenset(lexicon("question_words"))
    return tuple(
        t
        for t in dict.fromkeys(tokens)
        if t not in question_words and not QUESTION_PATTERN.search(t) and len(t) > 1
    )


def build_query(
    text: str,
    *,
    standalone: str | None = None,
    stats: CorpusStats | None = None,
    embed: Callable[[str], object] | None = None,
) -> Query:
    """The analysed question; `embed` (text -> vector) is called once, on the dense text."""
    text = strip_controls(text).strip()
    standalone = strip_controls(standalone or text).strip()
    lang = question_language(standalone)
    # "我是做科技投资的，想确认一下：…": who is asking is not what is asked
    whole = _standard_forms(normalise(standalone))
    normalised = _asker_preamble_re().sub("", whole) or whole
    pinyin_map = stats.pinyin_map if stats else None
    found, accounted = _english_matches(normalised, pinyin_map) if lang == "en" else ([], set())
    aliases = tuple(found)
    own_tokens = tokenize(normalised)
    joined = _single_char_names(own_tokens, normalised)
    own_tokens += joined
    tokens = tuple(own_tokens + [a for a in aliases if a not in own_tokens])
    tags = tag(normalised)
    documented = _metadata_places(normalised, stats)
    named = list(dict.fromkeys(places_in(tags) + gazetteer_places(normalised, tags) + documented))
    # "无锡" inside "无锡市" names one place
    named = [n for n in named if not any(n != m and n in m for m in named)]
    # "在栖梧建的": the tagger's "梧建" cuts through a place the documents are about
    named = [
        n
        for n in named
        if any(d in n for d in documented) or not _straddles(n, documented, normalised)
    ]
    # "在枫渚拿数据资产": the tagger's "枫渚拿" is a documented place and the next word
    named = list(
        dict.fromkeys(
            next((d for d in documented if n.startswith(d) and not _suffixed(n, d)), n)
            for n in named
        )
    )
    if lang == "en":
        # "Xinwu District" -> 新吴区: a place when the gazetteer or the documents' metadata says so
        named += [a for a in aliases if place_names(a) or _metadata_places(a, stats)]
    places = list(dict.fromkeys(place_stem(p) for p in named))
    # place words are checked against whole documents, not counted as a sentence's key terms
    names = {w for w, flag in tags if flag in NAME_FLAGS} | set(joined)
    asked_types = _asked_types(tags)
    flags = dict(tags)
    # place words are checked against whole documents, not counted as a sentence's key terms;
    # fragments the tokenizer's HMM invented from unknown text match nothing and are dropped
    idf = stats.idf if stats else {}
    terms = tuple(
        t
        for t in key_terms(list(own_tokens) + list(aliases))
        if not any(t in p for p in named)
        # (only the documents' own places are sure enough to overrule the tokenizer)
        and not _straddles(t, documented, normalised)
        and (t in idf or t in names or t in aliases or t.isascii() or known_word(t))
        # "我家老人", "第二天下午", "这回": pronouns, numerals and time words the documents
        # never write are the asker's own framing, not the topic
        and (
            t in idf
            or t in aliases
            or t.isascii()
            or flags.get(t, "n")[:1] not in FRAMING_FLAGS
            # ("此剧": a demonstrative naming the thing asked about is its topic; "这块" is not)
            or (t.startswith(DEMONSTRATIVES) and _names_thing(t[1:]))
        )
    )
    # "哪家机构…谋划创新中心" drops 机构; "有哪些企业" keeps 企业, its only topic
    terms = tuple(t for t in terms if t not in asked_types) or terms
    # pieces of the question phrase itself ("一年" of 哪一年, "何年") name no topic
    unasked = QUESTION_PHRASE_RE.sub(" ", normalised)
    terms = tuple(t for t in terms if t.isascii() or t in unasked or t in aliases) or terms
    slots = asked_kinds(normalised)
    of_document = False
    if any(s in DOCUMENT_SLOTS for s in slots):
        # "答复是哪一天发布的": issuing a document is what its date line, number or signature
        # records, not a word its sentences must repeat
        issuing = frozenset(lexicon("issue_verbs"))
        # the verb may hide in a word jieba does not split ("落款日期"); 答复/回复 name the
        # letter itself, which any question about it says, not the act of issuing it
        of_document = any(v in normalised for v in issuing if not v.endswith("复")) or (
            # "云塘的措施和临澜的方案，哪份先出的": which document came out first
            "date" in slots and bool(DOCUMENT_ORDER_Q.search(normalised))
        )
        kept = tuple(t for t in terms if t not in issuing)
        # "这几份答复分别是回复给谁的" names its documents by place alone
        terms = kept if kept or places or years_in(normalised) else terms
    unmapped: tuple[str, ...] = ()
    if lang == "en":
        # English words count through their Chinese aliases or indexed Latin terms; a content
        # word with neither ("mayor") stays a light key term no Chinese sentence covers: a
        # question that names nothing else is not answered from its place alone
        # (an ordinary word an English page in the index also writes, "datasets", counts no
        # more than before: a Chinese sentence cannot hold it; a capitalised name still counts)
        plain = {w for w in LATIN_WORD_RE.findall(standalone) if w.islower()}
        unmapped = tuple(
            t
            for t in terms
            if t.isascii() and (t not in idf or t in plain) and t not in accounted and _unmapped(t)
        )
        # (a word the glossary or a place's spelling accounts for counts through its Chinese,
        # though an English page in the index also writes it: "platform" -> 平台)
        terms = (
            tuple(
                t
                for t in terms
                if not t.isascii() or (t in idf and t not in accounted) or t in unmapped
            )
            or terms
        )
    metrics = _metrics(normalised, aliases)
    # "会议费花了多少": a kind of expense asked must be named by the sentence that answers
    metrics += tuple(
        w for w, _ in tags if len(w) >= 3 and w.endswith("费") and not any(w in m for m in metrics)
    )
    # "运维费用是多少" the same: the tagger cuts 运维|费用 (the kind is written 运维费 or 运维费用)
    metrics += tuple(
        kind
        for (w, flag), (nxt, _) in itertools.pairwise(tags)
        if nxt == "费用"
        and len(w) >= 2
        and flag[:1] in "nv"
        and (kind := w + "费") not in metrics
        and not any(kind in m or w in m for m in metrics)
    )
    # "召回率要求不低于多少": a rate is named by the sentence that gives it (准确率 is another)
    metrics += tuple(
        dict.fromkeys(
            r for r in RATE_RE.findall(normalised) if not any(r in m or m in r for m in metrics)
        )
    )
    shape = (
        "compare"
        # a question naming two places compares them, whatever its wording
        # 比较 before an adjective means "rather" ("比较知名的企业")
        if COMPARE_Q.search(_rather_re().sub("", normalised))
        or _compares_places(places, stats, normalised)
        else "list"
        # "哪些配合单位" asks for the units a task names beside it, a role like 牵头单位
        if LIST_Q.search(normalised) and not ROLE_SLOTS.intersection(slots)
        else "fact"
    )
    dense_text = standalone
    if lang == "zh" and stats is not None:
        # the embedder matches a question best in the script the documents are written in
        if stats.traditional_share < 0.5 and is_traditional(standalone):
            dense_text = to_simplified(standalone)
        elif stats.traditional_share > 0.5 and not is_traditional(standalone):
            dense_text = to_traditional(standalone)
    if lang == "en" and aliases:
        dense_text = f"{standalone} {' '.join(aliases)}"
    query = Query(
        text=text,
        standalone=standalone,
        lang=lang,
        normalised=normalised,
        tokens=tokens,
        aliases=aliases,
        terms=terms,
        verbs=tuple(w for w, flag in tags if flag.startswith("v") and w in terms),
        unmapped=unmapped,
        places=tuple(places),
        years=tuple(dict.fromkeys(years_in(normalised) + roc_years_in(normalised))),
        phases=phases_in(normalised),
        exact=(
            *exact_phrases(normalised, tags),
            # Chinese written into an English question is the user's own term for the thing
            # ("final accounts (决算)"): the documents must use it
            *(w for w in GLOSSED_RE.findall(normalised) if lang == "en"),
            # an acronym neither the glossary nor the index knows ("PUE"): Chinese documents
            # write such names in Latin letters, so they must be written there
            *(a for a in ACRONYM_RE.findall(standalone) if a.lower() in unmapped),
        ),
        alternatives=alternatives_in(normalised),
        yes_no=yes_no_topics(normalised, terms) if lang == "zh" else (),
        metrics=metrics,
        qualifiers=_qualifiers(normalised, tags, metrics, named),
        slots=slots,
        of_document=of_document,
        shape=shape,
        dense_text=dense_text,
        issuer=_asked_issuer(normalised, lang, pinyin_map),
        attributes=_attributes(tags, terms),
        persons=tuple(
            dict.fromkeys(
                w
                for w, flag in tags
                if flag in PERSON_FLAGS
                and len(w) >= 2
                and CJK_RUN_RE.fullmatch(w)
                and not any(w in n or n in w for n in named)
                and w not in generic_places()
                and not w.endswith(place_suffixes())
                # "卡得严不严", "拿得到": a verb and its particle, which no name ends with
                and not w.endswith(PARTICLE_ENDINGS)
                # "和霁州市…": the tagger's person 和霁 cuts through a place it knows
                and not _straddles(w, [*named, *places], normalised)
            )
        ),
    )
    if embed is not None and not query.is_empty:
        return _with_vector(query, embed(dense_text))
    return query


def _with_vector(query: Query, vector: object) -> Query:
    from dataclasses import replace

    return replace(query, vector=vector)
