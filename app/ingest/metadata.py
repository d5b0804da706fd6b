"""Document metadata read from the text first; corpus/manifest.toml only where it is silent.

A report delivered in year N reviews year N-1 and plans year N. The text usually says
what it is and when: its title line (`2014年…计划执行情况的报告`), its part headings
(`一、2024年工作回顾`, `二、2025年主要任务`), the delivery line (`——2024年1月10日在…人民
代表大会…`), a date field or date line (`日期: 2022-08-18`), a period (`“十四五”以来`,
`过去五年`, `展望“十五五”`). Each inferred field keeps where it came from (`Found.how`
and the words it rests on), so the library can show it; a manifest entry, written by an
administrator for what a text truly lacks, wins over the text and says so.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.errors import BadInputError
from app.text.cjk import HAN
from app.text.phases import PLAN_HEADING, REVIEW_HEADING, YEAR_OF_PART
from app.text.years import chinese_numeral_years, plan_period

MANIFEST_NAME = "manifest.toml"

_DELIVERY = re.compile(
    r"(?P<y>(19|20)\d{2})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日在[^。]{0,30}?人民代表"
)
_SPEAKER = re.compile(rf"(代理)?区长[;；:：]?(?P<name>[{HAN}]{{2,3}}?)(?=各位代表|\n|$|（|\()")
_YEAR_RANGE = re.compile(r"^\s*(\d{4})\s*(?:-\s*(\d{4}))?\s*$")


@dataclass
class ManifestEntry:
    """What the manifest says of one source file (every field optional)."""

    title: str | None = None
    kind: str | None = None
    delivered: str | None = None
    reviewed_years: list[int] = field(default_factory=list)
    planned_years: list[int] = field(default_factory=list)
    speaker: str | None = None
    source: str | None = None


def parse_years(value: object) -> list[int]:
    """'2017-2021' → [2017, …, 2021]; 2022 → [2022]; [2019, 2020] as is."""
    if value is None or value == "":
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, list):
        return [int(v) for v in value]
    match = _YEAR_RANGE.match(str(value))
    if not match:
        raise BadInputError(f"manifest: cannot read years from {value!r}")
    first = int(match.group(1))
    last = int(match.group(2) or first)
    return list(range(first, last + 1))


def load_manifest(corpus_dir: Path) -> dict[str, ManifestEntry]:
    """Read corpus/manifest.toml (a table per file name); a missing manifest is empty."""
    path = corpus_dir / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise BadInputError(f"{path}: {exc}") from exc
    entries = {}
    for name, table in raw.items():
        if not isinstance(table, dict):
            raise BadInputError(f"{path}: '{name}' must be a table")
        entries[name] = ManifestEntry(
            title=table.get("title"),
            kind=table.get("kind"),
            delivered=str(table["delivered"]) if table.get("delivered") else None,
            reviewed_years=parse_years(table.get("reviewed_years")),
            planned_years=parse_years(table.get("planned_years")),
            speaker=table.get("speaker"),
            source=table.get("source"),
        )
    return entries


KINDS = ("work_report", "plan_report", "budget_report", "news", "feature")
# What a congress report's title calls itself: kind by its own words.
_KIND_IN_TITLE = [
    ("budget_report", re.compile(r"预算(?:执行情况|草案)")),
    ("plan_report", re.compile(r"计划(?:执行情况|草案)")),
    ("work_report", re.compile(r"政府工作报告")),
]
_HEAD_CHARS = 600
_YEAR = YEAR_OF_PART
# The year nearest the words: no other year between ("2014年…执行情况与2015年计划草案").
_TITLE_REVIEW = re.compile(rf"{_YEAR}[^，。\d]{{0,30}}?(?:计划|预算)执行情况")
_TITLE_PLAN = re.compile(rf"{_YEAR}[^，。\d]{{0,30}}?(?:计划|预算)(?:草案|安排)")
_TITLE_REPORT_YEAR = re.compile(rf"{_YEAR}[^，。]{{0,16}}政府工作报告")
_PAST_FIVE = re.compile(r"过去五年|五年来|这五年|近五年")
_NEXT_FIVE = re.compile(r"今后五年|未来五年")
_SINCE_PLAN = re.compile(r"[“\"]?([^“”\"]{2,6})[”\"]?(?:以来|期间|时期)")
_AHEAD_PLAN = re.compile(r"展望[“\"]?([^“”\"]{2,6})[”\"]?")
# A paragraph that opens with a year and goes on in the future tense.
_PLAN_SENTENCE = re.compile(rf"^{_YEAR}[，,][^。]{{0,60}}。?[^。]{{0,30}}?(?:将|要)")
_DATE = r"(?P<y>(?:19|20)\d{2})\s*(?:[-/.年])\s*(?P<m>\d{1,2})\s*(?:[-/.月])\s*(?P<d>\d{1,2})\s*日?"
_DATE_FIELD = re.compile(rf"[\u4e00-\u9fffA-Za-z]{{2,6}}\s*[:：]\s*{_DATE}")
_DATE_LINE = re.compile(rf"^\s*{_DATE}(?:\s+\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?\s*$")
_TITLE_SKIP = re.compile(r"[。；;]|[:：]$|^各位|^[—―-]{2}")
_QUALIFIER = re.compile(r"^[（(][^）)]{1,6}[）)]$")
_MULTI_YEAR = re.compile(r"过去五年|五年来|这五年|以来|期间|时期")
FEATURE_MIN_CHARS = 3000


@dataclass
class Found:
    """One inferred field: its value, how it was found, and the words it rests on."""

    value: Any
    how: str  # title | heading | delivery_line | date_field | date_line | page | period | lead | derived | manifest
    evidence: str = ""


def _iso(match: re.Match) -> str:
    return f"{match['y']}-{int(match['m']):02d}-{int(match['d']):02d}"


def find_speaker(text: str) -> str | None:
    """The district head who delivered the report, if named near the top."""
    match = _SPEAKER.search(text[:400])
    return match["name"] if match else None


def find_date(raw: str, text: str, page_date: str | None) -> Found | None:
    """Delivery or publication date: delivery line, a date field, a date line, the page's."""
    match = _DELIVERY.search(text[:_HEAD_CHARS])
    if match:
        return Found(_iso(match), "delivery_line", match.group(0))
    head = raw[:1500]
    match = _DATE_FIELD.search(head)
    if match:
        return Found(_iso(match), "date_field", match.group(0).strip())
    for line in [line for line in head.splitlines() if line.strip()][:12]:
        match = _DATE_LINE.match(line)
        if match:
            return Found(_iso(match), "date_line", line.strip())
    if page_date:
        return Found(page_date, "page", page_date)
    return None


