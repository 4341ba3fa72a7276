"""LLM answers through a LangChain chat model, with validated citations.

Two backends serve the same prompts, streaming, citation checks and fallback: any
OpenAI-compatible endpoint (`llm_backend=openai`, ChatOpenAI) and a GGUF file run in-process by
llama.cpp (`llm_backend=llamacpp`, langchain-community's ChatLlamaCpp; the optional extra
`local-llm`). The model sees the retrieved passages numbered [1]..[k] and is asked to cite
them; its markers are normalised (【1】, [1,2]) and checked by `cite_marked_text` (invented numbers
are stripped, every kept citation quotes the passage sentence that supports the claim). A reply
that is only markers, cites nothing the passages support, or is an error of the model becomes an
`LLMError` with a one-line reason, so the caller falls back to the extractive answer.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.answer.citations import (
    MARKER_RE,
    Passage,
    cite_marked_text,
    locate_support,
    make_citation,
    passage_sentences,
)
from rag.answer.messages import NOT_FOUND
from rag.chunk import split_sentences
from rag.config import Settings
from rag.errors import ConfigError, LLMError, LocalModelError
from rag.redact import redact, redact_url, settings_secrets
from rag.text.lexicon import glossary, lexicon
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
NOTE_NOT_FOUND = "the LLM found no answer in the passages"
NOTE_MATCHED = "the model cited no passage; citations matched to the passages by shared words"
NOTE_TRIMMED = "the model repeated a passage; kept the sentences that answer the question"
# A reply is a copied passage when this share of its sentences (at least COPY_MIN_SENTENCES) is
# found word for word in the passages; it is then cut to the COPY_KEEP_SENTENCES sentences that
# share most words with the question.
COPY_SHARE = 0.8
COPY_MIN_SENTENCES = 3
COPY_KEEP_SENTENCES = 2
COPY_MIN_CHARS = 8  # shorter sentences ("是的。") say nothing about copying
# ... and the copied sentences together this long (bare characters): a list of short facts each
# found in a passage (three dates, three names) is an answer, not a copy
COPY_MIN_TOTAL_CHARS = 60
LOCAL_EXTRA = "pip install '.[local-llm]'"
GGUF_MAGIC = b"GGUF"
LOCAL_BATCH_TOKENS = 512  # prompt tokens llama.cpp evaluates per step
SENTENCE_END = "。！？；!?;.…"
QUOTES = "\"'“”‘’「」『』`"
SAFE_CODE_RE = re.compile(r"[A-Za-z][\w.-]{0,39}")  # an error code such as invalid_api_key
# Marker variants models write: 【1】, ［1］, 〔1〕, [1,2], [1、2], [1; 2] (all become [1][2]).
MARKER_GROUP_RE = re.compile(r"[\[【［〔]\s*(\d{1,3}(?:\s*[,，、;；]\s*\d{1,3})*)\s*[\]】］〕]")
SPACED_MARKERS_RE = re.compile(r"(\[\d{1,3}\])[ \t]+(?=\[\d{1,3}\])")
# A passage header of the prompt (see format_passages) that the model echoed.
ECHOED_HEADER_RE = re.compile(
    r"^[ \t]*\[(\d{1,3})\][ \t]*(?:《[^》\n]*》[ \t]*)?\S+[ \t]+lines?[ \t]+\d+(?:-\d+)?[ \t]*$",
    re.MULTILINE,
)
# Markers that open a line ("[3] 坚持智算建设…"): they belong after the claim that follows.
LEADING_MARKERS_RE = re.compile(r"^[ \t]*((?:\[\d{1,3}\])+)[ \t]*([^\s\[].*)$", re.MULTILINE)
# English amounts, to compare with the Chinese way of writing them (30 billion = 300亿).
ENGLISH_AMOUNT_RE = re.compile(
    r"(\d+(?:\.\d+)?)\s*(thousand|million|billion|trillion|percent)\b", re.IGNORECASE
)
SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
FIGURE_RE = re.compile(r"\d")  # a word holding a digit: a count, amount, year or code
CONDENSE_PREFIX_RE = re.compile(
    r"^(?:改写后的问题|改写后|问题|Rewritten question|Question)\s*[:：]\s*", re.IGNORECASE
)

_factory: ChatModelFactory | None = None


def set_chat_model_factory(factory: ChatModelFactory | None) -> None:
    """Make get_chat_model return factory(settings), e.g. a fake in tests; None: ChatOpenAI."""
    global _factory
    _factory = factory


def get_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model for the configured backend, created once per backend settings."""
    if _factory is not None:
        return _factory(settings)
    if settings.llm_backend == "llamacpp":
        return _chat_llamacpp(
            settings.llm_gguf,
            settings.llm_threads,
            settings.llm_context_tokens,
            settings.llm_max_tokens,
        )
    return _chat_openai(
        settings.llm_base_url, settings.llm_model, settings.llm_api_key, settings.llm_timeout_s
    )


