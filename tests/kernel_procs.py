"""Live kernel processes started for pipeline steps (cancellation, timeout and clean-up tests)."""

from __future__ import annotations

from pathlib import Path

import psutil


def step_kernels(home: Path) -> list[psutil.Process]:
    """Live processes started for steps of pipelines using the store ``home``: their environment names
    the step (whatever the kernel's command line, and their own children too)."""
    found = []
    for proc in psutil.process_iter():
        try:
            env = proc.environ()
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        if env.get("MLOPS_HOME") == str(home) and env.get("MLOPS_PIPELINE_STEP"):
            found.append(proc)
    return found
