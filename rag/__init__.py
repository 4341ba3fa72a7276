"""Offline Q&A over Chinese policy documents with exact, checkable citations.

The public API, in one import::

    from rag import Engine, Filters, load_settings

    engine = Engine(load_settings())
    answer = engine.ask("温州智算规模多大？", filters=Filters(region="温州"))

Names load on first use, so `import rag` stays cheap for the command line.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from rag.config import VERSION as __version__

if TYPE_CHECKING:
    from rag.config import Settings, load_settings
    from rag.errors import (
        ConfigError,
        IndexBusyError,
        IndexMismatchError,
        IndexMissingError,
        IngestError,
        LLMError,
        LocalModelError,
        MetadataError,
        QuestionError,
        RagError,
        StoreUnreachableError,
    )
    from rag.indexing import copy_index, index_location
    from rag.ingest import SUPPORTED
    from rag.pipeline import EDITABLE_FIELDS, Engine, build_index, get_engine, load_document
    from rag.progress import progress_bar
    from rag.store import UPLOADS
    from rag.types import (
        Answer,
        AnswerStream,
        Citation,
        Document,
        Filters,
        Hit,
        IndexReport,
        Query,
    )

_EXPORTS = {
    "Engine": "rag.pipeline",
    "build_index": "rag.pipeline",
    "copy_index": "rag.indexing",
    "index_location": "rag.indexing",
    "get_engine": "rag.pipeline",
    "load_document": "rag.pipeline",
    "EDITABLE_FIELDS": "rag.pipeline",
    "SUPPORTED": "rag.ingest",
    "UPLOADS": "rag.store",
    "progress_bar": "rag.progress",
    "IndexReport": "rag.types",
    "MetadataError": "rag.errors",
    "Settings": "rag.config",
    "load_settings": "rag.config",
    "Answer": "rag.types",
    "AnswerStream": "rag.types",
    "Citation": "rag.types",
    "Document": "rag.types",
    "Filters": "rag.types",
    "Hit": "rag.types",
    "Query": "rag.types",
    "RagError": "rag.errors",
    "ConfigError": "rag.errors",
    "IngestError": "rag.errors",
    "IndexMissingError": "rag.errors",
    "IndexMismatchError": "rag.errors",
    "LLMError": "rag.errors",
    "QuestionError": "rag.errors",
    "IndexBusyError": "rag.errors",
    "LocalModelError": "rag.errors",
    "StoreUnreachableError": "rag.errors",
}
__all__ = [
    "EDITABLE_FIELDS",
    "SUPPORTED",
    "UPLOADS",
    "Answer",
    "AnswerStream",
    "Citation",
    "ConfigError",
    "Document",
    "Engine",
    "Filters",
    "Hit",
    "IndexBusyError",
    "IndexMismatchError",
    "IndexMissingError",
    "IndexReport",
    "IngestError",
    "LLMError",
    "LocalModelError",
    "MetadataError",
    "Query",
    "QuestionError",
    "RagError",
    "Settings",
    "StoreUnreachableError",
    "__version__",
    "build_index",
    "copy_index",
    "get_engine",
    "index_location",
    "load_document",
    "load_settings",
    "progress_bar",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
