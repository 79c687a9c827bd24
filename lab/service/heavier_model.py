"""A heavier model promoted: a challenger that costs many times more to score."""

from __future__ import annotations

from typing import Any

import httpx

from lab.service.base import ServiceFault

HEAVY = {"kind": "random_forest", "params": {"n_estimators": 300, "min_samples_leaf": 2}}


class HeavierModel(ServiceFault):
    """Before the stream, a challenger (``model_kind`` with ``model_params``) is trained and
    registered but not promoted; at the onset it becomes ``@champion`` and the server reloads
    it. Its offline metrics are as good or better; its scoring cost is many times higher."""

    kind = "heavier_model"
    cause = "heavier-model"

    def __init__(self, model_kind: str = HEAVY["kind"], model_params: dict | None = None,
                 rows: int | None = None, **timing):
        super().__init__(**timing)
        self.model_kind = model_kind
        self.model_params = dict(HEAVY["params"] if model_params is None else model_params)
        self.rows = rows
        self._versions: tuple[int, int] | None = None

    def prepare(self, model: str, scenario, seed: int) -> None:
        from lab import tracking
        from lab.train import train
        from lab.workspace import split_model_name

        before = tracking.champion_version(model)
        heavy = scenario.model_copy(update={"model": scenario.model.model_copy(
            update={"kind": self.model_kind, "params": self.model_params})})
        trained = train(heavy, seed=seed, rows=self.rows, workspace=split_model_name(model)[0])
        # train() promotes; the fault promotes only at the onset.
        _set_champion(model, before)
        self._versions = (before, trained.version)

    def at_onset(self, model: str, url: str) -> None:
        if self._versions is None:
            raise RuntimeError("heavier_model: prepare() must run before the stream")
        _set_champion(model, self._versions[1])
        httpx.post(f"{url}/models/{model}/reload", timeout=120).raise_for_status()

    def params(self) -> dict[str, Any]:
        return {"onset": self.onset, "seed": self.seed, "model_kind": self.model_kind,
                "model_params": self.model_params}

    def details(self) -> dict[str, Any]:
        if self._versions is None:
            return {}
        return {"version_before": self._versions[0], "version_after": self._versions[1]}

    def root_cause(self) -> str:
        return (f"A heavier model was promoted at the onset: a {self.model_kind} challenger "
                "with good offline metrics but many times the scoring cost became @champion "
                "(the prediction log's version changes there).")


def _set_champion(model: str, version: int) -> None:
    from lab import tracking

    tracking.configure()
    tracking._mlflow().MlflowClient().set_registered_model_alias(
        model, tracking.CHAMPION, str(version))
