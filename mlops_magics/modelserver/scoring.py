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


def build_scoring_app(model: Any) -> Any:
    """MLflow's FastAPI scoring app for one loaded version, its middleware stack built now (not on the
    first request after a swap)."""
    from mlflow.pyfunc import scoring_server

    app = scoring_server.init(ObservedModel(model))
    app.middleware_stack = app.build_middleware_stack()
    return app
