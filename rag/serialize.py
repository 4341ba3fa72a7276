"""JSON shapes of the CLI contract (see DESIGN.md)."""

from __future__ import annotations

from typing import Any

from rag.types import Answer, Citation, Document, Hit, IndexReport


def doc_json(doc: Document) -> dict[str, Any]:
    return {
        "doc_id": doc.doc_id,
        "path": doc.path,
        "source": doc.source,
        "title": doc.title,
        "issuer": doc.issuer,
        "date": doc.date,
        "doc_number": doc.doc_number,
        "region": doc.region,
        "chars": len(doc.text),
    }


def hit_json(hit: Hit, docs: dict[str, Document]) -> dict[str, Any]:
    c = hit.chunk
    doc = docs[c.doc_id]
    return {
        "rank": hit.rank,
        "score": round(hit.score, 6),
        "stage": hit.stage,
        "found_by": list(hit.found_by),
        "chunk_id": c.chunk_id,
        "doc_id": c.doc_id,
        "path": doc.path,
        "source": doc.source,
        "title": doc.title,
        "heading": c.heading,
        "start_char": c.start_char,
        "end_char": c.end_char,
        "line_start": c.line_start,
        "line_end": c.line_end,
        "page": c.page,
        "text": c.text,
    }


def citation_json(cit: Citation) -> dict[str, Any]:
    return {
        "n": cit.n,
        "chunk_id": cit.chunk_id,
        "path": cit.path,
        "source": cit.source,
        "title": cit.title,
        "quote": cit.quote,
        "start_char": cit.start_char,
        "end_char": cit.end_char,
        "line_start": cit.line_start,
        "line_end": cit.line_end,
        "page": cit.page,
    }


def answer_json(answer: Answer, docs: dict[str, Document]) -> dict[str, Any]:
    return {
        "question": answer.question,
        "answer": answer.text,
        "answered": answer.answered,
        "mode": answer.mode,
        "note": answer.note,
        "standalone_question": answer.standalone_question,
        "citations": [citation_json(c) for c in answer.citations],
        "contexts": [hit_json(h, docs) for h in answer.contexts],
    }


def report_json(report: IndexReport) -> dict[str, Any]:
    return {
        "index_dir": report.index_dir,
        "documents": [doc_json(d) for d in report.documents],
        "indexed": list(report.added),
        "unchanged": list(report.unchanged),
        "removed": list(report.removed),
        "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
        "chunks": report.chunks,
        "seconds": round(report.seconds, 3),
    }
