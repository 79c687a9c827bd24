"""The FastAPI app factory: ``uvicorn --factory lab.serve.app:create_app``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from lab.config import Settings, ensure_home, get_settings
from lab.serve import routes_models, routes_system
from lab.serve.errors import (
    CatchAll,
    RequestError,
    as_detail,
    count_error,
    field_errors,
    log,
    model_of,
)
from lab.serve.registry import Registry
from lab.serve.schemas import Feedback, request_doc_adapter
from lab.serve.state import ServerState
from lab.serve.store import PredictionStore, Writer

DESCRIPTION = """
Serves the `@champion` version of every registered Driftlab scenario model.

* `POST /models/{name}/predict` scores one record (`{"features": {...}}`) or a batch
  (`{"batch": [{"features": {...}}, ...]}`, at most 1000); every acknowledged prediction is
  committed to the prediction store before the response is sent.
* `POST /models/{name}/feedback` attaches true labels to predictions by request id.
* Invalid requests get a 4xx whose `detail` lists each `field` with its `reason`; so does an
  unexpected server error (500).
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.store_url is None:
            ensure_home(settings)
        store = PredictionStore(settings.prediction_store_url)
        registry = Registry(settings)
        registry.load_all()
        state = ServerState(settings, registry, store, Writer(store))
        state.generations = store.reload_generations(state.scope)
        app.state.lab = state
        poller = asyncio.create_task(state.follow_reloads())
        try:
            yield
        finally:
            poller.cancel()
            state.writer.close()
            store.dispose()

    # FastAPIOffline serves Swagger UI's and ReDoc's assets from this server: /docs works
    # on a machine with no network.
    app = FastAPIOffline(title="Driftlab model server", version="1", description=DESCRIPTION,
                         lifespan=lifespan)
    app.include_router(routes_system.router)
    app.include_router(routes_models.router)
    app.add_middleware(CatchAll)
    app.add_middleware(SameOriginDocs)

    app.openapi = lambda: openapi_with_models(app)

    async def refuse(request: Request, status: int, detail: list[dict[str, str]],
                     headers: dict[str, str] | None = None) -> JSONResponse:
        await count_error(request.app, model_of(request.url.path), status, detail)
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)

    @app.exception_handler(RequestError)
    async def _refused(request: Request, exc: RequestError) -> JSONResponse:
        return await refuse(request, exc.status, exc.detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return await refuse(request, 422, field_errors(exc.errors()))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        # Starlette's own (no such route, method not allowed) in the same format.
        return JSONResponse({"detail": as_detail(exc.status_code, exc.detail)},
                            status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, exc: ClientDisconnect) -> Response:
        log.warning("client disconnected before sending the whole body: %s %s",
                    request.method, request.url.path)
        return Response(status_code=400)  # nobody is listening; one log line is enough

    return app


# ReDoc's bundle draws a logo from its vendor's CDN in every page's menu; this policy keeps
# the docs pages to this server (the logo then falls back to nothing).
DOCS_POLICY = (b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
               b"script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; "
               b"connect-src 'self'; font-src 'self' data:")


class SameOriginDocs:
    """ASGI middleware: /docs and /redoc may load nothing from another host."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"] not in ("/docs", "/redoc"):
            await self.app(scope, receive, send)
            return

        async def with_policy(message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []),
                                      (b"content-security-policy", DOCS_POLICY)]
            await send(message)

        await self.app(scope, receive, with_policy)


def openapi_with_models(app: FastAPI) -> dict:
    """The OpenAPI document, with each served model's request body under predict.

    Bodies are validated from raw bytes for speed, so FastAPI cannot see them: they are
    added here from the same schemas (rebuilt on each call, since models reload).
    """
    doc = get_openapi(title=app.title, version=app.version, description=app.description,
                      routes=app.routes)
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    # Feedback is validated from raw bytes too (after its content type and size are checked).
    components["Feedback"] = Feedback.model_json_schema(
        ref_template="#/components/schemas/{model}")
    for label, schema in components["Feedback"].pop("$defs", {}).items():
        components.setdefault(label, schema)
    state = getattr(app.state, "lab", None)
    if state is None:
        return doc
    refs = []
    for name in state.registry.names():
        model = state.registry.get(name)
        schema = request_doc_adapter(name, model.card["features"]).json_schema(
            ref_template="#/components/schemas/{model}")
        components.update(schema.pop("$defs", {}))
        refs.extend(schema["anyOf"])  # one record, or a batch
    operation = doc["paths"]["/models/{name}/predict"]["post"]
    operation["requestBody"] = {"required": True, "content": {"application/json": {
        "schema": {"oneOf": refs} if refs else {"type": "object"}}}}
    return doc
