"""Typed errors: each message names the file or setting and the fix; the process exit codes."""

# Exit codes of `rag` and the eval scripts: ok, a bug (a traceback is a bug), a user error
# (bad flag or input, missing index, unreadable file, any RagError), interrupted (128 + SIGINT).
EXIT_OK, EXIT_BUG, EXIT_USER, EXIT_INTERRUPTED = 0, 1, 2, 130


class RagError(Exception):
    """Base class for errors a user can act on (CLI exit code 2)."""


class ConfigError(RagError):
    pass


class IngestError(RagError):
    """A file could not be read; the message names the file and the reason."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexMissingError(RagError):
    pass


class IndexMismatchError(RagError):
    pass


class IndexBusyError(RagError):
    """Another process is writing the index and the caller asked not to wait."""


class MetadataError(RagError):
    """A metadata edit names an unknown document or field, or a value of the wrong shape."""


class StoreUnreachableError(RagError):
    """A Milvus server cannot be reached or fails; the message names its URI, secrets masked."""


class LLMError(RagError):
    pass


class LocalModelError(LLMError):
    """The in-process model cannot load: file missing or not a GGUF, or its extra not installed."""


class QuestionError(RagError):
    pass
