"""The threshold sweep counts a prediction as a vote exactly when it reaches the threshold."""

import pytest

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
