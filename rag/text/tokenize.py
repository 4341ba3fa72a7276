"""BM25 tokens: jieba words of the 简体 form for Chinese, whole Latin/number runs, no stop words."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from functools import cache
from typing import Any

from rag.text.lang import normalise
from rag.text.lexicon import lexicon

LATIN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+%]*")
CJK_RUN_RE = re.compile(r"[\u4e00-\u9fff]+")
_jieba_lock = threading.Lock()


def _tokenizer() -> Any:
    # keyed by the word list, so a user dictionary added later builds a new tokenizer
    return _tokenizer_for(lexicon("policy_terms"))


@cache
def _tokenizer_for(terms: tuple[str, ...]) -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    for term in terms:
        tok.add_word(term, freq=200000)
    return tok


def stop_words() -> frozenset[str]:
    """Function and question words dropped from BM25 tokens."""
    return _as_set(lexicon("stop_words"))


@cache
def _as_set(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(words)


def tokenize(text: str) -> list[str]:
    """BM25 tokens of text: jieba search-mode words, Latin/number runs, no stop words."""
    text = normalise(text)
    tokens = [m.group(0).lower().rstrip(".") for m in LATIN_RE.finditer(text)]
    tok = _tokenizer()
    stops = stop_words()
    with _jieba_lock:
        for run in CJK_RUN_RE.findall(text):
            tokens.extend(tok.cut_for_search(run))
    return [t for t in tokens if t and t not in stops and not t.isspace()]


@cache
def pinyin(word: str) -> str:
    """Toneless pinyin of a Chinese word, lower case, no spaces (晋城 -> jincheng)."""
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(word)).lower()


def pinyin_readings(word: str, limit: int = 8) -> list[str]:
    """Every toneless pinyin of a word whose characters have several readings (峤城 -> jiaocheng,
    qiaocheng), the usual one first, at most limit of them."""
    from itertools import islice, product

    from pypinyin import Style
    from pypinyin import pinyin as readings

    per_char = [r for r in readings(word, style=Style.NORMAL, heteronym=True)]
    spelled = ("".join(p).lower() for p in product(*per_char))
    return list(dict.fromkeys([pinyin(word), *islice(spelled, limit)]))


def pinyin_terms(doc_freq: Mapping[str, int]) -> dict[str, str]:
    """Pinyin spelling -> the most frequent indexed term spelled that way (jincheng -> 晋城)."""
    best: dict[str, tuple[int, str]] = {}
    for term, df in doc_freq.items():
        if 2 <= len(term) <= 4 and CJK_RUN_RE.fullmatch(term):
            py = pinyin(term)
            if py not in best or df > best[py][0]:
                best[py] = (df, term)
    return {py: term for py, (_, term) in best.items()}


def known_word(word: str) -> bool:
    """True when jieba's dictionary (with the policy terms) holds the word.

    Search-mode tokens the HMM invents from unknown text ("松有" of "鸡毛松有多高") are not.
    """
    tok = _tokenizer()
    with _jieba_lock:
        tok.check_initialized()
        return bool(tok.FREQ.get(word))
