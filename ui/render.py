"""HTML and chat text for answers, citations and documents (pure functions, no Gradio)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

from rag.types import Answer, Citation, Document, Hit

# Characters of the surrounding text shown on each side of a quote when its chunk is unknown.
WINDOW_CHARS = 160
NOT_FOUND_MARK = "⚠"
_MARKER = re.compile(r"\[(\d+)\]")

DocLookup = Callable[[str], Document | None]


def esc(text: object) -> str:
    """HTML-escape any value (None becomes an empty string)."""
    return html.escape("" if text is None else str(text), quote=True)


def chat_text(answer: Answer, turn: int) -> str:
    """The chat bubble for a final answer: [n] markers link to their source cards."""
    if not answer.answered:
        text = f'<span class="not-found-chat">{NOT_FOUND_MARK} {esc(answer.text)}</span>'
    else:
        valid = {c.n for c in answer.citations}

        def link(m: re.Match[str]) -> str:
            n = int(m.group(1))
            if n not in valid:
                return m.group(0)
            # the chatbot's sanitiser drops data-* attributes, so the turn travels in a class
            return f'<a class="cite-ref cite-turn-{turn}" href="#cite-{n}">[{n}]</a>'

        text = _MARKER.sub(link, esc(answer.text))
    if answer.note and answer.answered:
        text += f"\n\n<small>{esc(answer.note)}</small>"
    return text


def error_text(message: str) -> str:
    """A chat bubble for a question that could not be asked (empty, too long, index missing)."""
    return f'<span class="not-found-chat">{NOT_FOUND_MARK} {esc(message)}</span>'


def location(cit: Citation) -> str:
    """Where the quote sits in the source file: page for PDFs, else raw-file lines."""
    if cit.page is not None:
        return f"第 {cit.page} 页 (page {cit.page})"
    if cit.line_start == cit.line_end:
        return f"第 {cit.line_start} 行 (line {cit.line_start})"
    return f"第 {cit.line_start}–{cit.line_end} 行 (lines {cit.line_start}–{cit.line_end})"


def passage_with_mark(cit: Citation, contexts: Sequence[Hit], doc: Document | None) -> str:
    """The cited chunk as HTML with the quote inside <mark>; falls back to a document window."""
    for hit in contexts:
        chunk = hit.chunk
        if chunk.chunk_id != cit.chunk_id:
            continue
        rel = cit.start_char - chunk.start_char
        if not (rel >= 0 and chunk.text[rel : rel + len(cit.quote)] == cit.quote):
            rel = chunk.text.find(cit.quote)
        if rel >= 0 and cit.quote:
            return _marked(chunk.text, rel, rel + len(cit.quote))
    if doc is not None and doc.text[cit.start_char : cit.end_char] == cit.quote:
        lo = max(cit.start_char - WINDOW_CHARS, 0)
        hi = min(cit.end_char + WINDOW_CHARS, len(doc.text))
        body = _marked(doc.text[lo:hi], cit.start_char - lo, cit.end_char - lo)
        return ("…" if lo else "") + body + ("…" if hi < len(doc.text) else "")
    return f"<mark>{esc(cit.quote)}</mark>"


def _marked(text: str, start: int, end: int, attrs: str = "") -> str:
    return f"{esc(text[:start])}<mark{attrs}>{esc(text[start:end])}</mark>{esc(text[end:])}"


def _meta_rows(doc: Document | None, cit: Citation) -> str:
    rows = [
        ("发文单位 Issuer", doc.issuer if doc else None),
        ("日期 Date", doc.date if doc else None),
        ("文号 No.", doc.doc_number if doc else None),
        ("文件 File", cit.source),
        ("位置 Location", location(cit)),
    ]
    return "".join(f"<dt>{esc(k)}</dt><dd>{esc(v or '—')}</dd>" for k, v in rows)


def sources_html(answer: Answer, lookup: DocLookup, turn: int) -> str:
    """The sources pane for one answer: a card per citation, or a not-found notice."""
    parts = [f'<div class="rag-sources" data-turn="{turn}">']
    parts.append(f'<div class="rag-question">问题 Question: {esc(answer.question)}</div>')
    if answer.standalone_question and answer.standalone_question != answer.question:
        parts.append(
            f'<div class="rag-note">按上下文理解为 Read as: {esc(answer.standalone_question)}</div>'
        )
    if not answer.answered:
        parts.append(
            '<div class="not-found" role="status">'
            f"<strong>{NOT_FOUND_MARK} 文档中没有找到答案 · Not found in the documents</strong>"
            f"<p>{esc(answer.text)}</p>"
            + (f'<p class="rag-note">{esc(answer.note)}</p>' if answer.note else "")
            + "</div>"
        )
        if answer.contexts:
            parts.append(_searched_list(answer.contexts, lookup))
        parts.append("</div>")
        return "".join(parts)
    if answer.note:
        parts.append(f'<div class="rag-note">{esc(answer.note)}</div>')
    for cit in answer.citations:
        doc = lookup(cit.doc_id)
        title = cit.title or (doc.title if doc else None) or cit.source
        parts.append(
            f'<div class="cite-card" id="cite-{cit.n}" data-n="{cit.n}" tabindex="0">'
            f'<div class="cite-head"><span class="cite-n">[{cit.n}]</span> '
            f'<span class="cite-title">{esc(title)}</span></div>'
            f'<dl class="cite-meta">{_meta_rows(doc, cit)}</dl>'
            f'<blockquote class="cite-passage">{passage_with_mark(cit, answer.contexts, doc)}'
            "</blockquote>"
            f'<button class="open-doc" type="button" data-n="{cit.n}">'
            "查看全文 Open full document</button></div>"
        )
    parts.append("</div>")
    return "".join(parts)


def _searched_list(contexts: Sequence[Hit], lookup: DocLookup) -> str:
    items = []
    for hit in contexts:
        doc = lookup(hit.chunk.doc_id)
        name = (doc.title or doc.source) if doc else hit.chunk.doc_id
        heading = f" · {hit.chunk.heading}" if hit.chunk.heading else ""
        items.append(f"<li>{esc(name)}{esc(heading)}</li>")
    return (
        '<details class="rag-searched"><summary>检索到但不足以回答的段落 '
        f"Passages searched ({len(contexts)})</summary><ul>{''.join(items)}</ul></details>"
    )


def placeholder_html(message: str) -> str:
    """The sources pane before any answer, or while one is being produced."""
    return f'<div class="rag-sources rag-empty">{esc(message)}</div>'


def document_html(doc: Document, citations: Sequence[Citation], selected: int) -> str:
    """A whole cleaned document with every quote from it marked; the selected one has an id."""
    marks = sorted(
        (c for c in citations if c.doc_id == doc.doc_id and c.quote), key=lambda c: c.start_char
    )
    pieces: list[str] = []
    pos = 0
    for cit in marks:
        if cit.start_char < pos or doc.text[cit.start_char : cit.end_char] != cit.quote:
            continue  # overlapping or stale quotes would garble the text; skip their highlight
        is_selected = cit.n == selected
        attrs = f' class="{"selected" if is_selected else "other"}" data-n="{cit.n}"'
        if is_selected:
            attrs += f' id="doc-cite-{cit.n}"'
        pieces.append(esc(doc.text[pos : cit.start_char]))
        pieces.append(f"<mark{attrs}>{esc(cit.quote)}</mark><sup>[{cit.n}]</sup>")
        pos = cit.end_char
    pieces.append(esc(doc.text[pos:]))
    meta = " · ".join(
        esc(x) for x in (doc.issuer, doc.date, doc.doc_number, doc.region, doc.source) if x
    )
    return (
        f'<div class="rag-doc" data-selected="{selected}">'
        f'<div class="rag-doc-head"><strong>{esc(doc.title or doc.source)}</strong>'
        f'<div class="rag-doc-meta">{meta}</div></div>'
        f'<div class="rag-doc-text">{"".join(pieces)}</div></div>'
    )


def corpus_rows(docs: Sequence[Document]) -> list[list[str]]:
    """One table row per indexed document: title, issuer, date, doc number, region, file."""
    return [
        [d.title or "", d.issuer or "", d.date or "", d.doc_number or "", d.region or "", d.source]
        for d in docs
    ]


CORPUS_HEADERS = [
    "标题 Title",
    "发文单位 Issuer",
    "日期 Date",
    "文号 No.",
    "地区 Region",
    "文件 File",
]
