"""A server killed with SIGKILL mid-traffic has lost no prediction it acknowledged, and a
client that retries its unanswered requests with the same request ids stores each once."""

import asyncio
import time

import httpx
import pytest

from lab.config import Settings
from lab.serve.process import ServerProcess
from lab.serve.store import PredictionStore
from tests.serve.conftest import SCENARIO, trained_home

pytestmark = pytest.mark.slow
TARGET = 1500          # acknowledged predictions before the kill
DEADLINE_S = 90        # to reach TARGET; else the test fails, saying how far it got


@pytest.mark.parametrize("workers", [1, 2])
def test_sigkill_loses_nothing_and_retries_store_once(tmp_path_factory, migrated_store,
                                                      workers):
    home = trained_home(tmp_path_factory, migrated_store)
    settings = Settings(home=home)
    server = ServerProcess(settings, workers=workers).start()
    example = httpx.get(f"{server.url}/models/{SCENARIO}").json()["example"]
    acknowledged: dict[str, float] = {}          # request id -> score
    unanswered: list[dict] = []                  # bodies whose response never came

    async def hammer(client: httpx.AsyncClient, worker: int, stop_at: float) -> None:
        n = 0
        while time.monotonic() < stop_at:
            body = {"run": "durability", "batch": [
                {**example, "request_id": f"w{worker}-{n}-{k}"} for k in range(3)]}
            n += 1
            try:
                r = await client.post(f"/models/{SCENARIO}/predict", json=body)
            except httpx.TransportError:
                unanswered.append(body)
                return  # the server is gone
            assert r.status_code == 200, r.text
            acknowledged.update((p["request_id"], p["score"]) for p in r.json()["predictions"])

    async def run() -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            stop_at = time.monotonic() + DEADLINE_S + 30
            tasks = [asyncio.create_task(hammer(client, w, stop_at)) for w in range(16)]
            deadline = time.monotonic() + DEADLINE_S
            while len(acknowledged) < TARGET:
                if time.monotonic() > deadline or all(t.done() for t in tasks):
                    server.kill()
                    pytest.fail(f"only {len(acknowledged)} of {TARGET} predictions were "
                                f"acknowledged in {DEADLINE_S} s; nothing was killed mid-load")
                await asyncio.sleep(0.02)
            server.kill()  # SIGKILL to every worker, mid-traffic
            await asyncio.wait_for(asyncio.gather(*tasks), 30)

    asyncio.run(run())
    assert server.proc.returncode == -9
    assert unanswered, "no request was in flight when the server was killed"

    # The client comes back and retries what it never got an answer to, with the same ids.
    replayed = 0
    with ServerProcess(settings, workers=workers) as again, httpx.Client(timeout=30) as client:
        for body in unanswered:
            r = client.post(f"{again.url}/models/{SCENARIO}/predict", json=body)
            assert r.status_code == 200, r.text
            for p in r.json()["predictions"]:
                replayed += p["replayed"]
                acknowledged[p["request_id"]] = p["score"]
        # A second retry of the same requests changes nothing.
        for body in unanswered:
            r = client.post(f"{again.url}/models/{SCENARIO}/predict", json=body)
            assert all(p["replayed"] for p in r.json()["predictions"])

    store = PredictionStore(settings.prediction_store_url)
    frame = store.frame(SCENARIO, run="durability")
    store.dispose()
    stored = dict(zip(frame["request_id"], frame["score"]))
    assert len(frame) == len(stored), "a request id was stored twice"
    missing = set(acknowledged) - set(stored)
    assert not missing, f"{len(missing)} acknowledged predictions were lost"
    assert set(stored) == set(acknowledged), "rows stored that no client ever sent"
    assert all(stored[rid] == pytest.approx(score, abs=1e-12)
               for rid, score in acknowledged.items())
    print(f"\ndurability workers={workers}: acknowledged before kill "
          f"{len(acknowledged) - 3 * len(unanswered)}, requests in flight {len(unanswered)}, "
          f"of their {3 * len(unanswered)} predictions {replayed} had been committed "
          f"unacknowledged (answered from the store on retry), lost 0, duplicated 0")
