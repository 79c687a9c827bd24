"""Liveness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from lab.serve import metrics
from lab.serve.schemas import ErrorResponse
from lab.serve.state import State

router = APIRouter(tags=["system"], responses={500: {
    "model": ErrorResponse, "description": "An unexpected server error (logged)."}})


@router.get("/health", summary="Liveness, and which models and versions are loaded")
async def health(state: State) -> dict:
    return {"status": "ok", "models": state.registry.versions(),
            "store": state.store.engine.dialect.name}


@router.get("/metrics", summary="Prometheus metrics (text format)",
            response_class=Response)
async def prometheus() -> Response:
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)
