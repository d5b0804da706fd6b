"""The figures table as CSV."""

from __future__ import annotations

import csv
import io

import pytest

from app.figures.export import to_csv

pytestmark = pytest.mark.unit


def test_cells_from_documents_cannot_become_spreadsheet_formulas():
    row = {
        "year": 2023,
        "indicator": "=1+1",
        "written": "-5%",
        "value": -5.0,
        "unit": "@%",
        "kind": "rate",
        "phase": "actual",
        "source": "+2024年报告",
        "doc_id": "004_913ca56bbd2cc909",
    }
    lines = list(csv.reader(io.StringIO(to_csv({"rows": [row]}))))
    assert lines[1] == [
        "2023",
        "'=1+1",
        "'-5%",
        "-5.0",
        "'@%",
        "rate",
        "actual",
        "'+2024年报告",
        "004_913ca56bbd2cc909",
    ]
