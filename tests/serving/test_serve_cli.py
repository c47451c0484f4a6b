"""``mlops serve`` and ``python -m mlops_magics.modelserver`` from the shell: exit codes and one-line errors,
``--status`` and ``--stop`` on a running server."""

from __future__ import annotations

import socket
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from mlops_magics.core.backend.processes import pid_alive
from serving_procs import PYTHON, start_ours, wait_for

pytestmark = pytest.mark.server


def _run(project, *args: str, module: str = "mlops_magics.cli") -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", module, *args], cwd=project.root, env=project.env(), capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("module", ["mlops_magics.cli", "mlops_magics.modelserver"])
def test_bad_starts_are_one_line_errors_with_exit_2(served_project, module):
    lead = ["serve"] if module == "mlops_magics.cli" else []
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        cases = {
            ("nochurn@champion",): "no registered model named 'nochurn'; registered models: churn, flip",
            ("churn@nope",): "churn has no alias 'nope'; its aliases: challenger -> v2, champion -> v1",
            ("churn@v9",): "churn has no version v9; its versions: v1, v2",
            ("churn",): "'churn' is not a model reference; write NAME@vN, NAME@ALIAS or NAME@latest",
            ("churn@champion", "--shadow", "nope"): "churn has no alias 'nope'",
            ("churn@champion", "--port", port): f"port {port} on 127.0.0.1 is already in use",
            ("churn@champion", "--workers", "0"): "--workers 0: give 1 to 64 worker processes",
            ("churn@champion", "--capture", "../x"): "invalid dataset name '../x'",
            ("churn@champion", "--reference", "train.parquet"): "--reference is for model folders",
            ("./no-such-folder",): "./no-such-folder: no such folder",
        }
        with ThreadPoolExecutor(4) as pool:  # independent processes: the cases at once
            done = list(pool.map(lambda args: _run(served_project, *lead, *args, module=module), cases))
        for (args, message), proc in zip(cases.items(), done):
            assert proc.returncode == 2, (args, proc.stderr)
            lines = proc.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("mlops serve: ") and message in lines[0], (args, lines)


def test_status_and_stop_from_the_shell(served_project, servers):
    server = start_ours(served_project, "churn@champion")
    servers.append(server)
    port = server.url.rsplit(":", 1)[1]
    status = _run(served_project, "serve", "--status")
    assert status.returncode == 0 and f"churn@champion -> churn v1 at {server.url} (serving" in status.stdout
    wrong = _run(served_project, "serve", "--stop", "--port", "1")
    assert wrong.returncode == 2 and "no server of this project serves on port 1" in wrong.stderr
    stop = _run(served_project, "serve", "--stop", "--port", port)
    assert stop.returncode == 0 and f"stopped churn@champion at {server.url}" in stop.stdout
    wait_for(lambda: not pid_alive(server.proc.pid) or server.proc.poll() is not None, "the server to stop")
    assert server.proc.wait(30) == 0
    assert "nothing served by this project" in _run(served_project, "serve", "--status").stdout
