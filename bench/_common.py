"""Helpers shared by the benchmark scripts: isolated projects, fresh subprocesses, the result table.

Every measurement runs in a temporary project (its own ``pyproject.toml``, ``MLOPS_HOME`` and
IPython directory) so nothing is written into the checkout, the user's store or IPython history.
The machine may be shared and noisy: we report medians of several repetitions and ratios computed
in the same run, never single absolute times.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

PYTHON = sys.executable

# Environment variables that would point a run at someone else's store or experiment.
_FOREIGN = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_EXPERIMENT_ID",
            "MLOPS_EXPERIMENT", "MLOPS_HOME", "MLOPS_CACHE_DIR")


def parse_args(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run)")
    return parser.parse_args()


def make_project(root: Path, name: str) -> Path:
    """An empty project folder (``pyproject.toml`` marks its root, so the store stays inside it)."""
    project = root / name
    project.mkdir(parents=True)
    (project / "pyproject.toml").write_text(f"[project]\nname = '{name}'\n")
    return project


def clean_env(**extra: str) -> dict[str, str]:
    """The current environment without foreign store settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in _FOREIGN}
    env["PYTHONWARNINGS"] = "ignore"
    env["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] = "false"
    env.update(extra)
    return env


def run_python(code: str, cwd: Path, env: dict[str, str], timeout: float = 120) -> float:
    """Run ``code`` in a fresh interpreter; it prints one float as its last stdout line."""
    proc = subprocess.run([PYTHON, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark subprocess failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    lines = [ln for ln in proc.stdout.strip().splitlines() if ln.strip()]
    try:
        return float(lines[-1])
    except (IndexError, ValueError):
        raise RuntimeError(f"no timing printed:\nstdout={proc.stdout[-2000:]}\nstderr={proc.stderr[-2000:]}")


def tmpdir(prefix: str) -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix=f"mlops-bench-{prefix}-")


def median(values: list[float]) -> float:
    return statistics.median(values)


def fmt_s(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:8.1f} ms"
    return f"{seconds:8.3f} s "


@dataclass
class Row:
    name: str
    ours: list[float]
    theirs: list[float] | None
    target: str
    passed: bool | None  # None: informational row, no target
    note: str = ""  # printed under the row (e.g. an overhead computed from both columns)
    show_ratio: bool = True  # False when the target is not on the ratio (overhead rows)

    @property
    def ratio(self) -> float | None:
        if not self.theirs:
            return None
        return median(self.ours) / median(self.theirs)


def print_table(title: str, competitor: str, rows: list[Row]) -> None:
    print()
    print(title)
    head = f"{'measure':<44} {'ours (median)':>14} {competitor + ' (median)':>22} {'ratio':>7}  {'target':<22} result"
    print(head)
    print("-" * len(head))
    for row in rows:
        theirs = fmt_s(median(row.theirs)) if row.theirs else "-"
        ratio = f"{row.ratio:6.3f}x" if row.ratio is not None and row.show_ratio else "-"
        verdict = "-" if row.passed is None else ("PASS" if row.passed else "FAIL")
        print(f"{row.name:<44} {fmt_s(median(row.ours)):>14} {theirs:>22} {ratio:>7}  {row.target:<22} {verdict}")
        spread = f"   n={len(row.ours)}, ours min..max {fmt_s(min(row.ours)).strip()}..{fmt_s(max(row.ours)).strip()}"
        if row.theirs:
            spread += f"; theirs n={len(row.theirs)} {fmt_s(min(row.theirs)).strip()}..{fmt_s(max(row.theirs)).strip()}"
        print(spread)
        if row.show_ratio and row.theirs and len(row.theirs) == len(row.ours):
            paired = median([o / t for o, t in zip(row.ours, row.theirs)])
            print(f"   median of per-repetition ratios (ours_i / theirs_i, run back to back): {paired:.3f}x")
        if row.note:
            print(f"   {row.note}")
    print()


@dataclass
class Check:
    """A target on something other than a time: a size, a memory ratio, an agreement."""

    name: str
    value: str  # the measured value, as printed
    target: str
    passed: bool | None  # None: informational


def print_checks(title: str, checks: list[Check]) -> None:
    print(title)
    for c in checks:
        verdict = "-" if c.passed is None else ("PASS" if c.passed else "FAIL")
        print(f"  {c.name:<58} {c.value:>22}  {c.target:<22} {verdict}")
    print()


def finish(started: float, rows: list[Row] | list[Check] | list[Row | Check]) -> None:
    """The closing line (time, machine, load) and a non-zero exit when a target was missed
    (informational rows, ``passed`` None, never fail a run)."""
    import time

    print(f"({time.perf_counter() - started:.0f} s total, python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cpus, load average {os.getloadavg()[0]:.2f})")
    missed = [r.name for r in rows if r.passed is False]
    if missed:
        print(f"missed: {'; '.join(missed)}")
        sys.exit(1)


# -- memory: one method for every engine a benchmark compares -------------------------------------

def _status_bytes(key: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/self/status has no {key}")


def release_freed_memory() -> None:
    """Collect garbage and hand freed heap pages back to the OS (glibc), so a run starts from what is live."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: RSS may then include freed memory of an earlier run
        pass


class PeakRss:
    """Peak resident memory growth of this process during a ``with`` block (Linux).

    Resets the kernel's high-water mark (``/proc/self/clear_refs``), notes the resident size, and after
    the block reads the new high-water mark: what the block added at its peak, whatever allocated it
    (numpy, pandas, Arrow, C extensions), with no tracing slowing it down.
    """

    def __enter__(self) -> PeakRss:
        release_freed_memory()
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        self.before = _status_bytes("VmRSS")
        return self

    def __exit__(self, *exc: object) -> None:
        self.growth = max(0, _status_bytes("VmHWM") - self.before)
