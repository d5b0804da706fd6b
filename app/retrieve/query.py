"""Question analysis: a question → a `Query`, made once and read by every later stage.

Every cue word lives in the one table below (`CUES`), with the stop terms and synonyms
used to pick a question's key terms. Later stages read the `Query`'s fields (asked
years, the report named, review or plan, what is asked, language, weighted key
terms) instead of matching the question text again.
"""

from __future__ import annotations

import re

from app.domain import Query
from app.text.cjk import chinese_share
from app.text.units import asked_kind
from app.text.years import YEAR, YEAR_RANGE, chinese_numeral_years, plan_period, recent_years

ENGLISH_BELOW = 0.5  # a question less Chinese than this is answered in English


def _cue(chinese: str, english: str) -> re.Pattern[str]:
    """A cue's Chinese words anywhere, its English words only as whole words ("plan" not
    in "explanation", "expected to" not in "expected total")."""
    return re.compile(rf"{chinese}|\b(?:{english})\b", re.I)


# What a report lists (measures, plans, results): the nouns an open question asks for.
_AGGREGATES = (
    "措施|举措|计划|打算|安排|工作|成果|成效|成绩单?|亮点|热点|突破|进展|变化|做法|重点|任务|内容"
)

CUES: dict[str, re.Pattern[str]] = {
    # asks for a target or plan, not for what happened
    "plan": _cue(
        "目标|计划|预期|任务|力争|规划|打算|将要|提出",
        r"targets?|targeted|plan(?:s|ned|ning)?|goals?|aims?|aimed|expected to|will",
    ),
    # the year before the named (or latest) report
    "last_year": _cue("去年|上一年", "last year|previous year"),
    # the year of the named (or latest) report
    "this_year": _cue("今年", "this year"),
    # the answer must state a figure
    "asks_figure": _cue(
        "多少|几[个家台项所座条套幅亩人年]|多大|多高|比例|比重",
        "how many|how much|what percentage|what share|what proportion",
    ),
    # the question is about a measure: sentences holding a number are preferred as
    # context (broader than asks_figure: "增速", "rate" ask about a figure without
    # requiring the answer to be one)
    "measure": _cue(
        "多少|几|多大|多高|比例|比重|增速|增长|排名",
        r"how many|how much|what (?:was|is) the|rates?|rank(?:ed|ing)?|percent(?:age)?|share",
    ),
    # a yes/no question
    "yes_no": re.compile(
        r"吗|是否|有没有|了没有|没有[？?]?\s*$|^(?:did|does|do|was|were|is|are|has|have)\b", re.I
    ),
    # compares two things (two years, more or less, which year)
    "comparison": re.compile(
        r"比(?![重例率])|相比|多几|少几|多多少|少多少|差|提高了|增加了|下降了|更高|更低|更多|更少|"
        r"哪一年|哪年|"
        r"difference|more than|less than|compared?|comparison|higher|lower|which year|by how much",
        re.I,
    ),
    # an open question, answered by several points: an interrogative over the things a
    # report lists (what was done, achieved, planned) or over a topic frame ("在…方面有
    # 哪些"), a request for points ("请分点说明"), or how something went ("表现怎么样")
    "open": re.compile(
        r"(?:有|做了|干了|干成了|办了|采取了|推出了|取得了|包括|提出了|开展了|推进了|完成了|讲了|说了)"
        r"(?:哪些|什么)(?![0-9０-９一二三四五六七八九十两]+)|"
        r"(?:哪些|什么|何种)(?:新的?|主要的?|重要的?|具体的?|标志性的?)?"
        rf"(?:方面|{_AGGREGATES}|政策|项目|事|实事)|"
        r"(?:在|对|就).{1,30}(?:方面|领域|上)(?:有|做|取得|推出|交出|计划|准备|打算).{0,6}(?:哪些|什么|怎样)|"
        r"主要(?:内容|举措|措施|计划|任务|成果|成效|做法)(?:是什么|有哪些)?[？?]?$|"
        r"如何|怎样|怎么|"
        r"\bwhat (?:are|were|is|was) (?:the |\w+'s )?(?:\d{4} )?(?:main |key |major )?"
        r"(?:measures|plans|steps|initiatives|achievements|priorities|policies|actions|targets)\b|"
        r"\bwhat (?:\w+ ){0,3}(?:has|have|did|does|will) .{0,40}\b"
        r"(?:do(?:ne)?|deliver(?:ed)?|add(?:ed)?|achieve(?:d)?|make|made|accomplish(?:ed)?)\b|"
        r"\bwhat (?:does|did|do) .{0,60}\b(?:say|plan|propose)\b|\bwhat progress\b|"
        r"\bhow (?:does|did|will|is|was) .{0,40}"
        r"(?:support|promote|improve|develop|plan|attract|build|handle|do|fare|perform)\b",
        re.I,
    ),
    # asks for the answer as points ("请分点说明"): open whatever else it asks
    "points": re.compile(
        r"(?<!百)分点|分条|逐条|分开说明|一一列举|\bin (?:bullet )?points\b", re.I
    ),
    # one indicator year by year ("各是多少", "每年", "how did X change from 2018 to 2025")
    "series": re.compile(
        r"各(?:是|为|有)?多少|每年|历年|逐年|各年|变化趋势|趋势|(?:怎么|如何|怎样)变化|变化(?:情况)?如何|"
        r"\b(?:each|every|per) year\b|\byear by year\b|\btrend\b|\bhow did .{0,60}\bchange\b",
        re.I,
    ),
    # a target held against its result ("完成年初目标了吗", "实际完成额和年初目标相比")
    "target_actual": re.compile(
        r"(?:完成|实现|达到|达成|超过|超额完成)了?(?:年初|全年|预期|既定|原定)?(?:的)?目标|"
        r"目标.{0,10}(?:完成|实现|达成|达到)了?(?:吗|没有|与否)|实际.{0,12}(?:目标|计划)|(?:目标|计划).{0,24}实际|"
        # English says it in about three times the characters Chinese does
        r"\b(?:meet|met|reach(?:ed)?|achieve(?:d)?|hit|miss(?:ed)?|exceed(?:ed)?)\b.{0,90}\b(?:target|goal)s?\b|"
        r"\b(?:target(?:ed|s)?|goals?)\b.{0,90}\b(?:actual|achieved|result|met|reached|missed)|"
        r"\bplann?(?:ed|ing)?\b.{0,90}\bactual(?:ly)?\b",
        re.I,
    ),
    # a total over a span ("累计新增多少", "in total"), not the change between its ends
    "total": re.compile(r"累计|总共|合计|一共|\bcumulative|\bin total\b|\baltogether\b", re.I),
    # several figures asked at once ("完成多少？同比增长多少？", "分别是多少")
    "several": re.compile(
        r"分别|各自|各(?:有|是|为)多少|\band (?:what|how many|how much|where|which|when|how)\b|"
        # a second noun phrase of its own: "A and its B", "A and the B", "A and Shanghai's B"
        r"\band (?:its|their|the|[a-z]+'s)\b",
        re.I,
    ),
    # a question that leans on the turn before it ("那2024年呢", "其中出口多少", "What about 2023?")
    "follow_up": re.compile(
        r"^\s*(?:那么?|还有|另外|其中|同期|and\b|what about|how about|then\b)|呢\s*[？?]?\s*$|"
        r"[它其该此]|这个|这些|那个|上述|"
        r"\b(?:it|its|that|those|them|the same)\b",
        re.I,
    ),
    # the year before / after the one the previous turn asked about
    "previous_year": re.compile(r"上一年|前一年|the year before|previous year", re.I),
    "next_year": re.compile(r"下一年|后一年|次年|第二年|the (?:next|following) year", re.I),
    # the words that frame an open question rather than name its topic (the period, the
    # report, the district, how it asks): left out of the text an open answer is matched by
    "frame": re.compile(
        r"(?:19|20)\d{2}\s*年?|(?:区)?(?:人民)?政府工作报告|报告[里中]?|徐汇区?|区里|"
        rf"哪些|什么|如何|怎样|怎么|请|分点|分开|说明|方面|领域|{_AGGREGATES}|讲了|说了|到底|又|"
        r"\b(?:what|which|how|did|does|do|has|have|will|is|are|was|were|xuhui'?s?|district|"
        r"government|work|report|say|said|about|according|to|the|in|of|and|on)\b|[？?，,。、“”\"]",
        re.I,
    ),
    # what is left of a follow-up once its years, cues and question words are gone: nothing
    # left means it asks the previous question again for other years (or as a target)
    "filler": re.compile(
        r"那么|那|呢|的|年|是|多少|几|还有|另外|又|吗|请问|一下|"
        r"\b(?:and|what|about|how|in|for|the|then|year|of|is|was|were|are|did|do|does|"
        r"it|that|same)\b|[^\w]",
        re.I,
    ),
}
# A report named by its delivery year: "2024年政府工作报告", "the 2024 work report".
_REPORT_YEAR = re.compile(
    r"((?:19|20)\d{2})\s*年?\s*(?:的)?\s*(?:徐汇区?)?(?:区)?(?:人民)?政府工作报告|"
    r"((?:19|20)\d{2})\s*(?:government\s+)?work\s+report|"
    r"((?:19|20)\d{2})\s+report|"
    r"((?:19|20)\d{2})\s*年的?(?:区)?报告",
    re.IGNORECASE,
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


def unknown_nouns(text: str, vocabulary: set[str] | dict[str, float]) -> list[str]:
    """The nouns of a text that the library never uses, neither whole nor in any of their
    parts ("宠物", "海洋渔业"; not "老房子", whose 房子 it does): a topic it cannot cover."""
    import jieba
    import jieba.posseg

    unknown = []
    for word, flag in jieba.posseg.lcut(text):
        if len(word) < 2 or not flag.startswith("n") or word.lower() in vocabulary:
            continue
        parts = [p for p in jieba.lcut_for_search(word) if len(p) >= 2]
        if not any(p.lower() in vocabulary for p in parts) and word not in unknown:
            unknown.append(word)
    return unknown


def analyse_question(
    question: str,
    latest_report_year: int | None = None,
    idf: dict[str, float] | None = None,
) -> Query:
    """Analyse a question once: years, report named, what is asked, language, key terms.

    `latest_report_year` anchors "去年"/"今年" when no report is named; `idf` weights the
    key terms (the corpus BM25 IDF; a word the corpus lacks gets the median).
    """
    text = question.strip()
    share = chinese_share(text)
    terms = key_terms(text)
    query = Query(
        text=text,
        language="zh" if share >= ENGLISH_BELOW else "en",
        chinese_share=share,
        asks_figure=bool(CUES["asks_figure"].search(text)),
        mentions_measure=bool(CUES["measure"].search(text)),
        comparison_cue=bool(CUES["comparison"].search(text)),
        yes_no=bool(CUES["yes_no"].search(text)),
        asked_kind=asked_kind(text),
        terms=terms,
        term_weights=term_weights(terms, idf),
    )
    _resolve_years(query, latest_report_year)
    return query


MAX_SPAN = 30  # a longer span's years are not listed (a series says it is too long)


def _asks_change(text: str) -> bool:
    """Whether a question over a range of years asks how much its figure changed."""
    return bool(
        CUES["comparison"].search(text)
        and not CUES["series"].search(text)
        and not CUES["total"].search(text)
    )


def _resolve_years(result: Query, latest_report_year: int | None) -> None:
    """The years a question is about, the report it names, and whether it asks for a plan."""
    text = chinese_numeral_years(result.text)
    result.wants_plan = bool(CUES["plan"].search(text))
    report = _REPORT_YEAR.search(text)
    if report:
        result.report_year = int(next(g for g in report.groups() if g))
    years: set[int] = set()
    ranges = YEAR_RANGE.findall(text)
    for first, last in ranges:
        a, b = sorted((int(first), int(last)))  # "2025年到2018年" is the same span
        result.span = (a, b)
        if b - a < MAX_SPAN:
            years.update(range(a, b + 1))
    if len(ranges) == 1 and _asks_change(text):
        # "2020年到2025年增加了多少", "by how much did it rise from 2020 to 2025": the
        # change between the range's two ends, not each year of it nor a total over it.
        years = set(result.span or ())
        result.span = None
    period = plan_period(text)
    if period:
        years.update(range(period[0], period[1] + 1))
        result.span = period
    counted = recent_years(text)
    anchor_year = result.report_year or latest_report_year
    if counted and anchor_year and not result.span:
        # "近三年" asked now: the years the latest (or named) report and those before it
        # review. Only the span is set: which passages fit is left to the years named.
        result.span = (anchor_year - counted, anchor_year - 1)
    years.update(int(y) for y in YEAR.findall(text))
    # "2022年度…奖" names an award edition, not the year the question is about.
    award_years = {int(y) for y in re.findall(r"((?:19|20)\d{2})\s*年度", text)}
    if award_years and award_years == years:
        years = set()
    anchor = result.report_year or latest_report_year
    named = years - ({result.report_year} if result.report_year else set())
    if anchor and CUES["last_year"].search(text) and not named:
        # "去年" is the year before the named report, or before the latest one.
        result.relative = "last_year"
        years.discard(anchor)
        years.add(anchor - 1)
    elif anchor and CUES["this_year"].search(text) and not years - {anchor}:
        result.relative = "this_year"
        years.add(anchor)
    result.years = sorted(years)


_YEAR_MENTION = re.compile(r"(?:[和与及、]\s*)?(?:19|20)\d{2}\s*年?(?:\s*[和与及、])?")


def part_question(query: Query, year: int) -> str:
    """The single-year question one part of a comparison asks: the question (or an English
    question's translation) without its years and without what follows the comparison
    word, put for one year. "2025年优良率比2023年提高了多少" → "2023年优良率是多少？"."""
    text = _YEAR_MENTION.sub("", query.translation or query.text)
    cue = CUES["comparison"].search(text)
    core = (text[: cue.start()] if cue else text).strip(" ，,。？?的和与及、")
    return f"{year}年{core}是多少？"
