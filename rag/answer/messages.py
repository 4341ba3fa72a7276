"""The "not stated" answer: what the documents do not say, and the passages closest to it."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.text.lang import to_simplified, to_traditional
from rag.types import Answer, Hit, Query

NOT_FOUND = {"zh": "文档中没有找到相关信息。", "en": "Not found in the documents."}
CLOSEST_PASSAGES = 3
SNIPPET_CHARS = 60

# machine reason -> (Chinese, English) explanation; {0} is the reason's argument
EXPLAIN = (
    (re.compile(r"^not for phase (.+)$"), "没有针对第{0}的说明", "nothing is stated for phase {0}"),
    (
        re.compile(r"^not for last year$"),
        "没有上一年的数字",
        "nothing is stated for the year before",
    ),
    (re.compile(r"^not stated for (.+)$"), "没有单独给出{0}的数字", "no figure is given for {0}"),
    (
        re.compile(r"^does not state per (.+)$"),
        "没有按每{0}计的数字",
        "no figure per {0} is stated",
    ),
    (re.compile(r"^not for (.+)$"), "没有针对{0}年的说明", "nothing is stated for {0}"),
    (re.compile(r"^not about (.+)$"), "没有关于{0}的说明", "nothing is stated about {0}"),
    (re.compile(r"^about (.+), not (.+)$"), "说的是{0}，不是{1}", "it is about {0}, not {1}"),
    (re.compile(r"^does not state (.+)$"), "没有说明{0}", "{0} is not stated"),
    (re.compile(r"^does not name (.+)$"), "没有提到{0}", "{0} is not named"),
    (re.compile(r"^states no (.+)$"), "没有给出所问的{0}", "no {0} is stated"),
    (re.compile(r"^names no (.+)$"), "没有提到具体的{0}", "no {0} is named"),
    (re.compile(r"^names neither (.+) nor (.+)$"), "没有说明是{0}还是{1}", "neither {0} nor {1}"),
    (re.compile(r"^a heading states nothing$"), "标题本身没有给出内容", "a heading states nothing"),
    (
        re.compile(r"^a table header states no figure$"),
        "表头没有给出数字",
        "a table header states no figure",
    ),
    (re.compile(r"^key terms not covered: (.+)$"), "没有涉及：{0}", "not covered: {0}"),
    (
        re.compile(r"^(.+) is not in the documents found$"),
        "文档中没有关于{0}的内容",
        "nothing on {0}",
    ),
    (
        re.compile(r"^the question names nothing to look up$"),
        "问题中没有可检索的内容",
        "the question names nothing to look up",
    ),
    (re.compile(r"^no passages retrieved$"), "没有检索到段落", "no passage was retrieved"),
)
KIND_ZH = {
    "count": "数量",
    "money": "金额",
    "percent": "比例",
    "date": "日期",
    "doc_number": "文号",
    "title": "标题",
    "phone": "电话",
    "contact": "联系人",
    "addressee": "提出人",
    "unit": "责任单位",
    "quantity": "数字",
    "measure": "数值",
    "email": "邮箱",
    "url": "网址",
    "signer": "签发人",
    "fax": "传真",
    "duration": "时长",
    "frequency": "频次",
    "speaker": "发言人",
    "location": "地点",
}
KIND_EN = {
    "doc_number": "document number",
    "addressee": "proposer",
    "quantity": "figure",
    "url": "web address",
}


def explain(reason: str, lang: str) -> str:
    """One reason in words for users, in the question's language."""
    for pattern, zh, en in EXPLAIN:
        m = pattern.match(reason)
        if m:
            args = []
            for arg in m.groups():
                if lang == "zh":
                    args.append(KIND_ZH.get(arg, arg).replace(" ", "、"))
                else:
                    args.append(KIND_EN.get(arg, arg))
            return (zh if lang == "zh" else en).format(*args)
    return reason


def _closest(contexts: Sequence[Hit], lang: str, sources: dict[str, str] | None) -> list[str]:
    lines = []
    for hit in contexts[:CLOSEST_PASSAGES]:
        c = hit.chunk
        snippet = " ".join(c.text.split())
        if len(snippet) > SNIPPET_CHARS:
            snippet = snippet[: SNIPPET_CHARS - 1] + "…"
        where = (
            f"第{c.line_start}–{c.line_end}行"
            if lang == "zh"
            else f"lines {c.line_start}-{c.line_end}"
        )
        lines.append(f"- {(sources or {}).get(c.doc_id, c.doc_id)} {where}: {snippet}")
    return lines


def not_stated_answer(
    query: Query,
    contexts: Sequence[Hit],
    reasons: Sequence[str],
    *,
    note: str = "",
    sources: dict[str, str] | None = None,
) -> Answer:
    """answered=False, no citations; the text says what is missing and the closest passages."""
    lang = query.lang
    parts = [NOT_FOUND[lang]]
    said = "；".join(dict.fromkeys(explain(r, lang) for r in reasons if r))
    if said:
        parts.append(("（" + said + "）") if lang == "zh" else f"({said})")
    text = "".join(parts) if lang == "zh" else " ".join(parts)
    shown = [h for h in contexts if not query.is_empty]
    if shown:
        head = "最接近的段落（供核对）：" if lang == "zh" else "Closest passages, to check:"
        text += "\n" + head
    if lang == "zh" and to_simplified(query.text) != query.text:
        text = to_traditional(text)  # a 繁體 question is told in 繁體; quotes stay as written
    if shown:
        text += "\n" + "\n".join(_closest(shown, lang, sources))
    return Answer(
        question=query.text,
        text=text,
        citations=(),
        contexts=tuple(contexts),
        answered=False,
        mode="extractive",
        note=note or "; ".join(reasons),
        standalone_question=query.standalone,
        reasons=tuple(reasons),
        kind="not_found",
        lang=lang,
    )
