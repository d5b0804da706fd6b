"""The reports as MCP tools, for agents: `search_reports`, `ask_reports`, `figures`,
`list_documents`, `get_document`, with typed inputs and outputs (the official `mcp` SDK's `MCPServer`).

Two transports serve the same tools: stdio (`xuhui-qa mcp`, which loads the service in
its own process) and streamable HTTP at `/mcp` in the web app (which shares the web
app's service and its queue for the model).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app import __version__
from app.domain import Answer, AskOptions, Document, checked_question
from app.errors import XuhuiQAError
from app.service import QAService
from app.text.visible import visible_text

INSTRUCTIONS = (
    "Answers questions about the Xuhui District (上海市徐汇区) government work reports and "
    "related texts, in Chinese or English. Every answer cites the passages it rests on; when "
    "the reports do not say, `refused` is true and the answer says what they give nearby. "
    "A report delivered in year N reviews year N-1 and plans year N."
)
# (question, earlier questions of the conversation, mode, year, doc_id) → the answer
AskFunction = Callable[[str, list[str], str | None, int | None, str | None], Answer]


class Passage(BaseModel):
    doc_id: str
    title: str
    section: str
    text: str
    years: list[int]
    delivered: str | None
    score: float
    link: str = Field(description="Path of the document page with the passage highlighted.")


class SearchOutput(BaseModel):
    question: str
    years: list[int] = Field(description="The years the question was read as asking about.")
    passages: list[Passage]


class Citation(BaseModel):
    n: int = Field(description="The number of the [n] marker in the answer.")
    doc_id: str
    title: str
    section: str
    label: str = Field(description="Which report and period the passage belongs to.")
    quote: str = Field(description="The sentence(s) the answer rests on.")
    link: str
    conflict: bool = Field(
        False,
        description="Another document's differing statement, not used: shown apart.",
    )


class AnswerPoint(BaseModel):
    text: str = Field(description="One point of an open question's answer, with its [n] markers.")
    citations: list[int] = Field(description="The citation numbers the point rests on.")


class FigureRow(BaseModel):
    year: int
    stated: bool = Field(description="False when the reports state no figure for the year.")
    written: str | None = Field(None, description="The figure as the report writes it: 560亿元.")
    value: float | None = None
    unit: str | None = None
    phase: str | None = Field(None, description="actual, expected (预计) or target.")
    source: str | None = Field(None, description="Which document: 2024年报告.")
    doc_id: str | None = None
    quote: str | None = Field(None, description="The sentence that states it.")
    link: str | None = None


class FiguresOutput(BaseModel):
    indicator: str = Field(description="The indicator as the reports name it.")
    grouped: list[str] = Field(description="Other names its rows were read under.")
    rows: list[FigureRow]


class AskOutput(BaseModel):
    answer: str = Field(description="The answer, with [n] markers for its citations.")
    refused: bool = Field(description="True when the reports do not give the answer.")
    citations: list[Citation]
    points: list[AnswerPoint] = Field(
        default_factory=list, description="An open question's answer as a list of points."
    )
    table: FiguresOutput | None = Field(
        None, description="A series or comparison answer as a table, one row a year."
    )
    resolved_question: str = Field(
        description="The standalone question answered (a follow-up read with its history)."
    )
    source_note: str
    answer_id: str | None = Field(description="Id for feedback: POST /api/answers/{id}/feedback.")


class DocumentInfo(BaseModel):
    doc_id: str
    title: str
    kind: str
    delivered: str | None
    reviewed_years: list[int]
    planned_years: list[int]
    speaker: str | None
    characters: int


class DocumentList(BaseModel):
    documents: list[DocumentInfo]


class DocumentText(DocumentInfo):
    text: str = Field(description="The cleaned text (a window of it, by offset and length).")
    offset: int
    total_characters: int


def _link(doc_id: str, start: int, end: int) -> str:
    return f"/documents/{doc_id}?hl={start}-{end}#hl"


def _info(doc: Document) -> dict:
    return {
        "doc_id": doc.doc_id,
        "title": doc.title,
        "kind": doc.kind,
        "delivered": doc.delivered,
        "reviewed_years": doc.reviewed_years,
        "planned_years": doc.planned_years,
        "speaker": doc.speaker,
        "characters": len(doc.text),
    }


def _figures(table: dict, citations: list[dict]) -> FiguresOutput:
    cited = {c["n"]: c for c in citations}
    rows = []
    for row in table["rows"]:
        citation = cited.get(row.get("citation"))
        rows.append(
            FigureRow(
                **{
                    k: row.get(k)
                    for k in (
                        "year",
                        "stated",
                        "written",
                        "value",
                        "unit",
                        "phase",
                        "source",
                        "doc_id",
                    )
                },
                quote=row.get("quote") or (citation["quote"] if citation else None),
                link=_link(row["doc_id"], row["start"], row["end"])
                if row.get("start") is not None
                else None,
            )
        )
    return FiguresOutput(indicator=table["indicator"], grouped=table["grouped"], rows=rows)


def reported(tool: Callable) -> Callable:
    """A tool whose domain errors (an unknown document, an empty question, a full queue)
    reach the agent as an error with their sentence; the SDK would hide any other
    exception's text behind "Error executing tool"."""
    from mcp.server.mcpserver.exceptions import ToolError

    @functools.wraps(tool)
    def call(*args, **kwargs):
        try:
            return tool(*args, **kwargs)
        except XuhuiQAError as exc:
            raise ToolError(str(exc)) from exc

    return call


