"""Chinese place names: one jieba POS tagger for documents and questions alike."""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from functools import cache, lru_cache

from rag.text.lexicon import lexicon
from rag.text.tokenize import CJK_RUN_RE, stop_words

_lock = threading.Lock()


@cache
def posseg():  # type: ignore[no-untyped-def]
    """jieba's POS tagger, loaded once (it is not thread-safe: use under tag_lock)."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg


def tag(text: str) -> list[tuple[str, str]]:
    """(word, flag) pairs of jieba's POS tagger."""
    with _lock:
        return [(w, f) for w, f in posseg().cut(text)]


def place_suffixes() -> tuple[str, ...]:
    """Administrative suffixes, longest first (自治区 before 区)."""
    return tuple(sorted(lexicon("place_suffixes"), key=len, reverse=True))


def generic_places() -> frozenset[str]:
    """Place words that name no particular place (全国, 我市, 本省 ...)."""
    return frozenset(lexicon("generic_places"))


def place_names(text: str) -> list[str]:
    """Chinese place names in text (jieba ns tags), in order, without duplicates."""
    return places_in(tag(text))


def places_in(tags: list[tuple[str, str]]) -> list[str]:
    """Place names among already tagged words (ns), in order, without duplicates."""
    generic = generic_places()
    words = [w for w, flag in tags if flag == "ns"]
    return [w for w in dict.fromkeys(words) if len(w) >= 2 and w not in generic]


STEM_SUFFIXES = ("自治区", "自治州", "地区", "省", "市", "盟")
GAZETTEER_MAX_CHARS = 8
# jieba dictionary frequency above which a city's stem is first an ordinary word (合作 13478,
# 和平 7998) while real stems stay below (开封 1696, 中山 1117, 遵义 179)
COMMON_WORD_FREQ = 2000


@cache
def gazetteer() -> dict[str, str]:
    """Name as written -> the division's full name, from the places_cn lexicon.

    Provinces and cities match with or without their suffix (大同, 大同市); districts and
    counties only whole (矿区 the word is not 矿区 the district unless written so).
    """
    generic = generic_places()
    table: dict[str, str] = {}
    for name in lexicon("places_cn"):
        if name in generic:
            continue
        table.setdefault(name, name)
        for suffix in STEM_SUFFIXES:
            stem = name[: -len(suffix)]
            if name.endswith(suffix) and len(stem) >= 2 and stem not in generic:
                # 合作 (合作市) is first a verb: such stems count only with their suffix
                if not _common_word(stem):
                    table.setdefault(stem, name)
                break
    return table


@cache
def gazetteer_pinyin() -> dict[str, str]:
    """Pinyin spelling -> division name, for cities and provinces (shenzhen -> 深圳)."""
    from rag.text.tokenize import pinyin

    out: dict[str, str] = {}
    for written, full in gazetteer().items():
        if written != full or not full.endswith(("区", "县", "旗")):
            out.setdefault(pinyin(written), written)
        elif len(full) >= 3:
            # districts by their stem too (xinwu -> 新吴区): English drops the suffix
            out.setdefault(pinyin(full[:-1]), full)
    return out


def _entry(word: str) -> tuple[int, str]:
    """(frequency, part-of-speech flag) of the word in jieba's dictionary; (0, "") if absent."""
    tagger = posseg().dt  # loads jieba quietly first
    tagger.tokenizer.check_initialized()
    return tagger.tokenizer.FREQ.get(word, 0) or 0, tagger.word_tag_tab.get(word, "")


def _common_word(word: str) -> bool:
    """True when the word is frequent in jieba's dictionary as something else (合作, 和平)."""
    freq, flag = _entry(word)
    return not flag.startswith("ns") and freq >= COMMON_WORD_FREQ


def unknown_word(word: str) -> bool:
    """True when jieba's dictionary has no entry for the word (an invented or rare name)."""
    return not _entry(word)[0]


def gazetteer_places(text: str, tags: list[tuple[str, str]] | None = None) -> list[str]:
    """Administrative divisions named in text, longest match first at each position.

    With the text's tagged words, a name must start where a word starts: 新北区 is not named
    inside 高新北区.
    """
    table = gazetteer()
    starts: set[int] | None = None
    if tags is not None:
        starts, pos = set(), 0
        for word, _ in tags:
            starts.add(pos)
            pos += len(word)
    found: list[str] = []
    i = 0
    while i < len(text):
        if starts is not None and i not in starts:
            i += 1
            continue
        for size in range(min(GAZETTEER_MAX_CHARS, len(text) - i), 1, -1):
            if text[i : i + size] in table:
                found.append(text[i : i + size])
                i += size - 1
                break
        i += 1
    return list(dict.fromkeys(found))


