"""scikit-learn autologging scoped to tracked cells.

``mlflow.sklearn.autolog()`` patches estimators globally, and a patched ``fit`` outside any run
starts a run of its own, so untracked cells would spawn runs. Turning autolog on and off with the
public call costs ~40 ms a time (it re-patches every estimator class), so we enable it once and
then flip MLflow's own per-flavor ``disable`` switch, which the patched functions read at call
time. When scikit-learn was never imported, nothing is done at all.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from typing import Iterator

__all__ = ["sklearn_autolog"]

_enabled_once = False


def _set_disabled(disabled: bool) -> None:
    import mlflow.sklearn

    try:
        from mlflow.utils.autologging_utils import AUTOLOGGING_INTEGRATIONS

        AUTOLOGGING_INTEGRATIONS["sklearn"]["disable"] = disabled
    except (ImportError, KeyError):  # MLflow changed its internals: fall back to the public call
        mlflow.sklearn.autolog(disable=disabled, log_models=False, log_datasets=False, silent=True)


@contextlib.contextmanager
def sklearn_autolog(enabled: bool) -> Iterator[None]:
    """Autolog scikit-learn fits inside the block (into MLflow's active run)."""
    global _enabled_once
    if not enabled or "sklearn" not in sys.modules:
        yield
        return
    import mlflow.sklearn

    if not _enabled_once:
        mlflow.sklearn.autolog(log_models=False, log_datasets=False, silent=True)
        _enabled_once = True
    else:
        _set_disabled(False)
    try:
        with warnings.catch_warnings():
            # MLflow's post-training metrics call scikit-learn with a renamed argument; the
            # warning is about MLflow's code, not the user's, so it is not shown in their cell.
            warnings.filterwarnings("ignore", message=r".*`y_pred` was renamed to `y_proba`", category=FutureWarning)
            yield
    finally:
        _set_disabled(True)
