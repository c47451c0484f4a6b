"""``track``: a run around a block or a function call, for plain scripts and notebooks alike."""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable

from .capture import metric_values
from .results import RunCard
from .runs import RunHandle, active_run, format_traceback, start_run, status_for_exception

__all__ = ["track"]


class track:
    """Track a block or a function as an MLflow run, with batched logging.

    >>> with track(run_name="baseline", experiment="churn") as run:
    ...     run.log_params({"n_estimators": 200})
    ...     run.log_metric("accuracy", 0.91)

    As a decorator, each call is a run: the function's literal arguments become params and a
    numeric return value (or a dict of them) becomes metrics.
    """

    def __init__(self, run_name: str | None = None, experiment: str | None = None, *,
                 params: dict[str, Any] | None = None, tags: dict[str, str] | None = None,
                 capture_env: bool = True) -> None:
        self.run_name = run_name
        self.experiment = experiment
        self.params = params or {}
        self.tags = tags or {}
        self.capture_env = capture_env
        self.handle: RunHandle | None = None
        self.card: RunCard | None = None

    def __enter__(self) -> RunHandle:
        self.handle = start_run("script", experiment=self.experiment, run_name=self.run_name,
                                parent=active_run(), extra_tags=self.tags, fluent=True)
        if self.params:
            self.handle.log_params(self.params)
        if self.capture_env:
            from .provenance import environment_text

            self.handle.log_text(environment_text(), "environment/packages.txt")
        return self.handle

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self.handle is not None
        if exc is not None and not isinstance(exc, (KeyboardInterrupt, SystemExit)):
            self.handle.log_text(format_traceback(exc), "traceback.txt")
        self.card = self.handle.end(status_for_exception(exc))

    def __call__(self, func: Callable) -> Callable:
        signature = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            params = {k: v for k, v in bound.arguments.items() if _is_param_value(v)}
            scope = track(self.run_name or func.__name__, self.experiment,
                          params={**self.params, **params}, tags=self.tags, capture_env=self.capture_env)
            with scope as run:
                result = func(*args, **kwargs)
                run.log_metrics(_metrics_of(result, run.warnings))
                return result

        return wrapper


def _is_param_value(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _metrics_of(result: Any, warnings: list[str]) -> dict[str, float]:
    """A numeric return value, or the numeric values of a returned dict (others named in ``warnings``)."""
    if isinstance(result, dict):
        return metric_values(result, warnings)
    return metric_values({"return_value": result}, warnings)
