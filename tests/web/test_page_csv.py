"""The page's own CSV download of an answer's table (built in app.js), run in Node."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
SCRIPT = Path(__file__).resolve().parents[2] / "app" / "web" / "static" / "app.js"
NODE = shutil.which("node")


def page_csv(table: dict) -> str:
    """`csvOf(table)` from app.js, run by Node."""
    source = SCRIPT.read_text(encoding="utf-8")
    function = re.search(r"^function csvOf\(table\) \{.*?^\}$", source, re.S | re.M).group(0)
    program = f"{function}\nprocess.stdout.write(csvOf({json.dumps(table)}));"
    return subprocess.run(
        [NODE, "-e", program], capture_output=True, text=True, check=True, timeout=30
    ).stdout


@pytest.mark.skipif(NODE is None, reason="needs Node to run the page's script")
def test_the_page_csv_cannot_carry_spreadsheet_formulas_from_documents():
    row = {
        "year": 2023,
        "stated": True,
        "written": "=1+1",
        "value": -5,
        "unit": "@%",
        "phase": "-actual",
        "source": "+2024年报告",
        "citation": 1,
    }
    lines = list(csv.reader(io.StringIO(page_csv({"rows": [row]}))))
    assert lines[1] == ["2023", "'=1+1", "-5", "'@%", "'-actual", "'+2024年报告", "1"]
