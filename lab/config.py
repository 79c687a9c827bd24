"""One Settings object for the whole lab, read from the environment (prefix ``LAB_``).

Nothing here touches the disk at import time: the home folder is created by
:func:`ensure_home`, the first time something needs to write there.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The lab is offline: none of its tools may phone home. Applied to the process
# environment only when the settings are first read (never at import).
OFFLINE_ENV = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "1",
    "GIT_PYTHON_REFRESH": "quiet",
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
}

# What the lab keeps is private to its user: the prediction store holds every request.
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600
# The SQLite files the lab creates in its home when nothing else is configured.
HOME_DATABASES = ("mlflow.db", "predictions.db", "attempts.db")


class Settings(BaseSettings):
    """Where the lab keeps its state and how it serves.

    ``MLFLOW_TRACKING_URI`` (MLflow's own variable) wins over ``LAB_TRACKING_URI``
    so that a cohort can point the lab at a shared tracking server. The variable is only
    ever the user's: :func:`lab.tracking.configure` keeps MLflow from writing it.
    """

    model_config = SettingsConfigDict(env_prefix="LAB_", extra="ignore")

    home: Path = Field(default=Path(".driftlab"), description="Folder for the lab's state.")
    tracking_uri: str | None = Field(default=None, description="MLflow tracking URI.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL of one database (PostgreSQL on a shared "
        "host) for the lab's own state: predictions, attempts and the run book.")
    store_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the prediction store (default: "
        "database_url); kept so that setups which set only LAB_STORE_URL still work.")
    server_url: str | None = Field(
        default=None, description="A running model server the app deploys to (a cohort's "
        "shared one, with several workers); default: the app starts its own.")
    scenarios_dir: Path | None = Field(default=None, description="Folder of scenario files.")
    host: str = "127.0.0.1"
    port: int = 8000
    admin_token: str | None = Field(default=None, description="Bearer token for admin routes.")
    serve_models: str | None = Field(
        default=None, description="Comma-separated models a server loads at start (default: "
        "every @champion); others load when reloaded.")
    server_id: str | None = Field(
        default=None, description="Set for each server by the lab: its workers follow each "
        "other's reloads, never another server's.")
    workspace: str = Field(default="default",
                           description="The workspace the command line works in.")
    interviewer_passcode: SecretStr | None = Field(
        default=None, description="Turns on the app's interviewer pages, which ask for it "
        "(kept as a secret: never printed, compared on hashes in constant time).")

    @model_validator(mode="after")
    def _predictions_follow_the_database(self) -> Settings:
        # Everything that reads ``store_url`` (server, monitor, CLI) then follows the one URL.
        if self.store_url is None and self.database_url:
            self.store_url = self.database_url
        return self

    @property
    def home_dir(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def mlflow_uri(self) -> str:
        explicit = os.environ.get("MLFLOW_TRACKING_URI") or self.tracking_uri
        if explicit:
            return explicit
        return f"sqlite:///{self.home_dir / 'mlflow.db'}"

    @property
    def artifact_root(self) -> str:
        return (self.home_dir / "artifacts").as_uri()

    @property
    def prediction_store_url(self) -> str:
        return self.store_url or f"sqlite:///{self.home_dir / 'predictions.db'}"

    @property
    def attempts_url(self) -> str:
        """Graded attempts: the shared database, else a SQLite file in the home."""
        return self.database_url or f"sqlite:///{self.home_dir / 'attempts.db'}"

    @property
    def runbook_url(self) -> str:
        """The lab's record of every traffic run it sent (and its truth)."""
        return self.database_url or f"sqlite:///{self.home_dir / 'lab.db'}"


@lru_cache
def get_settings() -> Settings:
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    return Settings()


def ensure_home(settings: Settings | None = None) -> Path:
    """Create the lab's home folder (and its artifact folder), private to the user.

    The lab's default SQLite files are created here too, empty and private, before any
    engine opens them (SQLite gives its journal files the database file's mode), so no
    umask ever makes them readable by others. Files and folders that already exist are
    tightened as well, so a home made by an older version becomes private.
    """
    settings = settings or get_settings()
    home = settings.home_dir
    private_dir(home)
    private_dir(home / "artifacts")
    defaults = {"mlflow.db": settings.mlflow_uri == _sqlite_in(home, "mlflow.db"),
                "predictions.db": settings.store_url is None,
                "attempts.db": settings.database_url is None}
    for name in HOME_DATABASES:
        if defaults[name] or (home / name).exists():
            private_file(home / name)
    return home


def _sqlite_in(home: Path, name: str) -> str:
    return f"sqlite:///{home / name}"


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) and make it 0700, whatever the umask."""
    path = Path(path)
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    _chmod_if_owned(path, PRIVATE_DIR)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty if missing and make it 0600, whatever the umask.

    Call it before a library writes the file (an empty file is a valid new SQLite
    database), or right after, to tighten what the library created.
    """
    path = Path(path)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE))
    except FileExistsError:
        pass
    _chmod_if_owned(path, PRIVATE_FILE)
    return path


def private_sqlite(url: str) -> str:
    """For a SQLite URL, create its database file private (0600) before an engine opens it;
    other URLs (PostgreSQL, in-memory SQLite) pass through. Returns ``url``.

    For every module that creates a SQLite engine (the prediction store, the attempts):
    ``sa.create_engine(private_sqlite(url))``.
    """
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:") \
            and not parsed.database.startswith("file:"):
        path = Path(parsed.database)
        if path.parent.is_dir():
            private_file(path)
    return url


def private_tree(root: Path) -> None:
    """Make every folder under ``root`` 0700 and every file 0600 (e.g. MLflow artifacts)."""
    root = Path(root)
    if not root.exists():
        return
    _chmod_if_owned(root, PRIVATE_DIR if root.is_dir() else PRIVATE_FILE)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            _chmod_if_owned(Path(folder, name), PRIVATE_DIR)
        for name in files:
            _chmod_if_owned(Path(folder, name), PRIVATE_FILE)


def _chmod_if_owned(path: Path, mode: int) -> None:
    # Only what the user owns: LAB_HOME may point at a folder someone else set up.
    st = path.lstat()
    if st.st_uid == os.getuid() and (st.st_mode & 0o777) != mode and not path.is_symlink():
        path.chmod(mode)
