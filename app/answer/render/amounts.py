"""Amounts and their units in English: 560亿元 → 56 billion yuan (560亿元)."""

from __future__ import annotations

from app.figures.extract import FigureRow

_SCALES = {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3, "百": 1e2}
_ENGLISH_UNITS = {
    "元": "yuan",
    "美元": "US dollars",
    "平方米": "m²",
    "平方公里": "km²",
    "平方千米": "km²",
    "公顷": "hectares",
    "亩": "mu",
    "公里": "km",
    "千米": "km",
    "米": "m",
    "吨": "tonnes",
    "%": "%",
    "个百分点": "percentage points",
    "人次": "person-times",
    "倍": "times",
    "千伏": "kV",
}
_BOUNDS_EN = {"超过": "over ", "突破": "over ", "超": "over ", "近": "nearly ", "约": "about "}


def english_amount(number: float, unit: str, written: str = "") -> str:
    """An amount with its unit in English: (560, 亿元) → 56 billion yuan (560亿元), (6720, 个)
    → 6720, (6, 万平方米, 超6万平方米) → over 60000 m² (超6万平方米). The figure as written, when
    the report writes it in 万 or 亿, stays beside it, so it can be found in the sentence."""
    unit = unit.replace(" ", "")
    scale = next((s for s in _SCALES if unit.startswith(s) and unit != s + "次"), "")
    base = unit[len(scale) :] if scale else unit
    bound = next((w for k, w in _BOUNDS_EN.items() if written.startswith(k)), "")
    if written.rstrip().endswith(("余", "多", "以上")) or "余" in written:
        bound = bound or "over "
    amount = number * _SCALES.get(scale, 1)
    if amount >= 1e9:
        shown = f"{amount / 1e9:.3f}".rstrip("0").rstrip(".") + " billion"
    elif amount >= 1e6:
        shown = f"{amount / 1e6:.3f}".rstrip("0").rstrip(".") + " million"
    else:
        shown = f"{amount:.2f}".rstrip("0").rstrip(".")
    if base == "%":
        return f"{bound}{shown}%"
    english = _ENGLISH_UNITS.get(base)
    text = f"{bound}{shown}" + (f" {english}" if english else "")
    return f"{text} ({written or _plain_number(number) + unit})" if scale else text


def _plain_number(number: float) -> str:
    return f"{number:.4f}".rstrip("0").rstrip(".")


def english_figure(row: FigureRow) -> str:
    """A row's figure in English (`english_amount`); a range as written."""
    if row.number is None or "-" in row.value or "—" in row.value:
        return row.written
    return english_amount(row.number, row.unit or "", row.written)
