"""The answer sheet: choices, checkable claims and free text, and the file it comes from.

Every part is optional: an unanswered part scores 0 and the feedback says so. An answer
file with several problems reports all of them at once, each naming the file, the field
and what is allowed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from lab.scenario import ACTIONS, PROBLEM_KINDS, Scenario

# Statistics a claim may name, and where the monitoring result keeps them.
FEATURE_STATISTICS = ("missing_share", "effect", "unseen_share", "out_of_range_share")
WINDOW_STATISTICS = ("base_rate", "realised_precision", "realised_recall",
                     "estimated_precision", "estimated_recall", "alert_rate", "score_mean",
                     "p99_ms")
STATISTICS = FEATURE_STATISTICS + WINDOW_STATISTICS
Statistic = Literal["missing_share", "effect", "unseen_share", "out_of_range_share",
                    "base_rate", "realised_precision", "realised_recall",
                    "estimated_precision", "estimated_recall", "alert_rate", "score_mean",
                    "p99_ms"]


class AnswerError(ValueError):
    """A malformed answer sheet: names the file, the field and what is allowed."""


class Claim(BaseModel):
    """'In window 5, team_load's missing share was 0.70 (0.00 in the reference).'"""

    model_config = ConfigDict(extra="forbid")

    feature: str | None = Field(default=None, description="Needed for per-feature statistics.")
    statistic: Statistic
    window: int = Field(ge=0, description="Index of the monitoring window.")
    value: float
    baseline: float | None = Field(default=None, description="What it was before (reference).")

    @model_validator(mode="after")
    def _feature_when_needed(self) -> Claim:
        if self.statistic in FEATURE_STATISTICS and self.feature is None:
            raise ValueError(f"feature: {self.statistic} is a per-feature statistic; name the "
                             "feature")
        return self


class Answers(BaseModel):
    model_config = ConfigDict(extra="forbid")

    features: list[str] | None = Field(default=None, description="What changed.")
    kind: Literal["covariate", "prior", "concept", "pipeline", "labels", "none"] | None = None
    root_cause: str | None = None
    action: Literal["retrain", "fix-pipeline", "re-threshold", "roll-back", "nothing"] | None \
        = None
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    claims: list[Claim] = Field(default_factory=list)
    justification: str = ""
    threshold_why: str = Field(default="", description="Why this threshold (the slider's text).")
    hints_taken: int = Field(default=0, ge=0, le=3, description="Staged hints taken before "
                             "answering (0-3); each one caps the score (lab.grade.HINT_CAPS).")
    # Service-level parts (lab.grade.service), for the serving scenarios.
    service_remedy: Literal["cache-or-timeout-dependency", "scale-or-shed-load",
                            "roll-back-model", "fix-client-schema", "nothing"] | None = None
    chosen_model: str | None = Field(default=None, max_length=120,
                                     description="The model kind chosen under the budget.")
    workers: int | None = Field(default=None, ge=1, le=64)
    measured_p99_ms: float | None = Field(default=None, gt=0,
                                          description="The p99 you measured, in ms.")
    measured_rate: float | None = Field(default=None, gt=0,
                                        description="The arrival rate it was measured at.")

    @field_validator("features")
    @classmethod
    def _unique(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else sorted(set(v))


ALLOWED = {"kind": list(PROBLEM_KINDS), "action": list(ACTIONS), "statistic": list(STATISTICS)}


def load_answers(path: str | Path, scenario: Scenario) -> Answers:
    """An answer file (YAML or JSON); every problem is reported at once."""
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
    problems = _scenario_problems(raw, scenario)
    answers = None
    try:
        answers = Answers.model_validate(raw)
    except ValidationError as exc:
        problems = [_describe(err) for err in exc.errors()] + problems
    if problems:
        raise AnswerError("\n".join(f"{path}: {p}" for p in dict.fromkeys(problems)))
    return answers


def _describe(err: dict[str, Any]) -> str:
    loc = [p for p in err["loc"] if not str(p).startswith(("literal[", "float", "int", "str",
                                                            "list[", "none"))]
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    last = next((str(p) for p in reversed(loc) if not isinstance(p, int)), "")
    if err["type"] == "missing":
        msg = "required field is missing"
    elif err["type"] == "extra_forbidden":
        msg = f"unknown field; allowed: {_fields_at(loc)}"
    elif err["type"] == "literal_error" and last in ALLOWED:
        msg = f"{err.get('input')!r} is not allowed; allowed: {ALLOWED[last]}"
    else:
        msg = err["msg"]
    return f"{where}: {msg}"


def _fields_at(loc: list) -> list[str]:
    model = Claim if "claims" in loc[:-1] else Answers
    return sorted(model.model_fields)


def _scenario_problems(raw: dict[str, Any], scenario: Scenario) -> list[str]:
    """Checks that need the scenario: feature names and root-cause options."""
    names = scenario.world_.schema.names
    problems = []
    features = raw.get("features")
    if isinstance(features, list):
        unknown = [f for f in features if f not in names]
        if unknown:
            problems.append(f"features: {unknown} are not features of this scenario; "
                            f"allowed: {names}")
    options = [o.id for o in scenario.questions.root_causes]
    if raw.get("root_cause") is not None and raw["root_cause"] not in options:
        problems.append(f"root_cause: {raw['root_cause']!r} is not an option; allowed: {options}")
    for i, claim in enumerate(raw.get("claims") or []):
        if isinstance(claim, dict) and claim.get("feature") is not None \
                and claim["feature"] not in names:
            problems.append(f"claims[{i}].feature: {claim['feature']!r} is not a feature of "
                            f"this scenario; allowed: {names}")
    return problems


def check_against(answers: Answers, scenario: Scenario, source: str = "answers") -> Answers:
    """The same scenario checks for a sheet built in code (the app's form)."""
    problems = _scenario_problems(answers.model_dump(), scenario)
    if problems:
        raise AnswerError("\n".join(f"{source}: {p}" for p in problems))
    return answers
