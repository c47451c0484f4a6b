"""What each uvicorn worker process runs: read the options, build the runtime and the app.

``uvicorn`` imports ``mlops_magics.modelserver.worker:create_app`` in every worker (``factory=True``);
the supervisor passes the options in ``MLOPS_SERVE_CONFIG`` and, with several workers,
``PROMETHEUS_MULTIPROC_DIR`` (set before any worker imports prometheus_client).
"""

from __future__ import annotations

import logging
import os

from ..core.serving.options import ENV_CONFIG, ServeOptions
from .app import ServingApp

__all__ = ["create_app", "make_app"]


def make_app(options: ServeOptions) -> ServingApp:
    """The ASGI app for ``options`` (models load at lifespan startup)."""
    from ..core.serving.runtime import ServingRuntime
    from .scoring import build_scoring_app

    def build(loaded: object) -> object:
        app, loaded.timeout = build_scoring_app(loaded.model)  # type: ignore[attr-defined]
        return app

    runtime = ServingRuntime(options, build_app=build)
    if runtime.metrics.multiprocess:
        from prometheus_client import multiprocess

        # a stopped worker's live gauges leave the merged view (prometheus_client's rule)
        runtime.on_stop.append(lambda: multiprocess.mark_process_dead(os.getpid()))
    return ServingApp(runtime)


def create_app() -> ServingApp:
    """uvicorn's app factory."""
    options = ServeOptions.from_json(os.environ[ENV_CONFIG])
    level = getattr(logging, options.log_level.upper(), logging.INFO)
    logger = logging.getLogger("mlops_magics.serving")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(process)d] %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    return make_app(options)
