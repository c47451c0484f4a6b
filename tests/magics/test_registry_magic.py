"""%mlops register / promote / models / load / rollback on a real InteractiveShell, checked through MlflowClient."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from mlops_magics.registry import GateFailed, PromotionRefused
from mlops_magics.render.formatters import html as html_of

TRAIN = """%%mlops track --run-name {run_name} --no-autolog
C = {C}
clf = make_pipeline(StandardScaler(), LogisticRegression(C=C)).fit(X, y)
accuracy = float({accuracy})  # computed: logged as a metric
"""


@pytest.fixture
def trained(ip):
    ip.run_cell(
        "import numpy as np, pandas as pd\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.pipeline import make_pipeline\n"
        "from sklearn.preprocessing import StandardScaler\n"
        "rng = np.random.default_rng(1)\n"
        "X = pd.DataFrame({'a': rng.normal(size=40), 'b': rng.normal(size=40)})\n"
        "y = (X.a > 0).astype(int)\n"
    )
    return ip


def _run_named(client, name):
    exps = [e.experiment_id for e in client.search_experiments()]
    (run,) = client.search_runs(exps, filter_string=f"attributes.run_name = '{name}'")
    return run


def test_register_promote_load_rollback_from_cells(trained, mlflow_client):
    ip = trained
    ip.run_cell(TRAIN.format(run_name="first", C=1.0, accuracy=0.9))
    first_run = _run_named(mlflow_client, "first")
    ip.run_cell("%mlops register clf --name churn --gate 'accuracy >= 0.85' --input-example X --alias champion")
    mv = mlflow_client.get_model_version("churn", "1")
    assert mv.run_id == first_run.info.run_id  # the training cell's run, found from the variable
    assert mv.tags["mlops.gates"] == "accuracy >= 0.85 (0.9)"

    ip.run_cell(TRAIN.format(run_name="second", C=0.5, accuracy=0.8))
    with pytest.raises(GateFailed, match=r"gate failed, nothing registered: accuracy = 0.8, needs >= 0.85"):
        ip.run_cell("%mlops register clf --name churn --gate 'accuracy >= 0.85'")
    assert len(mlflow_client.search_model_versions("name = 'churn'")) == 1

    ip.run_cell("reg = %mlops register clf --name churn --alias challenger --description 'C=0.5'")
    assert ip.user_ns["reg"].version == "2"
    with pytest.raises(PromotionRefused, match="it falls short by 0.1"):
        ip.run_cell("%mlops promote churn@challenger --to champion --if-better accuracy")
    ip.run_cell("promo = %mlops promote churn@challenger --to champion --if-better -accuracy --reason 'why not'")
    assert ip.user_ns["promo"].to_version == "2"
    ip.run_cell("model = %mlops load churn@champion")
    assert type(ip.user_ns["model"]).__name__ == "Pipeline"
    ip.run_cell("pred = model.predict(X)")
    assert len(ip.user_ns["pred"]) == 40

    ip.run_cell("back = %mlops rollback churn --alias champion")
    assert str(mlflow_client.get_model_version_by_alias("churn", "champion").version) == "1"
    ip.run_cell("table = %mlops models churn")
    assert [r["version"] for r in ip.user_ns["table"].rows] == ["v2", "v1"]
    ip.run_cell("hist = %mlops models churn --history --alias champion")
    assert [e.action for e in ip.user_ns["hist"]] == ["register", "promote", "rollback"]
    ip.run_cell("all_models = %mlops models")
    assert [r["name"] for r in ip.user_ns["all_models"].rows] == ["churn"]


@pytest.mark.parametrize("line, message", [
    ("%mlops register nope --name m", "no variable named 'nope'"),
    ("%mlops register three --name m", "'three' is a int with no predict()"),
    ("%mlops register clf", "the following arguments are required: --name"),
    ("%mlops register clf --name m --gate 'accuracy ~ 1'", "malformed; write METRIC OP NUMBER"),
    ("%mlops register clf --name m --alias v1", "'v1' is reserved"),
    ("%mlops promote m --to champion", "not a model reference"),
    ("%mlops promote nosuch@v1 --to champion", "no registered model named 'nosuch'"),
    ("%mlops promote m@v1 --to latest", "'latest' is reserved"),
    ("%mlops load nosuch@champion", "no registered model named 'nosuch'"),
    ("%mlops rollback m", "the following arguments are required: --alias"),
    ("%mlops models --history", "--history needs a model name"),
])
def test_bad_input_raises_usage_error(trained, line, message):
    trained.run_cell("three = 3\nclf = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)")
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        trained.run_cell(line)


def test_register_outside_tracked_cells_uses_a_new_run(trained, mlflow_client):
    ip = trained
    ip.run_cell("clf = LogisticRegression().fit(X, y)")
    with pytest.raises(UsageError, match="a gate needs the training run's metrics"):
        ip.run_cell("%mlops register clf --name plain --gate 'accuracy > 0.5'")
    ip.run_cell("reg = %mlops register clf --name plain --input-example X")
    reg = ip.user_ns["reg"]
    assert reg.new_run and reg.has_signature
    assert "plain" in html_of(reg) and "v1" in repr(reg)
