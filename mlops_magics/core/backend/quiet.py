"""Keep MLflow's terminal noise out of our output: its per-download progress bar."""

from __future__ import annotations

import contextlib
import os
from typing import Iterator

__all__ = ["quiet_downloads"]

_PROGRESS_BAR = "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"


@contextlib.contextmanager
def quiet_downloads() -> Iterator[None]:
    """No MLflow progress bar while downloading artifacts (one bar a small file is noise in every cell)."""
    saved = os.environ.get(_PROGRESS_BAR)
    os.environ[_PROGRESS_BAR] = "false"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(_PROGRESS_BAR, None)
        else:
            os.environ[_PROGRESS_BAR] = saved
