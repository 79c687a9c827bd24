"""What an outside tester broke, against a real server: extreme numbers, unexpected errors,
bounds and content types, runs and idempotent retries."""

import socket
import time
from datetime import datetime
from urllib.parse import urlsplit

import httpx
import pytest
import sqlalchemy as sa

from lab.serve.schemas import MAX_BODY_BYTES, MAX_CATEGORY_CHARS
from lab.serve.store import predictions
from tests.serve.conftest import SCENARIO

pytestmark = pytest.mark.slow
PREDICT = f"/models/{SCENARIO}/predict"
EXTREMES = [1e19, 2.0 ** 63, float(10 ** 30), 1e300, -1e300, 1.7976931348623157e308,
            -0.0, 5e-324]


@pytest.fixture(scope="module")
def example(served):
    return httpx.get(f"{served.url}/models/{SCENARIO}").json()["example"]


@pytest.fixture(scope="module")
def numeric(served):
    info = httpx.get(f"{served.url}/models/{SCENARIO}").json()
    return [f["name"] for f in info["features"] if f["kind"] == "numeric"]


def raw_http(url: str, messages: list[bytes], close_after: bool = False
             ) -> list[tuple[int, dict[str, str], bytes]]:
    """Send requests one after another on ONE connection; read each response."""
    parts = urlsplit(url)
    out = []
    with socket.create_connection((parts.hostname, parts.port), timeout=15) as sock:
        reader = sock.makefile("rb")
        for message in messages:
            sock.sendall(message)
            if close_after:
                return out
            status = int(reader.readline().split()[1])
            headers = {}
            while (line := reader.readline()) not in (b"\r\n", b""):
                key, value = line.decode().split(":", 1)
                headers[key.strip().lower()] = value.strip()
            out.append((status, headers, reader.read(int(headers.get("content-length", 0)))))
    return out


def get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()


@pytest.mark.parametrize("value", EXTREMES)
def test_extreme_numbers_are_scored_never_a_500(served, example, numeric, value):
    for name in numeric:
        features = {**example["features"], name: value}
        one = httpx.post(f"{served.url}{PREDICT}", json={"features": features})
        assert one.status_code == 200, (name, one.text)
        assert 0 <= one.json()["score"] <= 1
        for size in (64, 65):  # the tree walk and scikit-learn's own path
            many = httpx.post(f"{served.url}{PREDICT}",
                              json={"batch": [{"features": features}] * size})
            assert many.status_code == 200, (name, size, many.text)
            scores = [p["score"] for p in many.json()["predictions"]]
            assert scores == pytest.approx([one.json()["score"]] * size, abs=1e-12)


def test_an_unexpected_error_is_a_counted_json_500_on_a_kept_connection(served):
    # A row the stats route cannot read (its JSON is broken) makes a real, unplanned error.
    broken = {"request_id": "broken-row", "model": SCENARIO, "run": "", "version": 1,
              "received_at": datetime(2026, 1, 1), "event_time": datetime(2026, 1, 1),
              "features": "{}", "score": 0.5, "decision": 1, "threshold": 0.5,
              "latency_ms": 1.0, "unseen": "{broken", "label": None, "labelled_at": None}
    with served.store.engine.begin() as conn:
        conn.execute(predictions.insert(), [broken])
    try:
        answers = raw_http(served.url, [get(f"/models/{SCENARIO}/stats")] * 2 + [get("/health")])
    finally:
        with served.store.engine.begin() as conn:
            conn.execute(predictions.delete().where(predictions.c.request_id == "broken-row"))
    for status, headers, body in answers[:2]:
        assert status == 500 and headers["content-type"] == "application/json"
        assert headers.get("connection") != "close"
        assert b'"field":"server"' in body and b"JSONDecodeError" in body
    assert answers[2][0] == 200  # the same connection still serves
    stats = httpx.get(f"{served.url}/models/{SCENARIO}/stats").json()
    assert stats["errors_by_status"]["500"] == 2
    metrics = httpx.get(f"{served.url}/metrics").text
    assert f'driftlab_requests_total{{model="{SCENARIO}",status="500"}} 2.0' in metrics


