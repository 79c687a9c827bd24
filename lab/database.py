"""Engines for the lab's own tables (attempts, the run book) at the URL the settings give.

On one laptop that is a SQLite file in the lab home, opened per use as before. On a shared
host it is one PostgreSQL database (``LAB_DATABASE_URL``): there an engine (and its
connection pool) is made once per process and URL, since the app builds a store on every
page render and a pool per render would soon exhaust the server's connections.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import sqlalchemy as sa

from lab.config import ensure_home, get_settings, private_sqlite

_engines: dict[str, sa.Engine] = {}
_ready: set[tuple[str, int]] = set()
_lock = threading.Lock()


def engine_for(url: str) -> sa.Engine:
    """An engine for ``url``: a new one for SQLite, the process's shared one otherwise."""
    if sa.engine.make_url(url).get_backend_name() == "sqlite":
        return sa.create_engine(private_sqlite(url))
    with _lock:
        if url not in _engines:
            # pre_ping: a long-lived app survives the database restarting under it.
            _engines[url] = sa.create_engine(url, pool_pre_ping=True)
        return _engines[url]


def create_tables(engine: sa.Engine, metadata: sa.MetaData,
                  upgrade: Callable[[], None] | None = None) -> None:
    """Create ``metadata``'s tables if missing and bring old ones up to date, once per
    process and engine for a shared database.

    Several processes (the app, the server's workers, the CLI) may do this at once on
    PostgreSQL; the loser of that race finds the tables made and checks again.
    """
    key = (str(engine.url), id(metadata))
    if engine.dialect.name != "sqlite" and key in _ready:
        return
    for attempt in range(2):
        try:
            metadata.create_all(engine)
            if upgrade:
                upgrade()
            break
        except sa.exc.DBAPIError:
            if attempt:
                raise
    if engine.dialect.name != "sqlite":
        _ready.add(key)


def shared(engine: sa.Engine) -> bool:
    """True for a process-wide engine (never disposed by one store that uses it)."""
    return engine in _engines.values()


def runbook_engine(metadata: sa.MetaData, url: str | None = None) -> sa.Engine:
    """The engine for lab tables kept beside the run book (``LAB_HOME/lab.db``, or the shared
    database), with ``metadata``'s tables made; ``url`` overrides the settings."""
    if url is None:
        settings = get_settings()
        if settings.database_url is None:
            ensure_home(settings)  # the home is created private, never by the umask
        url = settings.runbook_url
    engine = engine_for(url)
    create_tables(engine, metadata)
    return engine
