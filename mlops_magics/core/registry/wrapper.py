"""The pyfunc wrapper for models that are not scikit-learn estimators but have ``predict``.

Kept in its own module because importing it imports MLflow's pyfunc machinery. The wrapped object is
pickled with the wrapper (cloudpickle), classes defined in a notebook included.
"""

from __future__ import annotations

from typing import Any

import mlflow.pyfunc

__all__ = ["PredictWrapper"]


class PredictWrapper(mlflow.pyfunc.PythonModel):
    """Serve ``model.predict`` through MLflow's pyfunc interface; ``.model`` is the object itself."""

    def __init__(self, model: Any) -> None:
        self.model = model

    # No type hints on purpose: with hints MLflow converts the input to match them; without, it passes the
    # input through (the hint warning MLflow prints at class creation is silenced by flavors._quiet).
    def predict(self, context, model_input, params=None):  # noqa: ANN001, ANN201
        return self.model.predict(model_input)
