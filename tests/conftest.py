"""Shared fixtures: an isolated store per test and a real IPython shell with the extension loaded."""

from __future__ import annotations

import os

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
    from mlops_magics.core import session

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
    """An MlflowClient on the test's store (after the code under test has created it)."""
    from mlflow import MlflowClient

    from mlops_magics.core import session

    return MlflowClient(tracking_uri=session.settings().tracking_uri)
