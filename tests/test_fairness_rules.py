"""The fairness audit's rule for "the key may accept doing nothing", without the sweep."""

from lab.catalogue import Audit
from lab.catalogue.fairness import MATERIAL


def _audit(**remedies) -> Audit:
    return Audit("s", 0, 14, 6, 6, 0, 8, 0, {}, True,
                 remedies={k.replace("_", "-"): v for k, v in remedies.items()})


def test_nothing_is_acceptable_unless_a_remedy_saves_materially():
    # A rarer fraud: the model's regret held, yet re-thresholding saves 30% a day.
    prior = _audit(nothing=1343.0, fix_pipeline=1343.0, re_threshold=943.0, retrain=1137.0)
    assert prior.nothing_acceptable is False
    assert prior.best_remedy == "re-threshold" and prior.saving() == 0.2978
    # A control: a retrain 1.5% cheaper is within the week's noise.
    control = _audit(nothing=11644.3, fix_pipeline=11644.3, re_threshold=11660.0,
                     retrain=11465.7)
    assert control.nothing_acceptable is True and control.saving("retrain") < MATERIAL
    just_over = _audit(nothing=100.0, retrain=100.0 * (1 - MATERIAL) - 0.01)
    assert just_over.nothing_acceptable is False
    tie = _audit(nothing=100.0, fix_pipeline=100.0)
    assert tie.best_remedy == "nothing" and tie.nothing_acceptable is True  # doing less wins


def test_without_remedies_the_rule_says_so():
    unmeasured = _audit()
    assert unmeasured.nothing_acceptable is None and unmeasured.best_remedy is None
    assert unmeasured.to_dict()["nothing_acceptable"] is None
