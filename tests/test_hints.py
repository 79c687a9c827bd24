"""Staged hints: each one taken is recorded with the attempt and caps its score."""

import pytest
from pydantic import ValidationError

from lab.grade import HINT_CAPS, Answers, Grade, best_threshold, capped_by_hints, grade
from tests.test_grade import EVIDENCE, GOOD_CLAIM, UNITS


def _strong(hints_taken: int) -> Answers:
    key = UNITS.questions.answer
    return Answers(features=["minutes_to_first_response"], kind="pipeline",
                   root_cause=key.root_cause, action=key.actions[0],
                   threshold=best_threshold(UNITS, EVIDENCE),
                   claims=[GOOD_CLAIM], justification=key.model_answer,
                   hints_taken=hints_taken)


def test_the_caps_are_stated_and_fall_with_each_hint():
    assert HINT_CAPS == (100.0, 85.0, 70.0, 55.0)
    assert [capped_by_hints(92.5, n)[0] for n in range(4)] == [92.5, 85.0, 70.0, 55.0]
    assert capped_by_hints(40.0, 3) == (40.0, 55.0)  # a cap never raises a score


def test_each_hint_caps_the_grade_and_the_feedback_names_the_cap():
    free = grade(UNITS, _strong(0), EVIDENCE)
    assert free.total > 70, [(p.name, p.points, p.why) for p in free.parts]
    assert free.hints_taken == 0 and free.score_cap is None
    assert not any("hint" in n for n in free.notes)
    for n in (1, 2, 3):
        capped = grade(UNITS, _strong(n), EVIDENCE)
        assert capped.total == min(free.total, HINT_CAPS[n])
        assert capped.hints_taken == n and capped.score_cap == HINT_CAPS[n]
        assert f"capped at {HINT_CAPS[n]:g}" in capped.notes[0], capped.notes
        # The parts still show what the answer earned; only the total is capped.
        assert [p.points for p in capped.parts] == [p.points for p in free.parts]
        assert Grade.from_dict(capped.to_dict()).score_cap == HINT_CAPS[n]


@pytest.mark.parametrize("bad", [-1, 4])
def test_hints_taken_out_of_range_names_the_field(bad):
    with pytest.raises(ValidationError) as err:
        Answers(hints_taken=bad)
    assert err.value.errors()[0]["loc"] == ("hints_taken",)


def test_the_attempt_records_the_hints_taken(lab_home):
    from lab.attempts import AttemptStore

    answers = _strong(2)
    result = grade(UNITS, answers, EVIDENCE)
    store = AttemptStore()
    try:
        attempt = store.save(UNITS, result, answers, run="r1")
        saved = store.grade_of(attempt)
    finally:
        store.dispose()
    assert saved["answers"]["hints_taken"] == 2
    assert saved["grade"]["score_cap"] == 70.0 and saved["grade"]["total"] <= 70.0
