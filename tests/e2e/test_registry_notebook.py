"""A papermill-executed notebook registers and promotes; a failing gate fails the notebook at that cell,
with the gate message in its output (so a pipeline step fails there)."""

from __future__ import annotations

import nbformat
import pytest

pytestmark = pytest.mark.kernel

CELLS = [
    "%load_ext mlops_magics",
    "min_accuracy = 0.5",  # parameters
    "import numpy as np\n"
    "from sklearn.linear_model import LogisticRegression\n"
    "X = np.random.default_rng(0).normal(size=(50, 3))\n"
    "y = (X[:, 0] > 0).astype(int)",
    "%%mlops track --run-name train --no-autolog\n"
    "clf = LogisticRegression().fit(X, y)\n"
    "accuracy = clf.score(X, y)",
    "%mlops register clf --name nb-churn --gate \"accuracy >= {min}\" --input-example X --alias challenger",
    "%mlops promote nb-churn@challenger --to champion --if-better accuracy --reason \"from the notebook\"",
    "%mlops register clf --name nb-churn --gate \"accuracy >= 1.5\"",
    "print('not reached')",
]


def _notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for i, source in enumerate(CELLS):
        cell = nbformat.v4.new_code_cell(source.replace("{min}", "{min_accuracy}") if "{min}" in source else source)
        cell.metadata["tags"] = ["parameters"] if i == 1 else []
        nb.cells.append(cell)
    return nb


def test_notebook_registers_promotes_and_fails_on_gate(mlops_home, mlflow_client, tmp_path):
    import papermill
    from papermill.exceptions import PapermillExecutionError

    source = tmp_path / "register.ipynb"
    nbformat.write(_notebook(), source)
    out = tmp_path / "out.ipynb"
    with pytest.raises(PapermillExecutionError) as info:
        papermill.execute_notebook(str(source), str(out), parameters={"min_accuracy": 0.6},
                                   cwd=str(mlops_home.parent), progress_bar=False, kernel_name="python3")
    assert "accuracy >= 1.5" in info.value.source  # the notebook stopped at the failing gate
    assert info.value.ename == "GateFailed" and "needs >= 1.5" in info.value.evalue

    executed = nbformat.read(out, as_version=4)
    failing = next(c for c in executed.cells if "accuracy >= 1.5" in c.source)
    text = "".join(o.get("evalue", "") + "".join(o.get("traceback", [])) + o.get("text", "") for o in failing.outputs)
    assert "gate failed, nothing registered: accuracy = " in text and "needs >= 1.5" in text
    assert any(o.get("output_type") == "error" and o.get("ename") == "GateFailed" for o in failing.outputs)
    assert not any("not reached" in o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    promote_cell = next(c for c in executed.cells if c.source.startswith("%mlops promote"))
    assert any("promoted nb-churn v1 to @champion" in str(o.get("data", {})) for o in promote_cell.outputs)

    versions = mlflow_client.search_model_versions("name = 'nb-churn'")
    assert [str(v.version) for v in versions] == ["1"]  # the failing gate registered nothing
    assert str(mlflow_client.get_model_version_by_alias("nb-churn", "champion").version) == "1"
    assert "accuracy >= 0.6" in versions[0].tags["mlops.gates"]  # the injected parameter was used
