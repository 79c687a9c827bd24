"""The load tests' table and plot, from saved tests (no server)."""

from __future__ import annotations

from lab.loadtest import load_test_table
from lab.ui.loadtest import cost_p99_figure


def _test(i, kind, workers, p99, cost, rate=40.0, errors=0):
    return {"id": i, "kind": kind, "workers": workers, "rate": rate, "throughput": rate * 0.98,
            "p99_ms": p99, "server_p99_ms": p99 / 2, "cost_per_day": cost, "errors": errors,
            "requests": 600, "started_at": f"2026-11-26T13:0{i}:00"}


TESTS = [_test(1, "random_forest", 2, 90.0, 650.4),
         _test(2, "hist_gradient_boosting", 2, 60.0, 700.0),
         _test(3, "hist_gradient_boosting", 2, 21.0, 700.0),   # newer: replaces test 2
         _test(4, "logistic_regression", 1, 8.0, 900.0, rate=20.0),
         _test(5, "logistic_regression", 2, 9.0, 900.0, errors=2)]


def test_one_row_per_model_and_workers_cheapest_first_with_a_verdict():
    table = load_test_table(TESTS, 50.0, 40.0)
    assert table[["model", "workers"]].values.tolist() == [
        ["random_forest", 2], ["hist_gradient_boosting", 2], ["logistic_regression", 1],
        ["logistic_regression", 2]]
    assert table["budget"].tolist() == ["missed (+40 ms)", "met", "not at 40/s", "2 errors"]
    assert table["p99 ms"].tolist() == [90.0, 21.0, 8.0, 9.0]
    assert table["cost /day"].tolist() == [650.0, 700.0, 900.0, 900.0]
    assert table["tested at"].iloc[1] == "2026-11-26 13:03:00"


def test_the_plot_has_a_point_per_choice_and_the_budget_line():
    table = load_test_table(TESTS, 50.0, 40.0)
    fig = cost_p99_figure(table, 50.0)
    traces = {t.name: t for t in fig.data}
    assert list(traces["logistic_regression"].x) == [8.0, 9.0]
    assert list(traces["logistic_regression"].text) == ["1 worker", "2 workers"]
    assert list(traces["budget 50 ms"].x) == [50.0, 50.0]
    assert fig.layout.xaxis.type is None  # linear
    slow = load_test_table([*TESTS, _test(6, "random_forest", 1, 4000.0, 650.0)], 50.0, 40.0)
    axis = cost_p99_figure(slow, 50.0).layout.xaxis
    assert axis.type == "log"  # a queue's p99 dwarfs the others
    assert list(axis.ticktext) == ["5", "10", "20", "50", "100", "200", "500", "1,000",
                                   "2,000", "5,000"]
