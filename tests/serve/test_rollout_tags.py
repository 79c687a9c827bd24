"""A rollout tag never stops the champion: a tag written by hand wrongly, or one set for an
earlier @challenger, leaves the champion serving alone (read without a server)."""

from __future__ import annotations

from lab import tracking
from lab.scenario import load_scenario
from lab.serve.registry import load_served
from lab.train import train

SCENARIO = "sla-dashboard-wiggles"


def test_a_bad_or_stale_rollout_tag_leaves_the_champion_alone():
    scenario = load_scenario(SCENARIO)
    champion = train(scenario, seed=0, rows=2000)
    first = train(scenario, seed=1, rows=2000, alias=tracking.CHALLENGER)
    client = tracking._mlflow().MlflowClient()

    client.set_registered_model_tag(SCENARIO, tracking.ROLLOUT_TAG, '{"mode": "shad')
    served = load_served(SCENARIO)
    assert (served.version, served.challenger, served.rollout.mode) == \
        (champion.version, None, "off")

    tracking.set_rollout(SCENARIO, {"mode": "shadow", "seed": 0, "challenger": first.version})
    served = load_served(SCENARIO)
    assert served.rollout.mode == "shadow" and served.challenger.version == first.version

    # A new challenger is not rolled out by the tag set for the first one.
    second = train(scenario, seed=2, rows=2000, alias=tracking.CHALLENGER)
    served = load_served(SCENARIO)
    assert second.version != first.version
    assert (served.challenger, served.rollout.mode) == (None, "off")


def test_a_model_trained_on_the_reference_has_no_given_rows_logged():
    trained = train(load_scenario(SCENARIO), seed=0, rows=2000)
    assert tracking.load_reference(trained.run_id) is None
