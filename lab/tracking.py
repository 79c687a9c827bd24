"""MLflow: the only module that imports it.

Runs go to one experiment per scenario; models are registered under the scenario's id
and promoted with the ``champion`` alias (never stages). The lab's own facts about a
model (threshold, costs, feature schema, metrics) travel with it as ``driftlab.json``.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import tempfile
import threading
import warnings
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from lab.config import Settings, ensure_home, get_settings, private_tree

CHAMPION = "champion"
CHALLENGER = "challenger"
# Where a promotion parks the champion it replaces, so that a roll-back is one alias move.
PREVIOUS = "previous"
# Every move of an alias is kept as a tag of the registered model, one tag a move
# (``driftlab.alias.0001`` = JSON {alias, from, to, action, at}): the history lives in MLflow.
ALIAS_MOVE_TAG = "driftlab.alias."
CARD = "driftlab.json"
REFERENCE = "reference/frame.parquet"  # the rows a model learnt from, when given
SCENARIO_TAG = "driftlab.scenario"
# The operating threshold a candidate deployed, on the model version it was chosen for;
# the card keeps the training-time choice beside it.
THRESHOLD_TAG = "driftlab.threshold"


def _mlflow():
    get_settings()  # sets the offline environment (telemetry off) before mlflow loads
    import mlflow
    import mlflow.sklearn  # noqa: F401 - makes mlflow.sklearn available to callers

    logging.getLogger("mlflow").setLevel(logging.WARNING)
    return mlflow


class NoChampion(LookupError):
    """The model has no version behind the alias (or does not exist)."""


@dataclass(frozen=True)
class Registered:
    name: str
    version: int
    run_id: str
    model_uri: str


@dataclass(frozen=True)
class Champion:
    name: str
    version: int
    run_id: str
    pipeline: Any
    card: dict[str, Any]


def tracking_uri(settings: Settings | None = None) -> str:
    return (settings or get_settings()).mlflow_uri


def configure(settings: Settings | None = None) -> str:
    """Point MLflow at the lab's store (creating the home folder for the SQLite default)."""
    settings = settings or get_settings()
    uri = settings.mlflow_uri
    if uri.startswith("sqlite:") and settings.tracking_uri is None:
        ensure_home(settings)
    mlflow = _mlflow()
    # set_tracking_uri() also writes MLFLOW_TRACKING_URI into the environment, where it
    # would later read as the user's own choice (and outlive a change of LAB_HOME): the
    # environment is left as the user set it, and children get the URI explicitly.
    with _environment_kept("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI"):
        mlflow.set_tracking_uri(uri)
        mlflow.set_registry_uri(uri)
    return uri


@contextlib.contextmanager
def _environment_kept(*names: str):
    before = {name: os.environ.get(name) for name in names}
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _experiment_id(name: str, settings: Settings) -> str:
    mlflow = _mlflow()
    exp = mlflow.get_experiment_by_name(name)
    if exp is not None:
        return exp.experiment_id
    location = settings.artifact_root if settings.mlflow_uri.startswith("sqlite:") else None
    try:
        return mlflow.create_experiment(name, artifact_location=location and f"{location}/{name}")
    except mlflow.exceptions.MlflowException:
        # Candidates of a cohort training the same scenario at once race to create it.
        exp = mlflow.get_experiment_by_name(name)
        if exp is None:
            raise
        return exp.experiment_id


def _requirements() -> list[str]:
    # Given explicitly: inferring them probes the environment and costs seconds a run.
    return [f"{pkg}=={version(pkg)}" for pkg in ("scikit-learn", "numpy", "pandas", "scipy",
                                                   "skops")]


