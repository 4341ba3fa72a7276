"""HTML, chat text and Markdown for answers, citations and documents (pure functions, no Gradio)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

from rag import Answer, Citation, Document, Filters, Hit
from ui.i18n import t

# Characters of the surrounding text shown on each side of a quote when its chunk is unknown.
WINDOW_CHARS = 160
# Titles longer than this are cut in example questions, which must fit on one line.
EXAMPLE_TITLE_CHARS = 36
NOT_FOUND_MARK = "⚠"
_MARKER = re.compile(r"\[(\d+)\]")
_ITEM = re.compile(r"^\s*[-•]\s+")
# a comparison line names its document or place before a colon: "温州市：…", "Wenzhou: …"
_LABEL = re.compile(r"^([^：:\[\]]{1,24})[：:]\s*(.+)$", re.S)

DocLookup = Callable[[str], Document | None]


def esc(text: object) -> str:
    """HTML-escape any value (None becomes an empty string)."""
    return html.escape("" if text is None else str(text), quote=True)


def _linked(text: str, valid: set[int], turn: int) -> str:
    def link(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n not in valid:
            return m.group(0)
        # the chatbot's sanitiser drops data-* attributes, so the turn travels in a class
        return f'<a class="cite-ref cite-turn-{turn}" href="#cite-{n}">[{n}]</a>'

    return _MARKER.sub(link, esc(text))


def split_items(text: str) -> tuple[str, list[str], str]:
    """A list/comparison answer's lead, its "- item" lines and a closing line after the items.

    A line between items continues the item before it; lines after the last item close the
    answer ("not stated in: …") and are not part of that item.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    lead: list[str] = []
    items: list[str] = []
    pending: list[str] = []  # lines after the latest item: a continuation or the closing line
    for line in lines:
        if _ITEM.match(line):
            if pending and items:
                items[-1] += " " + " ".join(pending)
            pending = []
            items.append(_ITEM.sub("", line, count=1))
        elif items:
            pending.append(line)
        else:
            lead.append(line)
    return " ".join(lead), items, " ".join(pending)


def _labelled(item: str) -> tuple[str, str] | None:
    """("温州市", "claim [1]") of a comparison line "温州市：claim [1]", else None."""
    m = _LABEL.match(item)
    return (m.group(1), m.group(2)) if m else None


def chat_text(
    answer: Answer, turn: int, lang: str = "zh", filters_note: str = "", by: str = ""
) -> str:
    """The chat bubble for a final answer: [n] markers link to their source cards.

    A refusal is told in the question's language only (its filters note too); `by` names who
    wrote an answer (the LLM and its model) when that is not the offline default.
    """
    if not answer.answered:
        text = f'<span class="not-found-chat">{NOT_FOUND_MARK} {esc(answer.text)}</span>'
        if filters_note:
            text += f'\n\n<span class="filters-note">{esc(filters_note)}</span>'
        return text
    valid = {c.n for c in answer.citations}
    lead, items, tail = split_items(answer.text)
    rows = [_labelled(item) for item in items]
    if answer.kind == "compare" and len(items) > 1 and all(rows):
        # one row per document or place: what it says, with its citations
        cells = "".join(
            f"<tr><th>{esc(row[0])}</th><td>{_linked(row[1], valid, turn)}</td></tr>"
            for row in rows
            if row
        )
        text = f'{_linked(lead, valid, turn)}<table class="answer-compare">{cells}</table>'
    elif answer.kind in ("list", "compare") and items:
        lis = "".join(f"<li>{_linked(item, valid, turn)}</li>" for item in items)
        text = f'{_linked(lead, valid, turn)}<ul class="answer-items">{lis}</ul>'
    else:
        text, tail = _linked(answer.text, valid, turn), ""
    if tail:
        text += f'<p class="answer-tail">{_linked(tail, valid, turn)}</p>'
    if by:
        text += f'\n\n<small class="answer-by">{esc(by)}</small>'
    return text


def streaming_text(text: str, by: str = "") -> str:
    """The chat bubble while an answer is written: who writes it, then the text so far."""
    head = f'<small class="answer-by">{esc(by)}</small>\n\n' if by else ""
    return head + esc(text)


def error_text(message: str) -> str:
    """A chat bubble for a question that could not be asked (empty, too long, index missing)."""
    return f'<span class="not-found-chat">{NOT_FOUND_MARK} {esc(message)}</span>'


