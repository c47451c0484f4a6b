"""Every notebook in notebooks/ runs headlessly with papermill, on a fresh embedded store
(``churn/production.ipynb`` in test_production_example.py, with assertions on what it did).

The notebooks are copied without anything a run leaves behind (``mlops run`` writes
``notebooks/churn/data/`` and ``pipeline.lock``; Jupyter writes ``.ipynb_checkpoints/``): each test
starts from what a fresh clone holds, whatever the main job or a developer ran before.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
LEFTOVERS = ("data", "*.lock", ".*.running", ".ipynb_checkpoints", "__pycache__", "*.executed.ipynb", ".mlops")
# executed once by test_production_example.py, which asserts on what it did (a server, a retraining: slow)
OWN_TEST = {Path("churn/production.ipynb")}
ALL = sorted(p for p in NOTEBOOKS.rglob("*.ipynb")
             if not {".ipynb_checkpoints", "data"} & set(p.relative_to(NOTEBOOKS).parts)
             and not p.name.endswith(".executed.ipynb") and p.relative_to(NOTEBOOKS) not in OWN_TEST)

pytestmark = pytest.mark.kernel


def failure_text(error: BaseException, executed: Path) -> str:
    """Why a notebook failed: the error's name and message and the failing cell's source.

    papermill's own message is only 'Exception encountered at "In [5]"'. A magic's ``UsageError``
    leaves no error output (papermill calls it a 'CellExecutionError' with no message), only text on
    stderr, which stands in for the message then.
    """
    name, message = getattr(error, "ename", type(error).__name__), getattr(error, "evalue", str(error))
    stderr = _stderr_of_failed_cell(executed)
    if not str(message).strip() and stderr:
        name, message = "", stderr
    where = f'cell "In [{error.exec_count}]"' if getattr(error, "exec_count", None) else "a cell"
    head = f"{name}: {message}" if name else str(message)
    return f"{head}\nin {where}:\n{getattr(error, 'source', '')}".rstrip()


def _stderr_of_failed_cell(executed: Path) -> str:
    import nbformat

    if not executed.exists():
        return ""
    for cell in nbformat.read(executed, as_version=4).cells:
        if (cell.get("metadata", {}).get("papermill") or {}).get("exception") is True:
            return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stderr").strip()
    return ""


def execute_copy(notebook: Path, tmp_path: Path, **parameters) -> Path:
    """Execute ``notebook`` in a fresh copy of notebooks/ under ``tmp_path`` (its folder the working
    directory); the executed notebook, or the test fails with the error and the failing cell."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    work = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, work, ignore=shutil.ignore_patterns(*LEFTOVERS))
    target = work / notebook.relative_to(NOTEBOOKS)
    executed = tmp_path / "executed.ipynb"
    try:
        papermill.execute_notebook(str(target), str(executed), parameters=parameters or None, cwd=str(target.parent),
                                   progress_bar=False, kernel_name="python3")
    except PapermillExecutionError as error:
        pytest.fail(failure_text(error, executed), pytrace=False)
    return executed


@pytest.mark.parametrize("notebook", ALL, ids=[str(p.relative_to(NOTEBOOKS)) for p in ALL])
def test_notebook_executes(notebook, mlops_home, tmp_path):
    executed = execute_copy(notebook, tmp_path)
    if notebook.name == "01_quickstart.ipynb":
        _prose_names_what_the_card_shows(executed)


def _prose_names_what_the_card_shows(executed: Path) -> None:
    """The quickstart's last words point at a line of the run card: that line is on the card."""
    import nbformat

    cells = nbformat.read(executed, as_version=4).cells
    stop = next(i for i, c in enumerate(cells) if c.cell_type == "code" and c.source.strip() == "%mlops stop")
    prose = next(c.source for c in reversed(cells[:stop]) if c.cell_type == "markdown")
    card = "".join(o.get("data", {}).get("text/html", "") for o in cells[stop].outputs)
    assert "`MLflow UI:`" in prose and "MLflow UI:" in card, (prose, card[:2000])


def test_failure_text_names_the_error_and_the_cell(mlops_home, tmp_path):
    """What a failing notebook test prints, from real papermill failures: a raising cell, and a magic's
    ``UsageError`` (which leaves only stderr text)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from notebook_factory import write_nb

    write_nb(tmp_path / "bad.ipynb", None, "x = 1", "raise ValueError('the data is gone')")
    write_nb(tmp_path / "magic.ipynb", None, "%load_ext mlops_magics\n%mlops data load customers")
    texts = []
    for name in ("bad", "magic"):
        executed = tmp_path / f"{name}.out.ipynb"
        with pytest.raises(PapermillExecutionError) as info:
            papermill.execute_notebook(str(tmp_path / f"{name}.ipynb"), str(executed), progress_bar=False,
                                       kernel_name="python3", cwd=str(tmp_path))
        texts.append(failure_text(info.value, executed))
    bad, magic = texts
    assert bad.startswith('ValueError: the data is gone\nin cell "In [2]":'), bad
    assert bad.endswith("raise ValueError('the data is gone')"), bad
    assert magic.startswith("UsageError: no dataset named 'customers'"), magic
    assert magic.endswith('in cell "In [1]":\n%load_ext mlops_magics\n%mlops data load customers'), magic
