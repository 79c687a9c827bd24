"""`driftlab start --host`: the app listens where asked, with a plain warning beyond the
loopback (the wording of `driftlab serve`'s)."""

from __future__ import annotations

import subprocess

from typer.testing import CliRunner

from lab import cli, tracking


def test_start_host_warns_beyond_loopback(monkeypatch):
    launched: list[list[str]] = []
    # Only the launch is replaced (no app is started in a unit test), and training: a
    # champion is said to exist so that start goes straight to the launch.
    monkeypatch.setattr(tracking, "champion_version", lambda model: 1)
    monkeypatch.setattr(subprocess, "call", lambda args, **kw: launched.append(args) or 0)
    runner = CliRunner()
    wide = runner.invoke(cli.app, ["start", "--host", "0.0.0.0", "--port", "8599"])
    assert wide.exit_code == 0, wide.output
    assert "warning: listening on 0.0.0.0, beyond this machine: anyone who can reach it " \
           "can open the app" in " ".join(wide.output.split())
    assert launched[-1][launched[-1].index("--server.address") + 1] == "0.0.0.0"
    local = runner.invoke(cli.app, ["start"])
    assert local.exit_code == 0 and "warning" not in local.output
    assert launched[-1][launched[-1].index("--server.address") + 1] == "127.0.0.1"
