"""Start a model server as a background process (``%mlops serve``) and stop servers (``--stop``).

The server runs in its own process (``python -m mlops_magics.modelserver ...``), in a session of its
own so a Ctrl-C in the notebook does not reach it, with its output in ``MLOPS_HOME/serving/logs``.
Started from a kernel it gets ``--owner-pid`` and stops by itself when that kernel dies.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ..backend.processes import pid_alive
from ..backend.settings import Settings
from ..errors import MlopsError, MlopsUsageError, NotFound
from .options import ServeOptions
from .results import ServedModel, StopResult
from .served import ServedEntry, list_entries, remove
from .status import answers_ping, describe, fetch_status

__all__ = ["start_background", "stop_servers"]

_children: dict[int, subprocess.Popen] = {}  # servers this process started (reaped when stopped)


def _settings(settings: Settings | None) -> Settings:
    if settings is not None:
        return settings
    from ..datastore.repo import current_settings

    return current_settings()


def _log_path(home: Path, options: ServeOptions) -> Path:
    folder = home / "serving" / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in options.model.replace("@", "-"))[-60:]
    return folder / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"


def _failure(log: Path, code: int) -> MlopsError:
    """The server's own one-line error (``mlops serve: ...``) from its log, as the matching exception."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    ours = [ln.split("mlops serve: ", 1)[1] for ln in lines if "mlops serve: " in ln and " on http" not in ln]
    message = ours[-1] if ours else (lines[-1] if lines else f"exit status {code}")
    if code == 2:
        return MlopsUsageError(message)
    return MlopsError(f"the model server stopped at start: {message} (log: {log})")


def start_background(options: ServeOptions, *, owner_pid: int | None = None, settings: Settings | None = None,
                     timeout: float = 300.0) -> ServedModel:
    """Start a server for ``options`` in the background and wait until it answers ``/ping``."""
    conf = _settings(settings)
    home = Path(options.home) if options.home else conf.home
    log = _log_path(home, options)
    argv = [sys.executable, "-m", "mlops_magics.modelserver", *options.to_argv()]
    if owner_pid is not None:
        argv += ["--owner-pid", str(owner_pid)]
    env = dict(os.environ, MLOPS_HOME=str(home), MLFLOW_TRACKING_URI=conf.tracking_uri, MLOPS_SERVE_LOG=str(log),
               PYTHONUNBUFFERED="1")
    with open(log, "ab") as out:
        proc = subprocess.Popen(argv, cwd=str(conf.project_root), env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    _children[proc.pid] = proc
    deadline = time.monotonic() + timeout
    while True:
        code = proc.poll()
        if code is not None:
            _children.pop(proc.pid, None)
            raise _failure(log, code)
        entry = next((e for e in list_entries(home) if e.pid == proc.pid), None)
        if entry is not None and answers_ping(entry.url, 2.0):
            return describe(entry, fetch_status(entry.url))
        if time.monotonic() > deadline:
            _terminate(proc.pid, 10.0)
            raise MlopsError(f"the model server did not answer within {timeout:.0f} s; see its log: {log}")
        time.sleep(0.2)


def _wait_gone(pid: int, timeout: float) -> bool:
    proc = _children.get(pid)
    deadline = time.monotonic() + timeout
    if proc is not None:
        try:
            proc.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            return False
    while pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _terminate(pid: int, grace: float) -> bool:
    """SIGTERM (graceful: in-flight requests finish, captures are stored), SIGKILL after ``grace``.
    Returns True when it had to be killed."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        _children.pop(pid, None)
        return False
    killed = False
    if not _wait_gone(pid, grace):
        try:
            os.killpg(pid, signal.SIGKILL)  # its own session: the workers go too
        except (ProcessLookupError, PermissionError):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _wait_gone(pid, 10.0)
        killed = True
    _children.pop(pid, None)
    return killed


def _matches(entry: ServedEntry, source: str | None, port: int | None) -> bool:
    if port is not None and entry.port != port:
        return False
    if source is not None:
        return source in (entry.source, entry.model) or (
            "@" not in source and Path(source).expanduser().resolve().as_posix() == entry.source)
    return True


def stop_servers(*, source: str | None = None, port: int | None = None, owner_pid: int | None = None,
                 pids: list[int] | None = None, home: Path | None = None, grace: float = 60.0,
                 settings: Settings | None = None) -> StopResult:
    """Stop this project's servers that match (all of them when nothing is given)."""
    home = Path(home) if home is not None else _settings(settings).home
    import socket

    here = socket.gethostname()
    entries = [e for e in list_entries(home) if e.hostname == here]
    chosen = [e for e in entries if _matches(e, source, port)
              and (owner_pid is None or e.owner_pid == owner_pid) and (pids is None or e.pid in pids)]
    if not chosen and (source is not None or port is not None):
        running = ", ".join(f"{e.source} on port {e.port}" for e in entries) or "nothing"
        what = " ".join(x for x in (source, f"on port {port}" if port is not None else None) if x)
        raise NotFound(f"no server of this project serves {what}; running: {running}")
    result = StopResult()
    for entry in chosen:
        card = describe(entry, fetch_status(entry.url, 1.0))
        if _terminate(entry.pid, grace):
            result.killed.append(entry.pid)
        remove(home, entry.pid, entry.hostname)
        result.stopped.append(card)
    return result


def stop_children(grace: float = 30.0) -> Any:
    """Stop every server this process started (a kernel's shutdown)."""
    for pid in list(_children):
        _terminate(pid, grace)
