"""One Settings object for the whole lab, read from the environment (prefix ``LAB_``).

Nothing here touches the disk at import time: the home folder is created by
:func:`ensure_home`, the first time something needs to write there.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# The lab is offline: none of its tools may phone home. Applied to the process
# environment only when the settings are first read (never at import).
OFFLINE_ENV = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "1",
    "GIT_PYTHON_REFRESH": "quiet",
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
}


# MLflow's set_tracking_uri() also writes MLFLOW_TRACKING_URI into the environment; the
# URIs the lab set itself are remembered so they are not mistaken for the user's choice.
_URIS_SET_BY_LAB: set[str] = set()


def remember_lab_uri(uri: str) -> None:
    _URIS_SET_BY_LAB.add(uri)


class Settings(BaseSettings):
    """Where the lab keeps its state and how it serves.

    ``MLFLOW_TRACKING_URI`` (MLflow's own variable) wins over ``LAB_TRACKING_URI``
    so that a cohort can point the lab at a shared tracking server.
    """

    model_config = SettingsConfigDict(env_prefix="LAB_", extra="ignore")

    home: Path = Field(default=Path(".driftlab"), description="Folder for the lab's state.")
    tracking_uri: str | None = Field(default=None, description="MLflow tracking URI.")
    store_url: str | None = Field(default=None,
                                  description="SQLAlchemy URL of the prediction store.")
    scenarios_dir: Path | None = Field(default=None, description="Folder of scenario files.")
    host: str = "127.0.0.1"
    port: int = 8000
    admin_token: str | None = Field(default=None, description="Bearer token for admin routes.")
    serve_models: str | None = Field(
        default=None, description="Comma-separated models a server loads at start (default: "
        "every @champion); others load when reloaded.")
    workspace: str = Field(default="default",
                           description="The workspace the command line works in.")

    @property
    def home_dir(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def mlflow_uri(self) -> str:
        from_env = os.environ.get("MLFLOW_TRACKING_URI")
        if from_env in _URIS_SET_BY_LAB:
            from_env = None
        explicit = from_env or self.tracking_uri
        if explicit:
            return explicit
        return f"sqlite:///{self.home_dir / 'mlflow.db'}"

    @property
    def artifact_root(self) -> str:
        return (self.home_dir / "artifacts").as_uri()

    @property
    def prediction_store_url(self) -> str:
        return self.store_url or f"sqlite:///{self.home_dir / 'predictions.db'}"


@lru_cache
def get_settings() -> Settings:
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    return Settings()


def ensure_home(settings: Settings | None = None) -> Path:
    """Create the lab's home folder (and its artifact folder) if missing."""
    settings = settings or get_settings()
    home = settings.home_dir
    (home / "artifacts").mkdir(parents=True, exist_ok=True)
    return home
