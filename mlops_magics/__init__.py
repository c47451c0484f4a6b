"""mlops_magics: MLOps from inside the notebook.

``%load_ext mlops_magics`` registers the ``%mlops`` magics. Importing this package is cheap:
MLflow, pandas and everything heavy are imported only when a command needs them. Imported inside an
IPython shell, it teaches the shell how our results look (:mod:`mlops_magics.render.formatters`), so
``mlops_magics.registry.promote(...)`` in a notebook shows the same card as ``%mlops promote``.
"""

from __future__ import annotations

import sys
from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "active_run", "load_ipython_extension", "track", "unload_ipython_extension"]


def load_ipython_extension(ipython: Any) -> None:
    """Called by ``%load_ext mlops_magics``."""
    from .magics.extension import load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """Called by ``%unload_ext mlops_magics``: ends the notebook run and removes our hooks."""
    from .magics.extension import unload

    unload(ipython)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """The jupyter_server extension behind the JupyterLab panel (``mlops_magics.server``)."""
    return [{"module": "mlops_magics.server"}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """The prebuilt JupyterLab extension (``jupyter labextension develop`` uses this)."""
    return [{"src": "labextension", "dest": "mlops-magics"}]


def _register_formatters() -> None:
    ipython = sys.modules.get("IPython")  # never import IPython here: the CLI and the server do not need it
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return
    try:
        from .render.formatters import register

        register(shell)
    except Exception as exc:  # noqa: BLE001 - never break an import in a kernel; say why cards are text
        import warnings

        warnings.warn(f"mlops_magics: results will show as text only ({type(exc).__name__}: {exc})", stacklevel=2)


_register_formatters()


def __getattr__(name: str) -> Any:
    # Lazy public API: `from mlops_magics import track` imports the tracking core on first use.
    if name in ("track", "active_run"):
        from .core.tracking import runs

        return getattr(runs, name)
    raise AttributeError(f"module 'mlops_magics' has no attribute '{name}'")
