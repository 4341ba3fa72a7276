"""Chinese place names: one jieba POS tagger for documents and questions alike."""

from __future__ import annotations

import logging
import threading
from functools import cache

from rag.text.lexicon import lexicon

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


def _common_word(word: str) -> bool:
    """True when the word is frequent in jieba's dictionary as something else (合作, 和平)."""
    tagger = posseg().dt  # loads jieba quietly first
    tagger.tokenizer.check_initialized()
    flag = tagger.word_tag_tab.get(word, "")
    return not flag.startswith("ns") and tagger.tokenizer.FREQ.get(word, 0) >= COMMON_WORD_FREQ


def unknown_word(word: str) -> bool:
    """True when jieba's dictionary has no entry for the word (an invented or rare name)."""
    tagger = posseg().dt
    tagger.tokenizer.check_initialized()
    return not tagger.tokenizer.FREQ.get(word)


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
