"""Frozen data types passed between the stages."""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class RawFile:
    """What ingestion read from a file: decoded text plus where it came from."""

    path: str  # absolute path
    text: str  # decoded raw text; for PDF/DOCX the extracted text
    fmt: str  # "txt" | "md" | "html" | "pdf" | "docx"
    encoding: str  # detected encoding, or the container format
    content_hash: str  # sha256 of the file bytes
    page_starts: tuple[int, ...] = ()  # PDF: raw offset where each page begins
    warnings: tuple[str, ...] = ()  # read, but with a caveat (e.g. invalid bytes replaced)

    @property
    def text_like(self) -> bool:
        """True when line numbers refer to the file as a user opens it in an editor."""
        return self.fmt in ("txt", "md")


@dataclass(frozen=True, slots=True)
class Cleaned:
    """Cleaned text: a subsequence of the raw text, with a map back to raw offsets."""

    text: str
    # (clean_start, raw_start, length) runs; clean text[c:c+n] == raw[r:r+n]
    spans: tuple[tuple[int, int, int], ...]

    def raw_offset(self, clean_offset: int) -> int:
        """Raw offset of the character at clean_offset (end offsets map to the char before + 1)."""
        if not self.spans:
            return 0
        starts = [s[0] for s in self.spans]
        i = max(bisect.bisect_right(starts, clean_offset) - 1, 0)
        c, r, n = self.spans[i]
        return r + min(clean_offset - c, n)


@dataclass(frozen=True, slots=True)
class DocMeta:
    title: str | None = None
    issuer: str | None = None
    date: str | None = None  # ISO yyyy-mm-dd (or yyyy-mm)
    doc_number: str | None = None  # 文号
    region: str | None = None


@dataclass(frozen=True, slots=True)
class Document:
    doc_id: str  # sha256 of the file bytes (first 16 hex)
    path: str
    source: str  # display name (file name)
    fmt: str
    text: str  # cleaned text
    raw_text: str
    spans: tuple[tuple[int, int, int], ...]
    raw_line_starts: tuple[int, ...]  # raw offset of each line start
    page_starts: tuple[int, ...] = ()
    title: str | None = None
    issuer: str | None = None
    date: str | None = None
    doc_number: str | None = None
    region: str | None = None

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date else None

    def raw_offset(self, clean_offset: int) -> int:
        return Cleaned(self.text, self.spans).raw_offset(clean_offset)

    def line_of(self, clean_offset: int) -> int:
        """1-based raw-file line holding the cleaned character at clean_offset."""
        raw = self.raw_offset(clean_offset)
        return bisect.bisect_right(self.raw_line_starts, raw)

    def line_range(self, start_char: int, end_char: int) -> tuple[int, int]:
        """1-based raw-file lines spanned by cleaned text[start_char:end_char]."""
        return self.line_of(start_char), self.line_of(max(end_char - 1, start_char))

    def page_of(self, clean_offset: int) -> int | None:
        if not self.page_starts:
            return None
        return bisect.bisect_right(self.page_starts, self.raw_offset(clean_offset))


@dataclass(frozen=True, slots=True)
class Chunk:
    chunk_id: str
    doc_id: str
    text: str
    start_char: int  # doc.text[start_char:end_char] == text
    end_char: int
    line_start: int  # 1-based, raw file
    line_end: int
    heading: str = ""  # "三、下一步工作 > （二）…"
    page: int | None = None
    chunk_tokens: int = 0


@dataclass(frozen=True, slots=True)
class Hit:
    chunk: Chunk
    score: float
    rank: int  # 1-based
    stage: str  # "dense" | "bm25" | "fused" | "rerank"
    found_by: tuple[str, ...] = ()  # the retrievers that ranked it
    dense_score: float | None = None  # cosine similarity to the question
    bm25_score: float | None = None


@dataclass(frozen=True, slots=True)
class Filters:
    sources: tuple[str, ...] = ()  # file names or doc_ids
    region: str | None = None  # substring of the region
    issuer: str | None = None  # substring of the issuer
    year_from: int | None = None
    year_to: int | None = None

    def is_empty(self) -> bool:
        return self == Filters()


@dataclass(frozen=True, slots=True)
class CorpusStats:
    """What the question side needs to know of the indexed corpus as a whole."""

    idf: Mapping[str, float]  # BM25 idf of each indexed term
    pinyin_map: Mapping[str, str]  # pinyin spelling -> indexed Chinese term (jincheng -> 晋城)
    typical_idf: float = 1.0  # median idf: the weight of a term the index has never seen
    max_idf: float = 1.0
    # every document's region, issuer and title, one per line: district names jieba does not
    # know (新吴区) count as places when the documents' own metadata names them
    metadata_text: str = ""
    # share of documents written in Traditional characters: the dense query is put in the
    # script most of the library is written in
    traditional_share: float = 0.0


