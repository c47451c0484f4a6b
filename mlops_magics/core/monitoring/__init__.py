"""Watch production and retrain: drift, data quality and late labels of captured traffic, and the trigger.

``check(monitor_spec("churn@champion", "churn-traffic", retrain="pipeline.yaml"))`` scores the newest
window of the traffic the model server captured against the reference summary stored with the version the
alias points to now, records the check as a run of the ``monitoring`` experiment and, when a rule fires,
runs the retraining pipeline (one at a time per model, once per window, then a cooldown) whose own gates
and ``--if-better`` promotion decide. :func:`latest` is what the side panel reads.
"""

from __future__ import annotations

from typing import Any

__all__ = ["check", "latest", "monitor_spec", "watch"]


def __getattr__(name: str) -> Any:  # the package imports nothing heavy until a function is used
    if name == "check":
        from .checks import check

        return check
    if name == "monitor_spec":
        from .options import monitor_spec

        return monitor_spec
    if name == "watch":
        from .loop import watch

        return watch
    if name == "latest":
        from .status import latest

        return latest
    raise AttributeError(name)
