"""The eight scenarios of the wiki, notifications, payments and CI worlds: well formed and
symptom-framed (their evidence over seeds is checked by the audit, not here: it trains)."""

from __future__ import annotations

import re

import pytest

from lab.drift import DRIFTS
from lab.scenario import load_scenario

CATALOGUE_A = {
    "wiki-spam-slipping-through": "stuck_feature",
    "wiki-spam-filter-never-misses": "feedback_loop",
    "notif-clicks-below-forecast": "training_serving_skew",
    "notif-holiday-send-threshold": "benign_seasonality",
    "pay-reviewers-buried-in-good-orders": "prior_shift",
    "pay-chargebacks-after-checkout-launch": "unseen_category",
    "ci-offline-score-too-good": "label_leakage",
    "ci-failure-dashboard-went-quiet": "label_outage",
}


def _words(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", text.lower())


@pytest.mark.parametrize("sid", sorted(CATALOGUE_A))
def test_scenario_loads_with_its_fault_and_three_staged_hints(sid):
    spec = load_scenario(sid)
    assert [step["kind"] for step in spec.drift] == [CATALOGUE_A[sid]]
    assert len(spec.questions.hints) == 3
    assert all(len(h.split()) >= 8 for h in spec.questions.hints)
    assert len(spec.questions.root_causes) >= 4
    # Whole weeks of the world, so weekly cycles do not look like drift.
    per_day = spec.world_.rows_per_day
    assert spec.reference_rows == 28 * per_day and spec.production_rows == 14 * per_day


@pytest.mark.parametrize("sid", sorted(CATALOGUE_A))
def test_id_title_and_brief_describe_symptoms_not_the_answer(sid):
    spec = load_scenario(sid)
    seen = _words(" ".join([spec.id, spec.title, spec.brief]))
    answer = spec.questions.answer.root_cause
    text = next(o.text for o in spec.questions.root_causes if o.id == answer)
    assert _words(answer) not in seen
    assert _words(text) not in seen
    kind = CATALOGUE_A[sid]
    assert _words(kind) not in seen
    features = {step["feature"] for step in spec.drift if "feature" in step}
    for feature in features:
        assert _words(feature) not in seen, f"{sid} names the injected feature {feature}"


def test_catalogue_a_covers_its_share_of_the_taxonomy():
    kinds = set(CATALOGUE_A.values())
    assert kinds <= set(DRIFTS)
    worlds = {load_scenario(sid).world.kind for sid in CATALOGUE_A}
    assert worlds == {"wiki_comments", "notifications", "marketplace_payments", "ci_pipelines"}
    levels = {load_scenario(sid).difficulty for sid in CATALOGUE_A}
    assert levels == {"easy", "medium", "hard"}
