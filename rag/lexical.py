"""BM25 over jieba tokens, with a policy-term user dictionary; stored as plain JSON."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from functools import cache

# Policy terms jieba's stock dictionary splits apart; kept whole so BM25 can match them.
POLICY_TERMS = (
    "人工智能",
    "智算中心",
    "算力中心",
    "智算",
    "算力",
    "产业引导基金",
    "引导基金",
    "揭榜挂帅",
    "专精特新",
    "大模型",
    "产业链",
    "光机电",
    "新质生产力",
    "数字经济",
    "工业互联网",
    "智能制造",
    "孵化器",
    "众创空间",
    "创新联合体",
    "产业园",
    "高新区",
    "开发区",
    "新型工业化",
    "数据要素",
    "智能网联",
    "机器人",
    "传感器",
    "集成电路",
    "云计算",
    "物联网",
    "元宇宙",
    "算法",
    "数安港",
    "链主",
    "链长",
    "首台套",
    "智慧城市",
    "智慧矿山",
    "智慧医疗",
    "智慧农业",
    "智慧能源",
    "科技成果转化",
    "产学研",
    "公共服务平台",
    "应用场景",
    "龙头企业",
    "规上企业",
    "高新技术企业",
)
STOP_WORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "或",
        "是",
        "在",
        "有",
        "为",
        "对",
        "等",
        "将",
        "把",
        "被",
        "就",
        "也",
        "都",
        "而",
        "并",
        "从",
        "以",
        "于",
        "其",
        "之",
        "这",
        "那",
        "个",
        "中",
        "上",
        "下",
        "吗",
        "呢",
        "吧",
        "啊",
        "呀",
        "么",
        "什么",
        "多少",
        "哪些",
        "哪个",
        "哪里",
        "如何",
        "怎么",
        "怎样",
        "是否",
        "有没有",
        "几",
        "请问",
        "请",
        "一下",
        "我",
        "你",
        "他",
        "她",
        "它",
        "我们",
        "你们",
        "他们",
        "可以",
        "能",
        "会",
        "要",
        "还",
        "又",
        "该",
        "此",
        "各",
        "每",
        "所",
        "给",
        "让",
        "向",
        "由",
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "for",
        "and",
        "or",
        "is",
        "are",
        "was",
        "were",
        "be",
        "by",
        "with",
        "what",
        "which",
        "who",
        "how",
        "many",
        "much",
        "does",
        "do",
        "did",
        "at",
        "as",
        "it",
        "its",
        "this",
        "that",
        "from",
    ]
)
# A few English policy words mapped to the Chinese the documents use, so English questions get
# lexical matches too. General vocabulary, not tied to any one corpus.
EN_TERMS = {
    "ai": "人工智能",
    "artificial": "人工智能",
    "intelligence": "人工智能",
    "fund": "基金",
    "funds": "基金",
    "enterprise": "企业",
    "enterprises": "企业",
    "company": "企业",
    "companies": "企业",
    "firms": "企业",
    "investment": "投资",
    "computing": "算力",
    "compute": "算力",
    "industry": "产业",
    "industrial": "产业",
    "chain": "产业链",
    "park": "产业园",
    "talent": "人才",
    "talents": "人才",
    "policy": "政策",
    "policies": "政策",
    "robot": "机器人",
    "robots": "机器人",
    "platform": "平台",
    "platforms": "平台",
    "innovation": "创新",
    "model": "模型",
    "models": "大模型",
    "data": "数据",
    "goal": "目标",
    "target": "目标",
    "subsidy": "补贴",
    "subsidies": "补贴",
    "center": "中心",
    "centre": "中心",
    "zone": "园区",
    "laboratory": "实验室",
    "laboratories": "实验室",
    "manufacturing": "制造",
    "smart": "智能",
    "intelligent": "智能",
    "reply": "答复",
    "proposal": "提案",
    "scale": "规模",
    "size": "规模",
    "billion": "亿",
    "number": "数量",
    "mayor": "市长",
    "governor": "省长",
    "secretary": "书记",
    "gdp": "GDP",
    "population": "人口",
    "rent": "房租",
    "tax": "税收",
    "university": "大学",
    "universities": "高校",
    "enterprises'": "企业",
    "revenue": "营收",
    "output": "产值",
    "budget": "预算",
}
LATIN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+%]*")
CJK_RE = re.compile(r"[\u4e00-\u9fff]+")
K1 = 1.5
B = 0.75

_jieba_lock = threading.Lock()


@cache
def _tokenizer():  # type: ignore[no-untyped-def]
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    for term in POLICY_TERMS:
        tok.add_word(term, freq=200000)
    return tok


def tokenize(text: str) -> list[str]:
    """BM25 tokens: jieba search-mode words for Chinese, whole Latin/number runs, no stop words."""
    tokens: list[str] = []
    for m in LATIN_RE.finditer(text):
        tokens.append(m.group(0).lower().rstrip("."))
    tok = _tokenizer()
    with _jieba_lock:
        for run in CJK_RE.findall(text):
            tokens.extend(tok.cut_for_search(run))
    return [t for t in tokens if t and t not in STOP_WORDS and not t.isspace()]


@cache
def _pinyin(word: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(word)).lower()


def pinyin_terms(doc_freq: Mapping[str, int]) -> dict[str, str]:
    """Pinyin spelling -> the most frequent indexed term spelled that way (jincheng -> 晋城)."""
    best: dict[str, tuple[int, str]] = {}
    for term, df in doc_freq.items():
        if 2 <= len(term) <= 4 and CJK_RE.fullmatch(term):
            py = _pinyin(term)
            if py not in best or df > best[py][0]:
                best[py] = (df, term)
    return {py: term for py, (_, term) in best.items()}


def english_aliases(question: str, pinyin_map: Mapping[str, str]) -> list[str]:
    """Chinese terms for an English question: glossary words, and names given in pinyin."""
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", question)]
    out = [EN_TERMS[w] for w in words if w in EN_TERMS]
    wanted = [w for w in words if len(w) >= 4 and w not in EN_TERMS and w not in STOP_WORDS]
    return out + list(dict.fromkeys(pinyin_map[w] for w in wanted if w in pinyin_map))
