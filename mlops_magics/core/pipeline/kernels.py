"""Kernels started for pipeline steps: their environment, their working directory, and killing them.

Each step's kernel gets its own environment (the step's run id for ``%mlops track`` to attach to,
the store location) and working directory through a kernel-manager class made per step, so nothing
process-wide (``os.environ``, ``os.chdir``) changes while steps run side by side in threads.
Every live kernel is registered under a token (``<execution>/<step>``) so a timeout, a Ctrl-C or a
remote cancellation (Dask ``client.run``) can kill its whole process group.
"""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

from jupyter_client.manager import AsyncKernelManager, KernelManager

__all__ = ["cancel_tokens", "forget_cancelled", "is_cancelled", "kernel_manager_class", "kill_kernels", "live_kernel_pids", "release"]

_lock = threading.Lock()
_live: dict[str, set[Any]] = {}
_cancelled: set[str] = set()


def _matches(token: str, prefix: str) -> bool:
    return token == prefix or token.startswith(prefix.rstrip("/") + "/")


def is_cancelled(token: str) -> bool:
    """True once :func:`cancel_tokens` named this token or a prefix of it."""
    with _lock:
        return any(_matches(token, prefix) for prefix in _cancelled)


def _kill(km: Any) -> None:
    process = getattr(getattr(km, "provisioner", None), "process", None)
    pid = getattr(process, "pid", None)
    if not pid:
        return
    try:
        os.killpg(pid, signal.SIGKILL)  # jupyter_client starts kernels in a new session
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
        process = getattr(getattr(km, "provisioner", None), "process", None)
        if process is not None and process.poll() is None:
            _kill(km)


def live_kernel_pids(prefix: str = "") -> list[int]:
    """Pids of registered kernels (tests, diagnostics)."""
    with _lock:
        kms = [km for token, group in _live.items() if not prefix or _matches(token, prefix) for km in group]
    pids = []
    for km in kms:
        process = getattr(getattr(km, "provisioner", None), "process", None)
        if process is not None and process.poll() is None:
            pids.append(process.pid)
    return pids


def _unregister(token: str, km: Any) -> None:
    with _lock:
        group = _live.get(token)
        if group is not None:
            group.discard(km)
            if not group:
                del _live[token]


class _StepKernelManager(AsyncKernelManager):
    """Starts the kernel with the step's environment and working directory, and registers it."""

    step_token = ""
    step_env: dict[str, str] = {}
    step_cwd: str | None = None
    step_log: str | None = None  # the kernel's stdout/stderr go here, not to the runner's terminal

    async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
        if is_cancelled(self.step_token):
            raise KeyboardInterrupt("pipeline cancelled before the kernel started")
        env = {k: v for k, v in os.environ.items() if k not in ("MLOPS_ATTACH_RUN_ID", "JPY_SESSION_NAME")}
        env.update(self.step_env)
        kw["env"] = env
        if self.step_cwd:
            kw["cwd"] = self.step_cwd
        log = open(self.step_log, "ab") if self.step_log else None  # noqa: SIM115 - closed below
        if log is not None:
            kw["stdout"] = kw["stderr"] = log
        try:
            await KernelManager._async_start_kernel(self, **kw)
        finally:
            if log is not None:
                log.close()  # the kernel process holds its own descriptor
        with _lock:
            _live.setdefault(self.step_token, set()).add(self)
        if is_cancelled(self.step_token):
            _kill(self)

    async def _async_shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        try:
            await super()._async_shutdown_kernel(now=now, restart=restart)
        finally:
            _unregister(self.step_token, self)

    shutdown_kernel = _async_shutdown_kernel  # type: ignore[assignment]


def kernel_manager_class(token: str, env: dict[str, str], cwd: str | None, log: str | None = None) -> type:
    """A kernel-manager class bound to one step (nbclient instantiates and owns it)."""
    return type("StepKernelManager", (_StepKernelManager,),
                {"step_token": token, "step_env": dict(env), "step_cwd": cwd, "step_log": log})