def test_bounds_and_content_types(served, example):
    url = f"{served.url}{PREDICT}"
    long = {"features": {**example["features"], "priority": "x" * (MAX_CATEGORY_CHARS + 1)}}
    r = httpx.post(url, json=long)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "features.priority"
    assert str(MAX_CATEGORY_CHARS) in r.json()["detail"][0]["reason"]

    # Refused from Content-Length alone: the server answers before any body is sent.
    started = time.monotonic()
    [(status, headers, body)] = raw_http(served.url, [(
        f"POST {PREDICT} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {10 * 1024 * 1024}\r\n\r\n").encode()])
    assert status == 413 and headers["connection"] == "close"
    assert b'"field":"body"' in body and str(MAX_BODY_BYTES).encode() in body
    assert time.monotonic() - started < 5

    for path in (PREDICT, f"/models/{SCENARIO}/feedback"):
        r = httpx.post(f"{served.url}{path}", content=b'{"labels": []}',
                       headers={"content-type": "text/plain"})
        assert r.status_code == 415 and r.json()["detail"][0]["field"] == "content-type"
    r = httpx.post(f"{served.url}/models/{SCENARIO}/feedback", content=b"label=1",
                   headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["detail"] == [{"field": "body",
                                                            "reason": "not valid JSON"}]
    r = httpx.get(f"{served.url}/no/such/route")
    assert r.status_code == 404 and r.json()["detail"][0]["field"] == "path"
    r = httpx.delete(f"{served.url}{PREDICT}")
    assert r.status_code == 405 and r.json()["detail"][0]["field"] == "method"
    r = httpx.post(f"{served.url}/models/nothing-here/feedback", json={"labels": []})
    assert r.status_code == 404 and r.json()["detail"][0]["field"] == "name"


def test_a_client_gone_mid_body_is_one_log_line(served):
    log = served.home / "server.log"
    before = log.stat().st_size if log.exists() else 0
    raw_http(served.url, [(f"POST {PREDICT} HTTP/1.1\r\nHost: x\r\n"
                           "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                           '{"features": {').encode()], close_after=True)
    deadline = time.monotonic() + 10
    new = ""
    while "disconnected" not in new and time.monotonic() < deadline:
        time.sleep(0.1)
        new = log.read_bytes()[before:].decode()
    assert [line for line in new.splitlines() if line.strip()] == [
        f"client disconnected before sending the whole body: POST {PREDICT}"]


def test_feedback_names_the_labels_it_replaced(served, example):
    ids = [p["request_id"] for p in httpx.post(
        f"{served.url}{PREDICT}", json={"batch": [example] * 3}).json()["predictions"]]
    url = f"{served.url}/models/{SCENARIO}/feedback"
    first = httpx.post(url, json={"labels": [{"request_id": ids[0], "label": 1}]})
    assert first.json() == {"updated": 1, "unknown": [], "replaced": []}
    second = httpx.post(url, json={"labels": [{"request_id": i, "label": 0} for i in ids]})
    assert second.json() == {"updated": 3, "unknown": [], "replaced": [ids[0]]}


def test_predictions_record_their_run(served, example):
    r = httpx.post(f"{served.url}{PREDICT}", json={"run": "walk-1", "batch": [example] * 4})
    assert r.status_code == 200
    r = httpx.post(f"{served.url}{PREDICT}", json={**example, "run": "walk-2"})
    assert r.status_code == 200
    assert served.store.count(SCENARIO, run="walk-1") == 4
    assert served.store.frame(SCENARIO, run="walk-2")["request_id"].tolist() == \
        [r.json()["request_id"]]
    stats = httpx.get(f"{served.url}/models/{SCENARIO}/stats", params={"run": "walk-1"})
    assert stats.json()["predictions"] == 4 and stats.json()["run"] == "walk-1"
    bad = httpx.post(f"{served.url}{PREDICT}", json={**example, "run": "no spaces"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "run"
    bad = httpx.get(f"{served.url}/models/{SCENARIO}/stats", params={"run": "a/b"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "query.run"


def test_a_retried_request_id_is_answered_once_and_stored_once(served, example):
    url = f"{served.url}{PREDICT}"
    before = served.store.count(SCENARIO)
    first = httpx.post(url, json={**example, "request_id": "client-7"}).json()
    changed = {"features": {**example["features"], "priority": "P4"}, "request_id": "client-7"}
    again = httpx.post(url, json=changed).json()  # a retry: the stored answer, not a new one
    assert first["replayed"] is False and again["replayed"] is True
    assert (again["score"], again["decision"], again["version"]) == \
        (first["score"], first["decision"], first["version"])
    batch = {"batch": [{**example, "request_id": "client-7"}, {**example, "request_id": "c-8"}]}
    answer = httpx.post(url, json=batch).json()["predictions"]
    assert [p["replayed"] for p in answer] == [True, False]
    assert answer[0]["score"] == first["score"]
    assert served.store.count(SCENARIO) == before + 2
    dup = httpx.post(url, json={"batch": [{**example, "request_id": "d"}] * 2}).json()
    assert [p["replayed"] for p in dup["predictions"]] == [False, True]  # a repeat in a batch
    assert served.store.count(SCENARIO) == before + 3
    with served.store.engine.begin() as conn:  # an id another model already owns
        conn.execute(sa.text(
            "INSERT INTO predictions (request_id, model, run, version, received_at, features, "
            "score, decision, threshold, latency_ms) VALUES ('theirs', 'other-model', '', 1, "
            "'2026-01-01 00:00:00', '{}', 0.5, 1, 0.5, 1.0)"))
    clash = httpx.post(url, json={**example, "request_id": "theirs"})
    assert clash.status_code == 409 and clash.json()["detail"][0]["field"] == "request_id"
    assert served.store.count(SCENARIO) == before + 3
