import json
from dataclasses import replace

import pytest

from app.answer.asked import asked, asked_pieces
from app.answer.decision import Cell, Decision, Form, Outcome
from app.answer.render import render
from app.cli import main as cli_main
from app.domain import AskOptions
from app.figures.export import to_csv
from app.index import build_index, load_index
from app.retrieve.query import analyse_question
from app.service import QAService
from tests.answer.helpers import library

pytestmark = pytest.mark.unit

# Three reports, each reviewing the year before its delivery and planning its own. The
# 2022 report calls the revenue by its older name; the 2024 one states no green space.
REPORTS = {
    2022: "2021年工作回顾\n全年完成区级财政收入198.1亿元,同比增长2%。新增公共绿地5公顷。\n"
    "2022年主要任务\n区级财政收入增长5%。新增公共绿地6公顷。\n",
    2023: "2022年工作回顾\n完成区级一般公共预算收入205.3亿元,同比增长3.6%。新增公共绿地5.5公顷。\n"
    "2023年主要任务\n区级一般公共预算收入增长5%。\n",
    2024: "2023年工作回顾\n完成区级一般公共预算收入230.5亿元,同比增长12.3%。\n"
    "2024年主要任务\n区级一般公共预算收入增长6%。\n",
}


@pytest.fixture
def service(settings, fake_embedder):
    corpus = settings.corpus_dir
    for path in corpus.iterdir():
        path.unlink()
    manifest = []
    for year, text in REPORTS.items():
        (corpus / f"report{year}.txt").write_text(
            f"上海市徐汇区 政府工作报告\n{text}", encoding="utf-8"
        )
        manifest.append(
            f'["report{year}.txt"]\ntitle = "{year}年徐汇区政府工作报告"\nkind = "work_report"\n'
            f'delivered = "{year}-01-10"\n'
        )
    # A news item rounds a figure a report states exactly.
    (corpus / "news.txt").write_text(
        "徐汇财政收入稳步增长\n2023年,徐汇区完成区级一般公共预算收入约230亿元。\n", encoding="utf-8"
    )
    manifest.append('["news.txt"]\nkind = "news"\ndelivered = "2024-02-01"\n')
    (corpus / "manifest.toml").write_text("\n".join(manifest), encoding="utf-8")
    index = build_index(settings, fake_embedder)
    return QAService(settings, index, fake_embedder)


def test_a_series_is_a_cited_cell_per_year_under_both_names_of_the_indicator(service):
    answer = service.ask(
        "2021年到2023年区级一般公共预算收入各是多少？", AskOptions(mode="extractive")
    )
    assert answer.verification["form"] == "series"
    assert answer.verification["outcome"] == "answered: table"
    rows = {r["year"]: r for r in answer.table["rows"]}
    assert [rows[y]["written"] for y in (2021, 2022, 2023)] == [
        "198.1亿元",
        "205.3亿元",
        "230.5亿元",
    ]
    assert all(rows[y]["phase"] == "actual" for y in rows)
    assert "区级财政收入" in answer.table["grouped"]  # the grouping is shown, not silent
    by_n = {c["n"]: c for c in answer.citations}
    for row in rows.values():
        assert row["written"].replace("亿元", "") in by_n[row["citation"]]["quote"]
    assert "2021年198.1亿元[1]" in answer.answer
    assert "| 2022 | 205.3亿元 | 实际 |" in answer.table["markdown"]


def test_another_documents_different_figure_is_shown_beside_the_reports_never_instead(service):
    answer = service.ask(
        "2022年到2023年区级一般公共预算收入各是多少？", AskOptions(mode="extractive")
    )
    row = {r["year"]: r for r in answer.table["rows"]}[2023]
    assert row["written"] == "230.5亿元" and row["source"] == "2024年报告"
    (other,) = row["others"]
    assert other["written"] == "约230亿元"
    assert (
        f"2023年230.5亿元[{row['citation']}]（另一来源为约230亿元[{other['citation']}]）"
        in answer.answer
    )


def test_a_year_no_report_states_is_said_to_be_missing_and_never_filled(service):
    answer = service.ask("2021年至2023年每年新增公共绿地多少公顷？", AskOptions(mode="extractive"))
    rows = {r["year"]: r for r in answer.table["rows"]}
    assert rows[2021]["written"] == "5公顷" and rows[2022]["written"] == "5.5公顷"
    assert rows[2023]["stated"] is False
    assert "2023年：报告中未载" in answer.answer