def _title_like(line: str) -> bool:
    line = line.lstrip("# ").strip()
    return (
        6 <= len(line) <= 60
        and bool(re.search(f"[{HAN}]", line))
        and not _TITLE_SKIP.search(line)
        and not _DELIVERY.search(line)
        and not _DATE_LINE.match(line)
        and not (_SPEAKER.search(line) and len(line) <= 20)
        and not REVIEW_HEADING.match(line)
        and not PLAN_HEADING.match(line)
        and not re.match(
            r"[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)]|【", line
        )
    )


def find_title(text: str, raw: str = "") -> tuple[Found | None, str]:
    """The document's own title lines at its top (two are joined), and a qualifier
    line such as "（摘要）" (looked for in the raw lines too: a narrow column's
    clean-up may have joined it to the next line)."""
    lines = [line.strip() for line in text.split("\n") if line.strip()][:6]
    raw_lines = [line.strip() for line in raw.split("\n") if line.strip()][:3]
    qualifier = next((line for line in lines[:3] + raw_lines if _QUALIFIER.match(line)), "")
    titles: list[str] = []
    for line in lines:
        if line == qualifier:
            continue
        if not _title_like(line) or len(titles) == 2:
            break
        titles.append(line.lstrip("# ").strip())
    if not titles:
        return None, qualifier
    return Found("：".join(titles) + qualifier, "title", titles[0]), qualifier


