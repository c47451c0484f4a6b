"""The ASGI app of one server process: MLflow's scoring app per loaded version, plus what MLflow lacks.

* ``/invocations``: a request id (the client's ``X-Request-Id``, else a new one) picks the primary or
  the canary slot; the slot's current version is read once and its MLflow app answers the whole
  request; the response carries ``X-Request-Id``, ``X-Model-Version`` and ``X-Model-Alias``.
* ``/ping``, ``/health``, ``/version`` and anything else: the primary's MLflow app, unchanged.
* ``/metrics``: Prometheus text format (every worker's metrics when there are several).
* ``/mlops/status``: JSON for ``%mlops serve --status`` and the side panel.

Counting and timing happen here; rows, predictions, drift, shadow and capture happen in the runtime's
background threads from what the observed model recorded.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import re
import time
import uuid
from typing import Any

from ..core.serving.metrics import CONTENT_TYPE
from .scoring import CURRENT, RequestState

__all__ = ["ServingApp"]

log = logging.getLogger("mlops_magics.serving")

ROUTES = frozenset({"/invocations", "/ping", "/health", "/version", "/metrics", "/mlops/status"})
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def request_id_of(scope: dict[str, Any]) -> str:
    """The client's ``X-Request-Id`` when it is a sane token (so a retry lands on the same model), else new."""
    for name, value in scope.get("headers") or ():
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if _REQUEST_ID.match(text):
                return text
            break
    return uuid.uuid4().hex


TIMEOUT_BODY = b"Request processing time exceeded limit"  # MLflow's own 504 (scoring_server.init)


async def _within(app: Any, timeout: float | None, scope: dict[str, Any], receive: Any, send: "_Reply") -> None:
    """Run ``app``; past ``timeout`` answer 504 exactly as MLflow's timeout middleware does (when MLflow's
    own middleware was taken over, see ``scoring._take_over_timeout``)."""
    if timeout is None:
        await app(scope, receive, send)
        return
    try:
        await asyncio.wait_for(app(scope, receive, send), timeout=timeout)
    except (asyncio.TimeoutError, TimeoutError):
        if not send.started:
            await _respond(send, 504, TIMEOUT_BODY, "application/json")


class _Reply:
    """The ``send`` handed to a version's MLflow app: adds our headers to its response, remembers its status
    (500 until it starts one) and whether it started one (what :func:`_within` reads)."""

    def __init__(self, send: Any, headers: list[tuple[bytes, bytes]]) -> None:
        self.status = 500
        self.started = False
        self._send = send
        self._headers = headers

    async def __call__(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.started = True
            message = {**message, "headers": [*message.get("headers", ()), *self._headers]}
        await self._send(message)


async def _respond(send: Any, status: int, body: bytes, content_type: str,
                   headers: list[tuple[bytes, bytes]] | None = None) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


def _freeze_heap() -> None:
    """Move everything loaded so far (MLflow, pandas, scikit-learn, the model) out of the garbage
    collector's reach: a full collection would otherwise walk millions of long-lived objects and stall
    every request for a few hundred milliseconds (the p99). New objects are collected as usual."""
    gc.collect()
    gc.freeze()


class ServingApp:
    """Routes requests to the slots of a :class:`~mlops_magics.core.serving.runtime.ServingRuntime`."""

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime
        self.metrics = runtime.metrics

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind == "http":
            path = scope["path"]
            if path == "/invocations":
                return await self._invoke(scope, receive, send)
            if path == "/metrics":
                return await self._metrics(send)
            if path == "/mlops/status":
                return await self._status(send)
            return await self._delegate(scope, receive, send, path if path in ROUTES else "other")
        if kind == "lifespan":
            return await self._lifespan(receive, send)
        primary = self.runtime.router.primary.current  # websockets: MLflow's app refuses them itself
        if primary is not None:
            await primary.app(scope, receive, send)

    # -- scoring -----------------------------------------------------------------------------------------
    async def _invoke(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        started = time.perf_counter()
        request_id = request_id_of(scope)
        slot = self.runtime.router.pick(request_id)
        loaded = slot.current  # read once: this version answers the whole request
        if loaded is None:
            await _respond(send, 503, b'{"error_code": "TEMPORARILY_UNAVAILABLE", "message": "no model loaded yet"}',
                           "application/json")
            return
        version = loaded.version
        extra = [(b"x-request-id", request_id.encode()), (b"x-model-version", version.encode()),
                 (b"x-model-alias", slot.source.alias_label.encode())]
        reply = _Reply(send, extra)
        state = RequestState(request_id)
        token = CURRENT.set(state)
        try:
            await _within(loaded.app, loaded.timeout, scope, receive, reply)
        finally:
            CURRENT.reset(token)
            self.metrics.request("/invocations", reply.status, version, time.perf_counter() - started)
        if state.predicted and reply.status == 200:
            self.runtime.observe(request_id, slot, version, state.data, state.predictions)

    async def _delegate(self, scope: dict[str, Any], receive: Any, send: Any, route: str) -> None:
        started = time.perf_counter()
        loaded = self.runtime.router.primary.current
        if loaded is None:
            await _respond(send, 503, b"\n", "application/json")
            return
        reply = _Reply(send, [(b"x-model-version", loaded.version.encode())])
        try:
            await _within(loaded.app, loaded.timeout, scope, receive, reply)
        finally:
            self.metrics.request(route, reply.status, loaded.version, time.perf_counter() - started)

    # -- our endpoints -----------------------------------------------------------------------------------
    async def _metrics(self, send: Any) -> None:
        started = time.perf_counter()
        body = await asyncio.to_thread(self.metrics.render) if self.metrics.multiprocess else self.metrics.render()
        await _respond(send, 200, body, CONTENT_TYPE)
        self.metrics.request("/metrics", 200, self.runtime.router.primary.version or "", time.perf_counter() - started)

    async def _status(self, send: Any) -> None:
        status = await asyncio.to_thread(self.runtime.status)
        await _respond(send, 200, json.dumps(status, default=str).encode(), "application/json")

    # -- lifespan ----------------------------------------------------------------------------------------
    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await asyncio.to_thread(self.runtime.start)
                    _freeze_heap()
                except Exception as exc:  # noqa: BLE001 - uvicorn reports it and exits
                    text = str(exc).strip().splitlines()
                    first = text[0] if text else type(exc).__name__
                    log.error("mlops serve: could not start: %s", first)
                    await send({"type": "lifespan.startup.failed", "message": first})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                try:
                    await asyncio.to_thread(self.runtime.stop)
                finally:
                    await send({"type": "lifespan.shutdown.complete"})
                return
