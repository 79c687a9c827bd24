"""Workspaces: every candidate's models, runs and attempts, apart from everyone else's.

A workspace is a short name. Its registered models are named ``<workspace>.<scenario>``
(the ``default`` workspace keeps the bare scenario id, so the command line and servers
started by hand behave as before). Prediction runs and attempts carry the workspace too,
so one candidate's training, deploys, traffic and grades never touch another's.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

DEFAULT = "default"
PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"
_NAME = re.compile(PATTERN)
SEPARATOR = "."


class WorkspaceError(ValueError):
    """A workspace name that cannot be used: says what is allowed."""


def validate(name: str | None) -> str:
    """A workspace name, normalised (lower case, trimmed), or a clear error."""
    text = (name or "").strip().lower()
    if not _NAME.fullmatch(text):
        raise WorkspaceError(
            f"workspace {name!r} is not allowed: use 1 to 32 characters, lower-case letters, "
            "digits, '-' or '_', starting with a letter or digit (e.g. 'alice' or 'team-2')")
    return text


def model_name(scenario_id: str, workspace: str = DEFAULT) -> str:
    """The registered (and served) model of a scenario in a workspace."""
    workspace = validate(workspace)
    return scenario_id if workspace == DEFAULT else f"{workspace}{SEPARATOR}{scenario_id}"


def split_model_name(name: str) -> tuple[str, str]:
    """``(workspace, scenario id)`` of a model name made by :func:`model_name`."""
    workspace, sep, scenario_id = name.partition(SEPARATOR)
    return (workspace, scenario_id) if sep else (DEFAULT, name)


def new_run_id(now: datetime | None = None) -> str:
    """A prediction run's id: sortable by start time, unique without coordination."""
    moment = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S")
    return f"r{moment}-{secrets.token_hex(3)}"


__all__ = ["DEFAULT", "PATTERN", "WorkspaceError", "model_name", "new_run_id",
           "split_model_name", "validate"]