def place_stem(place: str) -> str:
    """晋城市 -> 晋城, 湖南省 -> 湖南; names that would become too short stay whole."""
    for suffix in place_suffixes():
        if place.endswith(suffix) and len(place) - len(suffix) >= 2:
            return place[: -len(suffix)]
    return place


# administrative levels of a suffix: places of one level are siblings (青石镇 and 临溪镇, 岚北区
# and 栖梧县); a figure written for one is not the other's. (州 mostly ends a name's stem,
# 霁州市, 温州: not read as a suffix)
PLACE_LEVELS = {
    "省": 1, "自治区": 1,
    "市": 2,
    "县": 3, "縣": 3, "区": 3, "區": 3, "旗": 3,
    "镇": 4, "鎮": 4, "乡": 4, "鄉": 4, "街道": 4,
}  # fmt: skip
SUFFIX_RE = re.compile("|".join(sorted(PLACE_LEVELS, key=len, reverse=True)))
_SUFFIX_CHARS = frozenset("".join(PLACE_LEVELS))
# question words and demonstratives: "哪个县", "这两个区", "某镇" name no place
_NOT_NAME_CHARS = frozenset("哪几啥某各每该这那本此其个两")


@dataclass(frozen=True, slots=True)
class PlaceMention:
    """A place name written with its administrative suffix, where it stands in a text."""

    start: int
    end: int
    stem: str
    level: int


@lru_cache(maxsize=4096)
def place_mentions(text: str) -> tuple[PlaceMention, ...]:
    """Names with an administrative suffix in text ("青石镇", "岚北区", "苍岭省霁川市" two).

    Invented names are cut apart by the tokenizer, so a name is read as the two characters
    before its suffix (three or four when the gazetteer knows the longer name); an ordinary
    word is no name: 核心区, 城市, 市场, 乡镇, 全市, 在青湾镇's 在. Cached: the judge asks it of
    the same question for every sentence it weighs.
    """
    generic = generic_places()
    stops = stop_words()
    table = gazetteer()
    found: list[PlaceMention] = []
    for m in SUFFIX_RE.finditer(text):
        suffix = m.group(0)
        after = text[m.end() : m.end() + 1]
        if after and ((after in _SUFFIX_CHARS and after != suffix) or _known(suffix[-1] + after)):
            continue  # 市场, 区域, 县城; 市辖区's 市
        floor = found[-1].end if found else 0
        for size in (4, 3, 2):  # a longer name only when the gazetteer knows it
            start = m.start() - size
            name = text[max(start, floor) : m.end()]
            if len(name) == size + len(suffix) and name in table:
                break
        else:
            name = text[max(start, 0) : m.end()]
            stem = name[: -len(suffix)]
            if (
                start < floor
                or not CJK_RUN_RE.fullmatch(stem)
                or stem[0] in _SUFFIX_CHARS
                or stem[-1] in _SUFFIX_CHARS  # 区县
                or stem[0] in stops
                or not _NOT_NAME_CHARS.isdisjoint(stem)
                or any(text[m.start() - n : m.end()] in generic for n in (1, 2))
                or _frequent(stem[-1] + suffix)
                or _common_word(stem)
                or (start > 0 and _known(text[start - 1 : start + 1]))
            ):
                continue  # 城市, 核心区, 新型城镇, 在青湾镇
        stem = name[: -len(suffix)]
        found.append(PlaceMention(start, m.end(), stem, PLACE_LEVELS[suffix]))
    return tuple(found)


def _known(word: str) -> bool:
    """True when jieba's dictionary holds the word as something other than a place."""
    freq, flag = _entry(word)
    return bool(freq) and not flag.startswith("ns")


# jieba dictionary frequency from which a character and a suffix make an ordinary word (城市,
# 城镇, 乡镇, 小镇 362) rather than the end of a name (北区 48, 湾区 6)
SUFFIX_WORD_FREQ = 300


def _frequent(word: str) -> bool:
    return _entry(word)[0] >= SUFFIX_WORD_FREQ


def place_level(place: str, *texts: str) -> int | None:
    """The administrative level of a place as one of the texts writes it with its suffix."""
    for text in texts:
        for m in place_mentions(text):
            if m.stem == place or place.endswith(m.stem):
                return m.level
    return None
