"""Steps submitted to a real Dask scheduler with a worker process on loopback."""

from __future__ import annotations

import textwrap

import pytest

from mlops_magics import pipeline
from notebook_factory import write_nb

@pytest.fixture
def cluster(monkeypatch):
    import sys
    import types

    import distributed

    if not hasattr(sys.modules["__main__"], "__spec__"):
        # an InteractiveShell test earlier in this process installed its user module as __main__;
        # multiprocessing's spawn (the worker processes) needs a real module there
        monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=40) as local:
        with distributed.Client(local.scheduler_address) as client:
            worker_pids = set(client.run(__import__("os").getpid).values())
        yield local.scheduler_address, worker_pids


@pytest.mark.kernel
def test_dask_executor_runs_steps_on_the_workers(mlops_home, mlflow_client, cluster):
    address, worker_pids = cluster
    root = mlops_home.parent
    write_nb(root / "make.ipynb", "value = 1", "import os\nopen('made.txt', 'w').write(f'{value} {os.getppid()}')")
    write_nb(root / "use.ipynb", None, "import os\nv = open('made.txt').read().split()[0]\n"
                                       "open('used.txt', 'w').write(f'{int(v) * 10} {os.getppid()}')")
    (root / "p.yaml").write_text(textwrap.dedent("""
        steps:
          make: {notebook: make.ipynb, parameters: {value: 4}, outputs: [made.txt]}
          use: {notebook: use.ipynb, inputs: [made.txt], outputs: [used.txt]}
        """))
    address = address.replace("tcp://", "dask://")
    result = pipeline.run(str(root / "p.yaml"), executor=address, jobs=2)
    assert result.ok, repr(result)
    made, used = (root / "made.txt").read_text().split(), (root / "used.txt").read_text().split()
    assert made[0] == "4" and used[0] == "40"
    assert {int(made[1]), int(used[1])} <= worker_pids  # the kernels were started by the Dask worker
    for name in ("make", "use"):
        run = mlflow_client.get_run(result[name].run_id)
        assert run.info.status == "FINISHED" and run.data.tags["mlflow.parentRunId"] == result.run_id
    assert mlflow_client.get_run(result.run_id).data.tags["mlops.pipeline.executor"] == address
    again = pipeline.run(str(root / "p.yaml"), executor=address)
    assert [s.state for s in again.steps.values()] == ["cached", "cached"]


def test_unreachable_scheduler_is_a_clear_error(mlops_home):
    from mlops_magics.core.errors import MlopsError

    root = mlops_home.parent
    write_nb(root / "a.ipynb", None, "1")
    (root / "p.yaml").write_text("steps:\n  a: {notebook: a.ipynb}\n")
    with pytest.raises(MlopsError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        pipeline.run(str(root / "p.yaml"), executor="dask://127.0.0.1:9")
