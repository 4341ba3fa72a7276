"""Question sets: JSONL sets, and CMRC 2018 (SQuAD-style JSON) as documents + questions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag import RagError
from rag.config import PROJECT_DIR

EVAL_DIR = Path(__file__).resolve().parent
DEV_SET = EVAL_DIR / "dev.jsonl"
RUNS_DIR = EVAL_DIR / "runs"
BENCHMARKS_DIR = PROJECT_DIR.parent / "shared" / "benchmarks"
CMRC_TRIAL = BENCHMARKS_DIR / "cmrc2018" / "cmrc2018_trial.json"
DRCD_DEV = BENCHMARKS_DIR / "drcd" / "DRCD_dev.json"


class DatasetError(RagError):
    """A question set that cannot be read; the message names the file, line and fix."""


@dataclass(frozen=True, slots=True)
class Question:
    """One evaluation question; field names follow ragas (user_input, reference, ...)."""

    id: str
    user_input: str
    reference: str = ""
    reference_facts: tuple[str, ...] = ()
    reference_sources: tuple[str, ...] = ()  # file names of the documents holding the evidence
    reference_quotes: tuple[str, ...] = ()  # evidence text as it appears in those documents
    answerable: bool = True
    kind: str = ""
    hit_rule: str = "quote"  # "quote": source + quote; "source": the source document alone
    fact_rule: str = "all"  # "all" reference_facts must appear in the answer, or "any" one
    history: tuple[str, ...] = ()  # a follow-up's earlier user turns, oldest first

    @property
    def hit_quotes(self) -> tuple[str, ...]:
        """The quotes a retrieved chunk must contain to count as a hit (none: source only)."""
        return self.reference_quotes if self.hit_rule == "quote" else ()


@dataclass(frozen=True, slots=True)
class QuestionSet:
    """Questions plus the documents they are asked about (None: the configured corpus)."""

    name: str
    path: str
    questions: tuple[Question, ...]
    docs_dir: str | None = None
    documents: int = 0
    chars: int = 0
    skipped: tuple[str, ...] = ()  # ids left out: an empty question or no answer text


def _strings(value: Any, where: str, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise DatasetError(f"{where}: {name} must be a list of strings")


def question_from_json(row: dict[str, Any], where: str) -> Question:
    """A Question from one JSONL object (ragas-compatible field names)."""
    missing = [k for k in ("id", "user_input") if not row.get(k)]
    if missing:
        raise DatasetError(f"{where}: missing {', '.join(missing)}")
    answerable = row.get("answerable", True)
    if not isinstance(answerable, bool):
        raise DatasetError(f"{where}: answerable must be true or false")
    return Question(
        id=str(row["id"]),
        user_input=str(row["user_input"]),
        reference=str(row.get("reference") or ""),
        reference_facts=_strings(row.get("reference_facts"), where, "reference_facts"),
        reference_sources=_strings(row.get("reference_sources"), where, "reference_sources"),
        reference_quotes=_strings(row.get("reference_quotes"), where, "reference_quotes"),
        answerable=answerable,
        kind=str(row.get("kind") or ""),
        history=_strings(row.get("history"), where, "history"),
    )


def load_jsonl(path: str | Path) -> QuestionSet:
    """Read a JSONL question set (one object per line; blank lines are ignored)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise DatasetError(f"{path}: cannot read the question set ({e.strerror})") from None
    except UnicodeDecodeError:
        raise DatasetError(f"{path}: not UTF-8; save the question set as UTF-8") from None
    questions: list[Question] = []
    seen: set[str] = set()
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{no}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise DatasetError(f"{where}: invalid JSON ({e.msg})") from None
        if not isinstance(row, dict):
            raise DatasetError(f"{where}: expected a JSON object per line")
        q = question_from_json(row, where)
        if q.id in seen:
            raise DatasetError(f"{where}: duplicate id {q.id!r}")
        seen.add(q.id)
        questions.append(q)
    if not questions:
        raise DatasetError(f"{path}: no questions")
    return QuestionSet(name=path.stem, path=str(path.resolve()), questions=tuple(questions))


