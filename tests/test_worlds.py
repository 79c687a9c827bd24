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


# -- every world: a realistic base rate, cycles, missing values, a story and a useful model --

# The designed base rate of each world and how close eight weeks of it must come.
BASE_RATES = {"support_tickets": (0.18, 0.01), "wiki_comments": (0.03, 0.004),
              "notifications": (0.025, 0.003), "marketplace_payments": (0.004, 0.0012),
              "ci_pipelines": (0.14, 0.01), "cloud_workspaces": (0.08, 0.008)}


def eight_weeks(world, seed=3):
    return world.sample(int(56 * world.rows_per_day), seed=seed)


def test_every_world_has_a_designed_base_rate():
    assert set(BASE_RATES) == set(WORLDS)


@pytest.mark.parametrize("kind", sorted(WORLDS))
def test_default_base_rate_is_realistic(kind):
    world = make_world(kind)
    rate, tolerance = BASE_RATES[kind]
    assert world.base_rate == rate
    frame = world.sample(60_000, seed=4)
    assert world.p_label(frame).mean() == pytest.approx(rate, abs=tolerance)
    assert frame[world.schema.target].mean() == pytest.approx(rate, abs=2 * tolerance)


@pytest.mark.parametrize("kind", sorted(WORLDS))
def test_columns_vary_and_nullable_ones_are_sometimes_empty(kind):
    world = make_world(kind)
    frame = world.sample(20_000, seed=5)
    for feature in world.schema.features:
        col = frame[feature.name]
        assert col.nunique() > 1, f"{feature.name} is constant"
        if feature.nullable:
            assert 0.002 < col.isna().mean() < 0.8, f"{feature.name}: {col.isna().mean():.3f}"
        else:
            assert not col.isna().any(), feature.name
    # Categories have a tail: the commonest is at least twice as common as the rarest.
    for name in world.schema.categorical:
        shares = frame[name].value_counts(normalize=True)
        assert shares.iloc[0] > 2 * shares.iloc[-1], name


@pytest.mark.parametrize("kind", sorted(WORLDS))
def test_timestamps_have_daily_and_weekly_cycles(kind):
    world = make_world(kind)
    frame = world.sample(int(14 * world.rows_per_day), seed=6)
    ts = frame[world.schema.timestamp]
    by_hour = ts.dt.hour.value_counts(normalize=True)
    assert by_hour.max() > 3 * by_hour.min()
    if kind != "support_tickets":  # its weekly cycle is in the backlog, not the volume
        by_weekday = ts.dt.weekday.value_counts()
        assert by_weekday.max() > 1.1 * by_weekday.min()
    assert (ts.iloc[-1] - ts.iloc[0]).days == 13


@pytest.mark.parametrize("kind", sorted(WORLDS))
def test_fifty_thousand_rows_well_under_a_second(kind):
    import time

    world = make_world(kind)
    assert world.intercept_ < 0  # solved once per parameter set, then cached
    seconds = []
    for seed in (0, 1):
        started = time.perf_counter()
        world.sample(50_000, seed=seed)
        seconds.append(time.perf_counter() - started)
    assert min(seconds) < 1.0


def rate_by(frame, column, target):
    return frame.groupby(column, observed=True)[target].mean()


def test_wiki_spam_follows_its_story():
    frame = eight_weeks(make_world("wiki_comments"))
    by_author = rate_by(frame, "author_type", "is_spam")
    assert by_author["guest"] > 3 * by_author["member"]
    assert rate_by(frame, frame["link_count"] >= 2, "is_spam")[True] > \
        3 * rate_by(frame, frame["link_count"] >= 2, "is_spam")[False]


def test_notification_clicks_follow_their_story():
    frame = eight_weeks(make_world("notifications"))
    by_type = rate_by(frame, "notification_type", "clicked")
    assert by_type["mention"] > 3 * by_type["marketing_promo"]
    engaged = frame["past_ctr_30d"] > frame["past_ctr_30d"].quantile(0.9)
    assert frame.loc[engaged, "clicked"].mean() > 2 * frame["clicked"].mean()
    # Fatigue: the same notifications, to users who got ten more today, are clicked less.
    world = make_world("notifications")
    tired = frame.assign(notifications_last_24h=frame["notifications_last_24h"] + 10)
    assert np.all(world.p_label(tired) < world.p_label(frame))


def test_payment_fraud_follows_its_story():
    frame = eight_weeks(make_world("marketplace_payments"))
    by_method = rate_by(frame, "payment_method", "is_fraud")
    assert by_method["crypto"] > 5 * by_method["apple_pay"]
    failed = frame["failed_attempts_last_24h"] > 0
    assert frame.loc[failed, "is_fraud"].mean() > 4 * frame.loc[~failed, "is_fraud"].mean()


def test_build_failures_follow_their_story():
    frame = eight_weeks(make_world("ci_pipelines"))
    by_lockfile = rate_by(frame, "lockfile_changed", "failed")
    assert by_lockfile[1] > 1.5 * by_lockfile[0]
    by_repo = rate_by(frame, "repository", "failed")
    assert by_repo["ml-models"] > 3 * by_repo["docs"]
    assert (frame["trigger"] == "schedule")[frame["hour"] < 6].mean() > 0.4


def test_churn_follows_its_story():
    frame = eight_weeks(make_world("cloud_workspaces"))
    by_plan = rate_by(frame, "plan", "churned_90d")
    assert by_plan["free"] > 2 * by_plan["enterprise"]
    paid = frame[frame["plan"] != "free"]  # free plans have no payments to fail
    failures = paid["payment_failures_90d"] > 0
    assert paid.loc[failures, "churned_90d"].mean() > 1.5 * paid.loc[~failures,
                                                                      "churned_90d"].mean()
    assert frame["scored_at"].dt.weekday.isin([5, 6]).mean() < 0.12


# Rows for the small seeded train: enough positives for the rarest label.
TRAIN_ROWS = {"marketplace_payments": 40_000}


def scenario_for(kind):
    from lab.scenario import validate_scenario

    return validate_scenario({
        "id": f"world-{kind.replace('_', '-')}", "title": "t", "brief": "b",
        "topics": ["ml-fundamentals"], "difficulty": "easy", "minutes": 5,
        "world": {"kind": kind}, "model": {"kind": "hist_gradient_boosting",
                                            "params": {"max_iter": 100}},
        "costs": {"false_positive": 1, "false_negative": 10},
        "questions": {"root_causes": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}],
                      "answer": {"root_cause": "a", "actions": ["nothing"],
                                 "rubric": [{"concept": "x"}], "debrief": "d",
                                 "model_answer": "m"}},
    })


@pytest.mark.parametrize("kind", sorted(WORLDS))
def test_a_small_seeded_train_gives_a_useful_but_imperfect_model(kind):
    from lab.train import train

    result = train(scenario_for(kind), seed=1, rows=TRAIN_ROWS.get(kind, 6000))
    assert 0.75 < result.test_metrics["roc_auc"] < 0.97, result.test_metrics
