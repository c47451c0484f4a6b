"""``%mlops validate ... --fail`` in a notebook run by papermill (a pipeline step) fails the step, with the
report and a real QualityFailed error in the executed notebook; clean data passes it."""

from __future__ import annotations

import textwrap

import nbformat
import pytest

from mlops_magics.cli import main
from notebook_factory import write_nb
from traffic_factory import FEATURES, customers, serve_champion

pytestmark = pytest.mark.kernel


def test_validate_with_fail_gates_a_pipeline_step(mlops_home, capsys):
    root = mlops_home.parent
    serve_champion()
    clean = customers(1000, 1)[FEATURES]
    clean.to_parquet(root / "clean.parquet", index=False)
    broken = clean.copy()
    broken.loc[:299, "charges"] = None
    broken.to_parquet(root / "broken.parquet", index=False)
    write_nb(root / "check.ipynb", "batch_path = 'clean.parquet'",
             "%load_ext mlops_magics\nimport pandas as pd\nbatch = pd.read_parquet(batch_path)",
             "%mlops validate batch --against churn@champion --fail",
             "open('scored.txt', 'w').write('the step went on')")
    (root / "p.yaml").write_text(textwrap.dedent("""
        name: gate
        steps:
          check: {notebook: check.ipynb}
        """))

    assert main(["run", str(root / "p.yaml"), "-p", "batch_path=broken.parquet", "--quiet"]) == 1
    _, err = capsys.readouterr()
    assert "check  FAILED: cell 4: QualityFailed: data quality of batch against churn@champion: 1 issue: " \
           "charges: nulls (30.0% missing, reference 0.0%)" in err, err
    assert not (root / "scored.txt").exists()
    from mlops_magics.pipeline import status

    executed = nbformat.read(status(str(root / "p.yaml"))["check"].executed, as_version=4)
    (failing,) = [c for c in executed.cells if c.source.startswith("%mlops validate")]
    kinds = {o.get("output_type"): o for o in failing.outputs}
    assert kinds["error"]["ename"] == "QualityFailed"
    assert 'class="mlops-quality"' in kinds["display_data"]["data"]["text/html"]  # the report stays visible

    assert main(["run", str(root / "p.yaml"), "--quiet"]) == 0
    assert (root / "scored.txt").read_text() == "the step went on"
