"""``mlops monitor NAME@ALIAS --traffic NAME [--retrain PIPELINE.yaml] [--every 10m] [--fail-on-drift]``.

One check (cron, CI) or, with ``--every``, checks in the foreground until Ctrl-C. Each check's summary goes
to stdout; the retraining pipeline's progress to stderr, as ``mlops run`` prints it. Exit status: 0; 1 with
``--fail-on-drift`` when the window drifts; 2 for usage errors; 130 when interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys

from ..commands import monitor


def _stop(done: int | None, cancelled: bool) -> int:
    said = "interrupted" if done is None else f"stopped after {done} check{'s' if done != 1 else ''}"
    print(f"mlops monitor: {said}{'; no kernel left running' if cancelled else ''}", file=sys.stderr)
    if cancelled:  # kernels are killed and records written; a papermill thread may still hold the exit
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    return 130


def run(args: argparse.Namespace) -> int:
    from ..core.monitoring import watch
    from ..core.pipeline.results import PipelineCancelled
    from .run import _Printer

    spec = monitor.spec_from_args(args)
    every = monitor.every_seconds(args)
    printer = _Printer(cells=False)
    done = 0

    def show(result: object) -> None:
        nonlocal done
        done += 1
        print(repr(result), flush=True)
        if every:
            print(flush=True)

    try:
        if every is None:
            result = monitor.check_once(spec, printer)
            show(result)
            if args.fail and result.dataset_drift:
                print(f"mlops monitor: {result.headline()}", file=sys.stderr)
                return 1
            return 0
        print(f"mlops monitor: checking {args.model} on {args.traffic} every {args.every}; Ctrl-C stops",
              file=sys.stderr)
        watch(lambda: monitor.check_once(spec, printer), every, show,
              lambda error: print(f"mlops monitor: check failed: {error}", file=sys.stderr, flush=True))
        return 0
    except KeyboardInterrupt as stop:
        return _stop(None if every is None else done, isinstance(stop, PipelineCancelled))
