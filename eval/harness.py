"""`rag eval`: retrieval and answer metrics of an Engine on a question set, saved per run."""

from __future__ import annotations

import json
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from eval import metrics
from eval.datasets import (
    DEV_SET,
    RUNS_DIR,
    DatasetError,
    Question,
    QuestionSet,
    is_cmrc,
    load_cmrc,
    load_jsonl,
)
from rag.config import Settings
from rag.errors import IndexMismatchError, RagError
from rag.pipeline import Engine, build_index
from rag.serialize import citation_json
from rag.store import read_manifest

MODES = ("dense", "bm25", "fused")
DEPTH = 10  # hits fetched per search: recall@1 and @5 are its prefixes, MRR is MRR@10
MAX_IDS = 40  # failure ids listed in the summary; questions.jsonl has every question
EXIT_OK, EXIT_BUG, EXIT_USER = 0, 1, 2

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class EvalResult:
    summary: dict[str, Any]
    records: list[dict[str, Any]]


def _rate(flags: Sequence[bool]) -> float | None:
    return metrics.mean(1.0 if f else 0.0 for f in flags)


def _ids(ids: Sequence[str]) -> list[str]:
    return list(ids[:MAX_IDS]) + ([f"... {len(ids) - MAX_IDS} more"] if len(ids) > MAX_IDS else [])


def _retrieval(engine: Engine, q: Question, depth: int, modes: Sequence[str]) -> dict[str, Any]:
    docs = engine.index.documents
    out: dict[str, Any] = {}
    for mode in modes:
        started = time.perf_counter()
        hits = engine.search(q.user_input, k=depth, mode=mode)
        seconds = time.perf_counter() - started
        chunks = [(docs[h.chunk.doc_id].source, h.chunk.text) for h in hits]
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
    docs = engine.index.documents
    return any(
        metrics.is_hit(docs[c.doc_id].source, c.text, q.reference_sources, q.hit_quotes)
        for c in engine.index.chunks
        if docs[c.doc_id].source in q.reference_sources
    )


def _answer(engine: Engine, q: Question, read_raw: Callable[[str], str]) -> dict[str, Any]:
    started = time.perf_counter()
    ans = engine.ask(q.user_input)
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
    if q.answerable:
        rec["fact_in_answer"] = ans.answered and metrics.answer_contains_fact(
            ans.text, q.reference_facts, require=q.fact_rule
        )
        rec["citation_support"] = ans.answered and metrics.citation_supported(
            ans.citations, (*q.reference_quotes, *q.reference_facts), q.reference_sources
        )
    return rec


def run_eval(
    engine: Engine,
    questions: Sequence[Question],
    *,
    name: str = "",
    depth: int = DEPTH,
    modes: Sequence[str] = MODES,
    answers: bool = True,
    answer_ids: set[str] | None = None,
    progress: Progress | None = None,
) -> EvalResult:
    """Retrieval metrics per mode on answerable questions and answer metrics with Engine.ask.

    answer_ids limits which questions are asked (None: all). A question whose search or answer
    raises is recorded with its error and left out of the rates; the summary counts errors.
    """
    index = engine.index  # load now: a missing or mismatched index is the user's to fix
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
                rec["answer"] = _answer(engine, q, read_raw)
        except Exception as e:  # one broken question must not hide the other results
            rec["error"] = f"{type(e).__name__}: {e}"
            rec["traceback"] = traceback.format_exc(limit=6)
        records.append(rec)
        if progress:
            progress(done, len(questions))
    summary = summarise(records, modes=modes, depth=depth)
    summary = {
        "set": name,
        "index": {
            "dir": str(Path(engine.settings.index_dir).resolve()),
            "documents": len(index.documents),
            "chunks": len(index.chunks),
            "embedder": engine.settings.embedder,
            "chunk_tokens": engine.settings.chunk_tokens,
        },
        **summary,
    }
    return EvalResult(summary, records)


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
            # a refusal must not cite anything (DESIGN.md: no invented citation)
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


# --- CLI --------------------------------------------------------------------------------------


def _fmt(v: Any, digits: int = 3) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def format_table(summary: dict[str, Any]) -> str:
    """The human-readable report of one run_eval summary."""
    ix = summary["index"]
    lines = [
        f"question set: {summary['set']} ({summary['questions']} questions: "
        f"{summary['answerable']} answerable, {summary['unanswerable']} unanswerable)",
        f"index: {ix['dir']} ({ix['documents']} documents, {ix['chunks']} chunks, "
        f"embedder {ix['embedder']})",
        "",
        f"{'retrieval':<10}{'recall@1':>10}{'recall@5':>10}{'MRR@10':>10}{'p50 ms':>10}",
    ]
    for mode, r in summary["retrieval"].items():
        lines.append(
            f"{mode:<10}{_fmt(r['recall@1']):>10}{_fmt(r['recall@5']):>10}"
            f"{_fmt(r.get('mrr@10')):>10}{_fmt(r['search_latency_ms']['p50'], 1):>10}"
        )
    a = summary.get("answers")
    if a:
        ref = a["refusal"]
        lat = a["latency_ms"]
        lines += [
            "",
            f"answers ({a['asked']} asked, {a['answerable_asked']} answerable)",
            f"  answer contains fact   {_fmt(a['fact_in_answer'])}",
            f"  citation validity      {_fmt(a['citation_valid'])}",
            f"  citation support       {_fmt(a['citation_support'])}",
            f"  citation exactness     {_fmt(a['citation_exact'])} ({a['citations']} citations)",
            f"  unanswerable refused   {ref['unanswerable_refused']}/{ref['unanswerable']} "
            f"(precision {_fmt(ref['precision'])}, recall {_fmt(ref['recall'])})",
            f"  answerable refused     {ref['answerable_refused']}",
            f"  answer length p50      {_fmt(a['answer_chars_p50'], 0)} chars",
            f"  latency ms             p50 {_fmt(lat['p50'], 1)}  p95 {_fmt(lat['p95'], 1)}",
        ]
    lines.append("")
    for key, ids in summary["failures"].items():
        if ids:
            lines.append(f"{key} ({summary['failure_counts'][key]}): {' '.join(ids)}")
    if summary["gold_not_in_any_chunk"]:
        lines.append(f"gold quote in no chunk: {' '.join(summary['gold_not_in_any_chunk'])}")
    if summary["errors"]:
        lines.append(f"errors ({summary['errors']}): {' '.join(summary['error_ids'])}")
    return "\n".join(lines)