def location(cit: Citation, lang: str = "zh") -> str:
    """Where the quote sits in the source file: page for PDFs, else raw-file lines."""
    if cit.page is not None:
        return t(lang, "page", page=cit.page)
    if cit.line_start == cit.line_end:
        return t(lang, "line", a=cit.line_start)
    return t(lang, "lines", a=cit.line_start, b=cit.line_end)


def filters_summary(filters: Filters | None, lang: str = "zh") -> str:
    """The active filters in words ("" when none restricts anything)."""
    if filters is None or filters.is_empty():
        return ""
    parts = []
    if filters.sources:
        parts.append(t(lang, "f_documents", n=len(filters.sources)))
    if filters.region:
        parts.append(t(lang, "f_region", v=filters.region))
    if filters.issuer:
        parts.append(t(lang, "f_issuer", v=filters.issuer))
    if filters.year_from is not None or filters.year_to is not None:
        lo = filters.year_from if filters.year_from is not None else "…"
        hi = filters.year_to if filters.year_to is not None else "…"
        parts.append(t(lang, "f_years", lo=lo, hi=hi))
    return t(lang, "filters_active", filters="; ".join(parts))


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


def _meta_rows(doc: Document | None, cit: Citation, lang: str) -> str:
    rows = [
        (t(lang, "issuer"), doc.issuer if doc else None),
        (t(lang, "date"), doc.date if doc else None),
        (t(lang, "doc_number"), doc.doc_number if doc else None),
        (t(lang, "file"), cit.source),
        (t(lang, "location"), location(cit, lang)),
    ]
    return "".join(f"<dt>{esc(k)}</dt><dd>{esc(v or '—')}</dd>" for k, v in rows)


def sources_html(
    answer: Answer,
    lookup: DocLookup,
    turn: int,
    lang: str = "zh",
    filters: Filters | None = None,
    by: str = "",
) -> str:
    """The sources pane for one answer: a card per citation, or a not-found notice."""
    parts = [f'<div class="rag-sources" data-turn="{turn}">']
    parts.append(
        f'<div class="rag-question">{esc(t(lang, "question_label"))}: {esc(answer.question)}</div>'
    )
    if answer.standalone_question and answer.standalone_question != answer.question:
        parts.append(
            f'<div class="rag-note">{esc(t(lang, "read_as"))}: '
            f"{esc(answer.standalone_question)}</div>"
        )
    if not answer.answered:
        # the question's language only: the reasons are already in the text, in its words
        said = answer.lang if answer.lang in ("zh", "en") else lang
        note = filters_summary(filters, said)
        parts.append(
            '<div class="not-found" role="status">'
            f"<strong>{NOT_FOUND_MARK} {esc(t(said, 'not_found_head'))}</strong>"
            + _paragraph_and_items(answer.text)
            + (f'<p class="filters-note">{esc(note)}</p>' if note else "")
            + "</div>"
        )
        if answer.contexts:
            parts.append(_searched_list(answer.contexts, lookup, lang))
        parts.append("</div>")
        return "".join(parts)
    if by:
        parts.append(f'<div class="rag-note answer-by">{esc(by)}</div>')
    if answer.note:  # the answerer's own words (e.g. why the LLM was not used), for checking
        parts.append(
            f'<details class="rag-note"><summary>{esc(t(lang, "details"))}</summary>'
            f"{esc(answer.note)}</details>"
        )
    for cit in answer.citations:
        doc = lookup(cit.doc_id)
        title = cit.title or (doc.title if doc else None) or cit.source
        parts.append(
            f'<div class="cite-card" id="cite-{cit.n}" data-n="{cit.n}" tabindex="0">'
            f'<div class="cite-head"><span class="cite-n">[{cit.n}]</span> '
            f'<span class="cite-title">{esc(title)}</span></div>'
            f'<dl class="cite-meta">{_meta_rows(doc, cit, lang)}</dl>'
            f'<blockquote class="cite-passage">{passage_with_mark(cit, answer.contexts, doc)}'
            "</blockquote>"
            f'<button class="open-doc" type="button" data-n="{cit.n}">'
            f"{esc(t(lang, 'open_doc'))}</button></div>"
        )
    parts.append("</div>")
    return "".join(parts)


def _paragraph_and_items(text: str) -> str:
    """A refusal's lead as a paragraph and its "- closest passage" lines as a list."""
    lead, items, tail = split_items(text)
    lis = "".join(f"<li>{esc(item)}</li>" for item in items)
    return (
        f"<p>{esc(lead)}</p>"
        + (f'<ul class="closest">{lis}</ul>' if items else "")
        + (f"<p>{esc(tail)}</p>" if tail else "")
    )


