"""Per-model routes: describe, predict, feedback, reload, stats."""

from __future__ import annotations

import logging
import os
import time
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from lab.serve import metrics
from lab.serve.errors import field_errors
from lab.serve.schemas import (
    MAX_BATCH,
    ONE_OR_BATCH,
    BatchResponse,
    ErrorResponse,
    Feedback,
    FeedbackResponse,
    PredictResponse,
    Stats,
)
from lab.serve.scoring import SMALL_BATCH
from lab.serve.state import ServerState, State
from lab.serve.store import PredictionStore
from lab.tracking import NoChampion

router = APIRouter(prefix="/models", tags=["models"])
log = logging.getLogger("driftlab.serve")

ERRORS = {404: {"model": ErrorResponse, "description": "No such model is served."},
          413: {"model": ErrorResponse, "description": f"A batch over {MAX_BATCH} items."},
          422: {"model": ErrorResponse, "description": "A field is missing, unknown, or of "
                                                      "the wrong type."}}


def json_response(data: Any, status_code: int = 200) -> Response:
    # orjson straight to bytes: the hot path skips FastAPI's response-model validation.
    return Response(orjson.dumps(data), status_code=status_code, media_type="application/json")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _naive(moment: datetime | None) -> datetime | None:
    """Event times are stored as naive UTC."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


@router.get("", summary="The served models and their versions")
async def list_models(state: State) -> dict[str, int]:
    return state.registry.versions()


@router.get("/{name}", summary="A model: version, threshold, metrics, schema, an example",
            responses={404: ERRORS[404]})
async def describe(name: str, state: State) -> dict[str, Any]:
    model = state.model(name)
    card = model.card
    return {
        "name": name, "version": model.version, "alias": "champion", "run_id": model.run_id,
        "threshold": card["threshold"], "costs": card["costs"],
        "training_metrics": card["test_metrics"], "features": card["features"],
        "example": {"features": card.get("example", {})},
        "max_batch": MAX_BATCH,
    }


def _fail(state: ServerState, name: str, status: int, detail: Any) -> Response:
    metrics.REQUESTS.labels(name, str(status)).inc()
    reason = orjson.dumps(detail).decode()[:500]
    state.writer.submit(partial(PredictionStore.insert_error,
                                row={"model": name, "status": status, "at": _now(),
                                     "reason": reason}))
    return json_response({"detail": detail}, status_code=status)


@router.post("/{name}/predict", summary="Score one record or a batch",
             response_model=PredictResponse | BatchResponse, responses=ERRORS)
async def predict(name: str, request: Request, state: State) -> Response:
    started = time.perf_counter()
    model = state.model(name)
    body = await request.body()
    try:
        parsed = model.request.validate_json(body)
    except ValidationError as exc:
        errors = exc.errors()
        too_long = any(e["type"] == "too_long" and e["loc"][:1] == ("batch",) for e in errors)
        if any(e["type"] == "json_invalid" for e in errors):
            return _fail(state, name, 400, [{"field": "body", "reason": "not valid JSON"}])
        return _fail(state, name, 413 if too_long else 422, field_errors(errors))
    single = "features" in parsed
    if single == ("batch" in parsed):
        return _fail(state, name, 422, [{"field": "body", "reason": ONE_OR_BATCH}])

    items = [parsed] if single else parsed["batch"]
    records = [item["features"] for item in items]
    if len(records) > SMALL_BATCH:
        scores = await run_in_threadpool(model.scorer.scores, records)
    else:
        scores = model.scorer.scores(records)
    threshold = model.threshold
    received = _now()
    latency_ms = (time.perf_counter() - started) * 1000
    rows, out = [], []
    for item, record, score in zip(items, records, scores):
        rid = os.urandom(16).hex()  # 128 random bits, as uuid4 has, at a fifth of its cost
        decision = int(score >= threshold)
        unseen = model.unseen(record)
        rows.append({"request_id": rid, "model": name, "version": model.version,
                     "received_at": received,
                     "event_time": _naive(item.get("event_time")) or received,
                     "features": orjson.dumps(record).decode(), "score": float(score),
                     "decision": decision, "threshold": threshold, "latency_ms": latency_ms,
                     "unseen": orjson.dumps(unseen).decode() if unseen else None,
                     "label": None, "labelled_at": None})
        out.append({"request_id": rid, "score": float(score), "decision": decision,
                    "unseen": unseen})
    # Answer only after the commit: whatever the server acknowledges survives a crash.
    try:
        await state.write(partial(PredictionStore.insert_predictions, rows=rows))
    except Exception as exc:  # noqa: BLE001 - the store failed: say so, acknowledge nothing
        log.exception("prediction store write failed")
        return _fail(state, name, 503, [{"field": "store", "reason": "the prediction store "
                                         f"could not commit ({type(exc).__name__}); nothing "
                                         "was logged, retry"}])

    metrics.REQUESTS.labels(name, "200").inc()
    metrics.PREDICTIONS.labels(name).inc(len(rows))
    for p in out:
        metrics.SCORES.labels(name).observe(p["score"])
    metrics.LATENCY.labels(name).observe(time.perf_counter() - started)
    head = {"model": name, "version": model.version, "threshold": threshold}
    if single:
        p = out[0]
        return json_response({**head, "request_id": p["request_id"], "score": p["score"],
                               "decision": p["decision"], "unseen_categories": p["unseen"]})
    return json_response({**head, "predictions": [
        {"request_id": p["request_id"], "score": p["score"], "decision": p["decision"]}
        for p in out]})


@router.post("/{name}/feedback", summary="True labels for predictions, by request id",
             response_model=FeedbackResponse, responses={404: ERRORS[404], 422: ERRORS[422]})
async def feedback(name: str, body: Feedback, state: State) -> dict[str, Any]:
    state.model(name)
    labels = {item.request_id: item.label for item in body.labels}
    updated, unknown = await state.write(partial(PredictionStore.apply_labels, model=name,
                                                 labels=labels, at=_now()))
    return {"updated": updated, "unknown": unknown}


@router.post("/{name}/reload", summary="Load the model's current @champion (admin)",
             responses={401: {"model": ErrorResponse}, 404: ERRORS[404]})
async def reload(name: str, state: State,
                 authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
    token = state.settings.admin_token
    if token and authorization != f"Bearer {token}":
        raise HTTPException(401, "this route needs 'Authorization: Bearer <LAB_ADMIN_TOKEN>'",
                            headers={"WWW-Authenticate": "Bearer"})
    previous = state.registry.get(name)
    try:
        model = await run_in_threadpool(state.registry.reload, name)
    except NoChampion:
        raise HTTPException(404, f"model {name!r} has no @champion to load") from None
    # Tell the other workers; this one is already current.
    await state.write(partial(PredictionStore.bump_reload, model=name))
    state.generations[name] = (await run_in_threadpool(state.store.reload_generations))[name]
    return {"model": name, "version": model.version,
            "previous_version": previous.version if previous else None}


@router.get("/{name}/stats", summary="Predictions, labels, errors, latency, unseen categories",
            response_model=Stats, responses={404: ERRORS[404]})
async def stats(name: str, state: State) -> dict[str, Any]:
    model = state.model(name)
    numbers = await run_in_threadpool(state.store.stats, name)
    return {"model": name, "version": model.version, **numbers}