def model_label(settings: Settings) -> str:
    """The model's name for users: the GGUF file name, or the model at its (redacted) URL."""
    if settings.llm_backend == "llamacpp":
        return f"{Path(settings.llm_gguf).name} (local)"
    return f"{settings.llm_model} at {redact_url(settings.llm_base_url)}"


_local_lock = threading.Lock()  # one llama.cpp context writes one reply at a time
_load_lock = threading.Lock()


def _model_lock(settings: Settings) -> AbstractContextManager[object]:
    return _local_lock if settings.llm_backend == "llamacpp" else nullcontext()


def check_gguf(path: str) -> Path:
    """The GGUF model file at path, or a LocalModelError naming the setting and the fix."""
    gguf = Path(path).expanduser()
    try:
        with gguf.open("rb") as f:
            magic = f.read(len(GGUF_MAGIC))
    except OSError as e:
        raise LocalModelError(
            f"llm_gguf (RAG_LLM_GGUF) = {path}: cannot read it ({e.strerror}); "
            "point it at a .gguf model file"
        ) from None
    if magic != GGUF_MAGIC:
        raise LocalModelError(
            f"llm_gguf (RAG_LLM_GGUF) = {path} is not a GGUF model file (it starts with "
            f"{magic!r}); point it at a .gguf file"
        )
    return gguf


def llamacpp_params(
    gguf: Path, threads: int, context_tokens: int, max_tokens: int
) -> dict[str, Any]:
    """ChatLlamaCpp's arguments: deterministic replies, the model's own RoPE values, quiet."""
    return {
        "model_path": str(gguf),
        "n_ctx": context_tokens,
        "n_threads": threads,
        "n_batch": LOCAL_BATCH_TOKENS,
        # llama.cpp would otherwise use every core for the prompt (see Settings.llm_threads)
        "model_kwargs": {"n_threads_batch": threads},
        "max_tokens": max_tokens,
        "temperature": 0.0,
        # a citation copies numbers and names: a repeat penalty would push the model off them
        "repeat_penalty": 1.0,
        # ChatLlamaCpp passes its own RoPE defaults (base 10000) to llama.cpp, which then
        # overrides the model's values (Qwen2 uses 1000000) and writes nonsense; 0 = the GGUF's
        "rope_freq_base": 0.0,
        "rope_freq_scale": 0.0,
        "streaming": True,
        "verbose": False,
    }


def _chat_llamacpp(path: str, threads: int, context_tokens: int, max_tokens: int) -> BaseChatModel:
    with _load_lock:  # two first questions at once must not load a 1 GB model twice
        return _load_llamacpp(path, threads, context_tokens, max_tokens)


@functools.cache
def _load_llamacpp(path: str, threads: int, context_tokens: int, max_tokens: int) -> BaseChatModel:
    gguf = check_gguf(path)
    try:
        import llama_cpp  # noqa: F401  (ChatLlamaCpp would only say "pip install llama-cpp-python")
        from langchain_community.chat_models.llamacpp import ChatLlamaCpp
    except ImportError as e:
        raise LocalModelError(
            f"llm_backend=llamacpp needs the optional extra local-llm ({e.name or 'a package'} "
            f"is not installed): {LOCAL_EXTRA}"
        ) from None
    try:
        return ChatLlamaCpp(**llamacpp_params(gguf, threads, context_tokens, max_tokens))
    except Exception as e:  # llama.cpp reports a bad or truncated model file as a load failure
        raise LocalModelError(
            f"cannot load {gguf} with llama.cpp ({_one_line(str(e), 120)}); check llm_gguf"
        ) from None


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

    if isinstance(e, LLMError):
        return e
    if settings.llm_backend == "llamacpp":
        reason = f"{type(e).__name__}: {_one_line(str(e), 120)}"
        if "context window" in str(e):
            reason += "; raise llm_context_tokens (RAG_LLM_CONTEXT_TOKENS) or lower k"
        return LLMError(f"local model {Path(settings.llm_gguf).name} failed ({reason})")
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
        with _model_lock(settings):
            for chunk in model.stream(messages):
                if chunk.text:
                    yield chunk.text
    except Exception as e:  # the model is outside our control: every failure means "no LLM"
        raise _llm_error(e, settings) from e


