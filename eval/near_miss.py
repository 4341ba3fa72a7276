"""Generate eval/near_miss.jsonl: questions one detail away from a dev question, unanswerable.

    python -m eval.near_miss          # rewrite eval/near_miss.jsonl from eval/dev.jsonl
    python -m eval.near_miss --check  # exit 1 when the file is out of date

For each answerable single-document question of dev.jsonl, up to three variants, each made by a
general transformation and kept only when a search shows the documents cannot answer it:

- year: the year in the question changed (or, for a question with none that does not ask for
  a date, a year put in front: "2016年…", "In 2016, …") to one that none of the variant's top
  passages' documents nor the original's reference documents contain anywhere;
- place: in a Chinese question, the first province or city (eval/near_miss_places.txt, with or
  without 省/市) replaced by one of the same level that no indexed document mentions;
- metric: for a Chinese question with one ask (or the first clause of one with several, when
  it asks one thing), a metric word (eval/near_miss_metrics.txt) swapped for another the
  documents never mention, or a count ask (多少家企业) turned into an amount ask about such a
  metric (企业的营业收入是多少亿元).

Each variant is labelled answerable=false with kind near_miss_<change> and the change made.
The absence check searches a hash-embedder index of the corpus with BM25 (deterministic, no
model) and reads the top documents whole.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from eval.datasets import DEV_SET, EVAL_DIR, RUNS_DIR
from eval.indexes import set_index
from eval.metrics import normalise
from rag import Engine, load_settings
from rag.text.lang import question_language

NEAR_MISS_SET = EVAL_DIR / "near_miss.jsonl"
PLACES_FILE = EVAL_DIR / "near_miss_places.txt"
METRICS_FILE = EVAL_DIR / "near_miss_metrics.txt"
SEARCH_K = 10

YEAR_RE = re.compile(r"(?<![0-9])(19[5-9][0-9]|20[0-9]{2})(?![0-9])")
# a question that asks for a date or a period: putting a year in front would garble it
DATE_ASK_RE = re.compile(
    r"哪天|哪一天|哪年|哪一年|哪几年|何时|什么时候|日期|时间|\bwhen\b|what date|which years?", re.I
)
# "now" words contradict a year put in front of the question
NOW_RE = re.compile(r"截至目前|截至去年底|目前|现在|当前|如今")
ASK_RE = re.compile(r"多少|几[个家项所名位年期]|什么|哪|谁")
COUNT_ASK_RE = re.compile(
    r"(?:已经|已)?(?:有|聚集了|集聚了|聚集|集聚|引进了|包含|共有|培养了)?"
    r"(?:多少|几)(?:家|个|所|名|位)([^？?，,。；;！!\s]{1,14})"
)
CLAUSE_RE = re.compile(r"[？?，,；;]")
INSERTED_YEARS = (*range(2016, 2009, -1), 2027, 2028, 2029)


class Corpus(Protocol):
    """What the generator needs of an index: documents near a question, and the whole corpus."""

    def near_texts(self, question: str, sources: Sequence[str]) -> list[str]:
        """Normalised texts of the sources and of the documents of the question's top hits."""
        ...

    def mentions(self, word: str) -> bool:
        """Whether any indexed document contains word."""
        ...


@dataclass(frozen=True, slots=True)
class Place:
    full: str  # 洛阳市
    bare: str  # 洛阳
    level: str  # 市 | 省


def read_places(path: Path = PLACES_FILE) -> list[Place]:
    """The place list: one full name (ending in 省 or 市) per line, # comments."""
    out = []
    for line in path.read_text("utf-8").splitlines():
        name = line.strip()
        if name and not name.startswith("#"):
            out.append(Place(name, name[:-1], name[-1]))
    return out


@dataclass(frozen=True, slots=True)
class Metric:
    forms: tuple[str, ...]  # 投资总额, 总投资, 投资 ...: the first is used in questions
    unit: str  # 亿元

    @property
    def word(self) -> str:
        return self.forms[0]


