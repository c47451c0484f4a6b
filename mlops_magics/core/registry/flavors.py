"""Log a model object into a run with the right MLflow flavor, and load it back in its native form.

* scikit-learn estimators and pipelines: ``mlflow.sklearn`` (cloudpickle format: it takes classes defined
  in the notebook, and avoids importing skops, which costs seconds);
* any other object with ``predict``: a pyfunc wrapper (:class:`PredictWrapper`) that pickles the object
  with cloudpickle; :func:`load_native` hands back the object itself, not the wrapper.

Requirements are pinned explicitly, so MLflow never runs its slow requirement inference. The model is
created as a LoggedModel in the run's own experiment (MLflow 3), so it shows under the run in the UI.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Iterator

from ..errors import MlopsUsageError, first_line
from .errors import NotAModel

__all__ = ["LoggedModelInfo", "example_of", "flavor_of", "forget_logged_model", "load_native", "log_model"]

ARTIFACT_NAME = "model"
EXAMPLE_ROWS = 5


@dataclass
class LoggedModelInfo:
    model_id: str
    model_uri: str
    flavor: str  # "sklearn" | "pyfunc"
    has_signature: bool


def _is_sklearn(model: Any) -> bool:
    from sklearn.base import BaseEstimator

    return isinstance(model, BaseEstimator)


def flavor_of(model: Any, label: str = "the object") -> str:
    """``sklearn`` or ``pyfunc``; an object that cannot predict (or an unfitted estimator) is refused."""
    if model is None or isinstance(model, type) or not callable(getattr(model, "predict", None)):
        what = "a class" if isinstance(model, type) else f"a {type(model).__name__}"
        raise NotAModel(f"{label} is {what} with no predict(); register a fitted model (an object with predict)")
    if _is_sklearn(model):
        from sklearn.exceptions import NotFittedError
        from sklearn.utils.validation import check_is_fitted

        try:
            check_is_fitted(model)
        except NotFittedError:
            raise NotAModel(f"{label} ({type(model).__name__}) is not fitted; call fit() first") from None
        except TypeError:  # pragma: no cover - estimators that do not follow the protocol
            pass
        return "sklearn"
    return "pyfunc"


def example_of(value: Any, label: str = "the input example") -> Any:
    """The first rows of a DataFrame / array / list, used as input example and for the signature."""
    if value is None:
        return None
    if hasattr(value, "iloc"):
        return value.iloc[:EXAMPLE_ROWS]
    if hasattr(value, "shape") and hasattr(value, "__getitem__"):
        return value[:EXAMPLE_ROWS]
    if isinstance(value, (list, tuple)):
        import numpy as np

        return np.asarray(value[:EXAMPLE_ROWS])
    raise MlopsUsageError(f"{label} is a {type(value).__name__}; give a DataFrame, an array or a list of rows")


def _signature(model: Any, example: Any) -> Any:
    from mlflow.models import infer_signature

    try:
        output = model.predict(example)
    except Exception as exc:  # noqa: BLE001 - the user's model: one line, then stop
        raise MlopsUsageError(f"predict() failed on the input example ({type(exc).__name__}: {first_line(exc)}); "
                              "give rows shaped like the training data") from None
    return infer_signature(example, output)


def _pin(*packages: str) -> list[str]:
    pins = []
    for package in packages:
        try:
            pins.append(f"{package}=={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            continue
    return pins


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence MLflow's warnings about the pickle format and the wrapper's missing type hints."""
    loggers = [logging.getLogger(n) for n in ("mlflow.sklearn", "mlflow.pyfunc", "mlflow.models.model",
                                              "mlflow.models.signature", "mlflow.utils.requirements_utils")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # MLflow re-enables UserWarnings inside some calls ("once" filters): drop them at display time
            warnings.showwarning = lambda *args, **kwargs: None
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def log_model(client: Any, run_id: str, experiment_id: str, model: Any, input_example: Any = None) -> LoggedModelInfo:
    """Log ``model`` into run ``run_id`` (active or finished: its status is left as it is)."""
    import mlflow

    flavor = flavor_of(model)
    example = example_of(input_example)
    with _quiet():  # MLflow hints about integer columns in the inferred schema
        signature = _signature(model, example) if example is not None else None
    logged = client.create_logged_model(experiment_id=experiment_id, name=ARTIFACT_NAME, source_run_id=run_id)
    common = dict(name=ARTIFACT_NAME, run_id=run_id, model_id=logged.model_id, signature=signature,
                  input_example=example)
    try:
        with _quiet():
            if flavor == "sklearn":
                info = mlflow.sklearn.log_model(model, serialization_format="cloudpickle",
                                                pip_requirements=_pin("scikit-learn", "cloudpickle", "numpy"),
                                                **common)
            else:
                from mlflow.models import Model

                from .wrapper import PredictWrapper

                # mlflow.pyfunc.log_model takes no run_id; Model.log does (the run may have ended)
                info = Model.log(artifact_path=None, flavor=mlflow.pyfunc, python_model=PredictWrapper(model),
                                 pip_requirements=_pin("cloudpickle", "numpy", "pandas"), **common)
    except BaseException:
        _forget(client, logged.model_id)
        raise
    return LoggedModelInfo(logged.model_id, info.model_uri, flavor, signature is not None)


def _forget(client: Any, model_id: str) -> None:
    try:
        client.delete_logged_model(model_id)
    except Exception:  # noqa: BLE001 - best effort: the failure being reported matters more
        pass


def forget_logged_model(client: Any, model_id: str) -> None:
    """Delete a logged model (undo after a later step failed)."""
    _forget(client, model_id)


def load_native(uri: str) -> Any:
    """The model at ``uri`` as its native object: an estimator, or the object a pyfunc wrapper holds."""
    import mlflow
    from mlflow.models import get_model_info

    with _quiet():
        flavors = get_model_info(uri).flavors
        if "sklearn" in flavors:
            return mlflow.sklearn.load_model(uri)
        loaded = mlflow.pyfunc.load_model(uri)
        from .wrapper import PredictWrapper
    try:
        inner = loaded.unwrap_python_model()
    except Exception:  # noqa: BLE001 - a pyfunc model logged by someone else: return it as it is
        return loaded

    return inner.model if isinstance(inner, PredictWrapper) else inner
