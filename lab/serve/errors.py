"""Errors as the API reports them: ``{"detail": [{"field", "reason"}, ...]}`` on every route.

Rejected requests to a model are counted (``/metrics`` and the store's ``request_errors``,
which ``/models/{name}/stats`` reports by status), and so is any unexpected exception: it
becomes a JSON 500 sent on a connection that stays open, never a dropped connection.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from functools import partial
from typing import Any

import orjson

log = logging.getLogger("driftlab.serve")


class RequestError(Exception):
    """A request refused with ``status``; ``detail`` is the list of field/reason pairs."""

    def __init__(self, status: int, field: str | list[dict[str, str]], reason: str = "",
                 headers: dict[str, str] | None = None):
        self.status = status
        self.detail = field if isinstance(field, list) else [{"field": field, "reason": reason}]
        self.headers = headers
        super().__init__(f"{status}: {self.detail}")


def field_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    out = []
    for err in errors:
        loc = [p for p in err.get("loc", ()) if p != "body"]
        field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
        reason = err.get("msg", "invalid").removeprefix("Value error, ")
        if err.get("type") == "extra_forbidden":
            reason = "unknown field"
        elif err.get("type") == "missing":
            reason = "field required"
        out.append({"field": field or "body", "reason": reason})
    return out


# Which field a plain-text HTTP error is about, when the code that raised it did not say.
FIELD_OF_STATUS = {401: "authorization", 404: "path", 405: "method"}


def as_detail(status: int, detail: Any) -> list[dict[str, str]]:
    if isinstance(detail, list):
        return detail
    return [{"field": FIELD_OF_STATUS.get(status, "body"), "reason": str(detail)}]


def model_of(path: str) -> str | None:
    """The model a path is about: /models/{name}/... -> name."""
    parts = path.strip("/").split("/")
    return parts[1] if len(parts) >= 2 and parts[0] == "models" else None


async def count_error(app: Any, model: str | None, status: int, detail: Any) -> None:
    """Count a refused or failed request to a model in /metrics and in the store.

    The error row is committed before the answer goes out, so a client that reads /stats
    next sees it counted."""
    from lab.serve import metrics
    from lab.serve.store import PredictionStore

    state = getattr(app.state, "lab", None)
    # Only served models: a label per made-up name would grow /metrics without bound.
    if model is None or state is None or state.registry.get(model) is None:
        return
    metrics.REQUESTS.labels(model, str(status)).inc()
    row = {"model": model, "status": status, "at": datetime.now(UTC).replace(tzinfo=None),
           "reason": orjson.dumps(detail).decode()[:500]}
    try:
        await asyncio.wrap_future(state.writer.submit(
            partial(PredictionStore.insert_error, row=row)))
    except Exception:  # noqa: BLE001 - the answer matters more than its count
        log.exception("could not log a %s error", status)


class CatchAll:
    """ASGI middleware: an unexpected exception becomes a counted JSON 500.

    It sits inside Starlette's ServerErrorMiddleware, which would answer 500 but then
    re-raise, and uvicorn drops a connection whose app raised: the client's next request
    on it would fail.
    """

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:  # noqa: BLE001 - the point of this middleware
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            detail = [{"field": "server", "reason": f"unexpected error ({type(exc).__name__}); "
                                                    "it was logged"}]
            await count_error(scope["app"], model_of(scope.get("path", "")), 500, detail)
            if started:  # half a response is out: nothing better than closing
                raise
            body = orjson.dumps({"detail": detail})
            await send({"type": "http.response.start", "status": 500,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
