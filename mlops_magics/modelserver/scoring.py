"""MLflow's own scoring app around each loaded version, with the model's inputs and outputs observed.

``mlflow.pyfunc.scoring_server.init(model)`` builds the FastAPI app behind ``mlflow models serve``:
its request parsing (``dataframe_split``, ``dataframe_records``, ``instances``, ``inputs``, CSV,
Parquet), schema enforcement, error responses and JSON output. We pass it an :class:`ObservedModel`
that delegates to the real PyFuncModel and records what ``predict`` received and returned into the
current request's :class:`RequestState` (a context variable: ``asyncio.to_thread`` copies the context
into the thread MLflow predicts in). Nothing of MLflow's input handling is reimplemented.
"""

from __future__ import annotations

import contextvars
import inspect
from dataclasses import dataclass
from typing import Any

__all__ = ["CURRENT", "ObservedModel", "RequestState", "build_scoring_app"]


@dataclass
class RequestState:
    """What one request's prediction saw (filled in MLflow's worker thread)."""

    request_id: str
    data: Any = None
    predictions: Any = None
    predicted: bool = False


CURRENT: contextvars.ContextVar[RequestState | None] = contextvars.ContextVar("mlops_request", default=None)


class ObservedModel:
    """A PyFuncModel as MLflow's scoring app sees it, recording each prediction's input and output."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self.metadata = model.metadata

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        out = self._model.predict(data, params=params)
        state = CURRENT.get()
        if state is not None:
            state.data, state.predictions, state.predicted = data, out, True
        return out

    def __getattr__(self, name: str) -> Any:  # anything else MLflow may ask (metadata helpers, ...)
        return getattr(self._model, name)


# MLflow inspects ``predict``'s signature on every request (does it take ``params``?): computed once here
ObservedModel.predict.__signature__ = inspect.signature(ObservedModel.predict)  # type: ignore[attr-defined]


def _take_over_timeout(app: Any) -> bool:
    """Remove MLflow's request-timeout middleware from ``app``; True when it was found and removed.

    MLflow enforces ``MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT`` with an ``@app.middleware("http")``
    function, i.e. Starlette's ``BaseHTTPMiddleware``, which costs a task group and memory streams per
    request. :class:`~mlops_magics.modelserver.app.ServingApp` enforces the same timeout with the same
    504 response around the whole app (plain ASGI), so the middleware would be paid twice. When MLflow's
    app does not look as expected, nothing is removed and its own middleware keeps the timeout.
    """
    from starlette.middleware.base import BaseHTTPMiddleware

    kept = [m for m in app.user_middleware
            if not (m.cls is BaseHTTPMiddleware and getattr(m.kwargs.get("dispatch"), "__name__", "")
                    == "timeout_middleware")]
    if len(kept) != len(app.user_middleware) - 1:
        return False
    app.user_middleware = kept
    return True


def build_scoring_app(model: Any) -> tuple[Any, float | None]:
    """MLflow's FastAPI scoring app for one loaded version, its middleware stack built now (not on the
    first request after a swap); and the request timeout the caller must enforce (None: MLflow's does)."""
    from mlflow.environment_variables import MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT
    from mlflow.pyfunc import scoring_server

    app = scoring_server.init(ObservedModel(model))
    timeout = float(MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT.get()) if _take_over_timeout(app) else None
    app.middleware_stack = app.build_middleware_stack()
    return app, timeout
