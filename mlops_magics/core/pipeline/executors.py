"""Where steps execute: a local thread pool (one fresh kernel per step) or a Dask cluster.

Both return ``concurrent.futures.Future`` objects of :class:`~.execute.StepOutcome`, so the runner
waits on them the same way. The Dask executor submits to an existing ``distributed`` scheduler
(``dask://HOST:PORT``); the pipeline folder and the store must be on a path every worker sees.
"""

from __future__ import annotations

import concurrent.futures as cf
import uuid
from typing import Any, Callable, Protocol

from ..errors import MlopsUsageError, StoreError
from . import kernels
from .events import PipelineEvent
from .execute import StepOutcome, StepTask, execute_step

__all__ = ["DaskExecutor", "Executor", "LocalExecutor", "check_executor", "make_executor"]

Emit = Callable[[PipelineEvent], None]


class Executor(Protocol):
    name: str

    def submit(self, task: StepTask, emit: Emit) -> cf.Future: ...

    def cancel(self, token: str) -> None: ...

    def close(self) -> None: ...


class LocalExecutor:
    """Up to ``jobs`` steps at once, each in a thread driving papermill and its own kernel."""

    name = "local"

    def __init__(self, jobs: int) -> None:
        self.pool = cf.ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="mlops-step")
        self.cancelled = False

    def submit(self, task: StepTask, emit: Emit) -> cf.Future:
        return self.pool.submit(execute_step, task, emit)

    def cancel(self, token: str) -> None:
        self.cancelled = True
        kernels.cancel_tokens(token)

    def close(self) -> None:
        # After a cancel the kernels are dead; a step thread still unwinding papermill must not hold
        # the caller (the runner already waited CANCEL_WAIT_S for the threads to notice).
        self.pool.shutdown(wait=not self.cancelled, cancel_futures=True)


def _remote_cancel(token: str) -> int:
    """Runs on every Dask worker: stop kernels of this execution and refuse new ones."""
    from mlops_magics.core.pipeline import kernels as remote_kernels

    return remote_kernels.cancel_tokens(token)


def _probe(address: str) -> None:
    """Fail in milliseconds, not after the client's connect timeout, when nothing listens there."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address)
    if not parts.hostname or not parts.port:
        raise MlopsUsageError(f"--executor {address}: give dask://HOST:PORT")
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=5).close()
    except OSError as exc:
        raise StoreError(f"cannot reach the Dask scheduler at {address}: {exc.strerror or exc}; "
                         "is 'dask scheduler' running?") from None


class DaskExecutor:
    """Submits each step to an existing Dask ``distributed`` scheduler."""

    name = "dask"

    def __init__(self, address: str) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise MlopsUsageError("--executor dask://... needs the 'distributed' package: pip install distributed") from None
        self.address = address
        _probe(address)
        try:
            self.client = Client(address, timeout="10s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise StoreError(f"cannot reach the Dask scheduler at {address}: {exc}; is 'dask scheduler' running?") from None
        self.futures: list[Any] = []

    def submit(self, task: StepTask, emit: Emit) -> cf.Future:
        # cell-level progress stays on the worker; the runner reports step starts and ends
        remote = self.client.submit(execute_step, task, None, key=f"mlops-step-{task.step}-{uuid.uuid4().hex[:8]}",
                                    pure=False)
        self.futures.append(remote)
        local: cf.Future = cf.Future()

        def done(fut: Any) -> None:
            try:
                local.set_result(fut.result())
            except BaseException as exc:  # noqa: BLE001 - a lost worker or a cancelled task
                if fut.cancelled():
                    local.set_result(StepOutcome("cancelled", "cancelled"))
                else:
                    local.set_result(StepOutcome("failed", f"the Dask task failed: {type(exc).__name__}: {exc}"))

        remote.add_done_callback(done)
        return local

    def cancel(self, token: str) -> None:
        try:
            self.client.run(_remote_cancel, token)
        finally:
            pending = [f for f in self.futures if not f.done()]
            if pending:
                self.client.cancel(pending)

    def close(self) -> None:
        self.client.close()


def make_executor(spec: str, jobs: int) -> Executor:
    """``local`` or ``dask://HOST:PORT`` (also ``tcp://HOST:PORT``)."""
    if spec in ("local", "", None):
        return LocalExecutor(jobs)
    if spec.startswith("dask://"):
        return DaskExecutor("tcp://" + spec[len("dask://"):])
    if spec.startswith(("tcp://", "tls://")):
        return DaskExecutor(spec)
    raise MlopsUsageError(f"--executor {spec}: use 'local' or 'dask://HOST:PORT'")


def check_executor(spec: str) -> None:
    """Fail early on a malformed executor string (before any step runs)."""
    if spec not in ("local", "") and not spec.startswith(("dask://", "tcp://", "tls://")):
        raise MlopsUsageError(f"--executor {spec}: use 'local' or 'dask://HOST:PORT'")
