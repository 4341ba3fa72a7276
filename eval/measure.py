"""Measuring: ask an Engine a question set and score each record; summarise the records."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from eval import metrics
from eval.datasets import PassageSet, Question
from rag import Engine, Filters, Hit
from rag.progress import ProgressCallback
from rag.serialize import citation_json

MODES = ("dense", "bm25", "fused")
DEPTH = 10  # hits fetched per search: recall@1 and @5 are its prefixes, MRR is MRR@10
MAX_IDS = 40  # failure ids listed in the summary; questions.jsonl has every question


@dataclass(frozen=True, slots=True)
class EvalResult:
    """A run's set-level summary and its per-question records."""

    summary: dict[str, Any]
    records: list[dict[str, Any]]


def _rate(flags: Sequence[bool]) -> float | None:
    return metrics.mean(1.0 if f else 0.0 for f in flags)


def _ids(ids: Sequence[str]) -> list[str]:
    return list(ids[:MAX_IDS]) + ([f"... {len(ids) - MAX_IDS} more"] if len(ids) > MAX_IDS else [])


def _source(engine: Engine, doc_id: str) -> str:
    return engine.document(doc_id).source


def _retrieval(engine: Engine, q: Question, depth: int, modes: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    # a follow-up alone names too little to search with; its earlier turns supply the topic
    text = " ".join((*q.history, q.user_input))
    for mode in modes:
        started = time.perf_counter()
        hits = engine.search(text, k=depth, mode=mode)
        seconds = time.perf_counter() - started
        chunks = [(_source(engine, h.chunk.doc_id), h.chunk.text) for h in hits]
        flags = [metrics.is_hit(s, t, q.reference_sources, q.hit_quotes) for s, t in chunks]
        out[mode] = {
            "rank": metrics.first_hit_rank(flags),
            "recall@1": metrics.recall_at_k(flags, 1),
            "recall@5": metrics.recall_at_k(flags, 5),
            "rr": metrics.reciprocal_rank(flags),
            "top": [
                f"{s}:{h.chunk.line_start}-{h.chunk.line_end}"
                for (s, _), h in zip(chunks[:3], hits[:3], strict=True)
            ],
            "seconds": seconds,
        }
        if len(q.reference_sources) > 1 and q.hit_quotes:
            out[mode]["quotes_covered@5"] = metrics.quotes_covered(
                chunks[:5], q.reference_sources, q.hit_quotes
            )
    return out


def _gold_in_index(engine: Engine, q: Question) -> bool:
    """Whether any indexed chunk is a hit at all (False: the quote straddles chunks, or typo)."""
    return any(
        metrics.is_hit(doc.source, c.text, q.reference_sources, q.hit_quotes)
        for doc in engine.documents()
        if doc.source in q.reference_sources
        for c in engine.doc_chunks(doc.doc_id)
    )


def answer_record(
    engine: Engine,
    q: Question,
    read_raw: Callable[[str], str],
    *,
    sources: Sequence[str] = (),
    answer_mode: str | None = None,
) -> dict[str, Any]:
    """Ask one question (within sources when given) and score the answer and its citations.

    answer_mode: "extractive" or "llm" (None: the engine's setting). An LLM record also keeps
    the model's raw reply and whether the model's answer was shown (see model_outcome).
    """
    filters = Filters(sources=tuple(sources)) if sources else None
    # a follow-up is asked after its earlier turns, each answered by the engine as a user sees
    history: list[tuple[str, str]] = []
    for turn in q.history:
        earlier = engine.ask(turn, history=history, filters=filters, answer_mode=answer_mode)
        history.append((turn, earlier.text))
    started = time.perf_counter()
    stream = engine.ask_stream(
        q.user_input, history=history, filters=filters, answer_mode=answer_mode
    )
    pieces = list(stream)
    ans = stream.answer
    seconds = time.perf_counter() - started
    context_ids = [h.chunk.chunk_id for h in ans.contexts]
    exact = [metrics.citation_exact(c, read_raw) for c in ans.citations]
    rec: dict[str, Any] = {
        "answer": ans.text,
        "answer_chars": len(metrics.strip_markers(ans.text)),
        "answered": ans.answered,
        "mode": ans.mode,
        "citations": [
            citation_json(c) | {"exact": e} for c, e in zip(ans.citations, exact, strict=True)
        ],
        "citation_valid": metrics.citations_valid(ans.text, ans.citations, context_ids),
        "citations_exact": sum(exact),
        "seconds": seconds,
    }
    if q.history:
        rec["read_as"] = ans.standalone_question
    if ans.reasons:
        rec["reasons"] = list(ans.reasons)
    if ans.note:
        rec["note"] = ans.note
    if (answer_mode or engine.settings.answer_mode) == "llm":
        # an answer shown extractively ends its stream with the extractive text as one piece;
        # what came before it is the model's reply (nothing when the model was not asked)
        rec["reply"] = "".join(pieces if ans.mode == "llm" else pieces[:-1])
        rec["model_outcome"] = model_outcome(ans.mode, ans.note, rec["reply"])
    if q.answerable:
        rec["fact_in_answer"] = ans.answered and metrics.answer_contains_fact(
            ans.text, q.reference_facts, require=q.fact_rule
        )
        rec["citation_support"] = ans.answered and metrics.citation_supported(
            ans.citations, (*q.reference_quotes, *q.reference_facts), q.reference_sources
        )
    return rec


def model_outcome(mode: str, note: str, reply: str) -> str:
    """What became of an llm-mode question: the model's answer shown, or why it was not.

    "answered" (the model's text is the answer), "not_asked" (the evidence check refused before
    the model ran), "not_found" (the model said the passages do not answer; the extractive answer
    is shown), "rejected" (the reply failed the checks or the model failed; extractive shown).
    """
    if mode == "llm":
        return "answered"
    if not reply and "LLM" not in note:
        return "not_asked"
    return "not_found" if note.startswith("the LLM gave no answer") else "rejected"


MODEL_OUTCOMES = ("answered", "not_found", "rejected", "not_asked")


def run_eval(
    engine: Engine,
    questions: Sequence[Question],
    *,
    name: str = "",
    depth: int = DEPTH,
    modes: Sequence[str] = MODES,
    answers: bool = True,
    answer_ids: set[str] | None = None,
    progress: ProgressCallback | None = None,
) -> EvalResult:
    """Retrieval metrics per mode on answerable questions and answer metrics with Engine.ask.

    answer_ids limits which questions are asked (None: all). A question whose search or answer
    raises is recorded with its error and left out of the rates; the summary counts errors.
    """
    mode = engine.settings.answer_mode
    return run_eval_answerers(
        engine,
        questions,
        (mode,),
        name=name,
        depth=depth,
        modes=modes,
        answers=answers,
        answer_ids=answer_ids,
        progress=progress,
    )[mode]


def run_eval_answerers(
    engine: Engine,
    questions: Sequence[Question],
    answer_modes: Sequence[str],
    *,
    name: str = "",
    depth: int = DEPTH,
    modes: Sequence[str] = MODES,
    answers: bool = True,
    answer_ids: set[str] | None = None,
    progress: ProgressCallback | None = None,
) -> dict[str, EvalResult]:
    """run_eval with each answer mode over the same index, questions and retrieval, one by one.

    Each question is searched once and asked once per answer mode; the result of each mode
    has run_eval's shape (its records carry that mode's answer as "answer").
    """
    documents = engine.documents()  # load now: a missing or mismatched index is the user's to fix
    read_raw = cache(metrics.read_raw_text)
    records: list[dict[str, Any]] = []
    for done, q in enumerate(questions, 1):
        rec: dict[str, Any] = {
            "id": q.id,
            "kind": q.kind,
            "answerable": q.answerable,
            "question": q.user_input,
            "reference_facts": list(q.reference_facts),
            "reference_sources": list(q.reference_sources),
        }
        try:
            if q.answerable:
                rec["gold_in_index"] = _gold_in_index(engine, q)
                rec["retrieval"] = _retrieval(engine, q, depth, modes)
            if answers and (answer_ids is None or q.id in answer_ids):
                rec["answers"] = {
                    m: answer_record(engine, q, read_raw, answer_mode=m) for m in answer_modes
                }
        except Exception as e:  # one broken question must not hide the other results
            rec["error"] = f"{type(e).__name__}: {e}"
            rec["traceback"] = traceback.format_exc(limit=6)
        records.append(rec)
        if progress:
            progress(name or "questions", done, len(questions))
    index = {
        "dir": str(Path(engine.settings.index_dir).resolve()),
        "documents": len(documents),
        "chunks": sum(len(engine.doc_chunks(d.doc_id)) for d in documents),
        "embedder": engine.settings.embedder,
        "chunk_tokens": engine.settings.chunk_tokens,
    }
    results = {}
    for m in answer_modes:
        mine = [_with_answer(rec, m) for rec in records]
        summary = summarise(mine, modes=modes, depth=depth)
        summary = {"set": name, "answer_mode": m, "index": index, **summary}
        results[m] = EvalResult(summary, mine)
    return results


def _with_answer(rec: dict[str, Any], mode: str) -> dict[str, Any]:
    """A record with the answer of one answer mode as "answer" (none when it was not asked)."""
    out = {k: v for k, v in rec.items() if k != "answers"}
    if mode in rec.get("answers", {}):
        out["answer"] = rec["answers"][mode]
    return out


def summarise(
    records: Sequence[dict[str, Any]], *, modes: Sequence[str] = MODES, depth: int = DEPTH
) -> dict[str, Any]:
    """Set-level metrics from per-question records (see run_eval)."""
    ok = [r for r in records if "error" not in r]
    answerable = [r for r in ok if r["answerable"]]
    retrieval: dict[str, Any] = {}
    misses: dict[str, list[str]] = {}
    for mode in modes:
        rows = [r["retrieval"][mode] for r in answerable if "retrieval" in r]
        retrieval[mode] = {
            "recall@1": metrics.mean(x["recall@1"] for x in rows),
            "recall@5": metrics.mean(x["recall@5"] for x in rows),
            f"mrr@{depth}": metrics.mean(x["rr"] for x in rows),
            "questions": len(rows),
            "search_latency_ms": metrics.latency_ms([x["seconds"] for x in rows]),
        }
        covered = [x["quotes_covered@5"] for x in rows if "quotes_covered@5" in x]
        if covered:
            retrieval[mode]["cross_doc_quotes_covered@5"] = metrics.mean(covered)
        misses[f"{mode}_miss@5"] = [
            r["id"] for r in answerable if "retrieval" in r and not r["retrieval"][mode]["recall@5"]
        ]
    summary: dict[str, Any] = {
        "questions": len(records),
        "answerable": sum(1 for r in records if r["answerable"]),
        "unanswerable": sum(1 for r in records if not r["answerable"]),
        "errors": len(records) - len(ok),
        "error_ids": _ids([r["id"] for r in records if "error" in r]),
        "retrieval": retrieval,
        "gold_not_in_any_chunk": [r["id"] for r in answerable if r.get("gold_in_index") is False],
    }
    asked = [r for r in ok if "answer" in r]
    if asked:
        a_ans = [r for r in asked if r["answerable"]]
        citations = [c for r in asked for c in r["answer"]["citations"]]
        refusals = metrics.refusal_scores(
            [r["answerable"] for r in asked], [not r["answer"]["answered"] for r in asked]
        )
        summary["answers"] = {
            "asked": len(asked),
            "answerable_asked": len(a_ans),
            # over answerable questions asked; a refusal counts as a miss
            "fact_in_answer": _rate([r["answer"]["fact_in_answer"] for r in a_ans]),
            "citation_valid": _rate([r["answer"]["citation_valid"] for r in asked]),
            "citation_support": _rate([r["answer"]["citation_support"] for r in a_ans]),
            "citations": len(citations),
            "citation_exact": _rate([c["exact"] for c in citations]),
            "answered_without_citation": sum(
                1 for r in asked if r["answer"]["answered"] and not r["answer"]["citations"]
            ),
            # a refusal must not present a citation as its answer (README: every claim checkable)
            "refused_with_citation": sum(
                1 for r in asked if not r["answer"]["answered"] and r["answer"]["citations"]
            ),
            "refusal": {
                "unanswerable": refusals.unanswerable,
                "unanswerable_refused": refusals.unanswerable_refused,
                "answerable_refused": refusals.answerable_refused,
                "precision": refusals.precision,
                "recall": refusals.recall,
            },
            "latency_ms": metrics.latency_ms([r["answer"]["seconds"] for r in asked]),
            # llm mode only: how often the model's own answer was shown (MODEL_OUTCOMES)
            "model_outcomes": {
                k: sum(1 for r in asked if r["answer"].get("model_outcome") == k)
                for k in MODEL_OUTCOMES
            }
            if any("model_outcome" in r["answer"] for r in asked)
            else None,
            # long answers contain facts more easily: read fact_in_answer next to this
            "answer_chars_p50": metrics.percentile(
                [r["answer"]["answer_chars"] for r in a_ans if r["answer"]["answered"]], 50
            ),
        }
        misses["fact_miss"] = [r["id"] for r in a_ans if not r["answer"]["fact_in_answer"]]
        misses["unsupported"] = [r["id"] for r in a_ans if not r["answer"]["citation_support"]]
        misses["answerable_refused"] = [r["id"] for r in a_ans if not r["answer"]["answered"]]
        misses["unanswerable_answered"] = [
            r["id"] for r in asked if not r["answerable"] and r["answer"]["answered"]
        ]
        misses["invalid_citations"] = [r["id"] for r in asked if not r["answer"]["citation_valid"]]
        misses["inexact_citations"] = [
            r["id"] for r in asked if r["answer"]["citations_exact"] < len(r["answer"]["citations"])
        ]
    summary["failures"] = {k: _ids(v) for k, v in misses.items()}
    summary["failure_counts"] = {k: len(v) for k, v in misses.items()}
    return summary


RELATED = 4  # same-topic passages put beside a question's own passage


def gold_in_answer(text: str, quotes: Sequence[str], golds: Sequence[str]) -> bool:
    """The answer text or one of its cited quotes contains one of the gold spans (normalised)."""
    spans = [metrics.normalise(g) for g in golds if g.strip()]
    bodies = [metrics.normalise(metrics.strip_markers(text)), *map(metrics.normalise, quotes)]
    return any(s and s in b for s in spans for b in bodies)


def related_passages(
    engine: Engine, q: Question, passages: PassageSet, *, depth: int = DEPTH
) -> tuple[list[str], list[Hit]]:
    """Up to RELATED same-topic passages for q (its article's, then the nearest by search).

    Returns them with the search hits used (so retrieval is scored from the same search).
    """
    own = q.reference_sources[0]
    hits = engine.search(q.user_input, k=depth)
    ranked = [_source(engine, h.chunk.doc_id) for h in hits]
    # the article's own passages first: same topic by construction; then the nearest others
    siblings = [p for p in passages.article_of(own) if p != own]
    nearest = [p for p in dict.fromkeys(ranked) if p != own and p not in siblings]
    return (siblings + nearest)[:RELATED], hits


def passage_record(
    engine: Engine,
    q: Question,
    passages: PassageSet,
    read_raw: Callable[[str], str],
    *,
    answer_mode: str | None = None,
) -> dict[str, Any]:
    """Retrieval, the answer with own + related passages, the refusal with related ones alone."""
    related, hits = related_passages(engine, q, passages)
    flags = [_source(engine, h.chunk.doc_id) in q.reference_sources for h in hits]
    golds = [metrics.normalise(g) for g in q.reference_facts]
    # a passage stating the gold answer would make a refusal wrong: leave those out
    negatives = [
        p for p in related if not any(g in metrics.normalise(passages.passages[p]) for g in golds)
    ]
    rec: dict[str, Any] = {
        "id": q.id,
        "kind": q.kind,
        "question": q.user_input,
        "reference_facts": list(q.reference_facts),
        "reference_sources": list(q.reference_sources),
        "retrieval": {
            "rank": metrics.first_hit_rank(flags),
            "recall@5": metrics.recall_at_k(flags, 5),
            "rr": metrics.reciprocal_rank(flags),
        },
        "related": related,
        "negatives": negatives,
    }
    pos = answer_record(
        engine, q, read_raw, sources=(*q.reference_sources, *related), answer_mode=answer_mode
    )
    pos["gold_in_answer"] = pos["answered"] and gold_in_answer(
        pos["answer"], [c["quote"] for c in pos["citations"]], q.reference_facts
    )
    rec["with_passage"] = pos
    if negatives:
        neg = answer_record(engine, q, read_raw, sources=negatives, answer_mode=answer_mode)
        rec["without_passage"] = neg
    return rec


def run_passage_eval(
    engine: Engine,
    passages: PassageSet,
    questions: Sequence[Question],
    *,
    progress: ProgressCallback | None = None,
    answer_mode: str | None = None,
) -> EvalResult:
    """Extractive accuracy and negative rejection on a passage benchmark (see passage_record)."""
    engine.documents()  # load now: a missing or mismatched index is the user's to fix
    read_raw = cache(metrics.read_raw_text)
    records: list[dict[str, Any]] = []
    for done, q in enumerate(questions, 1):
        try:
            rec = passage_record(engine, q, passages, read_raw, answer_mode=answer_mode)
        except Exception as e:  # one broken question must not hide the other results
            rec = {"id": q.id, "question": q.user_input, "error": f"{type(e).__name__}: {e}"}
            rec["traceback"] = traceback.format_exc(limit=6)
        records.append(rec)
        if progress:
            progress(passages.name, done, len(questions))
    summary = {
        "set": passages.name,
        "answer_mode": answer_mode or engine.settings.answer_mode,
        "qa": passages.path,
        "index": {
            "dir": str(Path(engine.settings.index_dir).resolve()),
            "documents": len(passages.passages),
            "embedder": engine.settings.embedder,
        },
        "articles": len(passages.articles),
        "context_chars": passages.chars,
        **summarise_passages(records),
    }
    return EvalResult(summary, records)


def summarise_passages(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Set-level metrics of passage_record records, in run_eval's summary shape where shared."""
    ok = [r for r in records if "error" not in r]
    pos = [r["with_passage"] for r in ok]
    neg = [r["without_passage"] for r in ok if "without_passage" in r]
    citations = [c for a in (*pos, *neg) for c in a["citations"]]
    misses = {
        "fused_miss@5": [r["id"] for r in ok if not r["retrieval"]["recall@5"]],
        "gold_miss": [r["id"] for r in ok if not r["with_passage"]["gold_in_answer"]],
        "answerable_refused": [r["id"] for r in ok if not r["with_passage"]["answered"]],
        "unanswerable_answered": [
            r["id"] for r in ok if "without_passage" in r and r["without_passage"]["answered"]
        ],
        "inexact_citations": [
            r["id"]
            for r in ok
            for a in (r["with_passage"], r.get("without_passage"))
            if a and a["citations_exact"] < len(a["citations"])
        ],
    }
    refused_neg = sum(1 for a in neg if not a["answered"])
    refused_pos = sum(1 for a in pos if not a["answered"])
    return {
        "questions": len(records),
        "answerable": len(records),
        "unanswerable": len(neg),
        "errors": len(records) - len(ok),
        "error_ids": _ids([r["id"] for r in records if "error" in r]),
        "retrieval": {
            "fused": {
                "recall@5": metrics.mean(r["retrieval"]["recall@5"] for r in ok),
                f"mrr@{DEPTH}": metrics.mean(r["retrieval"]["rr"] for r in ok),
                "questions": len(ok),
            }
        },
        "answers": {
            "asked": len(pos) + len(neg),
            "answerable_asked": len(pos),
            "gold_in_answer": _rate([a["gold_in_answer"] for a in pos]),
            "citation_valid": _rate([a["citation_valid"] for a in (*pos, *neg)]),
            "citations": len(citations),
            "citation_exact": _rate([c["exact"] for c in citations]),
            "refusal": {
                "unanswerable": len(neg),
                "unanswerable_refused": refused_neg,
                "answerable_refused": refused_pos,
                "precision": (
                    refused_neg / (refused_neg + refused_pos) if refused_neg + refused_pos else None
                ),
                "recall": refused_neg / len(neg) if neg else None,
            },
            "latency_ms": metrics.latency_ms([a["seconds"] for a in (*pos, *neg)]),
            "answer_chars_p50": metrics.percentile(
                [a["answer_chars"] for a in pos if a["answered"]], 50
            ),
        },
        "failures": {k: _ids(v) for k, v in misses.items()},
        "failure_counts": {k: len(v) for k, v in misses.items()},
    }
