"""Scenarios are data: a YAML file validated into a :class:`Scenario`.

A malformed file raises :class:`ScenarioError`, whose message names the file, the field
and what is allowed, so the CLI can print it instead of a traceback.
"""

from __future__ import annotations

import contextlib
import functools
import re
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from lab.drift import DRIFTS, Injector, make_injector
from lab.models import MODELS, build_pipeline
from lab.registry import lookup
from lab.worlds import WORLDS, World, make_world

TOPICS = ("ml-fundamentals", "evaluation-metrics", "feature-pipelines", "serving-latency",
          "system-design", "data-drift")
ACTIONS = ("retrain", "fix-pipeline", "re-threshold", "roll-back", "nothing")
# What kind of problem it is: the injector's category, or no fault at all.
PROBLEM_KINDS = ("covariate", "prior", "concept", "pipeline", "labels", "none")

Topic = Literal["ml-fundamentals", "evaluation-metrics", "feature-pipelines", "serving-latency",
                "system-design", "data-drift"]
Action = Literal["retrain", "fix-pipeline", "re-threshold", "roll-back", "nothing"]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]


class ScenarioError(ValueError):
    """A scenario that cannot be used: names the file, the field and what is allowed."""

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems
        lines = [f"{source}: {field}: {msg}" if field else f"{source}: {msg}"
                 for field, msg in problems]
        super().__init__("\n".join(lines))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Component(_Strict):
    kind: str
    params: dict[str, Any] = Field(default_factory=dict)


class WorldSpec(Component):
    @field_validator("kind")
    @classmethod
    def _known(cls, v: str) -> str:
        lookup(WORLDS, "world", v)  # raises, naming the allowed kinds
        return v


class ModelSpec(Component):
    @field_validator("kind")
    @classmethod
    def _known(cls, v: str) -> str:
        lookup(MODELS, "model", v)
        return v


class Costs(_Strict):
    false_positive: float = Field(ge=0, description="Cost of acting on a ticket that was fine.")
    false_negative: float = Field(ge=0, description="Cost of a breach nobody acted on.")
    review_capacity_per_day: int | None = Field(default=None, gt=0)
    currency: str = "EUR"


class Option(_Strict):
    id: Slug
    text: str


class Concept(_Strict):
    concept: str
    synonyms: list[str] = Field(default_factory=list)


REMEDIES = ("cache-or-timeout-dependency", "scale-or-shed-load", "roll-back-model",
            "fix-client-schema", "nothing")
Remedy = Literal["cache-or-timeout-dependency", "scale-or-shed-load", "roll-back-model",
                 "fix-client-schema", "nothing"]


class ServiceKey(_Strict):
    """The service-level part of a key (lab.grade.service): the remedies accepted, and for a
    latency budget, the p99 to meet at the stated arrival rate."""

    remedies: list[Remedy] = Field(default_factory=list)
    p99_budget_ms: float | None = Field(default=None, gt=0)
    rate: float | None = Field(default=None, gt=0, description="requests/s the budget is at")


class AnswerKey(_Strict):
    root_cause: Slug
    actions: list[Action] = Field(min_length=1)
    rubric: list[Concept] = Field(min_length=1)
    # Which operating point the debrief argues for: after a pipeline fault, the clean-data
    # threshold (fix the feed, keep the model); after a shift, the optimum on current data.
    threshold_rule: Literal["clean-data", "re-optimise"] = "re-optimise"
    # Concepts the "why this threshold?" text is graded on; empty: cost, capacity, ...
    threshold_rubric: list[Concept] = Field(default_factory=list)
    debrief: str
    model_answer: str
    service: ServiceKey | None = None


class Questions(_Strict):
    root_causes: list[Option] = Field(min_length=2)
    answer: AnswerKey
    # Staged hints, each narrower than the last: where to look, what to compare, almost the
    # answer. Shipped scenarios carry exactly three (tests/test_catalogue.py); a file of
    # one's own may carry fewer.
    hints: list[str] = Field(default_factory=list, max_length=3)

    @model_validator(mode="after")
    def _answer_is_an_option(self) -> Questions:
        ids = [o.id for o in self.root_causes]
        if self.answer.root_cause not in ids:
            raise ValueError(f"answer.root_cause {self.answer.root_cause!r} is not one of the "
                             f"root_causes options; allowed: {ids}")
        return self


def _parse_duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return timedelta(minutes=float(value))
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([mhd])\s*", str(value))
    if not match:
        raise ValueError("must be a duration like '30m', '6h' or '2d' (or minutes as a number)")
    amount, unit = float(match.group(1)), match.group(2)
    return timedelta(**{{"m": "minutes", "h": "hours", "d": "days"}[unit]: amount})