def _bare(text: str) -> str:
    """Text without markers, white space and punctuation, lower-cased (for sentence comparison)."""
    return re.sub(r"[\W_]+", "", MARKER_RE.sub("", text)).lower()


def says_not_found(text: str) -> bool:
    """True when a reply is the not-found sentence (in either language)."""
    return _bare(text) in {_bare(s) for s in NOT_FOUND.values()}


def mentions_not_found(text: str) -> bool:
    """True when text says, in any of the usual words, that the passages do not answer."""
    low = text.lower()
    return any(phrase in low for phrase in lexicon("not_found_phrases"))


def normalise_markers(text: str) -> str:
    """Citation markers as [n] after their claim: 【1】, [1,2], "[1] [2]", "[3] claim" are read."""
    text = MARKER_GROUP_RE.sub(
        lambda m: "".join(f"[{n}]" for n in re.findall(r"\d+", m.group(1))), text
    )
    text = SPACED_MARKERS_RE.sub(r"\1", text)
    return LEADING_MARKERS_RE.sub(lambda m: f"{m.group(2).rstrip()}{m.group(1)}", text)


def unecho_headers(text: str) -> str:
    """A reply that repeats passage headers ("[1] 《title》 file lines 3-4") with its text cited."""
    parts = ECHOED_HEADER_RE.split(text)
    if len(parts) == 1:
        return text
    out = [parts[0]]
    for n, body in zip(parts[1::2], parts[2::2], strict=True):
        body = body.strip()
        if body:
            out.append(f"{body}[{n}]\n")
    return "".join(out).strip()


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


def _all_not_found(text: str) -> bool:
    """True when every sentence of a reply says the passages do not answer."""
    sentences = [text[a:b] for a, b in _reply_sentences(MARKER_RE.sub("", text))]
    sentences = [s for s in sentences if _bare(s)]
    return bool(sentences) and all(mentions_not_found(s) for s in sentences)


def _chinese_amount(value: float) -> str:
    if value >= 1e8:
        return f"{value / 1e8:g}亿"
    if value >= 1e4:
        return f"{value / 1e4:g}万"
    return f"{value:g}"


def claim_terms(claim: str) -> set[str]:
    """The words of a claim that a Chinese passage can share, English ones translated.

    English words count through the glossary (guidance fund -> 引导基金) and amounts as Chinese
    documents write them (30 billion -> 300亿, 35 percent -> 35%); other English words are
    dropped, since no Chinese sentence can share them, but acronyms and codes are kept.
    """
    low = claim.lower()
    if not re.search(r"[a-z]{2}", low):
        return set(tokenize(claim))
    extra: list[str] = []
    for m in ENGLISH_AMOUNT_RE.finditer(low):
        number, unit = float(m.group(1)), m.group(2)
        extra.append(
            f"{m.group(1)}%" if unit == "percent" else _chinese_amount(number * SCALE[unit])
        )
    for phrase, term in glossary("glossary_en").items():
        if re.search(rf"\b{re.escape(phrase)}\b", low):
            extra.append(term)
    # ordinary English words go; acronyms and codes (AI, GPU, 5G, PFlops) stay, passages use them
    kept = re.sub(r"\b[A-Za-z][a-z]+\b", " ", ENGLISH_AMOUNT_RE.sub(" ", claim))
    return set(tokenize(kept + " " + " ".join(extra)))


