"""The rollout's rules without a server: the canary's split is a function of request id and
seed, near the share asked for; the published body schema accepts exactly what the route
accepts."""

import jsonschema
import pytest

from lab.serve.rollout import Rollout, RolloutError, body_schema, bucket, parse


def test_the_canary_split_is_fixed_by_id_and_seed_and_near_its_share():
    ids = [f"run-{i}" for i in range(20_000)]
    canary = Rollout("canary", 0.3, seed=5)
    chosen = [canary.challenger_answers(i) for i in ids]
    assert chosen == [canary.challenger_answers(i) for i in ids]  # the same every time
    assert 0.29 < sum(chosen) / len(ids) < 0.31
    other = [Rollout("canary", 0.3, seed=6).challenger_answers(i) for i in ids]
    assert 0.29 < sum(other) / len(ids) < 0.31 and other != chosen
    # A larger share keeps every request a smaller one sent to the challenger.
    wider = [Rollout("canary", 0.5, seed=5).challenger_answers(i) for i in ids]
    assert all(w for c, w in zip(chosen, wider) if c)
    assert not any(Rollout("shadow", seed=5).challenger_answers(i) for i in ids[:100])
    assert all(0 <= bucket(i, 5) < 1 for i in ids[:100])


BODIES = [
    ({"mode": "off"}, None), ({"mode": "shadow"}, None), ({"mode": "shadow", "seed": 3}, None),
    ({"mode": "canary", "share": 0.3}, None), ({"mode": "canary", "share": 1}, None),
    ({"mode": "canary", "share": 0.3, "seed": 2}, None),
    ({"mode": "blue"}, "mode"), ({"mode": "canary"}, "share"),
    ({"mode": "canary", "share": 0}, "share"), ({"mode": "canary", "share": 1.01}, "share"),
    ({"mode": "canary", "share": True}, "share"), ({"mode": "off", "share": 0}, "share"),
    ({"mode": "shadow", "seed": -1}, "seed"), ({"mode": "shadow", "seed": "1"}, "seed"),
    ({"mode": "shadow", "extra": 1}, "extra"), ({"share": 0.3}, "mode"),
]


@pytest.mark.parametrize(("body", "field"), BODIES)
def test_the_schema_accepts_exactly_what_the_route_accepts(body, field):
    valid = jsonschema.Draft202012Validator(body_schema()).is_valid(body)
    if field is None:
        assert valid and parse(body).mode == body["mode"]
    else:
        assert not valid
        with pytest.raises(RolloutError) as refused:
            parse(body)
        assert refused.value.field == field


@pytest.mark.parametrize("rollout", [Rollout(), Rollout("shadow", seed=4),
                                     Rollout("canary", 0.25, 9)])
def test_a_rollout_reads_back_as_written(rollout):
    assert parse(rollout.to_dict()) == rollout