def new_run_dir(runs_dir: Path, prefix: str = "") -> Path:
    """A fresh eval/runs/<prefix><timestamp>/ folder."""
    stamp = prefix + time.strftime("%Y%m%d-%H%M%S")
    for n in range(100):
        folder = runs_dir / (stamp if n == 0 else f"{stamp}-{n}")
        try:
            folder.mkdir(parents=True)
            return folder
        except FileExistsError:
            continue
    raise RuntimeError(f"cannot create a run folder under {runs_dir}")


def write_run(folder: Path, result: EvalResult) -> None:
    """summary.json and questions.jsonl (one record per question) in folder."""
    (folder / "summary.json").write_text(
        json.dumps(result.summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    with (folder / "questions.jsonl").open("w", encoding="utf-8") as f:
        for rec in result.records:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")


def ensure_index(settings: Settings, paths: Sequence[str | Path], *, own: bool) -> None:
    """Build the index when it is missing; an index the harness owns is also kept in step."""
    if read_manifest(settings.index_dir) is not None and not own:
        return
    print(f"indexing {', '.join(map(str, paths))} into {settings.index_dir} ...", file=sys.stderr)
    try:
        build_index(paths, settings)
    except IndexMismatchError:
        if not own:
            raise
        build_index(paths, settings, rebuild=True)  # built earlier with other settings


def prepare(
    settings: Settings, qa: str | Path | None, runs_dir: Path = RUNS_DIR
) -> tuple[QuestionSet, Settings]:
    """Load the question set and the settings of the index it is asked against (built if missing).

    JSONL sets run against settings.index_dir (built from the corpus when missing). A CMRC file
    gets its own index of its contexts in runs_dir/cmrc_index/<name>, same settings otherwise.
    """
    path = Path(qa) if qa else DEV_SET
    if not path.is_file():
        raise DatasetError(f"{path}: no such question set (give a .jsonl set or a CMRC .json)")
    if is_cmrc(path):
        qset = load_cmrc(path, runs_dir / "cmrc_docs" / path.stem)
        assert qset.docs_dir is not None
        settings = settings.replace(index_dir=str(runs_dir / "cmrc_index" / path.stem))
        ensure_index(settings, [qset.docs_dir], own=True)
    else:
        qset = load_jsonl(path)
        ensure_index(settings, [settings.corpus_path], own=False)
    return qset, settings


def _progress(desc: str) -> Progress:
    from tqdm import tqdm

    bar = tqdm(desc=desc, unit="q", file=sys.stderr, disable=not sys.stderr.isatty())

    def tick(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return tick


def run_eval_cli(
    settings: Settings,
    *,
    qa: str | None = None,
    as_json: bool = False,
    limit: int | None = None,
    runs_dir: Path = RUNS_DIR,
) -> int:
    """`rag eval`: print the table (or JSON), save the run; non-zero only on errors."""
    if limit is not None and limit < 1:
        print("rag: error: --limit must be at least 1", file=sys.stderr)
        return EXIT_USER
    try:
        qset, settings = prepare(settings, qa, runs_dir)
        engine = Engine(settings)
        questions = list(qset.questions[:limit])
        result = run_eval(engine, questions, name=qset.name, progress=_progress(qset.name))
    except RagError as e:
        print(f"rag: error: {e}", file=sys.stderr)
        return EXIT_USER
    result.summary["qa"] = qset.path
    result.summary["skipped_questions"] = list(qset.skipped)
    folder = new_run_dir(runs_dir)
    result.summary["run_dir"] = str(folder)
    write_run(folder, result)
    if as_json:
        print(json.dumps(result.summary, ensure_ascii=False, indent=2))
    else:
        print(format_table(result.summary))
        if qset.skipped:
            print(f"skipped (empty question or answer): {' '.join(qset.skipped)}")
        print(f"\nsaved {folder / 'summary.json'} and {folder / 'questions.jsonl'}")
    if result.summary["errors"]:
        first = next(r for r in result.records if "error" in r)
        print(
            f"rag: {result.summary['errors']} question(s) failed; first: {first['id']}: "
            f"{first['error']}",
            file=sys.stderr,
        )
        return EXIT_BUG
    return EXIT_OK