def evidence_terms(claim: str, question: str = "") -> set[str]:
    """The claim's words (claim_terms) less those it repeats from the question, if any remain.

    Replies often restate the question ("…的文号是湘工信〔2021〕254号"); the restated words are
    the question's, and only the words the claim adds are evidence a passage must hold.
    """
    terms = claim_terms(claim)
    added = terms - claim_terms(question) if question else terms
    return added or terms


def _sentence_score(terms: set[str], sentence: str) -> float:
    """The share of terms a sentence holds.

    0 when too few are shared, or when the claim states a figure the sentence does not: a
    figure is what a small model gets wrong ("34家" for 33家, "300 billion" for 300亿).
    """
    shared = terms & set(tokenize(sentence))
    if len(shared) < min(MIN_SHARED_WORDS, len(terms)):
        return 0.0
    figures = {t for t in terms if FIGURE_RE.search(t)}
    if figures - shared:
        return 0.0
    if len(figures) >= MIN_SHARED_WORDS:
        # every figure of the claim, and several, in one sentence: a document number or date
        # restated in other words ("工业和信息化厅" for "工信厅") is still that sentence's
        return max(len(shared) / len(terms), MIN_SUPPORT)
    return len(shared) / len(terms)


def _supporting_sentence(terms: set[str], claim: str, passage: Passage) -> tuple[int, int, float]:
    """The passage sentence holding most of terms, and its score (0: none; the closest then)."""
    start, end = locate_support(claim, passage)
    best = (start, end, 0.0)
    if not terms:
        return best
    for start, end in passage_sentences(passage):
        score = _sentence_score(terms, passage.doc.text[start:end])
        if score > best[2]:
            best = (start, end, score)
    return best


def _supporting_passage(
    claim: str, passages: Sequence[Passage], question: str = ""
) -> tuple[Passage, int, int] | None:
    """The passage and sentence sharing most of the claim's words, if enough are shared."""
    terms = evidence_terms(claim, question)
    if len(terms) < MIN_SHARED_WORDS and len(claim_terms(claim)) < MIN_SHARED_WORDS:
        return None  # one word ("U") says nothing about where it comes from
    best: tuple[Passage, int, int] | None = None
    best_score = 0.0
    for p in passages:
        start, end, score = _supporting_sentence(terms, claim, p)
        if score >= MIN_SUPPORT and score > best_score:
            best, best_score = (p, start, end), score
    return best


def recite_markers(text: str, passages: Sequence[Passage], question: str = "") -> str:
    """A claim's single [n] moved to the passage that supports it, when [n]'s does not.

    Small models often write the wrong number ("市中级人民法院[2]" where passage 3 says it);
    the marker then moves to the passage whose sentence holds the claim's words. A marker with
    no better passage stays (citations then quote [n]'s closest sentence), and groups ([1][2],
    one claim from several passages) stay as written.
    """
    by_n = {p.n: p for p in passages}
    markers = list(MARKER_RE.finditer(text))
    out: list[str] = []
    pos = claim_start = 0
    for i, m in enumerate(markers):
        grouped = (i > 0 and markers[i - 1].end() == m.start()) or (
            i + 1 < len(markers) and markers[i + 1].start() == m.end()
        )
        claim = text[claim_start : m.start()]
        claim_start = m.end()
        n = int(m.group(1))
        out.append(text[pos : m.start()])
        pos = m.end()
        marked = by_n.get(n)
        if not grouped and marked is not None and _bare(claim) and not mentions_not_found(claim):
            terms = evidence_terms(claim, question)
            if terms and _supporting_sentence(terms, claim, marked)[2] < MIN_SUPPORT:
                better = _supporting_passage(claim, passages, question)
                n = better[0].n if better is not None else n
        out.append(f"[{n}]")
    out.append(text[pos:])
    return "".join(out)


def cite_by_support(
    text: str, passages: Sequence[Passage], question: str = ""
) -> tuple[str, list[Citation]]:
    """Cite an unmarked reply: each sentence quotes the passage sentence holding its words.

    Sentences no passage supports stay without a citation.
    """
    out: list[str] = []
    citations: list[Citation] = []
    numbers: dict[tuple[int, int, int], int] = {}
    pos = 0
    for a, b in _reply_sentences(text):
        found = _supporting_passage(text[a:b], passages, question)
        if found is None:
            continue
        passage, start, end = found
        key = (passage.n, start, end)
        if key not in numbers:
            numbers[key] = len(citations) + 1
            citations.append(make_citation(numbers[key], passage, start, end))
        body_end = b
        while body_end > a and text[body_end - 1] in SENTENCE_END:
            body_end -= 1
        out.append(f"{text[pos:body_end]}[{numbers[key]}]")
        pos = body_end
    out.append(text[pos:])
    return re.sub(r"[ \t]+\n", "\n", "".join(out)).strip(), citations


