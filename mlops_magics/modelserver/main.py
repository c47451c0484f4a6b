"""``python -m mlops_magics.modelserver MODEL ...`` / ``mlops serve MODEL ...``: run the model server.

Before anything starts, the model reference is resolved (an unknown model or alias is a one-line
error, exit 2) and the port is bound here (a port in use is a one-line error, exit 2); the bound
socket is handed to uvicorn, so ``--port 0`` works and no other process can take the port in between.
The server records itself in the served-process registry and removes its entry when it stops.
SIGTERM and Ctrl-C stop it gracefully: in-flight requests finish, captured rows are stored.
"""

from __future__ import annotations

import argparse
import dataclasses
import errno
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Sequence

from ..core.errors import MlopsError, MlopsUsageError, exit_status
from ..core.serving.options import ENV_CONFIG, ServeOptions

__all__ = ["bind", "main", "preflight", "serve"]

APP = "mlops_magics.modelserver.worker:create_app"


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (uvicorn's options), or a one-line error when it is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family=family)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise MlopsUsageError(f"port {port} on {host} is already in use; pick another with --port, or see "
                                  "what this project serves with: mlops serve --status") from None
        raise MlopsUsageError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); check --host and --port") \
            from None
    sock.set_inheritable(True)
    return sock


def preflight(options: ServeOptions) -> dict[str, str]:
    """Resolve every role's model now (one-line errors, exit 2); returns role -> version."""
    from ..core.backend.settings import load_settings
    from ..core.serving.runtime import plan_sources
    from ..core.serving.source import current_version, registry_client

    sources = plan_sources(options)
    client = None
    versions = {}
    for role, source in sources.items():
        if source.ref is not None and client is None:
            client = registry_client(load_settings())
        versions[role] = current_version(client, source)
    return versions


def _url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


def _watch_owner(owner: int) -> None:
    """Stop this server when the kernel that started it is gone (killed kernels run no atexit)."""
    while True:
        time.sleep(1.0)
        if os.getppid() != owner:
            os.kill(os.getpid(), signal.SIGTERM)
            return


def _start_ingester(options: ServeOptions) -> subprocess.Popen:
    """The process that turns spooled capture partitions into dataset versions (off the request path)."""
    return subprocess.Popen([sys.executable, "-m", "mlops_magics.modelserver.capture_ingest",
                             "--home", str(options.home), "--name", str(options.capture)], stdin=subprocess.DEVNULL)


def _stop_ingester(proc: subprocess.Popen, timeout: float = 300.0) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGUSR1)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:  # it keeps going on its own and stops when done (its parent is gone)
        print(f"mlops serve: the capture ingester (pid {proc.pid}) is still storing partitions", file=sys.stderr)


def serve(options: ServeOptions) -> int:
    """Run the server in the foreground until SIGTERM / Ctrl-C; returns the exit status."""
    import uvicorn

    from ..core.backend.settings import load_settings
    from ..core.serving import served
    from ..core.serving.runtime import plan_sources

    conf = load_settings()
    if options.home is None:
        options = dataclasses.replace(options, home=str(conf.home))
    preflight(options)
    sock = bind(options.host, options.port)
    port = sock.getsockname()[1]
    options = dataclasses.replace(options, port=port)
    metrics_dir = None
    if options.workers > 1:
        metrics_dir = tempfile.mkdtemp(prefix="mlops-serve-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    os.environ[ENV_CONFIG] = options.to_json()
    if options.timeout is not None:
        os.environ["MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT"] = str(options.timeout)
    primary = plan_sources(options)["primary"]
    entry = served.ServedEntry(
        pid=os.getpid(), url=_url(options.host, port), host=options.host, port=port, source=primary.label,
        model=primary.name, alias=primary.alias_label, workers=options.workers, owner_pid=options.owner_pid,
        log=os.environ.get("MLOPS_SERVE_LOG"), capture=options.capture, shadow=options.shadow,
        canary=options.canary)
    home = options.home
    ingester = _start_ingester(options) if options.capture else None
    served.record(home, entry)
    stopped_by: list[int] = []
    previous = {sig: signal.signal(sig, lambda s, f: stopped_by.append(s)) for sig in (signal.SIGTERM, signal.SIGINT)}
    if options.owner_pid:
        threading.Thread(target=_watch_owner, args=(options.owner_pid,), name="mlops-owner", daemon=True).start()
    config = uvicorn.Config(APP, factory=True, host=options.host, port=port, workers=options.workers,
                            log_level=options.log_level, access_log=options.access_log,
                            timeout_graceful_shutdown=30)
    started = True
    try:
        print(f"mlops serve: {primary.label} on {entry.url} (metrics: {entry.url}/metrics)", file=sys.stderr,
              flush=True)
        if options.workers > 1:
            import inspect

            from uvicorn.supervisors import Multiprocess

            kwargs = {"sockets": [sock]}
            if "target" in inspect.signature(Multiprocess).parameters:  # older uvicorn takes the target too
                kwargs["target"] = uvicorn.Server(config).run
            Multiprocess(config, **kwargs).run()
        else:
            server = uvicorn.Server(config)
            server.run(sockets=[sock])
            started = server.started
    finally:
        if ingester is not None:  # the workers have spooled their last partitions: store them, then stop
            _stop_ingester(ingester)
        served.remove(home, entry.pid)
        sock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if metrics_dir:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    if not started:
        raise MlopsError("the server did not start (see the log above: the model could not be loaded)")
    return 0


def build_parser(prog: str = "python -m mlops_magics.modelserver") -> argparse.ArgumentParser:
    from ..commands.serve import DESCRIPTION, add_arguments

    parser = argparse.ArgumentParser(prog=prog, description=DESCRIPTION)
    add_arguments(parser, "cli")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The module entry point (the CLI's ``mlops serve`` shares :func:`serve`)."""
    args = build_parser().parse_args(argv)
    try:
        if args.status or args.stop:
            raise MlopsUsageError("--status and --stop are for `mlops serve`; this entry point only serves")
        return serve(ServeOptions.from_args(args))
    except MlopsError as exc:  # a usage mistake exits 2, a failure 1
        print(f"mlops serve: {exc}", file=sys.stderr)
        return exit_status(exc)