def log_training(*, scenario_id: str, pipeline, params: dict[str, Any],
                 metrics: dict[str, float], figures: dict[str, Any], card: dict[str, Any],
                 input_example, output_example, model_name: str | None = None,
                 settings: Settings | None = None, alias: str = CHAMPION,
                 tags: dict[str, str] | None = None, action: str = "train",
                 reference=None) -> Registered:
    """Log one training run, register its model and point ``@<alias>`` (``@champion`` by
    default; ``@challenger`` registers a candidate without serving it) at it.

    ``model_name`` is the registered name (a workspace's own); the scenario id by default.
    ``tags`` go on the run (a retrain's lineage: the data it saw); ``action`` is how the
    alias move is recorded in the history (:func:`alias_history`). ``reference`` (a frame)
    is logged with the run when the model learnt from given rows: it is then what the model
    is monitored against (:func:`load_reference`).
    """
    settings = settings or get_settings()
    model_name = model_name or scenario_id
    configure(settings)
    mlflow = _mlflow()
    import skops.io
    from mlflow.models import infer_signature

    experiment_id = _experiment_id(f"driftlab/{scenario_id}", settings)
    with mlflow.start_run(experiment_id=experiment_id, run_name=f"train-{scenario_id}") as run:
        mlflow.set_tags({SCENARIO_TAG: scenario_id, **(tags or {})})
        mlflow.log_params(params)
        mlflow.log_metrics({k: float(v) for k, v in metrics.items()})
        for name, fig in figures.items():
            mlflow.log_figure(fig, f"plots/{name}.png")
        mlflow.log_dict(card, CARD)
        if reference is not None:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / Path(REFERENCE).name
                reference.to_parquet(path, index=False)
                mlflow.log_artifact(str(path), str(Path(REFERENCE).parent))
        # MLflow prints registration chatter straight to stderr; the CLI reports instead.
        # Under the skops lock: skops' save is no safer in threads than its load (a cohort's
        # eight candidates training at once in one process failed to serialize).
        with _LOAD_LOCK, warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            info = mlflow.sklearn.log_model(
                pipeline, name="model", registered_model_name=model_name,
                signature=infer_signature(input_example, output_example),
                input_example=input_example.head(2), pip_requirements=_requirements(),
                serialization_format="skops", pyfunc_predict_fn="predict_proba",
                # Our own pipeline's helper types: trusted because we just built them.
                skops_trusted_types=skops.io.get_untrusted_types(data=skops.io.dumps(pipeline)),
            )
    if settings.mlflow_uri.startswith("sqlite:"):
        # The lab's artifact folder: MLflow writes there with the process umask.
        private_tree(settings.home_dir / "artifacts")
    client = mlflow.MlflowClient()
    version_ = int(info.registered_model_version)
    client.set_registered_model_tag(model_name, SCENARIO_TAG, scenario_id)
    client.set_model_version_tag(model_name, str(version_), "threshold",
                                 str(card["threshold"]["threshold"]))
    move_alias(model_name, alias, version_, action, settings=settings)
    return Registered(model_name, version_, run.info.run_id, f"models:/{model_name}@{alias}")


def move_alias(name: str, alias: str, version: int, action: str, note: str = "",
               settings: Settings | None = None) -> int | None:
    """Point ``name@alias`` at ``version`` and record the move; returns the version it
    pointed at before (``None``: none)."""
    import json
    from datetime import UTC, datetime

    before = champion_version(name, alias, settings)
    client = _mlflow().MlflowClient()
    client.set_registered_model_alias(name, alias, str(int(version)))
    tags = client.get_registered_model(name).tags or {}
    seq = 1 + max((int(k.removeprefix(ALIAS_MOVE_TAG)) for k in tags
                   if k.startswith(ALIAS_MOVE_TAG)), default=0)
    move = {"alias": alias, "from": before, "to": int(version), "action": action,
            "note": note, "at": datetime.now(UTC).isoformat(timespec="seconds")}
    client.set_registered_model_tag(name, f"{ALIAS_MOVE_TAG}{seq:04d}", json.dumps(move))
    return before


def alias_history(name: str, settings: Settings | None = None) -> list[dict[str, Any]]:
    """Every recorded move of the model's aliases, oldest first."""
    import json

    configure(settings)
    tags = _mlflow().MlflowClient().get_registered_model(name).tags or {}
    moves = sorted((k, v) for k, v in tags.items() if k.startswith(ALIAS_MOVE_TAG))
    return [{"seq": int(k.removeprefix(ALIAS_MOVE_TAG)), **json.loads(v)} for k, v in moves]


