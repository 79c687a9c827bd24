"""The models a server serves: each ``@champion`` with its card, scorer and schemas."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter

from lab import tracking
from lab.config import Settings
from lab.serve.schemas import request_adapter
from lab.serve.scoring import CompiledScorer


@dataclass
class ServedModel:
    name: str
    version: int
    run_id: str
    card: dict[str, Any]
    scorer: CompiledScorer
    request: TypeAdapter
    categories: dict[str, frozenset[str]] = field(default_factory=dict)

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
    champion = tracking.load_champion(name, settings=settings)
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
