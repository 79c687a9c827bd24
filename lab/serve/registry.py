"""The models a server serves: each ``@champion`` with its card, scorer and schemas, and
its ``@challenger`` beside it while a rollout (shadow or canary) is on."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter

from lab import tracking
from lab.config import Settings
from lab.serve.rollout import OFF, Rollout, RolloutError, parse
from lab.serve.schemas import request_adapter
from lab.serve.scoring import CompiledScorer

log = logging.getLogger("driftlab.serve")


@dataclass
class ServedModel:
    name: str
    version: int
    run_id: str
    card: dict[str, Any]
    scorer: CompiledScorer
    request: TypeAdapter
    categories: dict[str, frozenset[str]] = field(default_factory=dict)
    # While a rollout is on: the @challenger (a ServedModel of its own) and how it serves.
    challenger: ServedModel | None = None
    rollout: Rollout = OFF

    @property
    def threshold(self) -> float:
        return float(self.card["threshold"]["threshold"])

    @property
    def feature_names(self) -> list[str]:
        return [f["name"] for f in self.card["features"]]

    def unseen(self, record: dict[str, Any]) -> dict[str, str]:
        return {name: record[name] for name, known in self.categories.items()
                if record.get(name) is not None and record[name] not in known}


def load_served(name: str, settings: Settings | None = None) -> ServedModel:
    """``name@champion``, with ``name@challenger`` beside it when the model's rollout tag
    asks for one (a challenger that is gone, or is the champion itself, serves nothing)."""
    model = _served(name, tracking.load_champion(name, settings=settings))
    try:
        rollout = parse(tracking.rollout_of(name, settings))
    except RolloutError as exc:  # written by hand, wrongly: the champion serves alone
        log.warning("model %s: rollout tag ignored (%s)", name, exc)
        return model
    if rollout.mode == "off":
        return model
    try:
        challenger = tracking.load_champion(name, tracking.CHALLENGER, settings)
    except tracking.NoChampion:
        return model
    if challenger.version == model.version:
        return model
    names = [f["name"] for f in challenger.card["features"]]
    if names != model.feature_names:  # requests are validated by the champion's schema
        log.warning("model %s: @challenger v%s takes other features; not served", name,
                    challenger.version)
        return model
    model.challenger, model.rollout = _served(name, challenger), rollout
    return model


def _served(name: str, champion: tracking.Champion) -> ServedModel:
    card = champion.card
    features = card["features"]
    return ServedModel(
        name=name, version=champion.version, run_id=champion.run_id, card=card,
        scorer=CompiledScorer(champion.pipeline, [f["name"] for f in features]),
        request=request_adapter(name, features),
        categories={f["name"]: frozenset(f.get("categories", [])) for f in features
                    if f["kind"] == "categorical"},
    )


class Registry:
    """Thread-safe map of model name to the loaded champion."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._models: dict[str, ServedModel] = {}
        self._lock = threading.Lock()

    def load_all(self) -> None:
        names = tracking.served_models(self.settings)
        if self.settings.serve_models:
            # A server for one run loads what that run needs, not every workspace's models.
            wanted = {n.strip() for n in self.settings.serve_models.split(",")}
            names = [n for n in names if n in wanted]
        for name in names:
            self.reload(name)

    def reload(self, name: str) -> ServedModel:
        model = load_served(name, self.settings)
        with self._lock:
            self._models[name] = model
        return model

    def get(self, name: str) -> ServedModel | None:
        return self._models.get(name)

    def names(self) -> list[str]:
        return sorted(self._models)

    def versions(self) -> dict[str, int]:
        return {n: m.version for n, m in sorted(self._models.items())}