def load_version(name: str, version: int, settings: Settings | None = None) -> Champion:
    """One registered version with its card, whatever alias it has (a roll-back target)."""
    configure(settings)
    mlflow = _mlflow()
    mv = mlflow.MlflowClient().get_model_version(name, str(int(version)))
    pipeline = _load_pipeline(f"models:/{name}/{int(version)}")
    return Champion(name, int(mv.version), mv.run_id, pipeline, _card(mv))


def run_tags(run_id: str, settings: Settings | None = None) -> dict[str, str]:
    """The tags of one MLflow run (a retrain's lineage)."""
    configure(settings)
    return dict(_mlflow().MlflowClient().get_run(run_id).data.tags)


def run_params(run_id: str, settings: Settings | None = None) -> dict[str, str]:
    """The parameters one MLflow run logged (as MLflow keeps them: strings)."""
    configure(settings)
    return dict(_mlflow().MlflowClient().get_run(run_id).data.params)


def run_metrics(run_id: str, key: str, settings: Settings | None = None) -> list[float]:
    """Every value of one metric of a run, in step order (a shadow's cost, day by day)."""
    configure(settings)
    history = _mlflow().MlflowClient().get_metric_history(run_id, key)
    return [m.value for m in sorted(history, key=lambda m: m.step)]


def log_run_text(run_id: str, text: str, path: str, settings: Settings | None = None) -> None:
    """Add a text artifact to a finished run (a shadow's scores, one row a request)."""
    configure(settings)
    _mlflow().MlflowClient().log_text(run_id, text, path)


def load_run_text(run_id: str, path: str, settings: Settings | None = None) -> str:
    configure(settings)
    return _mlflow().artifacts.load_text(f"runs:/{run_id}/{path}")


def log_run_metrics(run_id: str, metrics: dict[str, float], step: int = 0,
                    settings: Settings | None = None) -> None:
    """Add metrics to a finished run (a challenger's shadow scores, day by day)."""
    configure(settings)
    client = _mlflow().MlflowClient()
    for key, value in metrics.items():
        client.log_metric(run_id, key, float(value), step=step)


def champion_version(name: str, alias: str = CHAMPION,
                     settings: Settings | None = None) -> int | None:
    """The version the alias points at, or ``None`` when there is none."""
    configure(settings)
    mlflow = _mlflow()
    from mlflow.exceptions import MlflowException

    try:
        return int(mlflow.MlflowClient().get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None


def _aliased(name: str, alias: str, settings: Settings | None):
    """The model version behind ``name@alias`` (raises NoChampion), with MLflow's client."""
    configure(settings)
    mlflow = _mlflow()
    from mlflow.exceptions import MlflowException

    client = mlflow.MlflowClient()
    try:
        return client, client.get_model_version_by_alias(name, alias)
    except MlflowException:
        raise NoChampion(f"model {name!r} has no @{alias}") from None


def _card(mv) -> dict[str, Any]:
    mlflow = _mlflow()
    return _with_deployed_threshold(mlflow.artifacts.load_dict(f"runs:/{mv.run_id}/{CARD}"),
                                    mv.tags)


def load_champion(name: str, alias: str = CHAMPION,
                  settings: Settings | None = None) -> Champion:
    """Load ``models:/<name>@<alias>`` with the lab's card (threshold, schema, metrics)."""
    _client, mv = _aliased(name, alias, settings)
    # By version, not alias: the alias may move while this loads.
    pipeline = _load_pipeline(f"models:/{name}/{mv.version}")
    return Champion(name, int(mv.version), mv.run_id, pipeline, _card(mv))


# One model load at a time in a process: skops' loader parses source with ``ast``, and on
# CPython 3.11 before 3.11.9 two threads parsing at once can fail with "SystemError: AST
# constructor recursion depth mismatch" (the app's jobs and a cohort's candidates load in
# threads). ``warnings.catch_warnings`` is not thread-safe either.
_LOAD_LOCK = threading.Lock()


def _load_pipeline(uri: str):
    with _LOAD_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _mlflow().sklearn.load_model(uri)


def _with_deployed_threshold(card: dict[str, Any], tags: dict[str, str] | None
                             ) -> dict[str, Any]:
    deployed = (tags or {}).get(THRESHOLD_TAG)
    if deployed is None:
        return card
    threshold = {**card["threshold"], "trained": card["threshold"]["threshold"],
                 "threshold": float(deployed)}
    return {**card, "threshold": threshold}


def set_threshold(name: str, threshold: float, alias: str = CHAMPION,
                  settings: Settings | None = None) -> int:
    """Deploy an operating threshold for the version behind ``alias``; returns the version.
    Servers apply it when they next load the model (``POST /models/{name}/reload``)."""
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
    client, mv = _aliased(name, alias, settings)
    client.set_model_version_tag(name, mv.version, THRESHOLD_TAG, repr(float(threshold)))
    return int(mv.version)


def load_reference(run_id: str):  # -> pd.DataFrame | None
    """The rows a run's model learnt from, when they were given (``log_training(reference=)``);
    None for a run logged without them (models trained on given rows before they were kept)."""
    import pandas as pd

    mlflow = _mlflow()
    folder_name = str(Path(REFERENCE).parent)
    logged = {a.path for a in mlflow.MlflowClient().list_artifacts(run_id, folder_name)}
    if REFERENCE not in logged:
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=REFERENCE,
                                                   dst_path=folder)
        return pd.read_parquet(path)


