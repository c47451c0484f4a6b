"""A notebook run in a headless execution (papermill, as a pipeline step runs) ends FAILED with the error when
a cell raises and papermill stops there; a raising cell that the notebook gets past leaves it FINISHED."""

from __future__ import annotations

import nbformat
import pytest

from notebook_factory import write_nb

pytestmark = pytest.mark.kernel


def _execute(path, out) -> None:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        papermill.execute_notebook(str(path), str(out), progress_bar=False, kernel_name="python3",
                                   cwd=str(path.parent))
    except PapermillExecutionError:
        pass


def _notebook_run(client, experiment: str):
    (run,) = client.search_runs([client.get_experiment_by_name(experiment).experiment_id],
                                "tags.`mlops.kind` = 'notebook'")
    return run


def test_a_raising_cell_fails_the_notebook_run(mlops_home, mlflow_client, tmp_path):
    write_nb(tmp_path / "fails.ipynb", None, "%load_ext mlops_magics\n%mlops track --experiment fails", "x = 1",
             "raise ValueError('the data is gone')", "print('never runs')")
    _execute(tmp_path / "fails.ipynb", tmp_path / "fails.out.ipynb")
    run = _notebook_run(mlflow_client, "fails")
    assert run.info.status == "FAILED"
    traceback = mlflow_client.download_artifacts(run.info.run_id, "traceback.txt", str(tmp_path))
    assert "ValueError: the data is gone" in open(traceback).read()

    # a cell that raised but the notebook went on (papermill's 'raises-exception' tag): it finished
    write_nb(tmp_path / "recovers.ipynb", None, "%load_ext mlops_magics\n%mlops track --experiment recovers",
             "raise ValueError('expected')", "print('goes on')")
    nb = nbformat.read(tmp_path / "recovers.ipynb", as_version=4)
    nb.cells[1].metadata["tags"] = ["raises-exception"]
    nbformat.write(nb, tmp_path / "recovers.ipynb")
    _execute(tmp_path / "recovers.ipynb", tmp_path / "recovers.out.ipynb")
    run = _notebook_run(mlflow_client, "recovers")
    assert run.info.status == "FINISHED"
    assert "traceback.txt" not in {a.path for a in mlflow_client.list_artifacts(run.info.run_id)}
