"""Kernels started for pipeline steps: their environment, their working directory, and killing them.

nbclient creates each step's kernel manager from its ``kernel_manager_class`` and its ``config``;
the step's environment (the step's run id for ``%mlops track`` to attach to, the store location),
working directory and log file reach :class:`StepKernelManager` as traitlets configuration, and go
to the kernel as the documented ``start_kernel`` keyword arguments (``env``, ``cwd``, Popen's
``stdout`` / ``stderr``), so nothing process-wide (``os.environ``, ``os.chdir``) changes while steps
run side by side in threads. Every live kernel is registered under a token (``<execution>/<step>``)
so a timeout, a Ctrl-C or a remote cancellation (Dask ``client.run``) can kill its process group.
"""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from traitlets import Dict, Unicode
from traitlets.config import Config

__all__ = ["StepKernelManager", "cancel_tokens", "forget_cancelled", "is_cancelled", "kill_kernels", "release",
           "step_config"]

_lock = threading.Lock()
_live: dict[str, set[StepKernelManager]] = {}
_cancelled: set[str] = set()

# Variables of the runner's own process a step kernel must not inherit (it attaches to its step's run).
_NOT_INHERITED = ("MLOPS_ATTACH_RUN_ID", "JPY_SESSION_NAME")


def _matches(token: str, prefix: str) -> bool:
    return token == prefix or token.startswith(prefix.rstrip("/") + "/")


def is_cancelled(token: str) -> bool:
    """True once :func:`cancel_tokens` named this token or a prefix of it."""
    with _lock:
        return any(_matches(token, prefix) for prefix in _cancelled)


def _live_pid(km: AsyncKernelManager) -> int | None:
    """The kernel's pid while its process runs (never a pid that may have been reused)."""
    provisioner = km.provisioner
    process = getattr(provisioner, "process", None)  # LocalProvisioner's Popen; None once reaped
    if process is None or process.poll() is not None:
        return None
    return process.pid


def _kill(km: AsyncKernelManager) -> None:
    """SIGKILL to the kernel's process group (jupyter_client starts kernels in a session of their own).

    From any thread: a plain signal, not the manager's coroutines, which belong to the step's loop.
    """
    pid = _live_pid(km)
    if pid is None:
        return
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def kill_kernels(prefix: str) -> int:
    """Kill every live kernel whose token is ``prefix`` or below it; the number killed."""
    with _lock:
        doomed = [km for token, kms in _live.items() if _matches(token, prefix) for km in kms]
    for km in doomed:
        _kill(km)
    return len(doomed)


def cancel_tokens(prefix: str) -> int:
    """Mark ``prefix`` cancelled (no kernel starts under it any more) and kill its live kernels."""
    with _lock:
        _cancelled.add(prefix)
    return kill_kernels(prefix)


def forget_cancelled(prefix: str) -> None:
    with _lock:
        _cancelled.discard(prefix)


def release(token: str) -> None:
    """After a step: kill whatever kernel of ``token`` is still registered (none, normally)."""
    with _lock:
        kms = _live.pop(token, set())
    for km in kms:
        _kill(km)


def _unregister(token: str, km: StepKernelManager) -> None:
    with _lock:
        group = _live.get(token)
        if group is not None:
            group.discard(km)
            if not group:
                del _live[token]


class StepKernelManager(AsyncKernelManager):
    """Starts the kernel with the step's environment and working directory, and registers it."""

    step_token = Unicode("", help="<execution>/<step>: what a cancellation names").tag(config=True)
    step_env = Dict(help="variables added to the kernel's environment").tag(config=True)
    step_cwd = Unicode("", help="the kernel's working directory").tag(config=True)
    step_log = Unicode("", help="file for the kernel's own stdout/stderr (not the runner's terminal)").tag(config=True)

    async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
        if is_cancelled(self.step_token):
            raise KeyboardInterrupt("pipeline cancelled before the kernel started")
        env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
        env.update(self.step_env)
        kw["env"] = env
        if self.step_cwd:
            kw["cwd"] = self.step_cwd
        log = open(self.step_log, "ab") if self.step_log else None  # noqa: SIM115 - closed below
        if log is not None:
            kw["stdout"] = kw["stderr"] = log
        try:
            await super().start_kernel(**kw)
        finally:
            if log is not None:
                log.close()  # the kernel process holds its own descriptor
        with _lock:
            _live.setdefault(self.step_token, set()).add(self)
        if is_cancelled(self.step_token):
            _kill(self)

    async def cleanup_resources(self, restart: bool = False) -> None:  # type: ignore[override]
        """nbclient calls this last for every kernel it started, alive or dead."""
        try:
            await super().cleanup_resources(restart=restart)
        finally:
            _unregister(self.step_token, self)


def step_config(token: str, env: dict[str, str], cwd: str | None, log: str | None = None) -> Config:
    """The traitlets configuration that gives one step's :class:`StepKernelManager` its settings."""
    return Config({"StepKernelManager": {"step_token": token, "step_env": dict(env), "step_cwd": cwd or "",
                                         "step_log": log or ""}})