def find_kind(title: Found | None, text: str) -> Found | None:
    """A congress report by its own title words or by its review and plan headings."""
    head = (title.value if title else "") + "\n" + text[:300]
    for kind, pattern in _KIND_IN_TITLE:
        match = pattern.search(head)
        if match:
            return Found(kind, "title", match.group(0))
    review = _first(REVIEW_HEADING, text)
    plan = _first(PLAN_HEADING, text)
    if review and plan:
        return Found("work_report", "heading", f"{review.group(0)} / {plan.group(0)}")
    # Delivered to the people's congress, and its head names no plan or budget report.
    delivery = _DELIVERY.search(text[:_HEAD_CHARS])
    if delivery:
        return Found("work_report", "delivery_line", delivery.group(0))
    return None


def _first(pattern: re.Pattern, text: str) -> re.Match | None:
    for line in text.split("\n"):
        match = pattern.match(line[:40])
        if match:
            return match
    return None


def _years_from_period(pattern: re.Pattern, text: str) -> tuple[list[int], str] | None:
    for match in pattern.finditer(text):
        span = plan_period(match.group(1))
        if span:
            return list(range(span[0], span[1] + 1)), match.group(0)
    return None


def find_years(
    title: Found | None, text: str, kind: str | None
) -> tuple[Found | None, Found | None]:
    """The years the document reviews and the years it plans, with their evidence."""
    text = chinese_numeral_years(text)
    title_text = chinese_numeral_years(title.value) if title else ""
    reviewed = planned = None
    if title_text:
        if match := _TITLE_REVIEW.search(title_text):
            reviewed = Found([int(match.group(1))], "title", match.group(0))
        if match := _TITLE_PLAN.search(title_text):
            planned = Found([int(match.group(1))], "title", match.group(0))
        if kind == "work_report" and (match := _TITLE_REPORT_YEAR.search(title_text)):
            year = int(match.group(1))
            reviewed = reviewed or Found([year - 1], "title", match.group(0))
            planned = planned or Found([year], "title", match.group(0))
    if reviewed is None and (match := _first(REVIEW_HEADING, text)):
        reviewed = Found([int(match.group(1))], "heading", match.group(0))
    if planned is None and (match := _first(PLAN_HEADING, text)):
        planned = Found([int(match.group(1))], "heading", match.group(0))
    if planned is None and (found := _years_from_period(_AHEAD_PLAN, text)):
        planned = Found(found[0], "period", found[1])
    if planned is None and (match := _first(_PLAN_SENTENCE, text)):
        planned = Found([int(match.group(1))], "period", match.group(0)[:20])
    since = _years_from_period(_SINCE_PLAN, text) if reviewed is None else None
    if since and (planned is None or since[0][0] < planned.value[0]):
        reviewed = Found(since[0], "period", since[1])
    anchor = planned.value[0] if planned else None
    if reviewed is None and anchor and (match := _PAST_FIVE.search(text)):
        reviewed = Found(list(range(anchor - 5, anchor)), "period", match.group(0))
    if planned is None and reviewed and (match := _NEXT_FIVE.search(text)):
        start = reviewed.value[-1] + 1
        planned = Found(list(range(start, start + 5)), "period", match.group(0))
    return reviewed, planned


def infer_kind_by_shape(text: str) -> Found:
    """Not a congress report: a feature reviews a period at length, news reports an event."""
    match = _MULTI_YEAR.search(text[:2000])
    if match and len(text) >= FEATURE_MIN_CHARS:
        return Found("feature", "period", match.group(0))
    return Found("news", "shape")