def _searched_list(contexts: Sequence[Hit], lookup: DocLookup, lang: str) -> str:
    items = []
    for hit in contexts:
        doc = lookup(hit.chunk.doc_id)
        name = (doc.title or doc.source) if doc else hit.chunk.doc_id
        heading = f" · {hit.chunk.heading}" if hit.chunk.heading else ""
        items.append(f"<li>{esc(name)}{esc(heading)}</li>")
    summary = esc(t(lang, "searched", n=len(contexts)))
    return (
        f'<details class="rag-searched"><summary>{summary}</summary>'
        f"<ul>{''.join(items)}</ul></details>"
    )


def placeholder_html(message: str) -> str:
    """The sources pane before any answer, or while one is being produced."""
    return f'<div class="rag-sources rag-empty">{esc(message)}</div>'


def _raw_marks(doc: Document, citations: Sequence[Citation]) -> list[tuple[int, int, int]]:
    """(raw_start, raw_end, n) of each quote from doc, in order, overlaps and stale ones dropped."""
    marks: list[tuple[int, int, int]] = []
    pos = 0
    for cit in sorted(citations, key=lambda c: c.start_char):
        if cit.doc_id != doc.doc_id or not cit.quote:
            continue
        if doc.text[cit.start_char : cit.end_char] != cit.quote:
            continue  # a stale quote would garble the text; skip its highlight
        start, end = doc.raw_offset(cit.start_char), doc.raw_offset(cit.end_char)
        if start < pos or end <= start:
            continue
        marks.append((start, end, cit.n))
        pos = end
    return marks


def document_html(
    doc: Document, citations: Sequence[Citation], selected: int, lang: str = "zh"
) -> str:
    """The raw file with its line numbers; every quote from it marked, the selected one with an id.

    Line numbers are the raw file's, as in an editor, so a citation's lines can be checked there.
    """
    raw = doc.raw_text
    marks = _raw_marks(doc, citations)
    starts = list(doc.raw_line_starts) or [0]
    cited_lines: set[int] = set()
    for cit in citations:
        if cit.doc_id == doc.doc_id:
            cited_lines.update(range(cit.line_start, cit.line_end + 1))
    rows: list[str] = []
    opened: set[int] = set()
    for i, line_start in enumerate(starts):
        line_end = starts[i + 1] if i + 1 < len(starts) else len(raw)
        line = raw[line_start:line_end].rstrip("\r\n")
        line_end = line_start + len(line)
        pieces: list[str] = []
        pos = line_start
        for start, end, n in marks:
            lo, hi = max(start, line_start), min(end, line_end)
            if lo >= hi:
                continue
            attrs = f' class="{"selected" if n == selected else "other"}" data-n="{n}"'
            if n == selected and n not in opened:
                attrs += f' id="doc-cite-{n}"'
            opened.add(n)
            pieces.append(esc(raw[pos:lo]))
            pieces.append(f"<mark{attrs}>{esc(raw[lo:hi])}</mark>")
            if hi == end:
                pieces.append(f"<sup>[{n}]</sup>")
            pos = hi
        pieces.append(esc(raw[pos:line_end]))
        number = i + 1
        cls = "ln cited" if number in cited_lines else "ln"
        rows.append(
            f'<div class="{cls}" data-line="{number}"><span class="ln-t">{"".join(pieces)}</span>'
            "</div>"
        )
    meta = " · ".join(
        esc(x) for x in (doc.issuer, doc.date, doc.doc_number, doc.region, doc.source) if x
    )
    return (
        f'<div class="rag-doc" data-selected="{selected}" data-doc="{esc(doc.doc_id)}">'
        f'<div class="rag-doc-head"><strong>{esc(doc.title or doc.source)}</strong>'
        f'<div class="rag-doc-meta">{meta}</div></div>'
        f'<div class="rag-doc-text">{"".join(rows)}</div></div>'
    )


CORPUS_KEYS = (
    "col_title",
    "col_issuer",
    "col_date",
    "col_number",
    "col_region",
    "col_chunks",
    "col_size",
    "col_scope",
    "col_file",
)


def corpus_headers(lang: str = "zh") -> list[str]:
    """Column names of the documents table."""
    return [t(lang, key) for key in CORPUS_KEYS]


def size_text(n_bytes: int | None) -> str:
    """A file size for people (12.3 KB)."""
    if n_bytes is None:
        return ""
    if n_bytes < 1024:
        return f"{n_bytes} B"
    if n_bytes < 1024 * 1024:
        return f"{n_bytes / 1024:.1f} KB"
    return f"{n_bytes / 1024 / 1024:.1f} MB"


