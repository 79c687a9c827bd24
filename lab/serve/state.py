"""What a server process holds: settings, served models, the store and its writer."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from lab.config import Settings
from lab.serve.errors import RequestError
from lab.serve.registry import Registry, ServedModel
from lab.serve.store import PredictionStore, Writer, reload_scope

log = logging.getLogger("driftlab.serve")
RELOAD_POLL_SECONDS = 1.0


@dataclass
class ServerState:
    settings: Settings
    registry: Registry
    store: PredictionStore
    writer: Writer
    generations: dict[str, int] = field(default_factory=dict)
    # The loads under way, by model: a request and the poll that both want one share it.
    _loading: dict[str, asyncio.Future] = field(default_factory=dict)

    @property
    def scope(self) -> str:
        """Whose reloads this server follows: its own token's, or the open ones."""
        return reload_scope(self.settings.admin_token, self.settings.server_id)

    async def model(self, name: str) -> ServedModel:
        model = self.registry.get(name) or await self._catch_up(name)
        if model is None:
            raise RequestError(404, "name", f"no model {name!r} is served; served: "
                                            f"{self.registry.names()}")
        return model

    async def _catch_up(self, name: str) -> ServedModel | None:
        """A model another worker of this server was just asked to load reaches this one on
        its next poll; a request in between loads it now instead of answering 404 (or waits
        for the poll's load under way). Names nobody reloaded cost one look at the (small)
        reload table, never an MLflow call."""
        seen = await run_in_threadpool(self.store.reload_generations, self.scope)
        if seen.get(name, 0) > self.generations.get(name, 0) or name in self._loading:
            return await self._follow(name, seen.get(name, 0))
        return None

    async def _follow(self, name: str, generation: int) -> ServedModel:
        """Load ``name`` as of reload ``generation``: once, however many ask at once. The
        generation counts as seen only when the load has ended, so a request that arrives
        meanwhile waits for it rather than finding the model neither loaded nor due."""
        pending = self._loading.get(name)
        if pending is None:
            pending = asyncio.ensure_future(self._load(name, generation))
            self._loading[name] = pending
            pending.add_done_callback(lambda _: self._loading.pop(name, None))
        return await asyncio.shield(pending)  # a cancelled request does not cancel the load

    async def _load(self, name: str, generation: int) -> ServedModel:
        try:
            return await run_in_threadpool(self.registry.reload, name)
        finally:  # also when it failed: the next reload asked for tries again, not every poll
            self.generations[name] = max(generation, self.generations.get(name, 0))

    async def write(self, job):
        """Run a write job in the writer's next transaction; return once committed."""
        return await asyncio.wrap_future(self.writer.submit(job))

    async def follow_reloads(self) -> None:
        """Reload a model when another worker was asked to (the store holds the count)."""
        while True:
            await asyncio.sleep(RELOAD_POLL_SECONDS)
            try:
                seen = await run_in_threadpool(self.store.reload_generations, self.scope)
                for name, generation in seen.items():
                    if generation > self.generations.get(name, 0):
                        try:
                            await self._follow(name, generation)
                        except Exception:  # noqa: BLE001 - the others still reload
                            log.exception("model %s could not be reloaded", name)
            except Exception:  # noqa: BLE001 - keep serving; try again next tick
                log.exception("reload poll failed")


def get_state(request: Request) -> ServerState:
    return request.app.state.lab


State = Annotated[ServerState, Depends(get_state)]
