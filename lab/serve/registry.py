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
    asks for one. Anything wrong with the rollout (a tag written by hand, a challenger that
    is gone, is the champion itself, was not the one the rollout was set for, or cannot be
    loaded) leaves the champion serving alone, with a warning: never a failed load."""
    model = _served(name, tracking.load_champion(name, settings=settings))
    try:
        raw = tracking.rollout_of(name, settings)
        # The challenger version it was set for: a later @challenger is not rolled out
        # by an old tag (it starts "off" until someone asks for it).
        meant_for = raw.pop("challenger", None) if isinstance(raw, dict) else None
        rollout = parse(raw)
    except (RolloutError, ValueError, TypeError) as exc:
        log.warning("model %s: rollout tag ignored (%s)", name, exc)
        return model
    if rollout.mode == "off":
        return model
    try:
        challenger = tracking.load_champion(name, tracking.CHALLENGER, settings)
    except tracking.NoChampion:
        return model
    except Exception as exc:  # noqa: BLE001 - a broken challenger must not stop the champion
        log.warning("model %s: @challenger could not be loaded (%s); not served", name, exc)
        return model
    if challenger.version == model.version:
        return model
    if meant_for is not None and meant_for != challenger.version:
        log.warning("model %s: the rollout was set for @challenger v%s, now v%s; not served",
                    name, meant_for, challenger.version)
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
            try:
                self.reload(name)
            except Exception:  # noqa: BLE001 - one unloadable model must not stop the others
                log.exception("model %s could not be loaded; it is not served", name)

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