def load_champion_card(name: str, alias: str = CHAMPION,
                       settings: Settings | None = None) -> dict[str, Any]:
    """Only the lab's card of ``models:/<name>@<alias>`` (no model is loaded)."""
    _client, mv = _aliased(name, alias, settings)
    return {**_card(mv), "version": int(mv.version), "run_id": mv.run_id}


def served_models(settings: Settings | None = None) -> list[str]:
    """Names of the lab's registered models that have a champion."""
    configure(settings)
    mlflow = _mlflow()
    client = mlflow.MlflowClient()
    names = []
    for rm in client.search_registered_models(max_results=1000):
        if SCENARIO_TAG in (rm.tags or {}) and CHAMPION in (rm.aliases or {}):
            names.append(rm.name)
    return sorted(names)


def ui_command(settings: Settings | None = None) -> str:
    """How to open the runs: a tracking server's own address, or ``mlflow ui`` on a store."""
    uri = tracking_uri(settings)
    if uri.startswith(("http://", "https://")):
        return uri
    return f"mlflow ui --backend-store-uri {uri}"


# -- the model lifecycle: versions, aliases, promotion and roll-back (never stages) --

def versions(name: str, settings: Settings | None = None) -> list[dict[str, Any]]:
    """Every registered version of ``name``, oldest first: its run, aliases, the threshold
    it was trained with (and the deployed one, when set) and when it was registered."""
    configure(settings)
    client = _mlflow().MlflowClient()
    by_version: dict[int, list[str]] = {}
    for alias, version_ in (client.get_registered_model(name).aliases or {}).items():
        by_version.setdefault(int(version_), []).append(alias)
    out = []
    for mv in client.search_model_versions(f"name = '{name}'"):
        tags = mv.tags or {}
        out.append({"version": int(mv.version), "run_id": mv.run_id,
                    "aliases": sorted(by_version.get(int(mv.version), [])),
                    "threshold": _float_or_none(tags.get("threshold")),
                    "deployed_threshold": _float_or_none(tags.get(THRESHOLD_TAG)),
                    "registered_at": _timestamp(mv.creation_timestamp)})
    return sorted(out, key=lambda v: v["version"])


def aliases(name: str, settings: Settings | None = None) -> dict[str, int]:
    """``{alias: version}`` of a registered model."""
    configure(settings)
    model = _mlflow().MlflowClient().get_registered_model(name)
    return {alias: int(v) for alias, v in sorted((model.aliases or {}).items())}


