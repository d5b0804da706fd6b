"""Cells of the CSV files the service writes, made safe to open in a spreadsheet."""

from __future__ import annotations

# A cell starting with one of these is read by Excel, LibreOffice and Google Sheets as a
# formula (or a formula after a tab or line break): a question or a document's text could
# then run =HYPERLINK(…) or worse in the administrator's spreadsheet (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula, behind a single quote (which makes it
    plain text); numbers and other text unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values) -> list:
    """Each cell of a row through `safe_cell`."""
    return [safe_cell(v) for v in values]
