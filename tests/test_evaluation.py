import numpy as np
import pytest

from lab.evaluation import NO_ALERTS, choose_threshold, classification_metrics, point_at


def brute_force(y, s, fp_cost, fn_cost, capacity=None, rows_per_day=1000.0):
    best = None
    for t in sorted(set(s) | {NO_ALERTS}, reverse=True):
        alert = s >= t
        if capacity is not None and alert.sum() / len(s) * rows_per_day > capacity:
            continue
        cost = fp_cost * np.sum(alert & (y == 0)) + fn_cost * np.sum(~alert & (y == 1))
        if best is None or cost < best[1]:
            best = (t, cost)
    return best


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("fp_cost, fn_cost, capacity", [
    (20, 150, None), (1, 1, None), (50, 10, None), (20, 150, 150.0), (5, 100, 40.0)])
def test_cost_minimising_threshold_equals_brute_force(seed, fp_cost, fn_cost, capacity):
    rng = np.random.default_rng(seed)
    n = 400
    y = (rng.random(n) < 0.2).astype(int)
    # Rounded scores create ties, which a threshold must alert together.
    s = np.round(np.clip(0.25 * y + rng.beta(2, 5, n), 0, 1), 2)
    point = choose_threshold(y, s, fp_cost, fn_cost, rows_per_day=1000.0,
                             capacity_per_day=capacity)
    threshold, cost = brute_force(y, s, fp_cost, fn_cost, capacity)
    assert point.threshold == threshold
    assert point.cost == cost
    if capacity is not None:
        assert point.alerts_per_day <= capacity


def test_operating_point_on_a_hand_made_case():
    y = np.array([1, 1, 0, 1, 0, 0, 0, 0])
    s = np.array([0.9, 0.8, 0.7, 0.6, 0.3, 0.2, 0.1, 0.05])
    p = point_at(y, s, 0.6, fp_cost=10, fn_cost=100, rows_per_day=80)
    assert (p.tp, p.fp, p.fn, p.tn) == (3, 1, 0, 4)
    assert p.precision == 0.75 and p.recall == 1.0
    assert p.cost == 10 and p.cost_per_day == 100 and p.alerts_per_day == 40
    # With FN ten times as costly, alerting down to 0.6 beats stopping at 0.8.
    assert choose_threshold(y, s, 10, 100, 80).threshold == 0.6
    # A capacity of 25 alerts a day (2.5 of 8 rows) stops at the two best.
    assert choose_threshold(y, s, 10, 100, 80, capacity_per_day=25).threshold == 0.8


def test_no_alerts_is_a_valid_choice_when_positives_are_cheap():
    y = np.array([0, 1, 0, 0])
    s = np.array([0.9, 0.5, 0.4, 0.1])
    assert choose_threshold(y, s, fp_cost=100, fn_cost=1, rows_per_day=4).threshold == NO_ALERTS


def test_classification_metrics():
    y = np.array([1, 0, 1, 0])
    s = np.array([0.8, 0.6, 0.4, 0.2])
    m = classification_metrics(y, s, 0.5)
    assert m["precision"] == 0.5 and m["recall"] == 0.5
    assert m["roc_auc"] == 0.75
    assert m["brier"] == pytest.approx(np.mean((s - y) ** 2))
    assert (m["tp"], m["fp"], m["fn"], m["tn"]) == (1, 1, 1, 1)
