"""Who speaks a line of a transcript (press conference, interview): "梁振华：谢谢您的提问。"."""

from __future__ import annotations

import re
from functools import cache, lru_cache

from rag.text.lexicon import lexicon

# a turn: a name of two to four characters, then a colon and what is said
SPEAKER_RE = re.compile(r"^\s*([\u4e00-\u9fff]{2,4})\s*[：:](?!\s*$)", re.M)
# the roster line naming a speaker's office: "梁振华　霁州市数据资源管理局局长"
ROLE_LINE_CHARS = 40


@cache
def _label_words() -> frozenset[str]:
    """Field labels that look like a speaker's name before a colon (联系人：, 地址：)."""
    return frozenset(lexicon("field_labels"))


def speaker_at(text: str, line_start: int) -> tuple[str, str] | None:
    """(name, roster line) when the line at line_start is a turn of a speaker whom another
    line of the text names with an office ("何嘉怡　市科学技术局副局长"), else None."""
    m = SPEAKER_RE.match(text, line_start, min(len(text), line_start + 12))
    if not m or m.group(1) in _label_words():
        return None
    roster = _roster(text).get(m.group(1))
    return None if roster is None else (m.group(1), roster)


@lru_cache(maxsize=16)
def _roster(text: str) -> dict[str, str]:
    """Speaker name -> the first short line naming them that is not one of their turns; read
    once per text (a chunk's turns and each candidate sentence ask about the same document)."""
    lines = [line.strip() for line in text.split("\n")]
    labels = _label_words()
    names = {
        m.group(1) for line in lines if (m := SPEAKER_RE.match(line)) and m.group(1) not in labels
    }
    out: dict[str, str] = {}
    for line in lines:
        if len(line) > ROLE_LINE_CHARS or SPEAKER_RE.match(line):
            continue
        for name in names:
            if name in line:
                out.setdefault(name, line)
    return out


def speakers_in(text: str, start: int, end: int) -> list[str]:
    """The roster lines of the speakers whose turns text[start:end] holds, in order."""
    starts = [text.rfind("\n", 0, start) + 1]
    starts += [i + 1 for i in range(start, end) if text[i] == "\n"]
    found = (speaker_at(text, s) for s in starts if s < len(text))
    return list(dict.fromkeys(s[1] for s in found if s))
