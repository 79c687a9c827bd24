"""Grading: a candidate's answer sheet against the drift plan's truth, as pure functions.

Every part returns its points, its maximum and why, so nothing is a black box:

| part          | points | how |
|---------------|-------:|-----|
| features      | 20 | F1 of the selected features against the injected ones |
| kind          | 15 | exact: the truth's category (covariate, prior, concept, pipeline) or none |
| root cause    | 20 | exact: the scenario's answer key |
| action        | 15 | one of the scenario's accepted actions |
| threshold     | 15 | cost regret against the optimum on current data; 25% extra cost scores 0 |
| justification | 15 | rubric concepts found (with synonyms) over all rubric concepts |
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lab.evaluation import OperatingPoint, choose_threshold, point_at
from lab.scenario import ACTIONS, PROBLEM_KINDS, AnswerKey, Scenario

WEIGHTS = {"features": 20, "kind": 15, "root_cause": 20, "action": 15, "threshold": 15,
           "justification": 15}
REGRET_FOR_ZERO = 0.25  # a threshold costing 25% more than the best one scores nothing


class AnswerError(ValueError):
    """A malformed answer sheet: names the file, the field and what is allowed."""


class Answers(BaseModel):
    model_config = ConfigDict(extra="forbid")

    features: list[str] = Field(default_factory=list, description="What changed.")
    kind: Literal["covariate", "prior", "concept", "pipeline", "none"]
    root_cause: str
    action: Literal["retrain", "fix-pipeline", "re-threshold", "roll-back", "nothing"]
    threshold: float = Field(ge=0.0, le=1.0)
    justification: str = ""

    @field_validator("features")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        return sorted(set(v))


@dataclass(frozen=True)
class Part:
    name: str
    points: float
    maximum: int
    why: str


@dataclass
class Grade:
    scenario: str
    total: float
    parts: list[Part]
    truth: list[dict[str, Any]]
    best: dict[str, Any]
    yours: dict[str, Any]
    concepts_found: list[str] = field(default_factory=list)
    concepts_missed: list[str] = field(default_factory=list)
    debrief: str = ""
    model_answer: str = ""

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["parts"] = [asdict(p) for p in self.parts]
        return out


# -- the parts, each a small pure function ---------------------------------------------

def grade_features(selected: list[str], injected: list[str]) -> Part:
    chosen, truth = set(selected), set(injected)
    if not chosen and not truth:
        return Part("features", WEIGHTS["features"], WEIGHTS["features"],
                    "No feature changed, and you selected none.")
    hits = chosen & truth
    precision = len(hits) / len(chosen) if chosen else 0.0
    recall = len(hits) / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    missed = sorted(truth - chosen)
    extra = sorted(chosen - truth)
    why = f"F1 {f1:.2f}: found {sorted(hits) or 'none'}"
    if missed:
        why += f"; missed {missed}"
    if extra:
        why += f"; not changed: {extra}"
    if not truth:
        why = f"No feature changed; you selected {extra}."
    return Part("features", round(WEIGHTS["features"] * f1, 2), WEIGHTS["features"], why)


def grade_kind(answer: str, truth_kinds: list[str]) -> Part:
    expected = truth_kinds[0] if truth_kinds else "none"
    ok = answer in truth_kinds or (not truth_kinds and answer == "none")
    why = (f"Right: {expected}." if ok else f"It was {expected}, not {answer}.")
    return Part("kind", WEIGHTS["kind"] if ok else 0, WEIGHTS["kind"], why)


def grade_root_cause(answer: str, key: AnswerKey, options: dict[str, str]) -> Part:
    ok = answer == key.root_cause
    why = (f"Right: {options[key.root_cause]}." if ok else
           f"The root cause was \"{options[key.root_cause]}\", not "
           f"\"{options.get(answer, answer)}\".")
    return Part("root_cause", WEIGHTS["root_cause"] if ok else 0, WEIGHTS["root_cause"], why)


def grade_action(answer: str, key: AnswerKey) -> Part:
    ok = answer in key.actions
    why = (f"Accepted ({', '.join(key.actions)})." if ok else
           f"Accepted actions are {', '.join(key.actions)}; {answer} is not one of them.")
    return Part("action", WEIGHTS["action"] if ok else 0, WEIGHTS["action"], why)


def threshold_regret(y, scores, threshold: float, fp_cost: float, fn_cost: float,
                     rows_per_day: float, capacity: float | None
                     ) -> tuple[float, OperatingPoint, OperatingPoint]:
    """(relative regret, best point, your point) on current data."""
    best = choose_threshold(y, scores, fp_cost, fn_cost, rows_per_day, capacity)
    yours = point_at(y, scores, threshold, fp_cost, fn_cost, rows_per_day)
    regret = max(0.0, yours.cost - best.cost)
    return (regret / best.cost if best.cost > 0 else float(regret > 0)), best, yours


def grade_threshold(relative_regret: float, best: OperatingPoint, yours: OperatingPoint,
                    capacity: float | None = None) -> Part:
    if capacity is not None and yours.alerts_per_day > capacity:
        why = (f"Your threshold {yours.threshold:.3f} alerts {yours.alerts_per_day:,.0f} "
               f"tickets a day, over the review capacity of {capacity:,.0f}; the best within "
               f"it on current data, {best.threshold:.3f}, costs {best.cost_per_day:,.0f} "
               "a day.")
        return Part("threshold", 0.0, WEIGHTS["threshold"], why)
    score = max(0.0, 1.0 - relative_regret / REGRET_FOR_ZERO)
    why = (f"Your threshold {yours.threshold:.3f} costs {yours.cost_per_day:,.0f} a day; the "
           f"best on current data, {best.threshold:.3f}, costs {best.cost_per_day:,.0f} "
           f"(regret {relative_regret:.1%}; {REGRET_FOR_ZERO:.0%} scores nothing).")
    return Part("threshold", round(WEIGHTS["threshold"] * score, 2), WEIGHTS["threshold"], why)


def find_concepts(text: str, rubric) -> tuple[list[str], list[str]]:
    low = text.lower()
    found, missed = [], []
    for concept in rubric:
        words = [concept.concept, *concept.synonyms]
        hit = any(re.search(rf"(?<![a-z0-9]){re.escape(w.lower())}(?![a-z0-9])", low)
                  for w in words)
        (found if hit else missed).append(concept.concept)
    return found, missed


def grade_justification(found: list[str], missed: list[str]) -> Part:
    total = len(found) + len(missed)
    why = f"Found {found or 'no rubric concept'}" + (f"; missed {missed}." if missed else ".")
    return Part("justification", round(WEIGHTS["justification"] * len(found) / total, 2),
                WEIGHTS["justification"], why)


# -- the whole sheet ----------------------------------------------------------------------

def grade(scenario: Scenario, answers: Answers, truth: list[dict[str, Any]], y, scores,
          rows_per_day: float) -> Grade:
    """Grade an answer sheet. ``y``/``scores``: current (post-onset) labels and scores."""
    key = scenario.questions.answer
    options = {o.id: o.text for o in scenario.questions.root_causes}
    injected = sorted({f for t in truth for f in t["features"]})
    costs = scenario.costs
    regret, best, yours = threshold_regret(y, scores, answers.threshold, costs.false_positive,
                                           costs.false_negative, rows_per_day,
                                           costs.review_capacity_per_day)
    found, missed = find_concepts(answers.justification, key.rubric)
    parts = [grade_features(answers.features, injected),
             grade_kind(answers.kind, [t["category"] for t in truth]),
             grade_root_cause(answers.root_cause, key, options),
             grade_action(answers.action, key),
             grade_threshold(regret, best, yours, costs.review_capacity_per_day),
             grade_justification(found, missed)]
    return Grade(scenario.id, round(sum(p.points for p in parts), 2), parts, truth,
                 best.to_dict(), yours.to_dict(), found, missed, key.debrief, key.model_answer)


def model_answers(scenario: Scenario, truth: list[dict[str, Any]], best_threshold: float
                  ) -> Answers:
    """The answer sheet that scores 100: what a grader's key would fill in."""
    key = scenario.questions.answer
    words = " ".join(c.concept for c in key.rubric)
    return Answers(features=sorted({f for t in truth for f in t["features"]}),
                   kind=truth[0]["category"] if truth else "none", root_cause=key.root_cause,
                   action=key.actions[0], threshold=best_threshold,
                   justification=f"{key.model_answer} {words}")


