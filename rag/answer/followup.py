"""Make a follow-up question self-contained without an LLM, against the whole conversation.

Each earlier question is resolved in turn against the ones before it, so "那它们的总投资呢？"
after "晋城有多少家企业？" and "那新材料产业链呢？" carries 晋城 and 新材料产业链 along.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.query import key_terms
from rag.text.facts import PHASE_EN_RE, PHASE_RE, phases_in
from rag.text.lang import question_language
from rag.text.places import place_names, place_stem
from rag.text.tokenize import tokenize

FOLLOWUP_ZH = re.compile(
    r"^(那么?|咁|噉|還有|还有|另外|其中|同样|此外|以及|并且)|[呢]\s*[？?]?\s*$"
)
FOLLOWUP_EN = re.compile(r"^\s*(and|what about|how about|what of|and what about|also|then)\b", re.I)
PRONOUN_ZH = re.compile(r"(它们|它|其|该|这些|这个|这项|这家|这一|上述|他们|那些|那个)")
PRONOUN_EN = re.compile(r"\b(it|its|they|them|their|that|those|these|there|the same)\b", re.I)
LEAD_ZH = re.compile(r"^(那么?|咁|噉|還有|还有|另外|其中|同样|此外|以及|并且)\s*")
LEAD_EN = re.compile(r"^\s*(and what about|what about|how about|what of|and|also|then)\s*", re.I)
SHORT_CHARS = 8
WH_EN = re.compile(r"^\s*(?:what|which|who|whom|whose|when|where|how)\b", re.I)
# the asking part of an English question, up to the preposition before its topic
ASKING_EN = re.compile(
    r"^\s*(?:what|which|who|whom|whose|when|where|how(?: many| much| long| big)?)\b"
    r"[^?]*?\b(?:for|of|in|about|on|under|at)\s+",
    re.I,
)
PLACE_PREFIX = re.compile(r"^[\u4e00-\u9fff]{2,3}?[省市州区县]")
# where the asking part of a Chinese question begins ("…有多少家企业", "…是什么")
ASKING = re.compile(
    r"(有|是|共有|达到|达|为)?"
    r"(多少|几[家个项]?|幾[多時间間个個]?|哪些|哪个|哪里|哪一?天|哪位|谁|誰|什么|甚麼|咩|啥|是否|"
    r"如何|怎么|怎样|何时|多大|吗)"
)
# where the thing a pronoun stands for ends in the previous question: its first date or number
# ("岷泽深算科技2025年上半年营收多少" -> 岷泽深算科技), since "它" names a thing, not a time
ENTITY_END = re.compile(r"[0-9０-９]{4}年")


def is_followup(question: str) -> bool:
    """True when the question leans on the conversation ("那温州呢？", "What about Wenzhou?")."""
    q = question.strip()
    if question_language(q) == "en":
        return bool(FOLLOWUP_EN.search(q) or PRONOUN_EN.search(q))
    if FOLLOWUP_ZH.search(q) or PRONOUN_ZH.search(q):
        return True
    # A short question that names a place and little else ("温州的？") leans on the previous
    # one; a short question with its own topic ("火星的首都是哪里？") does not.
    if len(q.rstrip("？?")) > SHORT_CHARS:
        return False
    places = place_names(q)
    own = [t for t in key_terms(tokenize(q)) if not any(t in p for p in places)]
    # one word however tokenized: "联系人" also gives 联系
    own = [t for t in own if not any(t != o and t in o for o in own)]
    return len(own) <= 1


def _core(question: str) -> str:
    """The question without its follow-up lead word and closing particle."""
    q = LEAD_EN.sub("", LEAD_ZH.sub("", question.strip()))
    return re.sub(r"[呢吗]?\s*[？?]\s*$", "", q).strip()


def _swap_topic(previous: str, core: str) -> str | None:
    """ "那新材料产业链呢？" after "晋城人工智能产业链有多少家企业？" -> the same question about
    新材料产业链: the core shares its head word (产业链) with a phrase of the previous question."""
    words = tokenize(core)
    # a follow-up that asks its own question ("第二期呢？幾時搞掂？") swaps no head word
    if not words or ASKING.search(core) or re.search(r"[，,。？?！!；;]", core):
        return None
    for head_len in range(min(len(core), 6), 1, -1):
        head = core[-head_len:]
        if head == core or head not in previous:
            continue
        # the previous phrase ending in head: the run of CJK characters before it
        m = re.search(rf"([\u4e00-\u9fff]{{1,8}}){re.escape(head)}", previous)
        if not m:
            continue
        # keep the place the previous question named in front of the phrase
        prefix = m.group(1)
        named = PLACE_PREFIX.match(prefix)
        if named:  # "青岚市人工智能" keeps 青岚市 whatever the tagger knows of it
            prefix = prefix[named.end() :]
        for place in place_names(prefix):
            if prefix.startswith(place):
                prefix = prefix[len(place) :]
                break
        else:
            for place in place_names(previous):
                stem = place_stem(place)
                if prefix.startswith(stem):
                    prefix = prefix[len(stem) :].lstrip("市省区县的")
                    break
        old = prefix + head
        return previous.replace(old, core, 1) if old and old in previous else None
    return None


def _swap_phase(previous: str, core: str) -> str:
    """ "那二期呢？" after "一期能建成多少算力？": the earlier question asked of the phase or
    batch the follow-up names ("And the second phase?" likewise)."""
    for pattern in (PHASE_RE, PHASE_EN_RE):
        new, old = pattern.search(core), pattern.search(previous)
        if new and old and phases_in(new.group(0)) != phases_in(old.group(0)):
            return previous[: old.start()] + new.group(0) + previous[old.end() :]
    return previous


def _places(question: str) -> list[str]:
    """Places a question names; a name the tagger knows only in part ("澜市" of 临澜市) whole,
    as the administrative name that opens the question."""
    found = place_names(question)
    opening = PLACE_PREFIX.match(question)
    if opening and not any(opening.group(0) in p for p in found):
        name = opening.group(0)
        found = [name, *[p for p in found if p not in name]]
    return found


def _resolve(question: str, previous: str) -> str:
    if not is_followup(question):
        return question
    new_places, old_places = place_names(question), _places(previous)
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
    previous = _swap_phase(previous, core)
    if question_language(question) == "zh" and not PRONOUN_ZH.search(core):
        swapped = _swap_topic(previous, core)
        if swapped:
            return swapped
    # pronouns and short follow-ups: the previous question's topic, then this question
    topic = re.sub(r"[？?。.!！]+\s*$", "", previous.strip())
    english = ASKING_EN.match(topic)
    if english and WH_EN.match(core) and len(topic[english.end() :].split()) >= 2:
        # "What is the budget for the X tender?" -> "the X tender": what it asked is not asked
        topic = topic[english.end() :]
    if ASKING.search(core):
        cut = ASKING.search(topic)
        if cut and cut.start() >= 2:
            topic = topic[: cut.start()].rstrip("，, 的")
        if PRONOUN_ZH.search(core):
            entity = ENTITY_END.search(topic)
            if entity and entity.start() >= 2:
                topic = topic[: entity.start()]
    core = PRONOUN_ZH.sub("", core, count=1) if question_language(core) == "zh" else core
    return f"{topic} {core}".strip()


def condense_question(question: str, history: Sequence[tuple[str, str]]) -> str:
    """A standalone version of question given earlier (question, answer) turns, oldest first."""
    if not history:
        return question
    resolved = ""
    for earlier, _answer in history:
        resolved = _resolve(earlier, resolved) if resolved else earlier
    return _resolve(question, resolved)
