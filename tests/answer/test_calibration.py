import json

import pytest

from app.answer.calibration import Calibration, features
from app.answer.grounding import Commitment
from app.retrieve.query import analyse_question

pytestmark = pytest.mark.unit


def test_features_read_the_choice_its_margin_and_the_probability_of_none():
    query = analyse_question("“十四五”期间徐汇新建多少所学校", 2026)
    values = features(Commitment(2, {0: 0.1, 1: 0.2, 2: 0.7}), query)
    assert values["margin"] == pytest.approx(0.5) and values["p_none"] == pytest.approx(0.1)
    assert values["span"] == 1.0 and values["english"] == 0.0
    assert features(Commitment(0, {0: 0.9, 1: 0.1}), query) is None  # no sentence chosen


def test_a_surer_margin_raises_the_estimate_and_the_threshold_decides(tmp_path):
    path = tmp_path / "calibration.json"
    weights = {"logit_p": 1.0, "margin": 2.0, "p_none": -1.0, "english": 0.0, "span": 0.0}
    path.write_text(json.dumps({"weights": weights, "intercept": -1.0, "threshold": 0.6}))
    calibration = Calibration.load(path)
    query = analyse_question("2023年新增多少跨国公司地区总部", 2026)
    close = Commitment(1, {0: 0.05, 1: 0.5, 2: 0.45})
    clear = Commitment(1, {0: 0.05, 1: 0.5, 2: 0.05, 3: 0.4})
    assert calibration.score(features(clear, query)) > calibration.score(features(close, query))
    sure = Commitment(1, {0: 0.02, 1: 0.95, 2: 0.03})
    assert calibration.accepts(sure, query) and not calibration.accepts(close, query)
    assert calibration.accepts(Commitment(1, {}), query)  # no log-probabilities: it passes