def set_alias(name: str, alias: str, version: int, settings: Settings | None = None,
              action: str = "set") -> None:
    """Point ``name@alias`` at ``version`` (which must exist); the move is recorded in the
    alias history (:func:`alias_history`) as ``action``."""
    configure(settings)
    client = _mlflow().MlflowClient()
    known = {int(mv.version) for mv in client.search_model_versions(f"name = '{name}'")}
    if int(version) not in known:
        raise ValueError(f"version: {name!r} has no version {version}; it has {sorted(known)}")
    move_alias(name, alias, int(version), action, settings=settings)


def delete_alias(name: str, alias: str, settings: Settings | None = None) -> None:
    """Remove ``name@alias`` (the version stays registered)."""
    configure(settings)
    _mlflow().MlflowClient().delete_registered_model_alias(name, alias)


def promote(name: str, version: int, settings: Settings | None = None) -> int | None:
    """Make ``version`` the ``@champion`` and park the champion it replaces as ``@previous``;
    return that previous version (None if there was none). A version promoted from
    ``@challenger`` stops being the challenger. Servers follow on their next reload."""
    before = champion_version(name, settings=settings)
    set_alias(name, CHAMPION, version, settings, action="promote")
    if before is not None and before != int(version):
        set_alias(name, PREVIOUS, before, settings, action="promote")
    if champion_version(name, CHALLENGER, settings) == int(version):
        delete_alias(name, CHALLENGER, settings)
    return before


def roll_back(name: str, settings: Settings | None = None) -> int:
    """Swap ``@champion`` and ``@previous``: the previous champion serves again, and the one
    rolled back from is kept as ``@previous`` (rolling back twice rolls forward). Returns
    the version now behind ``@champion``."""
    previous = champion_version(name, PREVIOUS, settings)
    if previous is None:
        raise NoChampion(f"model {name!r} has no @{PREVIOUS} to roll back to")
    current = champion_version(name, settings=settings)
    set_alias(name, CHAMPION, previous, settings, action="roll-back")
    if current is not None:
        set_alias(name, PREVIOUS, current, settings, action="roll-back")
    return previous


def training_runs(scenario_id: str, settings: Settings | None = None):
    """The training runs of a scenario's experiment, newest first, as a DataFrame: run id,
    start time, the lab's parameters and test metrics (columns ``params.*``, ``metrics.*``)."""
    settings = settings or get_settings()
    configure(settings)
    mlflow = _mlflow()
    experiment = mlflow.get_experiment_by_name(f"driftlab/{scenario_id}")
    if experiment is None:
        raise LookupError(f"scenario {scenario_id!r} has no training runs yet")
    frame = mlflow.search_runs([experiment.experiment_id], order_by=["attributes.start_time DESC"])
    keep = ["run_id", "start_time"] + [c for c in frame.columns
                                       if c.startswith(("params.", "metrics.test_"))]
    return frame[keep].reset_index(drop=True)


def _float_or_none(value: str | None) -> float | None:
    return None if value is None else float(value)


def _timestamp(millis: int | None) -> str | None:
    from datetime import UTC, datetime

    if millis is None:
        return None
    return datetime.fromtimestamp(millis / 1000, tz=UTC).isoformat(timespec="seconds")


# -- a rollout: the @challenger served beside @champion (shadow or canary) --

# The registered model's rollout, read by a server when it loads the model: JSON
# {mode: off|shadow|canary, share, seed}. Kept in MLflow beside the aliases it is about, so
# every worker (and a restarted server) serves the same split.
ROLLOUT_TAG = "driftlab.rollout"


def set_rollout(name: str, rollout: dict[str, Any], settings: Settings | None = None) -> None:
    """Record how ``name``'s ``@challenger`` is served beside ``@champion``; servers apply
    it when they next load the model (``POST /models/{name}/reload`` or ``/rollout``)."""
    import json

    configure(settings)
    _mlflow().MlflowClient().set_registered_model_tag(name, ROLLOUT_TAG, json.dumps(rollout))


def rollout_of(name: str, settings: Settings | None = None) -> dict[str, Any] | None:
    """The rollout recorded for ``name`` (None: none, the champion serves alone)."""
    import json

    configure(settings)
    raw = (_mlflow().MlflowClient().get_registered_model(name).tags or {}).get(ROLLOUT_TAG)
    return None if raw is None else json.loads(raw)
