"""A real ``jupyter server`` / ``jupyter lab`` subprocess on a free loopback port (tests/server, tests/ui, bench)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

TOKEN = "test-token-6f1c2a"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _isolated_env(root: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "MLOPS_", "JUPYTER_"))}
    env.update(MLOPS_HOME=str(home), JUPYTER_CONFIG_DIR=str(root.parent / "jupyter-config"),
               JUPYTER_DATA_DIR=str(root.parent / "jupyter-data"), JUPYTER_RUNTIME_DIR=str(root.parent / "jupyter-runtime"),
               MLOPS_HEARTBEAT_SECONDS="2")
    return env


def start_jupyter(app: str, root: Path, home: Path, extra: list[str] | None = None):
    """``jupyter server`` / ``jupyter lab`` on a free loopback port; returns (process, base url, log path)."""
    port = free_port()
    log_path = root.parent / f"{app}.log"
    log = open(log_path, "wb")
    exe = Path(sys.executable).with_name("jupyter")
    proc = subprocess.Popen(
        [str(exe), app, "--no-browser", "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={TOKEN}",
         f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0",
         *(["--allow-root"] if os.geteuid() == 0 else []), *(extra or [])],
        cwd=str(root.parent), env=_isolated_env(root, home), stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while True:
        try:
            if requests.get(f"{url}/api/status", headers={"Authorization": f"token {TOKEN}"}, timeout=2).ok:
                break
        except requests.RequestException:
            pass
        if proc.poll() is not None or time.time() > deadline:
            stop_jupyter(proc)
            raise RuntimeError(f"jupyter {app} did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.3)
    log.close()
    return proc, url, log_path


def stop_jupyter(proc) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


