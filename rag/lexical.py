"""Moved: tokenizing to rag.text.tokenize, English aliases to rag.query (kept for imports)."""

from rag.query import english_aliases
from rag.text.tokenize import pinyin_terms, tokenize

__all__ = ["english_aliases", "pinyin_terms", "tokenize"]
