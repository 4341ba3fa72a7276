"""Write the 繁體 and English versions of the dev set: eval/dev_hant.jsonl and eval/dev_en.jsonl.

    python -m eval.variants          # rewrite both files from eval/dev.jsonl
    python -m eval.variants --check  # exit 1 when a file is out of date with dev.jsonl

dev_hant: each Chinese question converted by OpenCC s2t (rag.text.lang.to_traditional); questions
without Chinese characters are left out (they would repeat dev.jsonl). dev_en: the human
translations in eval/dev_en.tsv (questions dev.jsonl asks in English are taken as they are).
Gold answers, sources, quotes and labels are copied from dev.jsonl unchanged: the documents stay
简体, so a correct answer quotes the same text whatever the question's script or language.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.datasets import DEV_SET, EVAL_DIR, DatasetError
from rag.text.lang import CJK_RE, question_language, to_traditional

HANT_SET = EVAL_DIR / "dev_hant.jsonl"
EN_SET = EVAL_DIR / "dev_en.jsonl"
EN_TRANSLATIONS = EVAL_DIR / "dev_en.tsv"


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a JSONL file, in order."""
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def hant_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """繁體 versions of the rows whose question has Chinese characters, ids suffixed "-hant"."""
    out = []
    for row in rows:
        if not CJK_RE.search(row["user_input"]) or question_language(row["user_input"]) != "zh":
            continue
        out.append(
            row
            | {
                "id": f"{row['id']}-hant",
                "user_input": to_traditional(row["user_input"]),
                "variant_of": row["id"],
                "variant": "hant",
            }
        )
    return out


def read_translations(path: Path) -> dict[str, str]:
    """id -> English question from a TSV file (# comments and blank lines ignored)."""
    out: dict[str, str] = {}
    for no, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        qid, sep, text = line.partition("\t")
        if not sep or not text.strip():
            raise DatasetError(f"{path}:{no}: expected 'id<TAB>question'")
        if qid in out:
            raise DatasetError(f"{path}:{no}: duplicate id {qid!r}")
        out[qid] = text.strip()
    return out


def en_rows(rows: Sequence[dict[str, Any]], translations: dict[str, str]) -> list[dict[str, Any]]:
    """English versions of every row; raises when a translation is missing, extra or not English."""
    ids = [r["id"] for r in rows]
    english = {r["id"] for r in rows if question_language(r["user_input"]) == "en"}
    missing = [i for i in ids if i not in translations and i not in english]
    extra = [i for i in translations if i not in ids]
    twice = [i for i in translations if i in english]
    if missing or extra or twice:
        raise DatasetError(
            f"{EN_TRANSLATIONS.name} does not match {DEV_SET.name}: missing {missing}, "
            f"unknown {extra}, already English in dev.jsonl {twice}; edit the TSV"
        )
    out = []
    for row in rows:
        text = translations.get(row["id"], row["user_input"])
        if question_language(text) != "en":
            raise DatasetError(f"{EN_TRANSLATIONS.name}: {row['id']} is not an English question")
        out.append(
            row
            | {
                "id": f"{row['id']}-en",
                "user_input": text,
                "variant_of": row["id"],
                "variant": "en",
            }
        )
    return out


def _jsonl(rows: Sequence[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Write (or with --check, compare) dev_hant.jsonl and dev_en.jsonl."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--check", action="store_true", help="only check the files are up to date")
    args = p.parse_args(argv)
    rows = read_rows(DEV_SET)
    wanted = {
        HANT_SET: _jsonl(hant_rows(rows)),
        EN_SET: _jsonl(en_rows(rows, read_translations(EN_TRANSLATIONS))),
    }
    stale = [
        path
        for path, text in wanted.items()
        if not path.is_file() or path.read_text("utf-8") != text
    ]
    if args.check:
        for path in stale:
            print(f"{path} is out of date: run python -m eval.variants", file=sys.stderr)
        return 1 if stale else 0
    for path, text in wanted.items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path} ({text.count(chr(10))} questions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
