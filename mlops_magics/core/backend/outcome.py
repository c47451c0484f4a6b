"""What a pipeline step decided, in one line ("not promoted: churn v2 accuracy = 0.785 is worse than ...").

Inside a pipeline step's kernel (the runner sets ``MLOPS_ATTACH_RUN_ID`` to the step's run, which the
notebook run attaches to), :func:`publish_outcome` writes the line as the tag ``mlops.outcome`` on that
run; the runner reads it back when the step ends and shows it in its summary, widget and lock file.
Anywhere else it does nothing. The results of promote, register and drift publish theirs themselves.
"""

from __future__ import annotations

import os
from typing import Callable

from . import tags

__all__ = ["MAX_CHARS", "publish_outcome"]

MAX_CHARS = 500
ATTACH_ENV, STEP_ENV = "MLOPS_ATTACH_RUN_ID", "MLOPS_PIPELINE_STEP"


def publish_outcome(text: str | Callable[[], str]) -> None:
    """Record ``text`` (its first line; a callable is called only inside a step) as the outcome of the
    pipeline step running this code. Never raises."""
    run_id = os.environ.get(ATTACH_ENV)
    if not run_id or not os.environ.get(STEP_ENV):
        return
    try:
        from . import session

        text = text() if callable(text) else text
        line = next((ln.strip() for ln in str(text).splitlines() if ln.strip()), "")
        if not line:
            return
        session.client().set_tag(run_id, tags.OUTCOME, line[:MAX_CHARS])
    except Exception:  # noqa: BLE001 - an outcome is a courtesy; the step's own result stands
        pass
