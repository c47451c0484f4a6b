"""Serving registered models: MLflow's scoring app plus metrics, alias following, shadow, canary, capture.

Pure Python (no IPython, no ASGI): the model server (:mod:`mlops_magics.modelserver`) is the face that
answers HTTP; this package holds the logic it runs (slots and swaps, metrics, the drift window, the
capture writer and its ingester, shadow scoring, the alias follower), the served-process registry behind
``--status`` / ``--stop``, starting a server in the background, and packaging a build context.
"""

from __future__ import annotations

from typing import Any

__all__ = ["package", "served_models", "start_background", "stop_servers"]


def served_models(home: Any = None) -> Any:
    """What this project serves: URL, model, alias, version, requests so far, drift verdict (a ServedTable)."""
    from .status import served_models as _served_models

    return _served_models(home)


def start_background(options: Any, **kwargs: Any) -> Any:
    """Start a server for ``options`` (a ServeOptions) as a detached process, wait until it answers;
    returns its card (a ServedModel)."""
    from .launch import start_background as _start

    return _start(options, **kwargs)


def stop_servers(**kwargs: Any) -> Any:
    """Stop servers of this project (by source, port or owner); returns what was stopped."""
    from .launch import stop_servers as _stop

    return _stop(**kwargs)


def package(source: str, out: Any, **kwargs: Any) -> Any:
    """Write a container build context for a registered model version."""
    from .package import package as _package

    return _package(source, out, **kwargs)
