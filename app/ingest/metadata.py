"""Document metadata: what the text says about itself, completed by corpus/manifest.toml.

A report delivered in year N reviews year N-1 and plans year N. The text usually
says when and by whom it was delivered ("2024年1月10日在…人民代表大会…区长钟晓咏");
the manifest supplies what it does not (a feature's period, a news source).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from app.errors import BadInputError
from app.text.cjk import HAN

MANIFEST_NAME = "manifest.toml"

_DELIVERY = re.compile(
    r"(?P<y>(19|20)\d{2})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日在[^。]{0,30}?人民代表"
)
_SPEAKER = re.compile(rf"(代理)?区长[;；:：]?(?P<name>[{HAN}]{{2,3}}?)(?=各位代表|\n|$|（|\()")
_REPORT_WORDS = ("政府工作报告",)
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


def find_delivery_date(text: str) -> str | None:
    """The ISO date a report was delivered to the people's congress, if the text says."""
    match = _DELIVERY.search(text[:600])
    if not match:
        return None
    return f"{match['y']}-{int(match['m']):02d}-{int(match['d']):02d}"


def find_speaker(text: str) -> str | None:
    """The district head who delivered the report, if named near the top."""
    match = _SPEAKER.search(text[:400])
    return match["name"] if match else None


def infer_kind(title: str, text: str) -> str:
    head = title + text[:300]
    if any(word in head for word in _REPORT_WORDS) or _DELIVERY.search(text[:600]):
        return "work_report"
    return "news"


def infer_title(text: str) -> str:
    first = text.strip().split("\n", 1)[0]
    return first[:60]