@dataclass(frozen=True, eq=False)
class Query:
    """One question, analysed once by the pipeline; every later step reads it, none recomputes."""

    text: str  # as asked (controls removed)
    standalone: str  # after follow-up resolution (= text for a first question)
    lang: str  # "zh" | "en"
    normalised: str  # NFKC + 简体 form of standalone, for matching
    tokens: tuple[str, ...]  # BM25 tokens of the standalone question, plus aliases
    aliases: tuple[str, ...]  # Chinese terms for an English question's words and names
    terms: tuple[str, ...]  # key terms: tokens that name the topic (no question words)
    verbs: tuple[str, ...]  # key terms tagged as verbs: often paraphrased (建立 ~ 创建)
    unmapped: tuple[str, ...]  # English key words with no Chinese term: not matched, but
    # a question naming nothing else ("Who is the mayor of Wenzhou?") is not answered
    places: tuple[str, ...]  # place stems named (晋城, 湖南), in Chinese
    years: tuple[str, ...]  # years named ("2023")
    metrics: tuple[str, ...]  # measured quantities asked about (产值, 营收)
    qualifiers: tuple[tuple[str, str], ...]  # (noun, metric) pairs: 租房 of 租房补贴
    slots: tuple[str, ...]  # kinds of fact asked for: count, money, percent, date, ...
    shape: str  # "fact" | "list" | "compare"
    dense_text: str  # what is embedded for dense retrieval
    vector: Any = None  # numpy vector of dense_text, or None before embedding
    # "哪些是由工业和信息化部门作出的？" asks which documents an issuer made: the issuer's words
    issuer: str = ""
    # nouns naming the attribute asked ("外貌特征是什么", "祖籍何处"): the sentence that states
    # the value rarely repeats them, so they weigh like verbs
    attributes: tuple[str, ...] = ()
    # people and organisations the question names (jieba nr/nt): a document that never names
    # them does not answer it ("杨昊现效力于哪里？" is not answered about 张永海)
    persons: tuple[str, ...] = ()
    # "这份答复是哪天发布的": the date, number or addressee of the document itself, which its
    # date line or signature states, not a date its sentences mention
    of_document: bool = False
    # phases or batches named ("二期"): the answer must be about the same one
    phases: tuple[str, ...] = ()
    # what the answer must say verbatim: a quoted name (“人工智能+医疗”), an article or item
    # (第九条), a year of another calendar (117年度), the role asked for (副组长)
    exact: tuple[str, ...] = ()
    # "是公开招标还是竞争性磋商": the things a choice question asks between; the answer names one
    alternatives: tuple[str, ...] = ()
    # the thing each yes/no question asks about (补考 of "能补考吗"): a sentence that does not
    # name it does not answer yes or no
    yes_no: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when the question names nothing to look up ("？？？", emoji)."""
        looked_up = [t for t in self.terms if t not in self.unmapped]
        return not looked_up and not self.places and not self.years


@dataclass(frozen=True, slots=True)
class Citation:
    n: int
    chunk_id: str
    doc_id: str
    path: str
    source: str
    title: str | None
    quote: str  # exact substring of the cleaned document text
    start_char: int
    end_char: int
    line_start: int
    line_end: int
    page: int | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    text: str  # with [n] markers
    citations: tuple[Citation, ...]
    contexts: tuple[Hit, ...]
    answered: bool
    mode: str  # "extractive" | "llm"
    note: str = ""  # e.g. "LLM unreachable, answered extractively"
    standalone_question: str = ""  # the question after follow-up rewriting
    # why the answer was given or refused, machine-readable ("asked: count", "missing: 2023")
    reasons: tuple[str, ...] = ()
    kind: str = "fact"  # "fact" | "list" | "compare" | "not_found"
    lang: str = "zh"  # the question's language: "zh" | "en"


class AnswerStream:
    """An answer being produced: iterate it for text pieces, then read `.answer`.

    Like simonw/llm's Response: `for piece in stream: print(piece, end="")`, then
    `stream.answer` is the final Answer (reading it first consumes the rest of the stream).
    """

    def __init__(self, pieces: Iterator[str | Answer]) -> None:
        self._pieces = pieces
        self._answer: Answer | None = None

    def __iter__(self) -> Iterator[str]:
        for item in self._pieces:
            if isinstance(item, Answer):
                self._answer = item
            else:
                yield item

    @property
    def answer(self) -> Answer:
        """The final Answer (consumes any text not yet iterated)."""
        if self._answer is None:
            for _ in self:
                pass
        if self._answer is None:
            raise RuntimeError("the answer stream ended without an answer")
        return self._answer


@dataclass(frozen=True, slots=True)
class Skipped:
    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class IndexReport:
    index_dir: str
    documents: tuple[Document, ...]  # all documents now in the index
    added: tuple[str, ...] = ()  # paths newly embedded
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    chunks: int = 0
    seconds: float = 0.0
    extra: dict[str, float] = field(default_factory=dict, compare=False)
