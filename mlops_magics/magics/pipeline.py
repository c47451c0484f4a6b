"""``%mlops pipeline run|show|status``: pipelines of parameterized notebooks from a notebook.

``run`` draws a table (one row per step: state, duration, cache hit, executed notebook) and the
DAG, updated live while steps run; ``show`` draws the DAG; ``status`` shows the last run from the
pipeline's lock file (and which steps are stale now).
"""

from __future__ import annotations

import time
from typing import Any

from ..commands import pipeline
from .context import MagicContext
from .parser import MagicArgumentParser, command_parser

__all__ = ["build_parser", "run"]

_UPDATE_EVERY_S = 0.25  # cell events redraw at most this often; step events always redraw


def build_parser() -> MagicArgumentParser:
    return command_parser("pipeline", pipeline)


def run(ctx: MagicContext) -> Any:
    parser = build_parser()
    args = parser.parse(ctx.argv)
    if args.action is None:
        print(parser.format_help())
        return None
    if args.action == "show":
        from ..core.pipeline.results import PipelineGraph
        from ..core.pipeline.spec import load

        return PipelineGraph.from_spec(load(args.pipeline))
    if args.action == "status":
        from ..core.pipeline.plan import status

        return status(args.pipeline)
    return _run(args)


class _LiveView:
    """A ``display_id`` output redrawn from the runner's progress events."""

    def __init__(self) -> None:
        from IPython.display import HTML, display

        self._html = HTML
        self.handle = display(HTML('<div class="mlops-pipeline">starting the pipeline…</div>'), display_id=True)
        self.last = 0.0

    def __call__(self, event: Any, result: Any) -> None:
        if event.kind == "waiting":  # another run of this pipeline holds its lock
            from html import escape

            if self.handle is not None:
                self.handle.update(self._html(f'<div class="mlops-pipeline">{escape(event.message)}</div>'))
            return
        now = time.monotonic()
        if event.kind == "cell" and now - self.last < _UPDATE_EVERY_S:
            return
        self.last = now
        self.show(result)

    def show(self, result: Any) -> None:
        from ..render.pipeline_html import pipeline_html

        if self.handle is not None:
            self.handle.update(self._html(pipeline_html(result)))

    def clear(self) -> None:
        if self.handle is not None:
            self.handle.update(self._html(""))


def _run(args: Any) -> Any:
    from ..core.pipeline.results import PipelineCancelled

    view = _LiveView()
    try:
        result = pipeline.run_from_args(args, view)
    except PipelineCancelled as cancelled:
        view.show(cancelled.result)
        print(f"mlops: pipeline {cancelled.result.name} interrupted; no kernel left running")
        return None
    except BaseException:
        view.clear()
        raise
    if result.ok or result.dry_run:
        view.clear()  # the returned result shows (or is assigned) instead of a second copy
        return result
    view.show(result)
    failed = [f"{s.name}: {s.error}" for s in result.steps.values() if s.state == "failed"]
    from IPython.core.error import UsageError

    raise UsageError(f"pipeline {result.name} failed ({result.summary()}); " + "; ".join(failed))
