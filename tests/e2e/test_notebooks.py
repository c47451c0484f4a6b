"""Every notebook in notebooks/ runs headlessly with papermill, on a fresh embedded store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
ALL = sorted(p for p in NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)

pytestmark = pytest.mark.kernel


@pytest.mark.parametrize("notebook", ALL, ids=[str(p.relative_to(NOTEBOOKS)) for p in ALL])
def test_notebook_executes(notebook, mlops_home, tmp_path):
    import papermill

    work = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, work)
    target = work / notebook.relative_to(NOTEBOOKS)
    papermill.execute_notebook(str(target), str(tmp_path / "executed.ipynb"), cwd=str(target.parent),
                               progress_bar=False, kernel_name="python3")
