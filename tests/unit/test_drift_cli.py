"""``mlops drift``: files in, report out, exit status on drift."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mlops_magics.cli import main
from mlops_magics.commands.drift import DRIFT_EXIT
from mlops_magics.drift import summarize


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"x": rng.normal(size=300), "c": rng.choice(list("ab"), 300)})
    cur = pd.DataFrame({"x": rng.normal(2, size=300), "c": rng.choice(list("ab"), 300, p=[.9, .1])})
    ref.to_csv(tmp_path / "ref.csv", index=False)
    cur.to_parquet(tmp_path / "cur.parquet")
    ref.to_parquet(tmp_path / "same.parquet")
    summarize(ref).save(tmp_path / "ref.json")
    return tmp_path


def test_reports_and_exit_codes(files, capsys):
    html, js = files / "r.html", files / "r.json"
    code = main(["drift", str(files / "ref.csv"), str(files / "cur.parquet"), "--html", str(html), "--json", str(js)])
    assert code == 0
    assert capsys.readouterr().out.startswith("Drift in 2 of 2 columns")
    assert html.read_text().startswith("<!doctype html>") and json.loads(js.read_text())["dataset_drift"]
    assert main(["drift", str(files / "ref.csv"), str(files / "cur.parquet"), "--fail-on-drift"]) == DRIFT_EXIT
    assert "Drift in 2 of 2" in capsys.readouterr().err
    assert main(["drift", str(files / "ref.csv"), str(files / "same.parquet"), "--fail-on-drift"]) == 0


def test_summary_reference_and_json_to_stdout(files, capsys):
    assert main(["drift", str(files / "ref.json"), str(files / "cur.parquet"), "--json", "-", "--method", "psi"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {c["test"] for c in out["columns"]} == {"psi"}


def test_bad_input_is_a_usage_error(files, capsys):
    assert main(["drift", str(files / "nope.csv"), str(files / "cur.parquet")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mlops drift: no file at") and err.count("\n") == 1
    assert main(["drift", str(files / "ref.csv"), str(files / "ref.json")]) == 2
