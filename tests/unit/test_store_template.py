"""The migrated-store template lives in the user cache folder (MLOPS_CACHE_DIR, else platformdirs')."""

from __future__ import annotations

import sqlite3
import sys

import pytest

from mlops_magics.core.backend import embedded


def test_mlops_cache_dir_wins_over_xdg(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("MLOPS_CACHE_DIR", str(tmp_path / "mine"))
    assert embedded.cache_dir() == tmp_path / "mine"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG_CACHE_HOME is the Linux convention")
def test_xdg_cache_home_is_honoured(tmp_path, monkeypatch):
    monkeypatch.delenv("MLOPS_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert embedded.cache_dir() == tmp_path / "xdg" / "mlops_magics"


def test_new_store_is_a_copy_of_the_template_in_the_cache(mlops_home, tmp_path, monkeypatch):
    monkeypatch.setenv("MLOPS_CACHE_DIR", str(tmp_path / "cache"))
    from mlops_magics.core.backend import session

    session.ready()
    (template,) = (tmp_path / "cache").glob("mlflow-*-sqlite-template.db")
    assert template == embedded.template_path()
    with sqlite3.connect(mlops_home / "mlflow.db") as db:
        (location,) = db.execute("SELECT artifact_location FROM experiments WHERE experiment_id = 0").fetchone()
    assert location == (mlops_home / "artifacts" / "0").as_uri()
