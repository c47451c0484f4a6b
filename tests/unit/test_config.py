"""Settings resolution: project root, MLOPS_HOME, tracking URI precedence, pyproject table."""

from __future__ import annotations

import os

import pytest

from mlops_magics.core.backend.settings import find_project_root, load_settings, sqlite_uri
from mlops_magics.core.errors import MlopsUsageError


def test_defaults_to_dot_mlops_in_the_project_root(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    settings = load_settings(deep, environ={})
    assert find_project_root(deep) == tmp_path
    assert settings.home == tmp_path / ".mlops" and settings.embedded
    assert settings.tracking_uri == sqlite_uri(tmp_path / ".mlops" / "mlflow.db")


def test_env_and_pyproject_precedence(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.mlops_magics]\nhome = 'store'\ntracking_uri = 'http://team:5000'\nexperiment = 'churn'\n")
    from_table = load_settings(tmp_path, environ={})
    assert from_table.home == tmp_path / "store" and not from_table.embedded
    assert from_table.tracking_uri == "http://team:5000" and from_table.experiment == "churn"
    from_env = load_settings(tmp_path, environ={"MLFLOW_TRACKING_URI": "http://other:5000",
                                                "MLOPS_HOME": str(tmp_path / "elsewhere")})
    assert from_env.tracking_uri == "http://other:5000" and from_env.home == tmp_path / "elsewhere"


def test_an_inherited_uri_naming_our_own_store_is_still_embedded(tmp_path):
    home = tmp_path / ".mlops"
    settings = load_settings(tmp_path, environ={"MLOPS_HOME": str(home),
                                                "MLFLOW_TRACKING_URI": sqlite_uri(home / "mlflow.db")})
    assert settings.embedded


def test_broken_pyproject_is_one_clear_error(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.mlops_magics\n")
    with pytest.raises(MlopsUsageError, match="cannot read .*pyproject.toml"):
        load_settings(tmp_path, environ={})


def test_ready_leaves_the_environment_alone(mlops_home):
    from mlops_magics.core.backend import session

    session.ready()
    assert "MLFLOW_TRACKING_URI" not in os.environ
    import mlflow

    assert mlflow.get_tracking_uri() == session.settings().tracking_uri