def copies_passage(text: str, passages: Sequence[Passage]) -> bool:
    """True when a reply is mostly passage sentences repeated word for word."""
    plain = MARKER_RE.sub("", text)
    sentences = [_bare(plain[a:b]) for a, b in _reply_sentences(plain)]
    sentences = [s for s in sentences if len(s) >= COPY_MIN_CHARS]
    if len(sentences) < COPY_MIN_SENTENCES:
        return False
    sources = [_bare(p.hit.chunk.text) for p in passages]
    copied = [s for s in sentences if any(s in src for src in sources)]
    long_enough = sum(map(len, copied)) >= COPY_MIN_TOTAL_CHARS
    return long_enough and len(copied) >= COPY_SHARE * len(sentences)


def keep_answering_sentences(text: str, question: str) -> str:
    """The sentences of text sharing most words with the question (at most COPY_KEEP_SENTENCES)."""
    asked = claim_terms(question)
    spans = _reply_sentences(text)
    scores = [len(asked & set(tokenize(text[a:b]))) for a, b in spans]
    best = max(scores, default=0)
    if best == 0:
        return text
    ranked = sorted(range(len(spans)), key=lambda i: -scores[i])[:COPY_KEEP_SENTENCES]
    chosen = sorted(i for i in ranked if scores[i] * 2 >= best)
    return "".join(text[spans[i][0] : spans[i][1]] for i in chosen).strip()


def finish_answer(
    question: str, standalone: str, reply: str, passages: Sequence[Passage], lang: str
) -> Answer:
    """The final Answer for a complete model reply: validated citations, or an abstention.

    A reply that is empty, holds only markers, or has no sentence the passages support is an
    LLMError, so the caller answers extractively instead of showing unsupported text.
    """
    if not reply.strip():
        raise LLMError("empty reply")
    written = reply
    unechoed = unecho_headers(reply)
    if not unechoed.strip():
        raise LLMError(f"the reply only listed passage headers ({_one_line(written, 40)})")
    reply = normalise_markers(unechoed)
    if not _bare(reply):
        raise LLMError(f"the reply held only citation markers ({_one_line(written, 40)})")
    asked = standalone or question
    contexts = tuple(p.hit for p in passages)
    note = ""
    if copies_passage(reply, passages):
        kept = keep_answering_sentences(MARKER_RE.sub("", reply), asked)
        text, citations = cite_by_support(kept, passages, asked)
        note = NOTE_TRIMMED
    else:
        text, citations = cite_marked_text(recite_markers(reply, passages, asked), list(passages))
    if says_not_found(text) or _all_not_found(text) or (mentions_not_found(text) and not citations):
        return Answer(
            question=question,
            text=NOT_FOUND[lang],
            citations=(),
            contexts=contexts,
            answered=False,
            mode="llm",
            note=NOTE_NOT_FOUND,
            standalone_question=standalone,
            reasons=(NOTE_NOT_FOUND,),
            kind="not_found",
            lang=lang,
        )
    if not citations:
        text, citations = cite_by_support(text, passages, asked)
        note = NOTE_MATCHED
    if not citations:
        raise LLMError("no sentence of the reply is supported by the passages")
    return Answer(
        question=question,
        text=text,
        citations=tuple(citations),
        contexts=contexts,
        answered=True,
        mode="llm",
        note=note,
        standalone_question=standalone,
        reasons=("the model's reply, checked against the passages",),
        lang=lang,
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
        with _model_lock(settings):
            reply = model.invoke([HumanMessage(prompt)]).text
    except Exception as e:  # see _stream_text
        raise _llm_error(e, settings) from e
    standalone = clean_condensed(reply)
    if not standalone:
        raise LLMError("empty reply")
    if len(standalone) > settings.max_question_chars:
        raise LLMError(f"rewritten question longer than {settings.max_question_chars} characters")
    return standalone
