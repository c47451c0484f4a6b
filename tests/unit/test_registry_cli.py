"""``mlops models / promote / rollback / history``: exit 0 done, 1 refused, 2 bad input (embedded store)."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from mlops_magics import registry, track
from mlops_magics.cli import main


def test_cli_exit_codes_and_output(mlops_home, capsys):
    X = np.arange(20.0).reshape(-1, 2)
    model = LogisticRegression().fit(X, (X[:, 0] > 9).astype(int))
    for accuracy in (0.9, 0.8):
        with track(run_name=f"acc-{accuracy}", capture_env=False) as run:
            run.log_metrics({"accuracy": accuracy, "rmse": accuracy - 0.5})
        registry.register(model, "cli-churn", run=run.run_id)
    assert main(["promote", "cli-churn@v1", "--to", "champion"]) == 0
    capsys.readouterr()
    assert main(["promote", "cli-churn@v2", "--to", "champion", "--if-better", "accuracy"]) == 1
    captured = capsys.readouterr()
    assert "not promoted" in captured.err and "falls short by 0.1" in captured.err
    assert "metric accuracy: 0.8 vs 0.9" in captured.out  # the comparison is printed before the refusal
    assert main(["promote", "cli-churn@v2", "--to", "champion", "--if-better", "-rmse", "--reason", "ci"]) == 0
    assert "promoted cli-churn v2 to @champion" in capsys.readouterr().out
    assert main(["rollback", "cli-churn", "--alias", "champion"]) == 0
    assert main(["history", "cli-churn", "--alias", "champion"]) == 0
    out = capsys.readouterr().out
    assert "promote cli-churn@champion v1 -> v2: ci" in out and "rollback cli-churn@champion v2 -> v1" in out
    assert main(["models"]) == 0 and "cli-churn" in capsys.readouterr().out
    assert main(["models", "cli-churn"]) == 0 and "champion" in capsys.readouterr().out
    assert main(["promote", "cli-churn@v9", "--to", "champion"]) == 2
    assert "no version v9; its versions: v1, v2" in capsys.readouterr().err
    assert main(["promote", "cli-churn@v1", "--to", "latest"]) == 2