def test_a_comparison_of_two_years_is_computed_from_two_cells(service):
    answer = service.ask(
        "2023年区级一般公共预算收入比2021年增加了多少？", AskOptions(mode="extractive")
    )
    assert answer.verification["outcome"] == "compared"
    assert "2021年为198.1亿元[1]" in answer.answer and "2023年为230.5亿元[2]" in answer.answer
    assert "多32.4亿元" in answer.answer


def test_an_english_series_labels_years_and_units_in_english(service):
    from app.answer.decision import Form
    from app.answer.render import render
    from app.answer.series import decide_series

    query = service._retriever.analyse("区级一般公共预算收入2021年到2023年各是多少")
    query.language = "en"
    decision = decide_series(query, service.index, 0.75, Form.SERIES)
    text = render(decision, query)
    assert "2021: 19.81 billion yuan (198.1亿元)[1];" in text


def test_the_table_is_saved_with_the_index_and_read_back(service, settings):
    loaded = load_index(settings.index_dir)
    assert len(loaded.figures) == len(service.index.figures) > 0
    assert loaded.figures.rows == service.index.figures.rows
    assert loaded.figures.synonyms == service.index.figures.synonyms


def test_figures_by_indicator_for_the_cli_and_api_and_bad_spans(service, capsys, monkeypatch):
    table = service.figures("区级财政收入", 2020, 2023)
    assert [r["stated"] for r in table["rows"]] == [False, True, True, True]
    assert table["rows"][0].get("uncovered") is True  # no document covers 2020
    csv = to_csv(table).splitlines()
    assert csv[0].startswith("year,indicator,figure") and csv[2].startswith("2021,")
    from app.errors import BadInputError

    with pytest.raises(BadInputError):
        service.figures("区级财政收入", 1980, 2025)
    from app import cli

    monkeypatch.setattr(cli, "_service", lambda args: service)
    assert cli_main(["figures", "公共绿地", "--from", "2021", "--to", "2022", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [r.get("written") for r in printed["rows"]] == ["5公顷", "5.5公顷"]


def test_an_indicator_never_stated_gets_the_nearest_ones_and_a_long_span_a_message(service):
    missing = service.ask("2021年到2023年每年新增公共绿化多少公顷？", AskOptions(mode="extractive"))
    assert missing.refused and missing.table == {}
    assert "报告中有数字的相近指标：公共绿地" in missing.answer
    long = service.ask("1990年到2023年区级财政收入各是多少？", AskOptions(mode="extractive"))
    assert long.refused and long.verification["outcome"] == "refused: span too long to list"
    assert "1990—2023年跨度太长" in long.answer


class PickingLLM:
    """A fake model that chooses the numbered candidate holding `figure` and states it
    (and says none when no candidate holds it)."""

    model_id = "fake-picking"

    def __init__(self, figure: str) -> None:
        self.figure = figure
        self.calls = 0

    def complete(self, messages, *, stream=False, max_tokens=160, lead=None, grammar=None):
        import re

        self.calls += 1
        prompt = messages[-1]["content"]
        numbers = [
            n for n, text in re.findall(r"^\[(\d+)\](.*)$", prompt, re.M) if self.figure in text
        ]
        choice = numbers[0] if numbers else "0"
        if lead is not None:
            rest = (1 - 0.95) / max(1, len(lead.options) - 1)
            lead.probs = {o: (0.95 if o == choice else rest) for o in lead.options}
        yield f"[{choice}] 为{self.figure}。" if numbers else "[0] 报告中未提及。"


def test_a_series_in_words_the_reports_do_not_use_is_read_for_the_indicator_the_model_names(
    settings, service
):
    question = "2021年到2023年每年新增的公共绿化面积有多少公顷？"  # the reports say 公共绿地
    llm = PickingLLM("5.5公顷")
    answer = QAService(settings, service.index, service.embedder, llm).ask(
        question, AskOptions(mode="llm")
    )
    assert llm.calls == 1  # one lookup names the indicator; the table gives every cell
    assert answer.verification["outcome"] == "answered: table"
    rows = {r["year"]: r for r in answer.table["rows"]}
    assert rows[2021]["written"] == "5公顷" and rows[2022]["written"] == "5.5公顷"
    assert not rows[2023]["stated"]  # the 2024 report states none: never filled
    assert answer.table["indicator"] == "公共绿地"
    refusing = QAService(settings, service.index, service.embedder, PickingLLM("7.7公顷"))
    refused = refusing.ask(question, AskOptions(mode="llm"))
    assert refused.refused and refused.table == {}


class UnsureFirstLLM(PickingLLM):
    """Refuses its first lookup (the question over all its years), then picks."""

    def complete(self, messages, **kwargs):
        if self.calls == 0:
            self.calls += 1
            lead = kwargs.get("lead")
            if lead is not None:
                lead.probs = {o: 1 / len(lead.options) for o in lead.options}
            yield "[0] 报告中未提及。"
            return
        yield from super().complete(messages, **kwargs)


def test_a_series_the_models_first_lookup_cannot_name_is_named_by_one_years_lookup(
    settings, service
):
    llm = UnsureFirstLLM("5公顷")
    answer = QAService(settings, service.index, service.embedder, llm).ask(
        "2021年到2023年每年新增的公共绿化面积有多少公顷？", AskOptions(mode="llm")
    )
    # 2023 (the 2024 report states no green space) is looked up alone, then 2021
    assert answer.verification["outcome"] == "answered: table"
    assert answer.table["indicator"] == "公共绿地"
    assert llm.calls <= 4


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        # each piece read as its own question: its own unit, its own words
        ("2022年新增绿地多少公顷？财政收入是多少？", ["公共绿地5.5公顷[1]", "205.3亿元[2]"]),
        # a piece that asks for a rate and names nothing asks for the growth of the one before
        ("2023年区级一般公共预算收入是多少？同比增长多少？", ["230.5亿元[1]", "增长12.3%[2]"]),
    ],
)
def test_several_figures_of_one_year_are_read_piece_by_piece_from_the_table(
    service, question, wanted
):
    answer = service.ask(question, AskOptions(mode="extractive"))
    assert answer.verification["form"] == "values"
    assert answer.verification["outcome"] == "answered: table"
    for text in wanted:
        assert text in answer.answer
    assert len(answer.citations) == 2


