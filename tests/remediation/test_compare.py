"""Champion against challenger from the server's log (pure): a request the challenger could
not score in shadow is left out for both, never counted as the challenger's "no alert"."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lab.remediation.compare import compare
from lab.scenario import load_scenario

SCENARIO = load_scenario("sla-flagging-dropped-tuesday")


def _week(rows: int = 400) -> pd.DataFrame:
    return SCENARIO.world_.sample(rows, seed=3)


def _log(week: pd.DataFrame, run: str, version: int, decisions, ids) -> pd.DataFrame:
    return pd.DataFrame({"request_id": [f"{run}-{i}" for i in ids], "version": version,
                         "decision": np.asarray(decisions, dtype=int)[list(ids)]})


def test_shadow_judges_both_versions_on_the_requests_both_decided():
    week = _week()
    target = SCENARIO.world_.schema.target
    perfect = week[target].to_numpy().astype(int)  # the challenger decides like the labels
    everything = range(len(week))
    served = _log(week, "r", 1, np.zeros(len(week)), everything)
    full = compare(SCENARIO, week, "r", served, _log(week, "r", 2, perfect, everything),
                   "shadow", {"champion": 1, "challenger": 2})
    assert full.answered == {"champion": len(week), "challenger": len(week)}
    assert full.outcomes["challenger"].recall == 1.0

    # The challenger could not score the positives' first half: they have no shadow row.
    positives = np.flatnonzero(perfect)
    missing = set(positives[: len(positives) // 2])
    scored = [i for i in everything if i not in missing]
    partial = compare(SCENARIO, week, "r", served, _log(week, "r", 2, perfect, scored),
                      "shadow", {"champion": 1, "challenger": 2})
    assert partial.answered["challenger"] == len(scored)
    # Its recall on what it decided is still perfect, not halved by the missing rows.
    assert partial.outcomes["challenger"].recall == 1.0
    assert partial.cost_per_day("challenger") < partial.cost_per_day("champion")


def test_only_the_first_remedy_kept_with_an_attempt_is_graded():
    from lab.attempts import AttemptStore
    from lab.grade import Answers, Grade

    store = AttemptStore(workspace="alice")
    try:
        attempt = store.save(SCENARIO, Grade(SCENARIO.id, 40.0, [], [], None, None),
                             Answers(root_cause="broken-join"))
        # Two tabs apply a remedy at once: both were made believing they were the first.
        store.add_remedy(attempt, {"remedy": "nothing", "graded": True})
        kept = store.add_remedy(attempt, {"remedy": "fix-pipeline", "graded": True})
    finally:
        store.dispose()
    assert [(r["remedy"], r["graded"]) for r in kept] == [("nothing", True),
                                                         ("fix-pipeline", False)]
