"""The jupyter_server extension behind the JupyterLab panel: a REST API under ``/mlops/api/``.

Enabled by ``jupyter-config/jupyter_server_config.d/mlops_magics.json`` (installed with the
package). The project's store is resolved from the server's ``root_dir`` exactly like a kernel
started there resolves it (``MLOPS_HOME`` > ``MLFLOW_TRACKING_URI`` > ``pyproject.toml`` >
``<project root>/.mlops``); see :mod:`mlops_magics.core.backend.settings`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["_load_jupyter_server_extension"]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    from .handlers import setup_handlers

    store, jobs = setup_handlers(serverapp.web_app, serverapp.root_dir)
    serverapp.log.info("mlops_magics: panel API at %smlops/api/ on the store %s",
                       serverapp.base_url, store.store_label)
    import atexit

    atexit.register(jobs.stop_all)  # a panel job does not outlive the server


load_jupyter_server_extension = _load_jupyter_server_extension  # older jupyter_server