def test_two_pieces_that_read_one_figure_are_not_two_figures(service):
    answer = service.ask(
        "2023年区级一般公共预算收入是多少？区级一般公共预算收入是多少？",
        AskOptions(mode="extractive"),
    )
    assert answer.verification["outcome"] != "answered: table"


def test_a_piece_in_words_the_reports_do_not_use_is_read_for_the_indicator_the_model_names(
    settings, service
):
    # 公共绿化面积 is no name of the reports' (公共绿地); 财政收入 is read from the table itself
    question = "2022年公共绿化面积新增多少公顷？财政收入是多少？"
    llm = PickingLLM("5.5公顷")
    answer = QAService(settings, service.index, service.embedder, llm).ask(
        question, AskOptions(mode="llm")
    )
    assert llm.calls == 1  # only the piece the table could not read is looked up
    assert answer.verification["outcome"] == "answered: table"
    assert "公共绿地5.5公顷[1]" in answer.answer and "205.3亿元[2]" in answer.answer
    refusing = QAService(settings, service.index, service.embedder, PickingLLM("7.7公顷"))
    assert refusing.ask(question, AskOptions(mode="llm")).verification["outcome"] != (
        "answered: table"
    )


def test_a_growth_target_is_put_against_the_growth_and_the_level_its_sentence_states(service):
    answer = service.ask(
        "2023年区级一般公共预算收入的增长目标完成了吗？", AskOptions(mode="extractive")
    )
    assert answer.verification["outcome"] == "answered: target and actual"
    assert "2023年目标：增长5%[1]" in answer.answer
    assert "实际：230.5亿元，增长12.3%[2]" in answer.answer  # one sentence states both
    assert answer.answer.endswith("达到目标。")
    english = service.ask(
        "Did Xuhui meet its 2023 growth target for district general public budget revenue?",
        AskOptions(mode="extractive"),
    )
    assert english.verification["form"] == "target_actual"


