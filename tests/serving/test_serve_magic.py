"""``%mlops serve`` in a real InteractiveShell (background process, card, --status, --stop, one-line
errors), and in real kernels: a kernel's shutdown stops what it started, and so does killing it."""

from __future__ import annotations

import os
import signal
import socket

import httpx
import pytest
from IPython.core.error import UsageError
from jupyter_client.manager import KernelManager

from mlops_magics.core.backend import session
from mlops_magics.render.formatters import html as html_of
from mlops_magics.core.backend.processes import pid_alive
from mlops_magics.core.serving.served import list_entries
from serving_procs import split_body, wait_for

pytestmark = [pytest.mark.server, pytest.mark.kernel]


@pytest.fixture
def shell_in_project(ip, served_project, monkeypatch):
    """The magic's shell, its settings pointing at the served project's store."""
    monkeypatch.setenv("MLOPS_HOME", str(served_project.home))
    monkeypatch.chdir(served_project.root)
    session.reset()
    yield ip
    ip.run_line_magic("mlops", "serve --stop")  # whatever a failed assertion left running
    session.reset()


def test_serve_magic_starts_shows_lists_and_stops(shell_in_project, served_project):
    ip = shell_in_project
    card = ip.run_line_magic("mlops", "serve churn@champion --port 0")
    assert (card.version, card.state, card.alias) == ("1", "serving", "champion")
    assert pid_alive(card.pid) and card.owner_pid == os.getpid()
    html = html_of(card)
    assert f"{card.url}/metrics" in html and "churn" in html and "v1" in html
    assert "requests 0" in repr(card)
    for _ in range(3):
        r = httpx.post(f"{card.url}/invocations", json=split_body(served_project.train().head(2)))
        assert r.status_code == 200
    table = wait_for(lambda: (t := ip.run_line_magic("mlops", "serve --status")) and t[0].rows == 6 and t,
                     "the rows to be counted (off the response path)")
    (listed,) = [m for m in table if m.pid == card.pid]
    assert listed.requests == 3 and listed.rows == 6 and listed.drift_verdict == "not computed yet"
    assert card.url in html_of(table)
    stopped = ip.run_line_magic("mlops", "serve --stop")
    assert [m.pid for m in stopped.stopped] == [card.pid] and stopped.killed == []
    assert not pid_alive(card.pid)
    assert len(ip.run_line_magic("mlops", "serve --status")) == 0


def test_serve_magic_errors_are_one_line(shell_in_project):
    ip = shell_in_project
    with pytest.raises(UsageError, match=r"^churn has no alias 'nope'; its aliases: challenger -> v2, "
                                         r"champion -> v1$"):
        ip.run_line_magic("mlops", "serve churn@nope --port 0")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UsageError, match=rf"^port {port} on 127.0.0.1 is already in use; pick another"):
            ip.run_line_magic("mlops", f"serve churn@champion --port {port}")
    with pytest.raises(UsageError, match="--canary-share needs --canary"):
        ip.run_line_magic("mlops", "serve churn@champion --canary-share 0.2")
    with pytest.raises(UsageError, match="no server of this project serves churn@champion"):
        ip.run_line_magic("mlops", "serve --stop churn@champion")


def _kernel_server(project) -> tuple[KernelManager, int]:
    km = KernelManager(kernel_name="python3")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "MLOPS_"))}
    km.start_kernel(cwd=str(project.root), env={**env, "MLOPS_HOME": str(project.home)})
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=90)
        out = []
        reply = kc.execute_interactive("%load_ext mlops_magics\ncard = %mlops serve churn@champion --port 0\n"
                                       "print('PID', card.pid)", timeout=300,
                                       output_hook=lambda m: out.append(m["content"].get("text", "")))
        assert reply["content"]["status"] == "ok", reply["content"]
    finally:
        kc.stop_channels()
    pid = int("".join(out).split("PID", 1)[1].split()[0])
    return km, pid


def test_kernel_shutdown_stops_what_it_started(served_project):
    km, pid = _kernel_server(served_project)
    assert pid_alive(pid) and [e.pid for e in list_entries(served_project.home)].count(pid) == 1
    km.shutdown_kernel(now=False)  # a normal shutdown: the kernel's atexit hook stops its servers
    wait_for(lambda: not pid_alive(pid), "the server to stop with its kernel", timeout=120)
    assert pid not in [e.pid for e in list_entries(served_project.home, prune=False)]  # it removed itself


def test_a_killed_kernels_server_stops_by_itself(served_project):
    km, pid = _kernel_server(served_project)
    os.kill(km.provisioner.process.pid, signal.SIGKILL)  # no atexit runs in a killed kernel
    wait_for(lambda: not pid_alive(pid), "the orphaned server to notice and stop", timeout=120)
    assert pid not in [e.pid for e in list_entries(served_project.home, prune=False)]
    km.cleanup_resources()
