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
    generic = generic_places()
    words = [w for w, flag in tag(text) if flag == "ns"]
    return [w for w in dict.fromkeys(words) if len(w) >= 2 and w not in generic]


def place_stem(place: str) -> str:
    """晋城市 -> 晋城, 湖南省 -> 湖南; names that would become too short stay whole."""
    for suffix in place_suffixes():
        if place.endswith(suffix) and len(place) - len(suffix) >= 2:
            return place[: -len(suffix)]
    return place
