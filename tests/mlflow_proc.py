"""A real ``mlflow server`` subprocess on a free loopback port (the ``mlflow_server`` fixture, bench)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from jupyter_proc import free_port, stop_jupyter


def start_mlflow_server(root: Path, backend_uri: str | None = None, command: str = "server",
                        ) -> tuple[subprocess.Popen, str]:
    """``mlflow server`` (or ``mlflow ui``: ``command="ui"``), one worker, proxied artifacts under ``root``;
    returns (process, base url).

    ``backend_uri`` defaults to a new SQLite store in ``root``; the log is ``root/server.log``. The
    server's job runner (seven polling huey consumers, for MLflow's server-side jobs) is off: nothing
    here uses it, and on a small machine its polling slows the server itself down.
    """
    port = free_port()
    log_path = root / f"{command}.log" if command != "server" else root / "server.log"
    mlflow_cli = Path(sys.executable).with_name("mlflow")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(mlflow_cli), command, "--backend-store-uri", backend_uri or f"sqlite:///{root}/mlflow.db",
             "--artifacts-destination", str(root / "artifacts"), "--host", "127.0.0.1",
             "--port", str(port), "--workers", "1"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while True:
        try:
            urllib.request.urlopen(f"{url}/health", timeout=2)
            return proc, url
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                stop_mlflow_server(proc)
                raise RuntimeError(f"mlflow {command} did not start: {log_path.read_text()[-2000:]}") from None
            time.sleep(0.3)


# the same as for jupyter: SIGTERM to its process group, SIGKILL after 20 s
stop_mlflow_server = stop_jupyter
