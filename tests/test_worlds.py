import numpy as np
import pandas as pd
import pytest

from lab.worlds import WORLDS, make_world


@pytest.mark.parametrize("kind", sorted(WORLDS))
def test_same_seed_same_frame_other_seed_other_frame(kind):
    world = make_world(kind)
    a = world.sample(3000, seed=7)
    b = world.sample(3000, seed=7)
    c = world.sample(3000, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a.drop(columns=world.schema.timestamp).equals(c.drop(columns=world.schema.timestamp))


@pytest.mark.parametrize("kind", sorted(WORLDS))
def test_frame_follows_schema(kind):
    world = make_world(kind)
    frame = world.sample(5000, seed=1)
    schema = world.schema
    assert list(frame.columns) == [schema.timestamp, *schema.names, schema.target]
    assert frame[schema.timestamp].is_monotonic_increasing
    for feature in schema.features:
        col = frame[feature.name]
        if feature.kind == "categorical":
            assert set(col.dropna()) <= set(feature.categories)
        else:
            assert pd.api.types.is_numeric_dtype(col)
            if feature.minimum is not None:
                assert col.min() >= feature.minimum
            if feature.maximum is not None:
                assert col.max() <= feature.maximum
        assert col.isna().any() == feature.nullable or not col.isna().any()
    assert set(frame[schema.target].unique()) == {0, 1}


@pytest.mark.parametrize("base_rate", [0.1, 0.18, 0.4])
def test_base_rate_is_a_parameter(base_rate):
    world = make_world("support_tickets", base_rate=base_rate)
    frame = world.sample(84_000, seed=3)  # eight whole weeks
    assert frame["sla_breached"].mean() == pytest.approx(base_rate, abs=0.01)
    assert world.p_label(frame).mean() == pytest.approx(base_rate, abs=0.01)


def test_labels_follow_the_causal_story():
    world = make_world("support_tickets")
    frame = world.sample(42_000, seed=2)
    by_priority = frame.groupby("priority")["sla_breached"].mean()
    assert by_priority["P1"] > by_priority["P2"] > by_priority["P3"] > by_priority["P4"]
    # Within a priority, a late first response makes a breach likelier.
    p3 = frame[frame["priority"] == "P3"]
    late = p3["minutes_to_first_response"] > p3["minutes_to_first_response"].median()
    assert p3.loc[late, "sla_breached"].mean() > 1.5 * p3.loc[~late, "sla_breached"].mean()
    # Weekends run on half the agents, so the load is higher.
    weekend = frame["weekday"] >= 5
    assert frame.loc[weekend, "team_load"].mean() > frame.loc[~weekend, "team_load"].mean()


def test_with_params_changes_only_what_it_names():
    world = make_world("support_tickets")
    other = world.with_params(base_rate=0.3)
    assert other.base_rate == 0.3 and other.tickets_per_day == world.tickets_per_day
    frame = world.sample(2000, seed=0)
    # Same inputs, higher base rate: every P(y|x) goes up.
    assert np.all(other.p_label(frame) > world.p_label(frame))


@pytest.mark.parametrize("params, message", [
    ({"base_rate": 1.5}, "base_rate"),
    ({"weights": {"colour": 1.0}}, "unknown feature"),
    ({"speed": 3}, "unknown parameter"),
])
def test_bad_world_parameters_are_named(params, message):
    with pytest.raises(ValueError, match=message):
        make_world("support_tickets", **params)
