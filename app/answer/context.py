"""Context selection: from the retrieved passages, the sentences that bear on the question.

Prompt tokens are the cost on a CPU (about 35 tokens/s), so the model sees only the
best sentences, under a character budget, each passage labelled with the year it is
about. Sentences are scored by the question's key terms they contain (weighted by the
corpus IDF), by whether they hold a figure when one is asked for, and by their
passage's rank; an English question, which shares no words with the reports, is
scored by embedding similarity instead. When a question names several years, the
best sentence for each year is taken first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.models.embedder import Embedder
from app.domain import Passage
from app.text.years import YearQuery

_SENTENCE = re.compile(r"[^。；！？!?;\n]+[。；！？!?;]?")
_DIGIT = re.compile(r"\d")
_NUMERIC_ASK = re.compile(
    r"多少|几|多大|多高|比例|比重|增速|增长|排名|how many|how much|what (?:was|is) the|rate|rank|percent",
    re.I,
)
# Abbreviations readers use for the reports' own terms.
SYNONYMS = {"gdp": "地区生产总值"}
STOP_TERMS = frozenset(
    [
        "徐汇",
        "徐汇区",
        "上海",
        "上海市",
        "全区",
        "区",
        "多少",
        "几",
        "几个",
        "几家",
        "是",
        "的",
        "了",
        "和",
        "与",
        "及",
        "在",
        "有",
        "哪",
        "哪些",
        "哪个",
        "哪家",
        "哪部",
        "什么",
        "怎么",
        "如何",
        "年",
        "分别",
        "一共",
        "共",
        "是否",
        "吗",
        "呢",
        "提出",
        "报告",
        "政府",
        "工作",
        "政府工作报告",
        "达到",
        "多",
        "大概",
        "大约",
        "其中",
        "这",
        "那",
        "为",
        "被",
        "把",
        "给",
        "到",
        "个",
        "项",
        "家",
    ]
)


@dataclass
class Sentence:
    text: str
    start: int  # offsets within the chunk text
    end: int
    score: float = 0.0
    coverage: float = 0.0  # share of the question's key terms (or similarity) it holds


@dataclass
class ContextPassage:
    """A passage shown to the model as [n], with the sentences selected from it."""

    n: int
    passage: Passage
    sentences: list[Sentence] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(s.text for s in sorted(self.sentences, key=lambda s: s.start))

    @property
    def label(self) -> str:
        return year_label(self.passage)

    def prompt_fields(self) -> dict:
        return {
            "n": self.n,
            "title": self.passage.doc_title,
            "label": self.label,
            "text": self.text,
        }


def year_label(passage: Passage) -> str:
    """How the prompt names a passage's period: 回顾2023年 / 2024年目标任务 / 涉及2021-2025年."""
    years = passage.chunk.years
    span = (f"{years[0]}" if len(years) == 1 else f"{years[0]}-{years[-1]}") if years else ""
    if not span:
        return "年份不详"
    if passage.chunk.phase == "review":
        return f"回顾{span}年"
    if passage.chunk.phase == "plan":
        return f"{span}年目标任务"
    return f"涉及{span}年"


def split_sentences(text: str) -> list[Sentence]:
    return [
        Sentence(m.group(0), m.start(), m.end())
        for m in _SENTENCE.finditer(text)
        if m.group(0).strip()
    ]


def key_terms(question: str) -> list[str]:
    """The question's content words (jieba), without question words, years and the district's name."""
    import jieba

    terms = []
    for token in jieba.lcut_for_search(question):
        token = token.strip().lower()
        if (
            len(token) < 2
            or token in STOP_TERMS
            or re.search(r"\d", token)
            or re.fullmatch(r"[^\w]+", token)
        ):
            continue
        for term in (token, SYNONYMS.get(token)):
            if term and term not in terms:
                terms.append(term)
    return terms


def term_weights(terms: list[str], idf: dict[str, float] | None) -> dict[str, float]:
    """Weight of each key term: its corpus IDF (the median IDF for a word the corpus lacks)."""
    if not idf:
        return {t: 1.0 for t in terms}
    values = sorted(idf.values())
    median = values[len(values) // 2]
    return {t: max(idf.get(t, median), 0.1) for t in terms}


def select_context(
    question: str,
    passages: list[Passage],
    years: YearQuery,
    *,
    max_chars: int,
    max_passages: int,
    idf: dict[str, float] | None = None,
    embedder: Embedder | None = None,
    english: bool = False,
) -> list[ContextPassage]:
    """Pick the sentences that bear on the question, under the budget, numbered [1]…[n]."""
    if not passages:
        return []
    candidates: list[tuple[int, Sentence]] = []
    for rank, passage in enumerate(passages):
        for sentence in split_sentences(passage.chunk.text):
            candidates.append((rank, sentence))
    terms = key_terms(question)
    weights = term_weights(terms, idf)
    total = sum(weights.values()) or 1.0
    numeric = bool(_NUMERIC_ASK.search(question))
    similarity = None
    if english and embedder is not None:
        from app.models.embedder import embed_one

        query = embed_one(embedder, question, kind="query")
        vectors = embedder.embed_batch([s.text for _, s in candidates], kind="passage")
        sims = vectors @ query
        span = float(sims.max() - sims.min()) or 1.0
        similarity = (sims - sims.min()) / span
    n = len(passages)
    for i, (rank, sentence) in enumerate(candidates):
        lowered = sentence.text.lower()
        coverage = sum(w for t, w in weights.items() if t in lowered) / total
        if similarity is not None:
            coverage = max(coverage, float(similarity[i]))
        sentence.coverage = coverage
        score = coverage + 0.3 * (1 - rank / n)
        if numeric and _DIGIT.search(sentence.text):
            score += 0.15
        sentence.score = score

    chosen: dict[int, list[Sentence]] = {}
    used = 0

    def take(rank: int, sentence: Sentence) -> bool:
        nonlocal used
        if any(s is sentence for s in chosen.get(rank, [])):
            return False
        if rank not in chosen and len(chosen) >= max_passages:
            return False
        if chosen and used + len(sentence.text) > max_chars:
            return False
        chosen.setdefault(rank, []).append(sentence)
        used += len(sentence.text)
        return True

    ordered = sorted(candidates, key=lambda c: -c[1].score)
    # Several years asked (a comparison): the best sentence about each year first.
    if len(years.years) > 1:
        for year in years.years:
            for rank, sentence in ordered:
                chunk = passages[rank].chunk
                if year in chunk.years or year in chunk.mentioned_years:
                    take(rank, sentence)
                    break
    for rank, sentence in ordered:
        take(rank, sentence)
        if used >= max_chars:
            break
    context = []
    for n_, rank in enumerate(sorted(chosen), start=1):
        context.append(ContextPassage(n=n_, passage=passages[rank], sentences=chosen[rank]))
    return context