def read_metrics(path: Path = METRICS_FILE) -> list[Metric]:
    """The metric list: forms (comma-separated) <TAB> unit, one metric per line, # comments."""
    out = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            forms, _, unit = line.partition("\t")
            words = tuple(f.strip() for f in forms.split(",") if f.strip())
            if words:
                out.append(Metric(words, unit.strip()))
    return out


def _rotate(items: Sequence[Any], key: str) -> list[Any]:
    """items starting at a position fixed by key, so variants spread over the candidates."""
    if not items:
        return []
    start = zlib.crc32(key.encode("utf-8")) % len(items)
    return [*items[start:], *items[:start]]


def _absent(corpus: Corpus, question: str, sources: Sequence[str], *words: str) -> bool:
    texts = corpus.near_texts(question, sources)
    return not any(normalise(w) in t for w in words for t in texts)


def _year_candidates(year: int) -> list[int]:
    return [y for d in range(1, 9) for y in (year - d, year + d)]


def year_variant(row: dict[str, Any], corpus: Corpus) -> dict[str, Any] | None:
    """The question about another year that its documents never mention, or None."""
    q, sources = row["user_input"], row["reference_sources"]
    found = YEAR_RE.search(q)
    if found:
        old = found.group(1)
        for year in _year_candidates(int(old)):
            new_q = q[: found.start()] + str(year) + q[found.end() :]
            if _absent(corpus, new_q, sources, str(year)):
                return _variant(row, "year", new_q, old, str(year))
        return None
    if DATE_ASK_RE.search(q):
        return None
    chinese = question_language(q) == "zh"
    for year in _rotate(INSERTED_YEARS, row["id"]):
        if chinese:
            new_q, added = f"{year}年" + NOW_RE.sub("", q), f"{year}年"
        else:
            new_q, added = f"In {year}, {q[:1].lower()}{q[1:]}", f"In {year}, "
        if _absent(corpus, new_q, sources, str(year)):
            return _variant(row, "year", new_q, "", added)
    return None


def _first_place(question: str, places: Sequence[Place]) -> tuple[Place, str] | None:
    """The earliest (then longest) place name in the question, and the form it is written in."""
    best: tuple[int, int, Place, str] | None = None
    for place in places:
        for form in (place.full, place.bare):
            pos = question.find(form)
            if pos >= 0 and (best is None or (pos, -len(form)) < (best[0], -best[1])):
                best = (pos, len(form), place, form)
    return (best[2], best[3]) if best else None


def place_variant(
    row: dict[str, Any], corpus: Corpus, places: Sequence[Place]
) -> dict[str, Any] | None:
    """The question about a place of the same level that no document mentions, or None."""
    q = row["user_input"]
    if question_language(q) != "zh":  # the place list is Chinese
        return None
    found = _first_place(q, places)
    if found is None:
        return None
    old, form = found
    candidates = [
        p
        for p in places
        if p.level == old.level and p.bare not in q and not corpus.mentions(p.bare)
    ]
    for new in _rotate(candidates, row["id"]):
        new_form = new.full if form == old.full else new.bare
        new_q = q.replace(form, new_form)
        if _absent(corpus, new_q, row["reference_sources"], new.bare):
            return _variant(row, "place", new_q, form, new_form)
    return None


def metric_variant(
    row: dict[str, Any], corpus: Corpus, metrics: Sequence[Metric]
) -> dict[str, Any] | None:
    """The question about a metric its documents never mention, or None.

    A question with several asks keeps only its first clause, when that clause asks one thing:
    changing one ask of two would leave the other answerable.
    """
    q, sources = row["user_input"], row["reference_sources"]
    if question_language(q) != "zh":
        return None
    if len(ASK_RE.findall(q)) != 1:
        first = CLAUSE_RE.split(q, maxsplit=1)[0]
        if len(ASK_RE.findall(first)) != 1:
            return None
        q = first + "？"
    named = sorted(
        ((f, m) for m in metrics for f in m.forms if f in q),
        key=lambda x: (q.find(x[0]), -len(x[0])),
    )
    choices = _rotate(list(metrics), row["id"])
    if named:
        old, old_metric = named[0]
        for new in choices:
            if new == old_metric or any(
                a in b or b in a for a in new.forms for b in old_metric.forms
            ):
                continue
            new_q = q.replace(old, new.word)
            if _absent(corpus, new_q, sources, *new.forms):
                return _variant(row, "metric", new_q, old, new.word)
        return None
    ask = COUNT_ASK_RE.search(q)
    if ask is None:
        return None
    for new in choices:
        new_q = f"{q[: ask.start()]}{ask.group(1)}的{new.word}是多少{new.unit}{q[ask.end() :]}"
        if _absent(corpus, new_q, sources, *new.forms):
            return _variant(row, "metric", new_q, ask.group(0), f"{new.word}（{new.unit}）")
    return None