class Scenario(_Strict):
    id: Slug
    title: str
    brief: str
    topics: list[Topic] = Field(min_length=1)
    difficulty: Literal["easy", "medium", "hard"]
    minutes: int = Field(gt=0, le=240, description="Estimated minutes to complete.")
    world: WorldSpec
    model: ModelSpec
    costs: Costs
    label_delay: timedelta = Field(default=timedelta(days=1))
    # Defaults span whole weeks of the world (4 for training, 2 for production) so that
    # weekly cycles do not masquerade as drift.
    reference_rows: int = Field(default=42_000, ge=500, le=2_000_000)
    production_rows: int = Field(default=21_000, ge=500, le=2_000_000)
    drift: list[dict[str, Any]] = Field(default_factory=list)
    # Faults at the server, not in the data (lab.service): a slow dependency, a surge...
    service: list[dict[str, Any]] = Field(default_factory=list)
    # The arrival rate (requests/s) of the scenario's open-loop traffic (lab.load).
    traffic_rate: float = Field(default=50.0, gt=0, le=5000)
    questions: Questions

    _source: str = PrivateAttr(default="<memory>")

    @field_validator("label_delay", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> timedelta:
        return _parse_duration(v)

    @model_validator(mode="after")
    def _components_build(self) -> Scenario:
        problems = component_problems(self.world, self.model, self.drift)
        if problems:
            raise ValueError("\n".join(f"{f}: {m}" for f, m in problems))
        return self

    # -- what the rest of the lab asks of a scenario --
    @property
    def source(self) -> str:
        return self._source

    @property
    def model_name(self) -> str:
        """The registered model's name in MLflow (and in the server's routes)."""
        return self.id

    @property
    def open_loop(self) -> bool:
        """Whether production is sent open-loop at ``traffic_rate``, one record a request:
        when latency is the lesson (a service fault, or a p99 budget in the key). Any other
        scenario is sent in batches as fast as the server answers: at a realistic rate, a
        fortnight of rows would take minutes of waiting that teach nothing."""
        key = self.questions.answer.service
        return bool(self.service) or bool(key and key.p99_budget_ms)

    @cached_property
    def world_(self) -> World:
        return make_world(self.world.kind, **self.world.params)

    def injectors(self, seed: int = 0) -> list[Injector]:
        """The drift plan, each injection seeded from ``seed`` and its position."""
        seeds = np.random.SeedSequence([seed, 7]).generate_state(max(1, len(self.drift)))
        return [make_injector(**{"seed": int(s), **step}) for step, s in zip(self.drift, seeds)]

    def service_faults(self, seed: int = 0) -> list:
        """The service faults of the plan (lab.service), each seeded from ``seed``."""
        from lab.service import make_fault

        seeds = np.random.SeedSequence([seed, 11]).generate_state(max(1, len(self.service)))
        return [make_fault(**{"seed": int(s), **step}) for step, s in zip(self.service, seeds)]

    @field_validator("service")
    @classmethod
    def _service_builds(cls, v: list[dict[str, Any]]) -> list[dict[str, Any]]:
        from lab.service import make_fault

        for i, step in enumerate(v):
            if not isinstance(step, dict) or "kind" not in step:
                raise ValueError(f"service[{i}]: a mapping with a 'kind'")
            try:
                make_fault(**step)
            except ValueError as exc:
                raise ValueError(f"service[{i}]: {exc}") from None
        return v

    @property
    def fault_kinds(self) -> list[str]:
        return [DRIFTS[step["kind"]].category for step in self.drift] or ["none"]


def component_problems(world: WorldSpec | None, model: ModelSpec | None,
                       drift: list[Any]) -> list[tuple[str, str]]:
    """Build every component once (the surest check of its parameters); every problem
    found, as ``(field, message)``, so a file with several mistakes names them all.

    ``None`` is a part that failed its own field check (already reported): the rest is
    still checked, against the world kind's defaults where the world itself is broken.
    """
    problems: list[tuple[str, str]] = []
    built: World | None = None
    if world is not None:
        try:
            built = make_world(world.kind, **world.params)
        except ValueError as exc:
            problems.append(("world.params", str(exc)))
            # The kind's schema is the same whatever its parameters: check the rest on it.
            with contextlib.suppress(ValueError):
                built = make_world(world.kind)
    if model is not None and built is not None:
        try:
            build_pipeline(model.kind, model.params, built.schema, seed=0)
        except ValueError as exc:
            problems.append(("model.params", str(exc)))
    for i, step in enumerate(drift):
        problem = _drift_problem(step, built)
        if problem:
            problems.append((f"drift[{i}]", problem))
    return problems


def _drift_problem(step: Any, world: World | None) -> str | None:
    if not isinstance(step, dict):
        return f"must be a mapping with a 'kind'; allowed kinds: {sorted(DRIFTS)}"
    if "kind" not in step:
        return f"missing 'kind'; allowed: {sorted(DRIFTS)}"
    try:
        injector = make_injector(**step)
        if world is not None:
            injector.apply(world.sample(64, seed=0), world)
    except KeyError as exc:  # a lookup by name: its argument is the name, not a message
        return f"unknown name {exc.args[0]!r}" if exc.args else "unknown name"
    except (ValueError, TypeError) as exc:
        return str(exc)
    return None


def _raw_component_problems(raw: dict[str, Any]) -> list[tuple[str, str]]:
    """The whole-scenario check on a file whose fields did not all validate."""

    def part(spec: type[Component], value: Any) -> Any:
        try:
            return spec.model_validate(value)
        except ValidationError:
            return None  # its own field errors are already reported

    drift = raw.get("drift")
    return component_problems(part(WorldSpec, raw.get("world")),
                              part(ModelSpec, raw.get("model")),
                              drift if isinstance(drift, list) else [])


def scenarios_dir() -> Path:
    from lab.config import get_settings

    configured = get_settings().scenarios_dir
    if configured:
        return Path(configured)
    beside_package = Path(__file__).resolve().parent.parent / "scenarios"
    return beside_package if beside_package.is_dir() else Path.cwd() / "scenarios"


def scenario_files() -> list[Path]:
    return sorted(scenarios_dir().glob("*.yaml"))


def load_scenario(ref: str | Path) -> Scenario:
    """A scenario by id (a file in ``scenarios/``) or by path to a YAML file anywhere."""
    path = Path(ref)
    if not (path.suffix in (".yaml", ".yml") or path.exists()):
        path = scenarios_dir() / f"{ref}.yaml"
        if not path.exists():
            ids = [p.stem for p in scenario_files()]
            raise ScenarioError(str(ref), [("", f"no such scenario; available: {ids}")])
    return parse_scenario_file(path)


def parse_scenario_file(path: Path) -> Scenario:
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(source, [("", "file not found")]) from None
    return _parse_text(source, path.stem, text)


# Checking a scenario samples its world for every fault (~70 ms a file), and the catalogue
# lists every file for every new visitor: each file's text is parsed once per process. The
# scenario objects are shared, and nothing changes a Scenario after validation.
@functools.lru_cache(maxsize=256)
def _parse_text(source: str, stem: str, text: str) -> Scenario:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ScenarioError(source, [("", f"{where}not valid YAML ({exc.problem or exc})")]) \
            from None
    if not isinstance(raw, dict):
        raise ScenarioError(source, [("", "must be a YAML mapping of scenario fields")])
    return validate_scenario(raw, source, file_stem=stem)


def validate_scenario(raw: dict[str, Any], source: str = "<memory>",
                      file_stem: str | None = None) -> Scenario:
    """Validate a scenario mapping; every problem in it is reported in one ScenarioError."""
    problems: list[tuple[str, str]] = []
    scenario = None
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        problems = [p for err in exc.errors() for p in _describe(err)]
        # Pydantic skips the whole-scenario check when a field fails: run it here.
        reported = {field for field, _ in problems}
        problems += [p for p in _raw_component_problems(raw) if p[0] not in reported]
    ident = raw.get("id")
    if file_stem is not None and isinstance(ident, str) and ident != file_stem:
        problems.append(("id", f"{ident!r} must match the file name {file_stem!r}"))
    if problems or scenario is None:
        raise ScenarioError(source, problems)
    scenario._source = source
    return scenario


def _describe(err: dict[str, Any]) -> list[tuple[str, str]]:
    field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".")
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "missing":
        msg = "required field is missing"
    elif err["type"] == "extra_forbidden":
        msg = "unknown field"
    elif err["type"] == "literal_error":
        msg = f"{err.get('input')!r} is not allowed; {msg.lower()}"
    if field:
        return [(field, msg)]
    # Errors raised by the whole-scenario check carry their own field paths, one a line.
    return [tuple(line.split(": ", 1)) if ": " in line else ("", line)
            for line in msg.splitlines()]


def list_scenarios() -> list[Scenario]:
    return [parse_scenario_file(p) for p in scenario_files()]
