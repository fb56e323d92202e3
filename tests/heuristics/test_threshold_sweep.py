"""The threshold sweep counts a prediction as a vote exactly when it reaches the threshold."""

import numpy as np
import pytest

from heuristics.learners.votes import VoteRule
from heuristics.threshold_sweep import sweep


def test_a_prediction_at_the_threshold_votes_and_none_above_the_highest():
    points = sweep([0.5, 0.5, 0.7], [False, True, None], [0.5, 0.51, 0.7, 0.71])
    assert [(p.votes, p.judged, p.correct) for p in points] == [
        (3, 2, 1), (1, 0, 0), (1, 0, 0), (0, 0, 0)]
    assert [p.precision for p in points] == [0.5, None, None, None]


def test_no_predictions_give_no_votes_and_mismatched_verdicts_are_refused():
    assert [(p.votes, p.precision) for p in sweep([], [], [0.0, 1.0])] == [(0, None), (0, None)]
    with pytest.raises(ValueError, match="2 confidences but 1 verdicts"):
        sweep([0.1, 0.2], [True], [0.0])


def test_the_sweep_counts_the_votes_the_vote_rule_accepts():
    generator = np.random.default_rng(7)
    confidences = np.round(generator.random(300), 2)
    confidences[:20] = 0.0
    verdicts = [None if i % 3 == 0 else bool(i % 2) for i in range(300)]
    thresholds = [step / 100 for step in range(101)]
    for point in sweep(confidences.tolist(), verdicts, thresholds):
        rule = VoteRule(min_confidence=point.threshold)
        voting = [i for i, c in enumerate(confidences) if rule.accepts("x", float(c))]
        assert point.votes == len(voting)
        assert point.judged == sum(verdicts[i] is not None for i in voting)
        assert point.correct == sum(verdicts[i] is True for i in voting)


@pytest.mark.parametrize("labels", [None, frozenset({2, 5})])
def test_the_vote_rule_judges_many_predictions_as_it_judges_each(labels):
    generator = np.random.default_rng(11)
    predicted = generator.integers(0, 7, 500)
    confidences = np.round(generator.random(500), 1)   # ties with the threshold, and zeros
    rule = VoteRule(min_confidence=0.5, labels=labels)
    assert rule.accepts_all(predicted, confidences).tolist() == [
        rule.accepts(int(label), float(c)) for label, c in zip(predicted, confidences,
                                                                strict=True)]
