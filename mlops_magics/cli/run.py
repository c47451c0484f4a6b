"""``mlops run PIPELINE.yaml``: run a pipeline of parameterized notebooks.

Progress goes to stderr: first the plan (which steps are cached, which will run and why), at once,
then one line per event with the step's name in front (readable when steps run in parallel); the
summary goes to stdout. Exit 0 only if every step succeeded or was cached, 1 if one failed or was
skipped, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from ..commands.pipeline import run_from_args

__all__ = ["run"]


class _Printer:
    """One line per event on stderr; the step name first so parallel steps stay readable."""

    def __init__(self, cells: bool) -> None:
        self.cells = cells
        self.began = time.monotonic()
        self.width = 8

    def __call__(self, event, result) -> None:  # noqa: ANN001 - PipelineEvent, PipelineResult
        if event.kind == "waiting":
            self._print(f"{result.name}: {event.message}")
            return
        if event.kind == "planned":
            self.width = max([len(n) for n in result.steps] + [4])
            self._plan(result)
            return
        if event.kind == "done" or (event.kind == "cell" and not self.cells):
            return
        step = result.steps.get(event.step)
        if event.kind == "finished" and event.state == "cached" and step is not None and step.plan == "cached":
            return  # the plan said so already
        text = self._text(event, step)
        if text:
            self._print(f"{event.step:<{self.width}}  {text}")

    def _print(self, text: str) -> None:
        stamp = f"[{time.monotonic() - self.began:6.1f}s]"
        print(f"{stamp} {text}", file=sys.stderr, flush=True)

    def _plan(self, result) -> None:  # noqa: ANN001 - PipelineResult
        """The plan, before anything starts: what runs, what is cached, and why."""
        steps = list(result.steps.values())
        runs = sum(1 for s in steps if s.plan == "run")
        cached = sum(1 for s in steps if s.plan == "cached")
        self._print(f"{result.name}: {runs} of {len(steps)} steps to run, {cached} cached")
        words = {"run": "will run", "cached": "cached"}
        for step in steps:
            self._print(f"{step.name:<{self.width}}  {words.get(step.plan, step.plan)} ({step.reason})")

    @staticmethod
    def _text(event, step) -> str:  # noqa: ANN001
        if event.kind == "started":
            return f"started ({event.message})"
        if event.kind == "cell":
            return f"cell {event.cell}/{event.cells}" + (f" (attempt {event.attempt})" if event.attempt > 1 else "")
        if event.kind == "retry":
            return f"attempt {event.attempt} failed: {event.message}; retrying"
        if event.kind == "kernel-retry":
            return f"kernel start failed ({event.message}); retrying"
        if event.kind == "finished" and step is not None:
            if event.state == "succeeded":
                outcome = f": {step.outcome}" if step.outcome else ""
                return f"succeeded in {step.elapsed_s or 0:.1f} s{outcome}"
            if event.state == "failed":
                where = f"\n{'':>9} notebook: {step.executed}" if step.executed else ""
                return f"FAILED: {step.error}{where}"
            return f"{event.state} ({step.reason})" if step.reason else event.state
        return ""


def run(args: argparse.Namespace) -> int:
    from ..core.pipeline.results import PipelineCancelled

    printer = _Printer(cells=not args.quiet)
    try:
        result = run_from_args(args, printer)
    except PipelineCancelled as cancelled:
        print(repr(cancelled.result))
        print("mlops run: interrupted; no kernel left running", file=sys.stderr)
        # The kernels are killed and the lock file and runs are written; a papermill thread still
        # unwinding from its dead kernel would otherwise hold the interpreter's exit (it joins them).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    print(repr(result))
    return 0 if result.ok or result.dry_run else 1
