"""A server killed with SIGKILL mid-traffic has lost no prediction it acknowledged."""

import asyncio
import time

import httpx
import pytest

from lab.config import Settings
from lab.serve.process import ServerProcess
from lab.serve.store import PredictionStore
from tests.serve.conftest import SCENARIO, trained_home

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("workers", [1, 2])
def test_sigkill_loses_no_acknowledged_prediction(tmp_path_factory, migrated_store, workers):
    home = trained_home(tmp_path_factory, migrated_store)
    settings = Settings(home=home)
    server = ServerProcess(settings, workers=workers).start()
    example = httpx.get(f"{server.url}/models/{SCENARIO}").json()["example"]
    acknowledged: list[str] = []

    async def hammer(client: httpx.AsyncClient, stop_at: float) -> None:
        while time.monotonic() < stop_at:
            try:
                r = await client.post(f"/models/{SCENARIO}/predict",
                                      json={"batch": [example] * 3})
            except httpx.TransportError:
                return  # the server is gone
            if r.status_code == 200:
                acknowledged.extend(p["request_id"] for p in r.json()["predictions"])

    async def run() -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            stop_at = time.monotonic() + 30
            tasks = [asyncio.create_task(hammer(client, stop_at)) for _ in range(16)]
            while len(acknowledged) < 1500:
                await asyncio.sleep(0.02)
            server.kill()  # SIGKILL to every worker, mid-traffic
            await asyncio.gather(*tasks)

    asyncio.run(run())
    assert server.proc.returncode == -9
    store = PredictionStore(settings.prediction_store_url)
    stored = set(store.frame(SCENARIO)["request_id"])
    store.dispose()
    assert len(acknowledged) >= 1500
    missing = set(acknowledged) - stored
    assert not missing, f"{len(missing)} acknowledged predictions were lost"