def _read_articles(path: Path) -> list[list[dict[str, Any]]]:
    """The paragraphs of each article of a SQuAD-style JSON file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise DatasetError(f"{path}: cannot read ({e.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DatasetError(f"{path}: not a UTF-8 JSON file") from None
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise DatasetError(
            f"{path}: not SQuAD/CMRC-style JSON (expected data[].paragraphs[].context/.qas[])"
        )
    try:
        return [list(article["paragraphs"]) for article in data["data"]]
    except (KeyError, TypeError):
        raise DatasetError(f"{path}: an article without paragraphs[]") from None


def _read_cmrc(path: Path) -> list[dict[str, Any]]:
    return [p for article in _read_articles(path) for p in article]


def _safe_name(pid: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in pid)


def _paragraph(
    path: Path, para: Any, default_id: str, kind: str
) -> tuple[str, str, list[Question], list[str]]:
    """(file name, context, questions, skipped ids) of one SQuAD-style paragraph."""
    try:
        context = str(para["context"])
        pid = str(para.get("id") or default_id)
        qas = para["qas"]
    except (KeyError, TypeError, AttributeError):
        raise DatasetError(f"{path}: paragraph {default_id} has no context or qas") from None
    name = f"{_safe_name(pid)}.txt"
    questions: list[Question] = []
    skipped: list[str] = []
    for j, qa in enumerate(qas):
        qid = str(qa.get("id") or f"{pid}_Q{j}")
        answers = tuple(
            dict.fromkeys(str(a["text"]) for a in qa.get("answers", []) if str(a["text"]))
        )
        # the CMRC trial set has two questions whose text is empty: nothing to ask
        if not answers or not str(qa.get("question") or "").strip():
            skipped.append(qid)
            continue
        questions.append(
            Question(
                id=qid,
                user_input=str(qa["question"]),
                reference=answers[0],
                reference_facts=answers,
                reference_sources=(name,),
                reference_quotes=answers,
                answerable=True,
                kind=kind,
                hit_rule="source",
                fact_rule="any",
            )
        )
    return name, context, questions, skipped


def load_cmrc(
    path: str | Path, docs_dir: str | Path, *, paragraphs: int | None = None
) -> QuestionSet:
    """Write each CMRC context to docs_dir/<paragraph id>.txt and return its questions.

    A question's reference source is its own passage file and its quotes and facts are the
    answer texts; any one of them counts (CMRC lists alternative spans). Files of other
    paragraphs left in docs_dir by an earlier run are removed so the index matches the set.
    """
    path = Path(path)
    docs = Path(docs_dir)
    texts: dict[str, str] = {}
    questions: list[Question] = []
    skipped: list[str] = []
    for i, para in enumerate(_read_cmrc(path)[:paragraphs]):
        name, context, qs, skip = _paragraph(path, para, f"P{i:05d}", "cmrc")
        texts[name] = context
        questions += qs
        skipped += skip
    _write_docs(docs, texts)
    if not questions:
        raise DatasetError(f"{path}: no questions with answers")
    return QuestionSet(
        name=path.stem,
        path=str(path.resolve()),
        questions=tuple(questions),
        docs_dir=str(docs.resolve()),
        documents=len(texts),
        chars=sum(len(t) for t in texts.values()),
        skipped=tuple(skipped),
    )


@dataclass(frozen=True, slots=True)
class PassageSet:
    """A SQuAD-style benchmark as documents: one file per context paragraph, grouped by article."""

    name: str
    path: str
    questions: tuple[Question, ...]
    docs_dir: str
    passages: dict[str, str]  # file name -> context text
    articles: tuple[tuple[str, ...], ...]  # each article's passage file names, in order
    skipped: tuple[str, ...] = ()

    def article_of(self, name: str) -> tuple[str, ...]:
        """The passage file names of the article holding passage `name` (itself included)."""
        return next((a for a in self.articles if name in a), (name,))

    @property
    def chars(self) -> int:
        """Characters of context in the set."""
        return sum(len(t) for t in self.passages.values())


def _write_docs(docs: Path, texts: dict[str, str]) -> None:
    """docs/<name> for each text, rewritten only on change; other .txt files there removed."""
    docs.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        target = docs / name
        data = text.encode("utf-8")
        # rewrite only on change: the index is incremental by content hash and path
        if not target.is_file() or target.read_bytes() != data:
            target.write_bytes(data)
    for stale in docs.glob("*.txt"):
        if stale.name not in texts:
            stale.unlink()


def load_passages(
    path: str | Path,
    docs_dir: str | Path,
    *,
    max_paragraphs: int | None = None,
    seed: int = 2018,
) -> PassageSet:
    """Write each context of a SQuAD-style file to docs_dir/<paragraph id>.txt; its questions.

    With max_paragraphs, whole articles are taken in a seeded random order until that many
    paragraphs are in (so an article's passages stay together for the negative-rejection check).
    A question's reference source is its own passage; any of its answer texts counts.
    """
    import random

    path = Path(path)
    articles = _read_articles(path)
    order = list(range(len(articles)))
    if max_paragraphs is not None:
        random.Random(seed).shuffle(order)
    chosen: list[int] = []
    count = 0
    for i in order:
        if max_paragraphs is not None and count >= max_paragraphs:
            break
        chosen.append(i)
        count += len(articles[i])
    passages: dict[str, str] = {}
    groups: list[tuple[str, ...]] = []
    questions: list[Question] = []
    skipped: list[str] = []
    for i in sorted(chosen):
        names = []
        for j, para in enumerate(articles[i]):
            name, context, qs, skip = _paragraph(path, para, f"A{i:04d}P{j:03d}", path.stem)
            passages[name] = context
            names.append(name)
            questions += qs
            skipped += skip
        groups.append(tuple(names))
    if not questions:
        raise DatasetError(f"{path}: no questions with answers")
    docs = Path(docs_dir)
    _write_docs(docs, passages)
    return PassageSet(
        name=path.stem,
        path=str(path.resolve()),
        questions=tuple(questions),
        docs_dir=str(docs.resolve()),
        passages=passages,
        articles=tuple(groups),
        skipped=tuple(skipped),
    )


def is_cmrc(path: str | Path) -> bool:
    """True for a SQuAD/CMRC-style .json file (JSONL sets end in .jsonl)."""
    return Path(path).suffix.lower() == ".json"


def load_questions(path: str | Path, cmrc_docs_dir: str | Path) -> QuestionSet:
    """Load a JSONL set, or a CMRC JSON file whose contexts are written to cmrc_docs_dir."""
    if is_cmrc(path):
        return load_cmrc(path, cmrc_docs_dir)
    return load_jsonl(path)


def sample(questions: Sequence[Question], n: int | None, seed: int = 2018) -> list[Question]:
    """A seeded random subset of n questions in their original order (all when n is None)."""
    import random

    if n is None or n >= len(questions):
        return list(questions)
    keep = set(random.Random(seed).sample(range(len(questions)), n))
    return [q for i, q in enumerate(questions) if i in keep]
