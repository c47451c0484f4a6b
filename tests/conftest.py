"""Shared fixtures: an isolated store per test and a real IPython shell with the extension loaded."""

from __future__ import annotations

import pytest
from traitlets.config import Config


@pytest.fixture
def mlops_home(tmp_path, monkeypatch):
    """An empty project in a temporary directory with its own embedded store."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    home = project / ".mlops"
    monkeypatch.setenv("MLOPS_HOME", str(home))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
    monkeypatch.chdir(project)
    from mlops_magics.core.backend import session

    session.reset()
    yield home
    session.reset()


def _make_shell():
    from IPython.core.interactiveshell import InteractiveShell

    class TestingShell(InteractiveShell):
        """A real InteractiveShell that re-raises cell errors so no failure passes silently."""

        def run_cell(self, raw_cell, *args, **kwargs):
            result = super().run_cell(raw_cell, *args, **kwargs)
            if result.error_before_exec is not None:
                raise result.error_before_exec
            if result.error_in_exec is not None:
                raise result.error_in_exec
            return result

        def run_cell_quiet(self, raw_cell):
            """Run a cell and return its ExecutionResult without raising (to test failing cells)."""
            return InteractiveShell.run_cell(self, raw_cell)

    config = Config()
    config.HistoryManager.enabled = False
    shell = TestingShell.instance(config=config)
    shell.colors = "nocolor"
    return shell


@pytest.fixture(scope="session")
def _shell():
    shell = _make_shell()
    yield shell


@pytest.fixture
def ip(_shell, mlops_home):
    """A real InteractiveShell with ``%load_ext mlops_magics`` done, on an isolated store."""
    _shell.user_ns.clear()
    _shell.init_user_ns()
    _shell.run_line_magic("load_ext", "mlops_magics")
    yield _shell
    _shell.run_line_magic("unload_ext", "mlops_magics")
    _shell.user_ns.clear()
    _shell.init_user_ns()


@pytest.fixture
def mlflow_client(mlops_home):
    """An MlflowClient on the test's store (after the code under test has created it); like every read of
    ours, its reads of runs first wait for this process's background writer."""
    from mlops_magics.core.backend import session

    session.ready()  # create the store the way the code under test does (from the template)
    return session.new_client(session.settings())


def pytest_collection_modifyitems(items):
    """A test that asks for the mlflow server by name is a ``server`` test (``-m "not server"`` skips it)."""
    for item in items:
        if "mlflow_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.server)


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory):
    """A real `mlflow server` on a free loopback port (SQLite backend, proxied artifacts)."""
    from mlflow_proc import start_mlflow_server, stop_mlflow_server

    proc, url = start_mlflow_server(tmp_path_factory.mktemp("mlflow-server"))
    yield url
    stop_mlflow_server(proc)


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.server)])
def store(request, mlops_home, monkeypatch):
    """The store under test: the embedded SQLite default, or a real mlflow server (own experiment)."""
    import uuid

    from mlops_magics.core.backend import session

    if request.param == "server":
        url = request.getfixturevalue("mlflow_server")
        monkeypatch.setenv("MLFLOW_TRACKING_URI", url)
        monkeypatch.setenv("MLOPS_EXPERIMENT", f"test-{uuid.uuid4().hex[:10]}")
        session.reset()
    yield request.param
    session.reset()


@pytest.fixture
def store_client(store):
    """An MlflowClient on the store under test (its reads of runs wait for our background writer)."""
    from mlops_magics.core.backend import session

    session.ready()
    return session.new_client(session.settings())


@pytest.fixture
def find_runs(store_client):
    """Runs of the test's experiment(s) (the embedded store holds only this test's)."""
    from mlops_magics.core.backend import session

    def find(**kwargs):
        name = session.settings().experiment
        if name:
            exp = store_client.get_experiment_by_name(name)
            ids = [exp.experiment_id] if exp else []
        else:
            ids = [e.experiment_id for e in store_client.search_experiments()]
        return store_client.search_runs(ids, **kwargs) if ids else []

    return find


@pytest.fixture
def tmpfs(tmp_path):
    """``tmpfs(size)``: a fresh, real tmpfs of that size (e.g. "6m") mounted by the test, unmounted after it.

    Root only: skipped, saying why, where mounting is not allowed (a full disk is best tested for real).
    """
    import subprocess

    mounted = []

    def mount(size: str):
        folder = tmp_path / f"disk{len(mounted)}"
        folder.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here (needs root / CAP_SYS_ADMIN): {done.stderr.strip()}")
        mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        subprocess.run(["umount", "-l", str(folder)], check=False)
