"""Failure semantics on real kernels: failing magic, skip propagation, retry after a killed kernel,
timeout, Ctrl-C with no kernel left behind, through the real ``mlops run`` command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

from mlops_magics.cli import main
from kernel_procs import step_kernels
from notebook_factory import write_nb

pytestmark = pytest.mark.kernel


def test_failure_skip_retry_timeout(mlops_home, mlflow_client, capsys):
    root = mlops_home.parent
    write_nb(root / "boom.ipynb", None, "x = 1", "%load_ext mlops_magics\n%mlops no-such-command", "open('never.txt', 'w')")
    write_nb(root / "after.ipynb", None, "print('never runs')")
    write_nb(root / "flaky.ipynb", None,
             "import os, signal\nif not os.path.exists('attempted'):\n    open('attempted', 'w').close()\n"
             "    os.kill(os.getpid(), signal.SIGKILL)",
             "open('flaky.txt', 'w').write('ok')")
    write_nb(root / "slow.ipynb", None, "import time\ntime.sleep(120)")
    (root / "p.yaml").write_text(textwrap.dedent("""
        name: failing
        steps:
          boom: {notebook: boom.ipynb}
          after: {notebook: after.ipynb, depends_on: [boom]}
          flaky: {notebook: flaky.ipynb, retries: 1, outputs: [flaky.txt]}
          slow: {notebook: slow.ipynb, timeout: 3}
        """))
    began = time.monotonic()
    code = main(["run", str(root / "p.yaml"), "--jobs", "2"])
    elapsed = time.monotonic() - began
    out, err = capsys.readouterr()
    assert code == 1, out + err
    assert elapsed < 60

    from mlops_magics.pipeline import status

    result = status(str(root / "p.yaml"))
    boom_nb = result["boom"].executed
    assert "boom   FAILED: cell 2: UsageError: %mlops: unknown sub-command 'no-such-command'" in err, err
    assert f"notebook: {boom_nb}" in err, err
    assert "after  skipped (upstream step boom failed)" in err
    assert "flaky  attempt 1 failed: the kernel died during cell 1" in err
    assert "slow   FAILED: timed out after 3 s; the kernel was killed" in err
    # the executed notebook keeps the failing cell and its error
    (failing,) = [c for c in nbformat.read(boom_nb, as_version=4).cells
                  if c.metadata.get("papermill", {}).get("exception")]
    assert "no-such-command" in failing.source and "UsageError" in failing.outputs[-1]["text"]
    assert not (root / "never.txt").exists()
    assert (root / "flaky.txt").read_text() == "ok" and Path(boom_nb).with_name("flaky.attempt-1.ipynb").exists()

    parent = mlflow_client.get_run(result.run_id)
    assert parent.info.status == "FAILED"
    children = {r.info.run_name: r for r in mlflow_client.search_runs(
        [parent.info.experiment_id], f"tags.mlflow.parentRunId = '{result.run_id}'")}
    assert set(children) == {"boom", "flaky", "slow"}  # a skipped step never started a run
    assert children["boom"].info.status == "FAILED" and children["slow"].info.status == "FAILED"
    assert children["flaky"].info.status == "FINISHED" and children["flaky"].data.metrics["attempts"] == 2
    assert "UsageError" in children["boom"].data.tags["mlops.pipeline.error"]
    assert step_kernels(mlops_home) == []

    # the failed steps re-run next time; the finished one is cached
    code = main(["run", str(root / "p.yaml"), "--dry-run"])
    out, _ = capsys.readouterr()
    assert code == 0 and "flaky            cached" in out and "boom             would run" in out


def test_ctrl_c_cancels_cleanly(mlops_home, mlflow_client):
    root = mlops_home.parent
    for name in ("a", "b"):
        write_nb(root / f"{name}.ipynb", None, "import time\ntime.sleep(120)")
    write_nb(root / "c.ipynb", None, "print('after a')")
    (root / "p.yaml").write_text("steps:\n  a: {notebook: a.ipynb}\n  b: {notebook: b.ipynb}\n"
                                 "  c: {notebook: c.ipynb, depends_on: [a]}\n")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "mlops_magics.cli", "run", "p.yaml", "-j", "2"], cwd=root,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            # as from a terminal: SIGINT at its default even if this process ignores it
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    seen: set[str] = set()
    deadline = time.monotonic() + 90
    while seen != {"a", "b"}:  # both steps are inside their sleeping cell
        line = proc.stderr.readline()
        assert line and time.monotonic() < deadline, "the steps never started"
        if "cell 1/1" in line:
            seen.add(line.split("]", 1)[1].split()[0])
    assert len(step_kernels(mlops_home)) == 2
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:  # say where it hung, then clean up
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"mlops run did not exit after Ctrl-C; its last output:\n{err[-3000:]}") from None
    assert proc.returncode == 130, err
    assert "no kernel left running" in err and "cancelled" in out
    assert step_kernels(mlops_home) == []
    runs = mlflow_client.search_runs(["0"])
    states = {r.info.run_name.split()[0]: r.info.status for r in runs}  # the parent: "p MM-DD HH:MM:SS"
    assert states == {"a": "KILLED", "b": "KILLED", "p": "KILLED"}  # c never started
