"""Per-model routes: describe, predict, feedback, reload, stats."""

from __future__ import annotations

import logging
import os
import time
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any

import numpy as np
import orjson
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from lab import tracking
from lab.serve import dependency, metrics
from lab.serve.errors import RequestError, field_errors
from lab.serve.rollout import MODES, RolloutError
from lab.serve.rollout import body_schema as rollout_body_schema
from lab.serve.rollout import parse as parse_rollout
from lab.serve.schemas import (
    ID_PATTERN,
    MAX_BATCH,
    MAX_BODY_BYTES,
    ONE_OR_BATCH,
    BatchResponse,
    ErrorResponse,
    Feedback,
    FeedbackResponse,
    PredictResponse,
    Stats,
)
from lab.serve.scoring import SMALL_BATCH, OutOfRange
from lab.serve.state import State
from lab.serve.store import PredictionStore, RequestIdConflict
from lab.tracking import NoChampion

router = APIRouter(prefix="/models", tags=["models"])
log = logging.getLogger("driftlab.serve")

_WHY = {
    400: "The body is not valid JSON.",
    401: "The admin token is missing or wrong (only when the server has one).",
    404: "No such model is served.",
    409: "A request id is already stored for another model, or a rollout asks for a "
         "@challenger the model does not have.",
    413: f"A body over {MAX_BODY_BYTES} bytes, or a batch over {MAX_BATCH} items.",
    415: "The body is not sent as application/json.",
    422: "A field is missing, unknown, of the wrong type, too long, or out of range.",
    500: "An unexpected server error (logged and counted).",
    503: "The prediction store could not commit; nothing was logged, retry.",
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can return (500 on every route)."""
    return {code: {"model": ErrorResponse, "description": _WHY[code]}
            for code in sorted({*codes, 500})}


FEEDBACK = TypeAdapter(Feedback)


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


async def read_json_body(request: Request) -> bytes:
    """The body, refused before it is read when it is not JSON or is too large."""
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";")[0].strip().lower()
    if media != "application/json":
        raise RequestError(415, "content-type", "send the body as application/json; got "
                           f"{content_type or 'no content type'!r}")
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise RequestError(400, "content-length", "not a number of bytes")
        if int(declared) > MAX_BODY_BYTES:
            # Unread, so the connection cannot be reused: say so rather than drop it.
            raise RequestError(413, "body", f"{declared} bytes; at most {MAX_BODY_BYTES}",
                               headers={"connection": "close"})
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise RequestError(413, "body", f"over {MAX_BODY_BYTES} bytes",
                               headers={"connection": "close"})
        chunks.append(chunk)
    return b"".join(chunks)


@router.get("", summary="The served models and their versions", responses=responses())
async def list_models(state: State) -> dict[str, int]:
    return state.registry.versions()


@router.get("/{name}", summary="A model: version, threshold, metrics, schema, an example",
            responses=responses(404))
async def describe(name: str, state: State) -> dict[str, Any]:
    model = await state.model(name)
    card = model.card
    return {
        "name": name, "version": model.version, "alias": "champion", "run_id": model.run_id,
        "threshold": card["threshold"], "costs": card["costs"],
        "training_metrics": card["test_metrics"], "features": card["features"],
        "example": {"features": card.get("example", {})},
        "max_batch": MAX_BATCH,
        "rollout": {**model.rollout.to_dict(), "challenger_version":
                    model.challenger.version if model.challenger else None},
    }


def _where(single: bool, index: int, field: str) -> str:
    return field if single else f"batch[{index}].{field}"


@router.post("/{name}/predict", summary="Score one record or a batch",
             response_model=PredictResponse | BatchResponse,
             responses=responses(400, 404, 409, 413, 415, 422, 503))
async def predict(name: str, request: Request, state: State) -> Response:
    started = time.perf_counter()
    model = await state.model(name)
    body = await read_json_body(request)
    try:
        parsed = model.request.validate_json(body)
    except ValidationError as exc:
        errors = exc.errors()
        too_long = any(e["type"] == "too_long" and e["loc"][:1] == ("batch",) for e in errors)
        if any(e["type"] == "json_invalid" for e in errors):
            raise RequestError(400, "body", "not valid JSON") from None
        raise RequestError(413 if too_long else 422, field_errors(errors)) from None
    single = "features" in parsed
    if single == ("batch" in parsed):
        raise RequestError(422, "body", ONE_OR_BATCH)
    for key in ("event_time", "request_id"):
        if not single and key in parsed:
            raise RequestError(422, key, "with a batch, it goes in each item")

    items = [parsed] if single else parsed["batch"]
    # A request id seen earlier in the same batch is a repeat: it gets the first one's answer.
    first_of: dict[str, int] = {}
    repeats: dict[int, int] = {}
    for i, item in enumerate(items):
        rid = item.get("request_id")
        if rid is not None:
            if rid in first_of:
                repeats[i] = first_of[rid]
            else:
                first_of[rid] = i
    records = [item["features"] for item in items]
    # 128 random bits, as uuid4 has, at a fifth of its cost
    rids = [item.get("request_id") or os.urandom(16).hex() for item in items]
    # The features this server looks up itself (as slow as the lab's plan says; see there).
    await dependency.lookup(state, parsed.get("run", ""), _naive(items[0].get("event_time")),
                            items[0].get("request_id") or os.urandom(8).hex())
    # A canary's share is answered by the challenger (by request id); the rest, and every
    # request outside a canary, by the champion.
    challenger, rollout = model.challenger, model.rollout
    answering = [challenger if challenger is not None and rollout.challenger_answers(rid)
                 else model for rid in rids]
    groups = ([list(range(len(records)))] if challenger is None else
              [[i for i, m in enumerate(answering) if m is served] for served in
               (model, challenger)])
    scores = np.empty(len(records))
    for at in groups:
        if not at:
            continue
        try:
            scores[at] = await _scores(answering[at[0]], [records[i] for i in at])
        except OutOfRange as exc:
            raise RequestError(422, _where(single, at[exc.index], f"features.{exc.field}"),
                               "too large in magnitude for this model to score") from None
    shadow_scores = None
    if challenger is not None and rollout.mode == "shadow":
        try:
            shadow_scores = await _scores(challenger, records)
        except Exception as exc:  # noqa: BLE001 - the champion has answered: the
            # challenger's failure only costs its shadow scores (logged, never a 500)
            log.warning("model %s: @challenger v%s could not score a request in shadow (%s)",
                        name, challenger.version, exc)
    received = _now()
    # A first figure; replaced after the commit (below) by the whole wait the client sees.
    latency_ms = (time.perf_counter() - started) * 1000
    run = parsed.get("run", "")
    rows, out, shadow = [], [], []
    for i, (item, record, score, rid, served) in enumerate(zip(items, records, scores, rids,
                                                               answering)):
        decision = int(score >= served.threshold)
        unseen = served.unseen(record)
        out.append({"request_id": rid, "score": float(score), "decision": decision,
                    "version": served.version, "threshold": served.threshold,
                    "replayed": False, "unseen": unseen})
        if i in repeats:
            continue
        event_time = _naive(item.get("event_time")) or received
        rows.append({"request_id": rid, "model": name, "run": run, "version": served.version,
                     "received_at": received, "event_time": event_time,
                     "features": orjson.dumps(record).decode(), "score": float(score),
                     "decision": decision, "threshold": served.threshold,
                     "latency_ms": latency_ms,
                     "unseen": orjson.dumps(unseen).decode() if unseen else None,
                     "label": None, "labelled_at": None})
        if shadow_scores is not None:
            shadow.append({"request_id": rid, "version": challenger.version, "model": name,
                           "run": run, "received_at": received, "event_time": event_time,
                           "score": float(shadow_scores[i]),
                           "decision": int(shadow_scores[i] >= challenger.threshold),
                           "threshold": challenger.threshold})
    # Answer only after the commit: whatever the server acknowledges survives a crash.
    try:
        if shadow:
            job = partial(PredictionStore.record_with_shadow, model=name, rows=rows,
                          client_ids=list(first_of), shadow=shadow)
        else:
            job = partial(PredictionStore.record_predictions, model=name, rows=rows,
                          client_ids=list(first_of))
        stored = await state.write(job)
    except RequestIdConflict as exc:
        raise RequestError(409, _where(single, first_of[exc.request_id], "request_id"),
                           "already used by another model; choose another id") from None
    except Exception as exc:  # noqa: BLE001 - the store failed: say so, acknowledge nothing
        log.exception("prediction store write failed")
        raise RequestError(503, "store", "the prediction store could not commit "
                           f"({type(exc).__name__}); nothing was logged, retry") from None

    new_ids = [row["request_id"] for row in rows if row["request_id"] not in stored]
    _record_whole_latency(state, new_ids, started)
    for p in out:  # a retried request id: the stored answer, not today's
        if p["request_id"] in stored:
            row = stored[p["request_id"]]
            p.update(score=row["score"], decision=row["decision"], version=row["version"],
                     threshold=row["threshold"], replayed=True,
                     unseen=orjson.loads(row["unseen"]) if row["unseen"] else {})
    for i, first in repeats.items():
        out[i] = {**out[first], "replayed": True}
    metrics.REQUESTS.labels(name, "200").inc()
    metrics.PREDICTIONS.labels(name).inc(len(rows) - len(stored))
    for p in out:
        metrics.SCORES.labels(name).observe(p["score"])
    metrics.LATENCY.labels(name).observe(time.perf_counter() - started)
    if single:
        p = out[0]
        # The version that answered (a canary's share: the challenger), at its threshold.
        return json_response({"model": name, "version": p["version"],
                              "threshold": p["threshold"],
                              "request_id": p["request_id"], "score": p["score"],
                              "decision": p["decision"], "replayed": p["replayed"],
                              "unseen_categories": p["unseen"]})
    return json_response({"model": name, "version": model.version,
                          "threshold": model.threshold,
                          "predictions": [{k: p[k] for k in ("request_id", "score", "decision",
                                                             "version", "threshold",
                                                             "replayed")}
                                          for p in out]})


async def _scores(served, records: list[dict[str, Any]]) -> np.ndarray:
    """P(positive) of ``records`` by one served version (a large batch off the loop)."""
    if len(records) > SMALL_BATCH:
        return await run_in_threadpool(served.scorer.scores, records)
    return served.scorer.scores(records)


def _record_whole_latency(state, request_ids: list[str], started: float) -> None:
    """Log the request's latency with its commit included (what the client waits for).

    Not awaited: the rows are committed already, and the update rides in the writer's next
    group commit, so the answer is not delayed by its own bookkeeping.
    """
    if request_ids:
        whole_ms = (time.perf_counter() - started) * 1000
        state.writer.submit(partial(PredictionStore.set_latency, request_ids=request_ids,
                                    latency_ms=whole_ms))


@router.post("/{name}/feedback", summary="True labels for predictions, by request id",
             response_model=FeedbackResponse,
             responses=responses(400, 404, 413, 415, 422, 503),
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": {"$ref": "#/components/schemas/Feedback"}}}}})
async def feedback(name: str, request: Request, state: State) -> dict[str, Any]:
    await state.model(name)
    body = await read_json_body(request)
    try:
        parsed = FEEDBACK.validate_json(body)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise RequestError(400, "body", "not valid JSON") from None
        raise RequestError(422, field_errors(exc.errors())) from None
    labels = {item.request_id: item.label for item in parsed.labels}
    try:
        updated, unknown, replaced = await state.write(partial(
            PredictionStore.apply_labels, model=name, labels=labels, at=_now()))
    except Exception as exc:  # noqa: BLE001 - the store failed: nothing was labelled
        log.exception("label write failed")
        raise RequestError(503, "store", "the prediction store could not commit "
                           f"({type(exc).__name__}); no label was stored, retry") from None
    return {"updated": updated, "unknown": unknown, "replaced": replaced}


def _authorised(state, authorization: str | None) -> None:
    token = state.settings.admin_token
    if token and authorization != f"Bearer {token}":
        raise RequestError(401, "authorization", "this route needs 'Authorization: Bearer "
                           "<LAB_ADMIN_TOKEN>'", headers={"WWW-Authenticate": "Bearer"})


async def _reload_everywhere(state, name: str):
    """Load the model here, then tell this server's other workers (only those that share
    its token); this one is current."""
    model = await run_in_threadpool(state.registry.reload, name)
    await state.write(partial(PredictionStore.bump_reload, model=name, scope=state.scope))
    generations = await run_in_threadpool(state.store.reload_generations, state.scope)
    state.generations[name] = generations[name]
    return model


@router.post("/{name}/reload", summary="Load the model's current @champion (admin)",
             responses=responses(401, 404))
async def reload(name: str, state: State,
                 authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
    _authorised(state, authorization)
    previous = state.registry.get(name)
    try:
        model = await _reload_everywhere(state, name)
    except NoChampion:
        raise RequestError(404, "name", f"model {name!r} has no @champion to load") from None
    return {"model": name, "version": model.version,
            "previous_version": previous.version if previous else None}


@router.post("/{name}/rollout", summary="Serve the @challenger beside @champion: shadow, "
             "canary or off (admin)", responses=responses(400, 401, 404, 409, 413, 415, 422),
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": rollout_body_schema()}}}})
async def rollout(name: str, request: Request, state: State,
                  authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
    """``shadow``: the challenger scores every request too, logged with its version; the
    champion answers. ``canary``: a ``share`` of requests (fixed by their id and ``seed``) is
    answered by the challenger, and the answer carries its version. ``off``: the champion
    alone. Kept as the model's rollout tag in MLflow, so every worker serves the same."""
    _authorised(state, authorization)
    await state.model(name)
    body = await read_json_body(request)
    try:
        raw = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise RequestError(400, "body", "not valid JSON") from None
    try:
        wanted = parse_rollout(raw) if raw else None
    except RolloutError as exc:
        raise RequestError(422, exc.field, exc.reason) from None
    if wanted is None:
        raise RequestError(422, "mode", f"required; one of {list(MODES)}")
    tag = wanted.to_dict()
    if wanted.mode != "off":
        version = await run_in_threadpool(tracking.champion_version, name, tracking.CHALLENGER,
                                          state.settings)
        champion = await run_in_threadpool(tracking.champion_version, name,
                                           tracking.CHAMPION, state.settings)
        if version is None or version == champion:
            raise RequestError(409, "mode", f"model {name!r} has no @challenger other than "
                               "its @champion to serve beside it; retrain one first")
        tag["challenger"] = version  # a later @challenger is not rolled out by this tag
    await run_in_threadpool(tracking.set_rollout, name, tag, state.settings)
    model = await _reload_everywhere(state, name)
    return {"model": name, **model.rollout.to_dict(), "champion_version": model.version,
            "challenger_version": model.challenger.version if model.challenger else None}


@router.get("/{name}/stats", summary="Predictions, labels, errors, latency, unseen categories",
            response_model=Stats, responses=responses(404, 422))
async def stats(name: str, state: State,
                run: Annotated[str | None, Query(pattern=ID_PATTERN,
                                                 description="Count only this run.")] = None
                ) -> dict[str, Any]:
    model = await state.model(name)
    numbers = await run_in_threadpool(partial(state.store.stats, name, run=run))
    return {"model": name, "version": model.version, "run": run, **numbers}
