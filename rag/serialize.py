"""JSON shapes of the `--json` CLI contract, which other tools parse; keep keys stable.

- `rag search --json`: one object per question, {"question", "hits": [hit, ...]}.
- `rag ask --json`: one answer object per question: question, answer (text with [n] markers),
  answered (False = abstained), mode ("extractive" | "llm"), note, standalone_question,
  citations [citation, ...], contexts [hit, ...].
- A hit: rank, score, stage, found_by, chunk_id, doc_id, path (absolute path of the source file),
  source, title, heading, start_char, end_char, line_start, line_end, page, text.
- A citation: n, chunk_id, path, source, title, quote, start_char, end_char, line_start, line_end,
  page. The quote is an exact substring of the cleaned text at [start_char, end_char); with white
  space removed it is a substring of the raw file's lines line_start..line_end (1-based).
- With QUESTION `-` the objects are written one per line (JSONL); a line that could not be
  answered is {"question", "error"} (see `error_json`).
- `rag index --json`: the IndexReport (see `report_json`).
"""

from __future__ import annotations

from collections.abc import Mapping
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


def hit_json(hit: Hit, docs: Mapping[str, Document]) -> dict[str, Any]:
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


def answer_json(answer: Answer, docs: Mapping[str, Document]) -> dict[str, Any]:
    return {
        "question": answer.question,
        "answer": answer.text,
        "answered": answer.answered,
        "mode": answer.mode,
        "note": answer.note,
        "standalone_question": answer.standalone_question,
        "kind": answer.kind,
        "lang": answer.lang,
        "reasons": list(answer.reasons),
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
        # per stage: read, clean_meta, chunk, tokenize, embed, write
        "stage_seconds": {
            k.removesuffix("_seconds"): round(v, 3)
            for k, v in report.extra.items()
            if k.endswith("_seconds")
        },
    }


def error_json(question: str, error: str) -> dict[str, Any]:
    """The JSONL object for a batch line that could not be answered (the others still are)."""
    return {"question": question, "error": error}
