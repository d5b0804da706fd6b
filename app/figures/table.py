"""The figures table: every figure the indexed documents state, one row each, built with
the index and saved in its build folder (so it is swapped with the index, atomically).

Rows are looked up by indicator: the name a question gives is matched to the names the
reports give, whole, abbreviated (规上 for 规模以上) or as one of the renamings the
synonyms file lists (区级财政收入 became 区级一般公共预算收入). `group_of` names the
group a row's indicator falls in; an answer that reads rows under another name says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from pathlib import Path

from app.domain import UNVOUCHED_AUTHORITY, Chunk, Document
from app.figures.extract import Context, FigureRow, figures_in
from app.retrieve.indicators import names_in
from app.text.instructions import addresses_the_assistant
from app.text.sentences import split_sentences

FILE = "figures.jsonl"
GENERIC_NAME = 3  # a row's name this short may be a generic word ("整治", "项目")
NAMED_EARLIER = 0.8  # how surely a generic row is of an indicator its sentence names first
_PUNCT = re.compile(r"[“”\"《》（）()、\s]")
# How a figure is qualified, not what it is of: 新辟公共绿地 and 新建公共绿地 are one indicator.
_QUALIFYING = re.compile(r"^(?:新增|新建|新辟|新开工|累计|完成|全年)")


def load_synonyms(path: Path) -> list[tuple[str, ...]]:
    """Groups of names for one indicator (one group a line, tab-separated; # comments)."""
    if not path.is_file():
        return []
    groups = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            groups.append(tuple(n.strip() for n in line.split("\t") if n.strip()))
    return groups


def plain_name(name: str) -> str:
    return _QUALIFYING.sub("", _PUNCT.sub("", name))


def bigrams(text: str) -> set[str]:
    text = plain_name(text)
    return {text[i : i + 2] for i in range(len(text) - 1)}


def likeness(asked: str, name: str) -> float:
    """How surely `name` (a row's indicator) is the indicator `asked` names: 1 when the
    same, 0.9 when one abbreviates or ends the other, else the share of the asked name's
    character pairs it holds (0 for a name of fewer than two characters)."""
    asked, name = plain_name(asked), plain_name(name)
    if len(asked) < 2 or len(name) < 2:
        return 0.0
    if asked == name:
        return 1.0
    if len(asked) >= 3 and len(name) >= 3 and (names_in(asked, name) or names_in(name, asked)):
        return 0.9
    wanted = bigrams(asked)
    return len(wanted & bigrams(name)) / len(wanted)


@dataclass
class FigureTable:
    """The rows, and the indicator groups (synonyms) they are read with."""

    rows: list[FigureRow] = field(default_factory=list)
    synonyms: list[tuple[str, ...]] = field(default_factory=list)  # the current name first

    def __len__(self) -> int:
        return len(self.rows)

    @classmethod
    def build(
        cls, chunks: Iterable[Chunk], documents: dict[str, Document], synonyms=()
    ) -> FigureTable:
        """Every figure of every sentence of every chunk; a sentence two overlapping chunks
        share gives its rows once."""
        rows: list[FigureRow] = []
        seen: set[tuple[str, int]] = set()
        for chunk in chunks:
            doc = documents.get(chunk.doc_id)
            context = Context(
                doc_id=chunk.doc_id,
                doc_kind=doc.kind if doc else "upload",
                years=tuple(chunk.years),
                phase=chunk.phase,
                delivered_year=doc.delivered_year if doc else None,
                reviewed=tuple(doc.reviewed_years) if doc else (),
            )
            for sentence in split_sentences(chunk.text):
                offset = chunk.start + sentence.start
                if (chunk.doc_id, offset) in seen or addresses_the_assistant(sentence.text):
                    continue  # stated once; an instruction to a model states no figure
                seen.add((chunk.doc_id, offset))
                for row in figures_in(sentence.text, context):
                    rows.append(
                        replace(
                            row,
                            chunk_id=chunk.chunk_id,
                            sentence_start=sentence.start,
                            offset=offset,
                            authority=doc.authority if doc else UNVOUCHED_AUTHORITY,
                        )
                    )
        return cls(rows, list(synonyms))

    # ------------------------------------------------------------------ storage

    def save(self, folder: Path) -> None:
        """The rows, after a first line with the synonym groups they were built with (a
        build reads as it was made, whatever the prompts folder says later)."""
        with (folder / FILE).open("w", encoding="utf-8") as out:
            groups = [list(g) for g in self.synonyms]
            out.write(json.dumps({"synonyms": groups}, ensure_ascii=False) + "\n")
            for row in self.rows:
                out.write(json.dumps(asdict(row), ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, folder: Path) -> FigureTable:
        path = folder / FILE
        if not path.is_file():
            return cls()
        rows, synonyms = [], []
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                data = json.loads(line) if line.strip() else None
                if data is None:
                    continue
                if "synonyms" in data:
                    synonyms = [tuple(g) for g in data["synonyms"]]
                else:
                    rows.append(FigureRow(**data))
        return cls(rows, synonyms)

    # ------------------------------------------------------------------ reading

    def names_for(self, asked: str) -> set[str]:
        """The asked name and every name its synonyms group holds."""
        names = {asked}
        for group in self.synonyms:
            if any(likeness(asked, n) >= 0.9 for n in group):
                names |= set(group)
        return names

    def group_of(self, name: str) -> str:
        """The name a row's indicator is grouped under: its synonym group's first name
        (the current one, listed first), or itself."""
        for group in self.synonyms:
            if any(likeness(name, n) >= 0.9 for n in group):
                return group[0]
        return plain_name(name)

    def matching(self, asked: list[str], minimum: float) -> list[tuple[float, FigureRow]]:
        """Rows whose indicator is one of the asked names (or a synonym), with how surely."""
        names = set().union(*(self.names_for(a) for a in asked)) if asked else set()
        found = []
        for row in self.rows:
            if not row.indicator:
                continue
            score = max((likeness(n, row.indicator) for n in names), default=0.0)
            if score < minimum and len(plain_name(row.indicator)) <= GENERIC_NAME:
                # A generic word before the figure ("13公里整治"): the indicator is named
                # earlier in its sentence ("实施架空线入地和合杆整治工程,…全年完成…").
                opening = row.sentence[: row.start]
                if any(len(n) >= 4 and names_in(n, opening) for n in names):
                    score = max(score, NAMED_EARLIER)
            if score >= minimum:
                found.append((score, row))
        return found

    def stated_at(self, doc_id: str, offset: int) -> tuple[FigureRow, ...] | None:
        """The rows of the sentence at `offset` of a document's text, or None when the table
        did not read that sentence (one addressed to the assistant, or a table of another
        build)."""
        return self._by_sentence.get((doc_id, offset))

    @cached_property
    def _by_sentence(self) -> dict[tuple[str, int], tuple[FigureRow, ...]]:
        found: dict[tuple[str, int], list[FigureRow]] = {}
        for row in self.rows:
            found.setdefault((row.doc_id, row.offset), []).append(row)
        return {key: tuple(rows) for key, rows in found.items()}

    def names(self) -> frozenset[str]:
        """The indicator names the rows give (of three or more characters)."""
        return frozenset(r.indicator for r in self.rows if len(r.indicator) >= 3)

    def years(self) -> list[int]:
        """The years the table holds a figure for."""
        return sorted({y for r in self.rows if r.start_year for y in (r.start_year, r.end_year)})
