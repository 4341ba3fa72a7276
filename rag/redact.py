"""Secrets never reach users: redaction for every message, note, error line and log record.

What counts as a secret: the user:password part of a URL, the value of a secret-looking query
parameter (api-key, token, sig, password, ...), "Authorization: Bearer/Basic ..." and "api-key:"
header values, "sk-..." key shapes, and any value the caller names (the configured API key, URL
passwords). Redacted values become "***"; the rest of the text stays readable.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

if TYPE_CHECKING:
    from rag.config import Settings

MASK = "***"
MIN_SECRET_CHARS = 4  # shorter "secrets" would mask ordinary words

# Query or form parameters whose value is a credential (matched case-insensitively).
SECRET_PARAMS = (
    "api[-_]?key|apikey|key|token|access[-_]?token|refresh[-_]?token|id[-_]?token|auth|"
    "authorization|sig|signature|secret|client[-_]?secret|password|passwd|pwd|session|"
    "x-amz-signature|x-amz-credential|x-amz-security-token"
)
_URL_USERINFO_RE = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.-]*://)(?P<userinfo>[^/\s@?#]+)@", re.I)
_QUERY_SECRET_RE = re.compile(rf"(?P<name>[?&;](?:{SECRET_PARAMS})=)[^&#\s\"'<>]+", re.I)
_HEADER_SECRET_RE = re.compile(
    r"(?P<name>\b(?:authorization|proxy-authorization|x-api-key|api-key)\b[\"']?\s*:\s*[\"']?"
    r"(?:(?:bearer|basic|token)\s+)?)[^\s\"',;}&]+",
    re.I,
)
_BEARER_RE = re.compile(r"(?P<name>\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{8,}", re.I)
_KEY_SHAPE_RE = re.compile(r"\bsk-[A-Za-z0-9_-]{6,}")
_JSON_SECRET_RE = re.compile(
    rf"(?P<name>[\"'](?:{SECRET_PARAMS})[\"']\s*:\s*[\"'])[^\"']+(?=[\"'])", re.I
)


def url_secrets(url: str) -> tuple[str, ...]:
    """The user name, password and secret query values written into a URL."""
    try:
        parts = urlsplit(url)
        found = [parts.username or "", parts.password or ""]
    except ValueError:
        return ()
    found += [m.group(0).split("=", 1)[1] for m in _QUERY_SECRET_RE.finditer(url)]
    return tuple(unquote(s) for s in found if s)


def settings_secrets(settings: Settings) -> tuple[str, ...]:
    """The secrets in the settings: the API key, the Milvus token and what URLs carry."""
    milvus = (settings.milvus_token,) if settings.milvus_token else ()
    return (
        settings.llm_api_key,
        *url_secrets(settings.llm_base_url),
        *milvus,
        *url_secrets(settings.store),
    )


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """text with credentials, secret parameters, key shapes and the given secrets masked."""
    for secret in sorted({s for s in secrets if len(s) >= MIN_SECRET_CHARS}, key=len, reverse=True):
        for form in {secret, quote(secret, safe=""), quote(secret)}:
            text = text.replace(form, MASK)
    text = _URL_USERINFO_RE.sub(lambda m: f"{m['scheme']}{MASK}@", text)
    text = _QUERY_SECRET_RE.sub(lambda m: f"{m['name']}{MASK}", text)
    text = _HEADER_SECRET_RE.sub(lambda m: f"{m['name']}{MASK}", text)
    text = _JSON_SECRET_RE.sub(lambda m: f"{m['name']}{MASK}", text)
    text = _BEARER_RE.sub(lambda m: f"{m['name']}{MASK}", text)
    return _KEY_SHAPE_RE.sub(f"sk-{MASK}", text)


def redact_url(url: str) -> str:
    """A URL fit to show: no user:password, secret query values masked."""
    return redact(url, url_secrets(url))


class _RedactingFactory:
    """A log record factory that masks secrets in each record's message and arguments.

    Arguments are masked one by one, keeping their types where nothing changes, so formatters
    that read record.args (uvicorn's access log) still work; objects whose text carries a secret
    (an httpx URL with user:password@) become their masked text.
    """

    def __init__(self, base: Callable[..., logging.LogRecord], secrets: tuple[str, ...]) -> None:
        self.base = base
        self.secrets = secrets

    def _clean(self, value: object) -> object:
        if value is None or isinstance(value, int | float):
            return value
        text = str(value)
        masked = redact(text, self.secrets)
        return value if masked == text else masked

    def __call__(self, *args: object, **kwargs: object) -> logging.LogRecord:
        record = self.base(*args, **kwargs)
        record.msg = self._clean(record.msg)
        if isinstance(record.args, Mapping):
            record.args = {k: self._clean(v) for k, v in record.args.items()}
        elif record.args:
            record.args = tuple(self._clean(a) for a in record.args)
        if record.exc_info and not record.exc_text:
            # formatters print exc_text when it is set: the traceback's messages masked too
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(text, self.secrets)
        return record


def install_log_redaction(secrets: Iterable[str] = ()) -> None:
    """Redact every log record of this process (ours, httpx's, openai's) before any handler."""
    factory = logging.getLogRecordFactory()
    base = factory.base if isinstance(factory, _RedactingFactory) else factory
    logging.setLogRecordFactory(_RedactingFactory(base, tuple(secrets)))
