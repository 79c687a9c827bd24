"""Server processes clean up after themselves."""

import tempfile
from pathlib import Path

import httpx
import pytest

from lab.config import Settings
from lab.serve.process import ServerProcess
from tests.serve.conftest import SCENARIO, trained_home

pytestmark = pytest.mark.slow


def _metrics_dirs() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("driftlab-prom-*"))


@pytest.mark.parametrize("stop", ["stop", "kill"])
def test_a_multi_worker_server_leaves_no_metrics_folder(tmp_path_factory, migrated_store,
                                                        stop):
    home = trained_home(tmp_path_factory, migrated_store)
    before = _metrics_dirs()
    server = ServerProcess(Settings(home=home), workers=2).start()
    folder = Path(server.env["PROMETHEUS_MULTIPROC_DIR"])
    assert folder in _metrics_dirs() - before
    example = httpx.get(f"{server.url}/models/{SCENARIO}").json()["example"]
    assert httpx.post(f"{server.url}/models/{SCENARIO}/predict", json=example).status_code == 200
    assert any(folder.iterdir())  # the workers did write their metrics there
    getattr(server, stop)()
    assert not folder.exists()