def build_mcp(service: Callable[[], QAService], ask: AskFunction | None = None):
    """The MCP server over a service (got when a tool is called: it may be swapped or still
    loading). `ask` answers a question (default: the service directly, no queue)."""
    from mcp.server.mcpserver import MCPServer

    def ask_directly(question, history, mode, year, doc_id) -> Answer:
        return service().converse(
            question,
            history=history,
            channel="mcp",
            options=AskOptions(mode=mode, year=year, doc_id=doc_id),
        )

    ask = ask or ask_directly
    server = MCPServer(name="xuhui-qa", instructions=INSTRUCTIONS, version=__version__)

    @server.tool()
    @reported
    def search_reports(
        query: Annotated[
            str, Field(min_length=1, max_length=500, description="Words or a question.")
        ],
        k: Annotated[int, Field(ge=1, le=20, description="How many passages.")] = 5,
        year: Annotated[int | None, Field(ge=1990, le=2100, description="Only about it.")] = None,
        doc_id: Annotated[str | None, Field(description="Only this document.")] = None,
    ) -> SearchOutput:
        """Passages of the reports most relevant to a query, best first (no answer)."""
        query = checked_question(query, service().settings.max_question_chars)
        result = service().search(query, k=k, year=year, doc_id=doc_id)
        passages = []
        for p in result.passages:
            data = p.to_dict()
            data["link"] = _link(p.chunk.doc_id, p.chunk.start, p.chunk.end)
            passages.append(Passage(**{k: data[k] for k in Passage.model_fields}))
        return SearchOutput(question=query, years=result.query.years, passages=passages)

    @server.tool()
    @reported
    def ask_reports(
        question: Annotated[
            str, Field(min_length=1, max_length=500, description="Chinese or English.")
        ],
        history: Annotated[
            list[str],
            Field(
                max_length=50,
                description="Earlier questions of the conversation, oldest first, so that a "
                "follow-up like '那2024年呢？' is read against them.",
            ),
        ] = (),
        mode: Annotated[
            Literal["llm", "extractive"] | None,
            Field(description="'extractive' quotes sentences without the language model."),
        ] = None,
        year: Annotated[int | None, Field(ge=1990, le=2100)] = None,
        doc_id: str | None = None,
    ) -> AskOutput:
        """A verified answer with citations, or a refusal that says what the reports give nearby."""
        question = checked_question(question, service().settings.max_question_chars)
        earlier = [h for h in map(visible_text, history) if h]
        answer = ask(question, earlier, mode, year, doc_id)
        citations = [
            Citation(
                n=c["n"],
                doc_id=c["doc_id"],
                title=c["title"],
                section=c.get("section") or "",
                label=c.get("label") or "",
                quote=c["quote"],
                link=_link(c["doc_id"], c["start"], c["end"]),
                conflict=bool(c.get("conflict")),
            )
            for c in answer.citations
        ]
        return AskOutput(
            answer=answer.answer,
            refused=answer.refused,
            citations=citations,
            points=[AnswerPoint(**p) for p in answer.points],
            table=_figures(answer.table, answer.citations) if answer.table else None,
            resolved_question=answer.question,
            source_note=answer.source_note,
            answer_id=answer.turn_id,
        )

    @server.tool()
    @reported
    def figures(
        indicator: Annotated[
            str,
            Field(
                min_length=1, max_length=100, description="As the reports name it: 区级财政收入."
            ),
        ],
        first_year: Annotated[int, Field(ge=1990, le=2100)],
        last_year: Annotated[int, Field(ge=1990, le=2100)],
    ) -> FiguresOutput:
        """An indicator's figure for each year, from the table of every figure the reports
        state: each row cited to its sentence; a year they do not state has stated=false."""
        table = service().figures(indicator.strip(), first_year, last_year)
        if not table:
            years = range(first_year, last_year + 1)
            return FiguresOutput(
                indicator=indicator,
                grouped=[],
                rows=[FigureRow(year=y, stated=False) for y in years],
            )
        return _figures(table, [])

    @server.tool()
    @reported
    def list_documents() -> DocumentList:
        """The documents in the library, with their kind and the years they review and plan."""
        return DocumentList(documents=[DocumentInfo(**_info(d)) for d in service().documents()])

    @server.tool()
    @reported
    def get_document(
        doc_id: Annotated[str, Field(description="An id from list_documents.")],
        offset: Annotated[int, Field(ge=0, description="First character of the window.")] = 0,
        length: Annotated[int, Field(ge=1, le=20000, description="Characters shown.")] = 4000,
    ) -> DocumentText:
        """One document's metadata and (a window of) its cleaned text."""
        doc = service().document(doc_id)
        return DocumentText(
            **_info(doc),
            text=doc.text[offset : offset + length],
            offset=offset,
            total_characters=len(doc.text),
        )

    return server


def serve_stdio(settings) -> None:
    """`xuhui-qa mcp`: the service in this process, the tools over stdin/stdout."""
    from app.service import build_service

    qa = build_service(settings, build_if_missing=True)
    build_mcp(lambda: qa).run("stdio")
