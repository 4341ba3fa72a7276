"""Word lists as data: rag/lexicon/<name>.txt plus the user's own files.

A lexicon file holds one entry per line; `#` starts a comment. Glossary-style files hold
`key<TAB or spaces>value` pairs. Users extend any list with the setting `user_dict`
(`RAG_USER_DICT`): a folder (or several, separated by the OS path separator) holding files
with the same names; their entries are added to the bundled ones.
"""

from __future__ import annotations

import os
import re
import threading
from functools import cache
from pathlib import Path

from rag.errors import ConfigError

LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicon"
_user_dirs: tuple[Path, ...] = ()
_lock = threading.Lock()


def use_user_dirs(spec: str) -> None:
    """Add user lexicon folders (os.pathsep-separated); clears cached lexicons when they change."""
    global _user_dirs
    dirs = tuple(Path(p).expanduser() for p in spec.split(os.pathsep) if p.strip())
    for d in dirs:
        if not d.is_dir():
            raise ConfigError(f"user_dict: {d} is not a folder; point RAG_USER_DICT at a folder")
    with _lock:
        if dirs != _user_dirs:
            _user_dirs = dirs
            lexicon.cache_clear()
            glossary.cache_clear()
            sources.cache_clear()
            word_sets.cache_clear()


def _lines(name: str) -> list[str]:
    out: list[str] = []
    for folder in (LEXICON_DIR, *_user_dirs):
        path = folder / f"{name}.txt"
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                out.append(line)
    if not out and not (LEXICON_DIR / f"{name}.txt").is_file():
        raise ConfigError(f"no lexicon named {name!r} in {LEXICON_DIR}")
    return out


@cache
def lexicon(name: str) -> tuple[str, ...]:
    """The entries of one word list, bundled first, then the user's, without duplicates."""
    return tuple(dict.fromkeys(_lines(name)))


@cache
def glossary(name: str) -> dict[str, str]:
    """A key -> value list (e.g. English word -> Chinese term); later files override."""
    out: dict[str, str] = {}
    for line in _lines(name):
        # the value is the last field, so keys may be phrases ("contact person<TAB>联系人")
        parts = line.rsplit(None, 1)
        if len(parts) == 2:
            out[" ".join(parts[0].lower().split())] = parts[1].strip()
        else:
            out[parts[0].lower()] = ""
    return out


@cache
def word_sets(name: str) -> tuple[tuple[str, ...], ...]:
    """The comma-separated sets of a set-per-line list ("博士,硕士,本科")."""
    return tuple(tuple(w.strip() for w in line.split(",") if w.strip()) for line in lexicon(name))


@cache
def sources(name: str) -> dict[str, tuple[str, ...]]:
    """A glossary read backwards: value -> the keys that map to it (措施 -> measures, measure)."""
    out: dict[str, list[str]] = {}
    for key, value in glossary(name).items():
        if value:
            out.setdefault(value, []).append(key)
    return {value: tuple(keys) for value, keys in out.items()}


def rewrite(text: str, name: str) -> str:
    """text with each key of glossary `name` replaced by its value, longest keys first."""
    table = glossary(name)
    if not any(k in text for k in table):
        return text
    return _keys_re(tuple(sorted(table, key=len, reverse=True))).sub(
        lambda m: table[m.group(0)], text
    )


@cache
def _keys_re(keys: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, keys)))