def lead_years(text: str) -> Found | None:
    """The years a news item's lead sentence names ("2023年12月,论坛在…举办")."""
    lead = re.split(r"[。！？]", chinese_numeral_years(text), maxsplit=1)[0]
    years = sorted({int(y) for y in re.findall(r"((?:19|20)\d{2})年", lead)})
    return Found(years, "lead", lead[:30]) if years else None


# The district a congress report names: "在上海市徐汇区第十八届人民代表大会", "徐汇区区长".
_DISTRICT = re.compile(
    rf"(?:(?<=[市省在])|^)([{HAN}]{{2,3}}区)(?:第[一二三四五六七八九十]+届人民代表|区长|代理区长|人民政府)",
    re.MULTILINE,
)


def derived_title(kind: str, date: Found | None, reviewed: Found | None, text: str, qualifier: str):
    """A title for a text that has no title line: a report's own name, else its lead."""
    district = _DISTRICT.search(text[:_HEAD_CHARS])
    place = district.group(1) if district else ""
    if kind == "work_report" and date:
        return Found(f"{date.value[:4]}年{place}政府工作报告{qualifier}", "derived", kind)
    if kind in ("plan_report", "budget_report") and reviewed:
        words = "预算执行情况" if kind == "budget_report" else "国民经济和社会发展计划执行情况"
        return Found(f"{place}{reviewed.value[-1]}年{words}的报告{qualifier}", "derived", kind)
    first = re.split(r"[。！？]", text.strip(), maxsplit=1)[0]
    return Found(first[:40], "lead", first[:40])


def infer_metadata(
    raw: str,
    text: str,
    *,
    page_title: str | None = None,
    page_date: str | None = None,
    manifest: ManifestEntry | None = None,
) -> tuple[dict[str, Found], list[tuple[str, Any, Any]]]:
    """Every field the text states or implies, each with where it came from.

    A manifest value wins over the text (an administrator's correction) and is used for
    what is derived from it (a work report's years from its delivery date). Returns the
    fields and (field, text's value, manifest's value) where the two disagree."""
    overridden: list[tuple[str, Any, Any]] = []

    def pick(name: str, inferred: Found | None) -> Found | None:
        value = getattr(manifest, name, None) if manifest else None
        if value in (None, [], ""):
            return inferred
        if inferred is not None and inferred.value != value and inferred.how != "derived":
            overridden.append((name, inferred.value, value))
        return Found(value, "manifest")

    title, qualifier = find_title(text, raw)
    if page_title:
        title = Found(page_title, "page", page_title)
    title = pick("title", title)
    kind = pick("kind", find_kind(title, text) or infer_kind_by_shape(text))
    date = pick("delivered", find_date(raw, text, page_date))
    text_reviewed, text_planned = find_years(title, text, kind.value)
    reviewed = pick("reviewed_years", text_reviewed)
    planned = pick("planned_years", text_planned)
    year = int(date.value[:4]) if date else None
    congress = kind.value in ("work_report", "plan_report", "budget_report")
    if congress and year and date.how in ("delivery_line", "manifest"):
        reviewed = reviewed or Found([year - 1], "derived", date.evidence or date.value)
        planned = planned or Found([year], "derived", date.evidence or date.value)
    if congress and date is None and planned:
        date = Found(str(planned.value[0]), "derived", planned.evidence)
    elif congress and date is None and reviewed:
        date = Found(str(reviewed.value[-1] + 1), "derived", reviewed.evidence)
    if not congress and reviewed is None and planned is None:
        reviewed = lead_years(text) or (Found([year], "derived", date.value) if year else None)
    found = {
        "title": title or derived_title(kind.value, date, reviewed, text, qualifier),
        "kind": kind,
    }
    for name, value in (
        ("delivered", date),
        ("reviewed_years", reviewed),
        ("planned_years", planned),
    ):
        if value is not None:
            found[name] = value
    speaker = find_speaker(text)
    speaker = pick("speaker", Found(speaker, "text", speaker) if speaker else None)
    if speaker:
        found["speaker"] = speaker
    return found, overridden
