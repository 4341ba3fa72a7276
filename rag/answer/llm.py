"""LLM answers through LangChain's OpenAI-compatible chat model, with validated citations.

The model sees the retrieved passages numbered [1]..[k] and is asked to cite them; its markers are
then checked by `cite_marked_text` (invented numbers are stripped, every kept citation quotes the
passage sentence that supports the claim). Anything that goes wrong talking to the model becomes an
`LLMError` with a one-line reason, so the caller can fall back to the extractive answer.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Sequence
from http import HTTPStatus
from typing import TYPE_CHECKING

from rag.answer.citations import MARKER_RE, Passage, cite_marked_text, locate_support
from rag.answer.messages import NOT_FOUND
from rag.chunk import split_sentences
from rag.config import Settings
from rag.errors import ConfigError, LLMError
from rag.redact import redact, redact_url, settings_secrets
from rag.text.tokenize import tokenize
from rag.types import Answer, Citation

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

ChatModelFactory = Callable[[Settings], "BaseChatModel"]

HISTORY_TURNS = 3  # follow-up rewriting sees this many earlier (question, answer) turns
HISTORY_ANSWER_CHARS = 300  # earlier answers are cut to this length in the rewriting prompt
# Claim-to-sentence support needed to cite a passage the model did not cite itself.
MIN_SUPPORT = 0.5  # share of the claim's words found in the passage sentence
MIN_SHARED_WORDS = 2
NOT_FOUND_PHRASES = ("没有找到", "未找到", "not found")
NOTE_NOT_FOUND = "the LLM found no answer in the passages"
NOTE_MATCHED = "the model cited no passage; citations matched to the passages by shared words"
NOTE_UNCITED = "the model cited no passage"
SENTENCE_END = "。！？；!?;.…"
QUOTES = "\"'“”‘’「」『』`"
SAFE_CODE_RE = re.compile(r"[A-Za-z][\w.-]{0,39}")  # an error code such as invalid_api_key
CONDENSE_PREFIX_RE = re.compile(
    r"^(?:改写后的问题|改写后|问题|Rewritten question|Question)\s*[:：]\s*", re.IGNORECASE
)

_factory: ChatModelFactory | None = None


def set_chat_model_factory(factory: ChatModelFactory | None) -> None:
    """Make get_chat_model return factory(settings), e.g. a fake in tests; None: ChatOpenAI."""
    global _factory
    _factory = factory


def get_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model for the configured endpoint, created once per endpoint settings."""
    if _factory is not None:
        return _factory(settings)
    return _chat_openai(
        settings.llm_base_url, settings.llm_model, settings.llm_api_key, settings.llm_timeout_s
    )


@functools.cache
def _chat_openai(base_url: str, model: str, api_key: str, timeout_s: float) -> BaseChatModel:
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    return ChatOpenAI(
        base_url=base_url,
        model=model,
        api_key=SecretStr(api_key or "not-needed"),
        timeout=timeout_s,
        max_retries=0,
        streaming=True,
        temperature=0,
    )


def load_prompt(settings: Settings, name: str, lang: str) -> str:
    """The template prompts/{name}_{lang}.txt from the prompts folder."""
    path = settings.prompts_path / f"{name}_{lang}.txt"
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"prompt file {path} not found: set prompts_dir (RAG_PROMPTS_DIR) to a folder "
            f"holding {name}_{lang}.txt, or leave it empty for the bundled prompts"
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"prompt file {path} cannot be read ({e}); check prompts_dir") from None


def render_prompt(settings: Settings, name: str, lang: str, **values: str) -> str:
    """A prompt template filled in; it may use {passages}, {question}, {not_found}, {history}."""
    fields = {"passages": "", "question": "", "not_found": NOT_FOUND[lang], "history": ""}
    fields.update(values)
    template = load_prompt(settings, name, lang)
    try:
        return template.format(**fields)
    except (KeyError, IndexError, ValueError) as e:
        path = settings.prompts_path / f"{name}_{lang}.txt"
        raise ConfigError(
            f"prompt file {path}: bad placeholder {e} (use {{passages}}, {{question}}, "
            f"{{not_found}} or {{history}}; write {{{{ and }}}} for literal braces)"
        ) from None


