"""Question language and place names, shared by the answer steps."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from functools import cache

CJK_RE = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD_RE = re.compile(r"[A-Za-z]+")
PLACE_SUFFIXES = ("自治区", "省", "市", "县", "区", "州")
GENERIC_PLACES = frozenset({"中国", "全国", "国家", "我国", "我市", "全市", "本市", "我省", "全省"})
_lock = threading.Lock()


def question_language(question: str) -> str:
    """'zh' when the question is written in Chinese, else 'en'."""
    cjk = len(CJK_RE.findall(question))
    # count Latin words, not letters: one product name ("MIT OpenCourseWare") in a Chinese
    # question must not make it English
    latin_words = len(LATIN_WORD_RE.findall(question))
    return "zh" if cjk and cjk > 2 * latin_words else "en"


@cache
def _posseg():  # type: ignore[no-untyped-def]
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg


def place_names(text: str) -> list[str]:
    """Chinese place names in text (jieba ns tags), in order, without duplicates."""
    with _lock:
        words = [w for w, flag in _posseg().cut(text) if flag == "ns"]
    return [w for w in dict.fromkeys(words) if len(w) >= 2 and w not in GENERIC_PLACES]


def place_stem(place: str) -> str:
    """晋城市 -> 晋城, 湖南省 -> 湖南; names that would become too short stay whole."""
    for suffix in PLACE_SUFFIXES:
        if place.endswith(suffix) and len(place) - len(suffix) >= 2:
            return place[: -len(suffix)]
    return place


def asked_places(question: str, pinyin_map: Mapping[str, str]) -> list[str]:
    """Place stems a question names, in Chinese or in pinyin ("Jincheng" -> 晋城)."""
    from rag.lexical import english_aliases

    places = [place_stem(p) for p in place_names(question)]
    if question_language(question) == "en":
        places += [a for a in english_aliases(question, pinyin_map) if place_names(a)]
    return list(dict.fromkeys(places))
