"""``drift --log``: a drift result's statistics as metrics and its report as artifacts of a run.

Into the innermost active run when there is one (a tracked notebook or cell), else into a new run of its
own (the CLI, a cron job), named after what was compared. The static HTML report is built by the face
that asks (``report_html``): the core does not render.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from . import notebook_runs, runs

if TYPE_CHECKING:  # pragma: no cover
    from ..drift.result import DriftResult

__all__ = ["log_drift"]

REPORT_DIR = "drift"


def log_drift(result: DriftResult, report_html: str | None = None, step: int | None = None) -> str:
    """Log ``result`` (metrics, JSON, optional HTML report); return the run id it went to."""
    handle = runs.active_run()
    own = handle is None
    if own:
        handle = runs.start_run("drift", run_name=f"drift {result.reference_label} vs {result.current_label}")
    status = "FAILED"
    try:
        handle.log_metrics(result.metrics(), step=step)
        with tempfile.TemporaryDirectory(prefix="mlops-drift-") as tmp:
            data = Path(tmp) / "drift_report.json"
            data.write_text(result.to_json(), encoding="utf-8")
            handle.log_artifact(data, artifact_path=REPORT_DIR)
            if report_html is not None:
                page = Path(tmp) / "drift_report.html"
                page.write_text(report_html, encoding="utf-8")
                handle.log_artifact(page, artifact_path=REPORT_DIR)
        status = "FINISHED"
    finally:
        if own:
            handle.end(status)
    nb = notebook_runs.current()
    if not own and nb is not None and nb.handle is handle:
        handle.flush()
    return handle.run_id
