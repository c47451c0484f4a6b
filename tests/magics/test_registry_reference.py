"""A drift reference stored with a model version: %mlops drift NAME@ALIAS CUR scores against it."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

SETUP = """
import numpy as np, pandas as pd
from sklearn.linear_model import LogisticRegression
rng = np.random.default_rng(0)
train = pd.DataFrame({"tenure": rng.normal(20, 5, 3000), "plan": rng.choice(["a", "b", "c"], 3000)})
same = pd.DataFrame({"tenure": rng.normal(20, 5, 2000), "plan": rng.choice(["a", "b", "c"], 2000)})
shifted = pd.DataFrame({"tenure": rng.normal(35, 5, 2000), "plan": rng.choice(["a", "b"], 2000)})
y = (train["tenure"] > 20).astype(int)
"""


def test_reference_stored_with_version_scores_batches(ip, mlflow_client):
    ip.run_cell(SETUP)
    ip.run_cell("%%mlops track --run-name fit --no-autolog\nclf = LogisticRegression().fit(train[['tenure']], y)\n"
                "accuracy = clf.score(train[['tenure']], y)\n")
    ip.run_cell("%mlops register clf --name churn-ref --alias champion --reference train")
    version = mlflow_client.get_model_version("churn-ref", "1")
    assert version.tags["mlops.drift_reference"] == "drift_reference/reference.json"
    ok = ip.run_line_magic("mlops", "drift churn-ref@champion same")
    bad = ip.run_line_magic("mlops", "drift churn-ref@champion shifted")
    assert not ok.dataset_drift
    assert bad.dataset_drift
    assert set(bad.table["column"]) == {"tenure", "plan"}


def test_version_without_reference_says_how_to_add_one(ip):
    ip.run_cell(SETUP)
    ip.run_cell("%%mlops track --run-name fit --no-autolog\nclf = LogisticRegression().fit(train[['tenure']], y)\n")
    ip.run_cell("%mlops register clf --name plain-model")
    with pytest.raises(UsageError, match="has no stored drift reference; register it with --reference"):
        ip.run_line_magic("mlops", "drift plain-model@v1 same")
