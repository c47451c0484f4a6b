"""``%mlops monitor NAME@ALIAS --traffic NAME [...]``: one check of captured traffic, shown as a card.

The card shows the verdict, the drifted columns, data quality, the labels' metric, when the last
retraining ran and what it decided, and the drift of recent windows as a chart. A retraining's pipeline is
drawn live as ``%mlops pipeline run`` draws it. ``--every 10m`` keeps checking (one card per check) until
the kernel is interrupted; ``--fail-on-drift`` fails the cell on dataset drift after showing the card.
"""

from __future__ import annotations

from typing import Any

from ..commands import monitor
from .context import MagicContext
from .parser import MagicArgumentParser, command_parser

__all__ = ["build_parser", "run"]


def build_parser() -> MagicArgumentParser:
    return command_parser("monitor", monitor)


def _progress(spec: Any) -> Any:
    if not spec.retrain:
        return None
    from .pipeline import _LiveView

    class _Lazy:
        """Draws the pipeline only once a retraining starts (most checks run none)."""

        view = None

        def __call__(self, event: Any, result: Any) -> None:
            if self.view is None:
                self.view = _LiveView()
            self.view(event, result)
            if event.kind == "done":
                self.view.show(result)

    return _Lazy()


def run(ctx: MagicContext) -> Any:
    from IPython.display import display

    args = build_parser().parse(ctx.argv)
    spec = monitor.spec_from_args(args)
    every = monitor.every_seconds(args)
    if every is None:
        result = monitor.check_once(spec, _progress(spec))
        if args.fail and result.dataset_drift:
            display(result)  # the card stays in the output of the failing cell
            result.drift.raise_if_drift()
        return result
    from ..core.monitoring import watch

    done = []

    def show(result: Any) -> None:
        done.append(result)
        display(result)

    try:
        watch(lambda: monitor.check_once(spec, _progress(spec)), every, show,
              lambda error: print(f"mlops monitor: check failed: {error}"))
    except KeyboardInterrupt:
        print(f"mlops monitor: stopped after {len(done)} check{'s' if len(done) != 1 else ''}")
    return None