@pytest.mark.parametrize(
    ("question", "rate"),
    [
        ("2021年至2023年，全区PM2.5平均浓度每年下降多少？", True),
        ("2022年碳排放强度比上年降低了多少？", True),
        ("How much did water use per unit of output fall by in 2022?", True),
        ("2021年至2023年，全区新增多少公顷绿地？", False),
    ],
)
def test_a_fall_is_asked_as_a_rate_of_change_as_a_rise_is(question, rate):
    assert asked(analyse_question(question, 2026)).rate is rate


def test_a_range_word_is_an_asking_word_only_before_a_year():
    # "到" joins the years of a range; in 实际到位 it is a character of the words asked about
    assert asked(analyse_question("2020年到2023年实际到位资金是多少？", 2026)).names == (
        "实际到位资金",
    )


def test_the_number_of_is_an_asking_word_as_how_many_is():
    wording = "2019年到2023年，税收超亿元的楼宇数量是怎么变化的？"
    assert asked(analyse_question(wording, 2026)).names == ("税收超亿元楼宇",)


@pytest.fixture
def industries(settings, fake_embedder):
    report = (
        "上海市徐汇区 政府工作报告\n2023年工作回顾\n全年人工智能及相关产业总产出达到292亿元。"
        "合同利用外资12亿美元。新增公共绿地5.5公顷。电梯加装完工254台。\n"
        "2024年主要任务\n加装电梯150台。\n"
    )
    return library(
        settings,
        fake_embedder,
        {"report2024.txt": report},
        '["report2024.txt"]\ntitle = "2024年徐汇区政府工作报告"\nkind = "work_report"\n'
        'delivered = "2024-01-10"\n',
    )


def test_a_series_under_a_name_no_row_of_its_years_gives_is_read_for_the_one_the_model_names(
    settings, industries
):
    # 加装电梯 is the reports' name of the 2024 target; the 2023 result says 电梯加装完工
    llm = PickingLLM("254台")
    service = QAService(settings, industries.index, industries.embedder, llm)
    answer = service.ask("2022年到2023年每年加装电梯多少台？", AskOptions(mode="llm"))
    assert llm.calls == 1
    assert answer.verification["outcome"] == "answered: table"
    rows = {r["year"]: r for r in answer.table["rows"]}
    assert rows[2023]["written"] == "254台" and not rows[2022]["stated"]


@pytest.mark.parametrize(
    "question",
    [
        # the reports' name written with another conjunction
        "2023年人工智能和相关产业总产出与合同利用外资分别是多少？",
        # cut at its conjunction, the rest of the name in the question's own words
        "2023年人工智能和相关产业的总产出，以及合同利用外资分别是多少？",
    ],
)
def test_a_name_cut_at_its_own_conjunction_is_one_figure_asked(industries, question):
    answer = industries.ask(question, AskOptions(mode="extractive"))
    assert answer.verification["outcome"] == "answered: table"
    assert "292亿元[1]" in answer.answer and "12亿美元[2]" in answer.answer


def test_an_english_piece_is_read_by_the_glossary_term_for_its_words(industries):
    # The model's translation says 绿色空间; the glossary's term for "green space" is 绿地.
    query = replace(
        analyse_question(
            "In 2023, how much contracted foreign investment was used, and how "
            "much green space was added?",
            2024,
        ),
        translation="2023年利用了多少合同利用外资，以及新增了多少绿色空间？",
        glossed=[
            ("Xuhui", "徐汇"),
            ("contracted foreign investment", "合同外资"),
            ("green space", "绿地"),
        ],
    )
    wants = asked_pieces(query, industries.index.figures)
    assert [w.names for w in wants] == [("合同利用外资",), ("绿地",)]
    assert all(w.named for w in wants)


def test_an_english_answer_names_each_figure_in_the_questions_words_for_it(industries):
    query = replace(
        analyse_question(
            "In 2023, what were the AI industry's output and the new green space?", 2024
        ),
        glossed=[("AI industry", "人工智能"), ("green space", "绿地")],
    )
    rows = [r for r in industries.index.figures.rows if r.unit in ("亿元", "公顷")]
    decision = Decision(
        Outcome.TABULATED,
        Form.VALUES,
        (),
        indicator="",
        cells=tuple(Cell(2023, row, (n,)) for n, row in enumerate(rows, 1)),
    )
    text = render(decision, query)
    assert "AI industry (人工智能及相关产业总产出): 29.2 billion yuan" in text
    assert "green space (公共绿地): 5.5 hectares" in text