def format_passages(passages: Sequence[Passage]) -> str:
    """Each passage as "[n] 《title》 source lines a-b" followed by its text."""
    blocks = []
    for p in passages:
        c = p.hit.chunk
        title = f"《{p.doc.title}》 " if p.doc.title else ""
        lines = f"lines {c.line_start}-{c.line_end}"
        if c.line_start == c.line_end:
            lines = f"line {c.line_start}"
        blocks.append(f"[{p.n}] {title}{p.doc.source} {lines}\n{c.text}")
    return "\n\n".join(blocks)


def answer_messages(
    settings: Settings, question: str, passages: Sequence[Passage], lang: str
) -> list[BaseMessage]:
    from langchain_core.messages import HumanMessage, SystemMessage

    values = {"passages": format_passages(passages), "question": question}
    return [
        SystemMessage(render_prompt(settings, "system", lang, **values)),
        HumanMessage(render_prompt(settings, "answer", lang, **values)),
    ]


def _one_line(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _status_reason(e: Exception) -> str:
    """The standard phrase of an HTTP status and the server's error code, never its message."""
    status = getattr(e, "status_code", 0)
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
    code = next(
        (
            c
            for c in (getattr(e, "code", None), getattr(e, "type", None))
            if c and SAFE_CODE_RE.fullmatch(c)
        ),
        "",
    )
    return "; ".join(x for x in (phrase, code) if x)


def _llm_error(e: Exception, settings: Settings) -> LLMError:
    """A one-line LLMError for whatever the model call raised, with every secret masked.

    The server's error body is never repeated: a server may echo the request, key included.
    """
    import httpx
    import openai

    url = redact_url(settings.llm_base_url) if settings.llm_base_url else "the LLM endpoint"
    if isinstance(e, openai.APITimeoutError | httpx.TimeoutException):
        reason = f"no reply from {url} within {settings.llm_timeout_s:g} s (llm_timeout_s)"
    elif isinstance(e, openai.APIStatusError):
        detail = _status_reason(e)
        reason = f"HTTP {e.status_code} from {url}" + (f" ({detail})" if detail else "")
    elif isinstance(e, openai.APIConnectionError | httpx.TransportError):
        reason = f"cannot reach {url} ({_one_line(str(e), 80)})"
    else:
        reason = f"malformed reply from {url} ({type(e).__name__}: {_one_line(str(e), 100)})"
    return LLMError(redact(reason, settings_secrets(settings)))


def _stream_text(
    model: BaseChatModel, messages: list[BaseMessage], settings: Settings
) -> Iterator[str]:
    try:
        for chunk in model.stream(messages):
            if chunk.text:
                yield chunk.text
    except Exception as e:  # the endpoint is outside our control: every failure means "no LLM"
        raise _llm_error(e, settings) from e


def _bare(text: str) -> str:
    """Text without markers, white space and punctuation, lower-cased (for sentence comparison)."""
    return re.sub(r"[\W_]+", "", MARKER_RE.sub("", text)).lower()


def says_not_found(text: str) -> bool:
    """True when a reply is the not-found sentence (in either language)."""
    return _bare(text) in {_bare(s) for s in NOT_FOUND.values()}


def mentions_not_found(text: str) -> bool:
    low = text.lower()
    return any(phrase in low for phrase in NOT_FOUND_PHRASES)


def _reply_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of a reply: Chinese sentence marks, and '.' followed by space in English."""
    spans = []
    for a, b in split_sentences(text, 0, len(text)):
        pos = a
        for m in re.finditer(r"(?<=[.!?])\s+", text[a:b]):
            spans.append((pos, a + m.start()))
            pos = a + m.end()
        spans.append((pos, b))
    return spans


def _supporting_passage(claim: str, passages: Sequence[Passage]) -> Passage | None:
    """The passage whose best sentence shares most of the claim's words, if enough are shared."""
    claim_tokens = set(tokenize(claim))
    if not claim_tokens:
        return None
    best, best_score = None, 0.0
    for p in passages:
        start, end = locate_support(claim, p)
        shared = claim_tokens & set(tokenize(p.doc.text[start:end]))
        score = len(shared) / len(claim_tokens)
        if len(shared) >= MIN_SHARED_WORDS and score >= MIN_SUPPORT and score > best_score:
            best, best_score = p, score
    return best


def cite_by_support(text: str, passages: Sequence[Passage]) -> tuple[str, list[Citation]]:
    """Cite an unmarked reply: each sentence gets the passage that supports it, if one does."""
    out: list[str] = []
    pos = 0
    for a, b in _reply_sentences(text):
        passage = _supporting_passage(text[a:b], passages)
        if passage is None:
            continue
        body_end = b
        while body_end > a and text[body_end - 1] in SENTENCE_END:
            body_end -= 1
        out.append(f"{text[pos:body_end]}[{passage.n}]")
        pos = body_end
    out.append(text[pos:])
    return cite_marked_text("".join(out), list(passages))


def finish_answer(
    question: str, standalone: str, reply: str, passages: Sequence[Passage], lang: str
) -> Answer:
    """The final Answer for a complete model reply: validated citations, or an abstention."""
    if not reply.strip():
        raise LLMError("empty reply")
    contexts = tuple(p.hit for p in passages)
    text, citations = cite_marked_text(reply, list(passages))
    note = ""
    if says_not_found(text) or (mentions_not_found(text) and not citations):
        return Answer(
            question=question,
            text=NOT_FOUND[lang],
            citations=(),
            contexts=contexts,
            answered=False,
            mode="llm",
            note=NOTE_NOT_FOUND,
            standalone_question=standalone,
        )
    if not citations:
        matched_text, citations = cite_by_support(text, passages)
        if citations:
            text, note = matched_text, NOTE_MATCHED
        else:
            note = NOTE_UNCITED
    return Answer(
        question=question,
        text=text,
        citations=tuple(citations),
        contexts=contexts,
        answered=True,
        mode="llm",
        note=note,
        standalone_question=standalone,
    )


def llm_answer(
    settings: Settings,
    question: str,
    standalone: str,
    passages: Sequence[Passage],
    lang: str,
) -> Iterator[str | Answer]:
    """Stream the model's reply as it arrives, then yield the final Answer with citations."""
    model = get_chat_model(settings)
    messages = answer_messages(settings, standalone or question, passages, lang)
    pieces: list[str] = []
    for piece in _stream_text(model, messages, settings):
        pieces.append(piece)
        yield piece
    yield finish_answer(question, standalone, "".join(pieces), passages, lang)


def format_history(history: Sequence[tuple[str, str]], lang: str) -> str:
    user, assistant = ("用户", "助手") if lang == "zh" else ("User", "Assistant")
    lines = []
    for q, a in history[-HISTORY_TURNS:]:
        a = _one_line(MARKER_RE.sub("", a), HISTORY_ANSWER_CHARS)
        lines.append(f"{user}: {q.strip()}\n{assistant}: {a}")
    return "\n".join(lines)


def clean_condensed(reply: str) -> str:
    """The rewritten question from a reply: first non-empty line, no label, no quotes."""
    for line in reply.splitlines():
        line = CONDENSE_PREFIX_RE.sub("", line.strip()).strip().strip(QUOTES).strip()
        if line:
            return line
    return ""


def condense_with_llm(
    settings: Settings, question: str, history: Sequence[tuple[str, str]], lang: str
) -> str:
    """Rewrite a follow-up question into one self-contained question using the LLM."""
    from langchain_core.messages import HumanMessage

    prompt = render_prompt(
        settings, "condense", lang, history=format_history(history, lang), question=question
    )
    model = get_chat_model(settings)
    try:
        reply = model.invoke([HumanMessage(prompt)]).text
    except Exception as e:  # see _stream_text
        raise _llm_error(e, settings) from e
    standalone = clean_condensed(reply)
    if not standalone:
        raise LLMError("empty reply")
    if len(standalone) > settings.max_question_chars:
        raise LLMError(f"rewritten question longer than {settings.max_question_chars} characters")
    return standalone