def corpus_rows(
    docs: Sequence[Document],
    chunks: dict[str, int] | None = None,
    sizes: dict[str, int | None] | None = None,
    private: set[str] | None = None,
    lang: str = "zh",
) -> list[list[str]]:
    """One table row per document: title, issuer, date, 文号, region, chunks, size, scope, file."""
    chunks, sizes, private = chunks or {}, sizes or {}, private or set()
    return [
        [
            d.title or "",
            d.issuer or "",
            d.date or "",
            d.doc_number or "",
            d.region or "",
            str(chunks[d.doc_id]) if d.doc_id in chunks else "",
            size_text(sizes.get(d.doc_id)),
            t(lang, "scope_private" if d.doc_id in private else "scope_library"),
            d.source,
        ]
        for d in docs
    ]


def corpus_cards(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> str:
    """The documents table as one card per document, for narrow (phone) screens."""
    cards = []
    for row in rows:
        title, *rest = row
        fields = "".join(
            f"<dt>{esc(h)}</dt><dd>{esc(v)}</dd>"
            for h, v in zip(headers[1:], rest, strict=True)
            if v
        )
        cards.append(
            f'<div class="doc-card"><div class="doc-card-title">{esc(title or rest[-1])}</div>'
            f'<dl class="cite-meta">{fields}</dl></div>'
        )
    return f'<div class="doc-cards">{"".join(cards)}</div>'


def example_questions(docs: Sequence[Document], lang: str = "zh", limit: int = 4) -> list[str]:
    """Questions about the loaded documents, built from their titles (none when untitled)."""
    templates = ["ex_measures", "ex_issuer", "ex_number"]
    titled = sorted((d for d in docs if d.title), key=lambda d: (d.date or "", d.source))
    out: list[str] = []
    for i, doc in enumerate(reversed(titled)):  # the newest documents first
        title = doc.title or ""
        if len(title) > EXAMPLE_TITLE_CHARS:
            title = title[: EXAMPLE_TITLE_CHARS - 1] + "…"
        key = templates[i % len(templates)]
        if key == "ex_number" and not doc.doc_number:
            key = "ex_measures"
        out.append(t(lang, key, title=title))
        if len(out) >= limit:
            break
    return out


# --- plain text and Markdown (copy, export) ---------------------------------------------------


def plain_answer(answer: Answer) -> str:
    """The answer as plain text with its [n] markers, as a user would paste it."""
    return answer.text


def _md_cell(value: object) -> str:
    return str(value or "—").replace("\n", " ")


def answer_markdown(answer: Answer, lookup: DocLookup, lang: str = "zh") -> str:
    """One answer with its citations (quote, file, 文号, date, lines) as Markdown."""
    lines = [f"### {t(lang, 'question_label')}: {answer.question}", ""]
    if answer.standalone_question and answer.standalone_question != answer.question:
        lines += [f"*{t(lang, 'read_as')}: {answer.standalone_question}*", ""]
    if not answer.answered:
        lines.append(f"> {NOT_FOUND_MARK} {answer.text}")
    else:
        lead, items, tail = split_items(answer.text)
        if answer.kind in ("list", "compare") and items:
            lines += [lead, "", *(f"- {item}" for item in items)]
            lines += ["", tail] if tail else []
        else:
            lines.append(answer.text)
    if answer.note and answer.answered:
        lines += ["", f"*{answer.note}*"]
    if answer.answered and answer.citations:
        lines += ["", f"**{t(lang, 'sources')}**", ""]
        for cit in answer.citations:
            doc = lookup(cit.doc_id)
            title = cit.title or (doc.title if doc else None) or cit.source
            meta = " · ".join(
                f"{k}: {_md_cell(v)}"
                for k, v in (
                    (t(lang, "file"), cit.source),
                    (t(lang, "doc_number"), doc.doc_number if doc else None),
                    (t(lang, "date"), doc.date if doc else None),
                    (t(lang, "location"), location(cit, lang)),
                )
            )
            lines.append(f"[{cit.n}] {title} — {meta}")
            lines.append(f"> {cit.quote.replace(chr(10), ' ')}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def conversation_markdown(
    answers: Sequence[Answer], lookup: DocLookup, lang: str = "zh", title: str = ""
) -> str:
    """A whole conversation, one answer after another, as Markdown."""
    head = f"# {title or t(lang, 'title')}\n\n"
    return head + "\n---\n\n".join(answer_markdown(a, lookup, lang) for a in answers)
