"""Whether to answer: a calibrated estimate that the model's chosen sentence answers, from
more than the top choice's probability.

The features are read from the look itself and from the question's shape: the choice's
probability, its margin over the next sentence, the probability the model gave "[0]"
(none answers), whether the question is English (its choice among Chinese sentences is
less sure) and whether it asks about a span of years (span evidence competes with
single-year sentences, so the choice's probability is spread). A logistic regression over
them is fitted by `eval/calibrate.py` on one half of the question sets and reported on the
other (`eval/reports/calibration.md`); the shipped fit, on all of them, is data in
`prompts/calibration.json`. Without log-probabilities (some servers) every choice passes.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from app.answer.grounding import Commitment
from app.domain import Query

FEATURES = ("logit_p", "margin", "p_none", "english", "span")


def features(commitment: Commitment, query: Query) -> dict[str, float] | None:
    """The look's features, or None without log-probabilities or without a choice."""
    p = commitment.confidence
    if p is None or not commitment.choice:
        return None
    others = [v for k, v in commitment.probs.items() if k not in (0, commitment.choice)]
    clipped = min(max(p, 1e-4), 1 - 1e-4)
    return {
        "logit_p": math.log(clipped / (1 - clipped)),
        "margin": p - max(others, default=0.0),
        "p_none": commitment.p_none or 0.0,
        "english": 1.0 if query.english else 0.0,
        "span": 1.0 if query.span else 0.0,
    }


@dataclass(frozen=True)
class Calibration:
    """A fitted logistic regression and the probability of being right it must reach."""

    weights: dict[str, float]
    intercept: float
    threshold: float

    def score(self, values: dict[str, float]) -> float:
        z = self.intercept + sum(self.weights.get(k, 0.0) * v for k, v in values.items())
        return 1 / (1 + math.exp(-z))

    def accepts(self, commitment: Commitment, query: Query) -> bool:
        values = features(commitment, query)
        return values is None or self.score(values) >= self.threshold

    def to_dict(self) -> dict:
        return {"weights": self.weights, "intercept": self.intercept, "threshold": self.threshold}

    @classmethod
    def load(cls, path: Path) -> Calibration:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(dict(data["weights"]), float(data["intercept"]), float(data["threshold"]))
