"""Language of a question and the normal form used for matching (NFKC, 简体, no controls).

Matching runs on normalised text so that a 繁體 question finds 简体 text and back; quotes and
citations always keep the document's original characters.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import cache
from typing import Any

from rag.text.lexicon import rewrite

CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN_WORD_RE = re.compile(r"[A-Za-z]+")
# C0/C1 controls other than tab and newline, and lone surrogates (undecodable bytes)
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_lock = threading.Lock()


def question_language(text: str) -> str:
    """'zh' when the text is written in Chinese, else 'en'."""
    cjk = len(CJK_RE.findall(text))
    # count Latin words, not letters: one product name ("MIT OpenCourseWare") in a Chinese
    # question must not make it English
    latin_words = len(LATIN_WORD_RE.findall(text))
    return "zh" if cjk and cjk > 2 * latin_words else "en"


@cache
def _converter(config: str) -> Any:
    import opencc

    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """简体 form of text (OpenCC t2s); text without Traditional characters comes back as is."""
    if not CJK_RE.search(text):
        return text
    with _lock:
        return str(_converter("t2s").convert(text))


def to_mainland(text: str) -> str:
    """Taiwan's and Hong Kong's words in mainland usage (lexicon regional_words: 人工智慧 ->
    人工智能, 软体 -> 软件), for matching: both places' documents say the same thing."""
    return rewrite(text, "regional_words")


def to_traditional(text: str) -> str:
    """繁體 form of text (OpenCC s2t), used to make evaluation variants."""
    with _lock:
        return str(_converter("s2t").convert(text))


def is_traditional(text: str) -> bool:
    """True when text has characters that differ in Simplified Chinese (無錫, not 无锡)."""
    return to_simplified(text) != text


def strip_controls(text: str) -> str:
    """text without control characters and undecodable-byte surrogates."""
    return CONTROL_RE.sub("", text)


# a year in Chinese numerals ("二〇二五年", usual in Hong Kong and in formal dates)
CN_YEAR_RE = re.compile(r"[一二][〇○零一二三四五六七八九]{3}(?=年)")
_CN_DIGIT = str.maketrans("〇○零一二三四五六七八九", "00012345678" + "9")


def _arabic_years(text: str) -> str:
    return CN_YEAR_RE.sub(lambda m: m.group(0).translate(_CN_DIGIT), text)


def normalise(text: str) -> str:
    """The matching form of text: NFKC (full-width digits and letters), 简体, no controls.

    NFKC turns full-width punctuation into ASCII, Taiwan's words become mainland ones
    (人工智慧 -> 人工智能) and years are written in digits (二〇二五年 -> 2025年), so the result
    is for matching only.
    """
    text = to_simplified(unicodedata.normalize("NFKC", strip_controls(text)))
    return _arabic_years(to_mainland(text))