def load_answers(path: str | Path, scenario: Scenario) -> Answers:
    """An answer file (YAML or JSON); a malformed one names the file, the field, what is allowed."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AnswerError(f"{path}: file not found") from None
    except yaml.YAMLError as exc:
        raise AnswerError(f"{path}: not valid YAML or JSON ({exc})") from None
    if not isinstance(raw, dict):
        fields = sorted(Answers.model_fields)
        raise AnswerError(f"{path}: must be a mapping with the fields {fields}")
    try:
        answers = Answers.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            msg = {"missing": "required field is missing",
                   "extra_forbidden": "unknown field"}.get(err["type"], err["msg"])
            lines.append(f"{path}: {loc}: {msg}")
        raise AnswerError("\n".join(lines)) from None
    return check_against(answers, scenario, str(path))


def check_against(answers: Answers, scenario: Scenario, source: str = "answers") -> Answers:
    names = scenario.world_.schema.names
    unknown = [f for f in answers.features if f not in names]
    if unknown:
        raise AnswerError(f"{source}: features: {unknown} are not features of this scenario; "
                          f"allowed: {names}")
    options = [o.id for o in scenario.questions.root_causes]
    if answers.root_cause not in options:
        raise AnswerError(f"{source}: root_cause: {answers.root_cause!r} is not an option; "
                          f"allowed: {options}")
    return answers


__all__ = ["ACTIONS", "PROBLEM_KINDS", "AnswerError", "Answers", "Grade", "Part", "grade",
           "load_answers", "model_answers", "threshold_regret"]