def _variant(row: dict[str, Any], change: str, question: str, old: str, new: str) -> dict[str, Any]:
    return {
        "id": f"{row['id']}-nm-{change}",
        "user_input": question,
        "answerable": False,
        "kind": f"near_miss_{change}",
        "variant_of": row["id"],
        "change": {"from": old, "to": new},
    }


def near_misses(
    rows: Sequence[dict[str, Any]],
    corpus: Corpus,
    *,
    places: Sequence[Place] | None = None,
    metrics: Sequence[Metric] | None = None,
) -> list[dict[str, Any]]:
    """Every near-miss variant of the answerable single-document rows, in row order."""
    places = read_places() if places is None else places
    metrics = read_metrics() if metrics is None else metrics
    makers: list[Callable[[dict[str, Any]], dict[str, Any] | None]] = [
        lambda r: year_variant(r, corpus),
        lambda r: place_variant(r, corpus, places),
        lambda r: metric_variant(r, corpus, metrics),
    ]
    out = []
    for row in rows:
        # a cross-document question stays partly answerable after one change
        if not row.get("answerable", True) or len(row.get("reference_sources", [])) != 1:
            continue
        out += [v for make in makers if (v := make(row)) is not None]
    return out


class EngineCorpus:
    """Corpus over an Engine: BM25 top hits' documents plus the reference documents."""

    def __init__(self, engine: Engine, k: int = SEARCH_K) -> None:
        self.engine = engine
        self.k = k
        docs = engine.documents()
        self.by_source = {d.source: normalise(d.text) for d in docs}
        self.by_id = {d.doc_id: self.by_source[d.source] for d in docs}

    def near_texts(self, question: str, sources: Sequence[str]) -> list[str]:
        hits = self.engine.search(question, k=self.k, mode="bm25")
        ids = dict.fromkeys(h.chunk.doc_id for h in hits)
        return [self.by_source[s] for s in sources if s in self.by_source] + [
            self.by_id[i] for i in ids
        ]

    def mentions(self, word: str) -> bool:
        w = normalise(word)
        return any(w in t for t in self.by_source.values())


def corpus_for(runs_dir: Path = RUNS_DIR) -> EngineCorpus:
    """An EngineCorpus over a hash-embedder index of the configured corpus (built once, cached)."""
    settings = load_settings(embedder="hash")
    return EngineCorpus(Engine(set_index(settings, "near_miss", settings.corpus_path, runs_dir)))


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    """Write (or with --check, compare) eval/near_miss.jsonl."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--check", action="store_true", help="only check the file is up to date")
    args = p.parse_args(argv)
    variants = near_misses(_rows(DEV_SET), corpus_for())
    text = "".join(json.dumps(v, ensure_ascii=False) + "\n" for v in variants)
    if args.check:
        current = NEAR_MISS_SET.read_text("utf-8") if NEAR_MISS_SET.is_file() else ""
        if current != text:
            print(f"{NEAR_MISS_SET} is out of date: run python -m eval.near_miss", file=sys.stderr)
            return 1
        return 0
    NEAR_MISS_SET.write_text(text, encoding="utf-8")
    kinds: dict[str, int] = {}
    for v in variants:
        kinds[v["kind"]] = kinds.get(v["kind"], 0) + 1
    print(f"wrote {NEAR_MISS_SET} ({len(variants)} questions: {kinds})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
