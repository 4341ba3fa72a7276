"""Make a follow-up question self-contained without an LLM: carry the previous topic over."""

from __future__ import annotations

import re

from rag.answer.abstain import QUESTION_WORDS
from rag.answer.lang import place_names, place_stem, question_language
from rag.lexical import tokenize

FOLLOWUP_ZH = re.compile(r"^(那么?|还有|另外|其中|同样)|[呢]\s*[？?]?\s*$")
FOLLOWUP_EN = re.compile(r"^\s*(and|what about|how about|what of|and what about)\b", re.I)
PRONOUN = re.compile(r"^(它|其|该|这|他们|它们)|\b(it|they|them|that|those|there)\b", re.I)
SHORT_CHARS = 8


def is_followup(question: str) -> bool:
    """True when the question leans on the conversation ("那温州呢？", "What about Wenzhou?")."""
    q = question.strip()
    if question_language(q) == "en":
        return bool(FOLLOWUP_EN.search(q) or PRONOUN.search(q))
    if FOLLOWUP_ZH.search(q) or PRONOUN.search(q):
        return True
    # A short question that names a place and little else ("温州的？") leans on the previous
    # one; a short question with its own topic ("火星的首都是哪里？") does not.
    if len(q.rstrip("？?")) > SHORT_CHARS:
        return False
    places = place_names(q)
    own = [t for t in tokenize(q) if t not in QUESTION_WORDS and not any(t in p for p in places)]
    return len(own) <= 1


def _core(question: str) -> str:
    q = re.sub(r"^(那么?|还有|另外|and|what about|how about)\s*", "", question.strip(), flags=re.I)
    return re.sub(r"[呢吗]?\s*[？?]\s*$", "", q).strip()


def condense_question(question: str, history: list[tuple[str, str]]) -> str:
    """A standalone version of question given earlier (question, answer) turns."""
    if not history or not is_followup(question):
        return question
    previous = history[-1][0]
    new_places, old_places = place_names(question), place_names(previous)
    core = _core(question)
    if new_places and old_places:
        # "那温州呢？" after "晋城市…有多少家企业？" -> "温州…有多少家企业？"
        rewritten = previous
        for old in old_places:
            rewritten = rewritten.replace(old, new_places[0])
            rewritten = rewritten.replace(place_stem(old), place_stem(new_places[0]))
        rest = core
        for place in new_places:
            rest = rest.replace(place, "")
        return f"{rewritten} {rest}".strip() if len(rest) > 2 else rewritten
    return f"{previous} {core}".strip()
