"""Production traffic for monitoring tests, in the shape the model server's ``--capture NAME`` writes it.

Customers (two numbers, one category) with a churn label from a logistic mechanism; a served model; and
captured partitions added as versions of a dataset through the data store's public API, each row with a
request id, a timestamp, the prediction and the model version; late labels as a second dataset keyed by
request id.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mlops_magics.core.datastore import api
from mlops_magics.core.backend.traffic import LABEL_KEY, MODEL_VERSION, PREDICTION, REQUEST_ID, TIMESTAMP

FEATURES = ["tenure", "charges", "plan"]
PLANS = ["basic", "plus", "pro"]


def customers(n: int, seed: int, shift: float = 0.0, noise: float = 0.0) -> pd.DataFrame:
    """``n`` customers; ``shift`` moves every feature; ``noise`` flips that share of the labels."""
    rng = np.random.default_rng(seed)
    tenure = rng.gamma(2.0, 12.0 / (1 + shift), n).round(1)
    charges = rng.normal(60 + 25 * shift, 12, n).round(2)
    weights = np.array([0.5 - 0.3 * min(shift, 1), 0.3, 0.2 + 0.3 * min(shift, 1)])
    plan = rng.choice(PLANS, n, p=weights / weights.sum())
    logit = -0.08 * (tenure - 24) + 0.06 * (charges - 60) + 0.8 * (plan == "pro")
    churn = (logit + rng.logistic(0, 0.6, n) > 0).astype(int)
    flip = rng.random(n) < noise
    churn[flip] = 1 - churn[flip]
    return pd.DataFrame({"tenure": tenure, "charges": charges, "plan": plan, "churn": churn})


def fit(frame: pd.DataFrame):
    """The served model: a one-hot + logistic regression pipeline on the raw features."""
    from sklearn.compose import make_column_transformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    model = make_pipeline(
        make_column_transformer((OneHotEncoder(handle_unknown="ignore"), ["plan"]), remainder="passthrough"),
        LogisticRegression(max_iter=1000))
    return model.fit(frame[FEATURES], frame["churn"])


def serve_champion(name: str = "churn", seed: int = 0, noise: float = 0.3):
    """Register a model as ``name@champion`` with its training features as the drift reference."""
    from mlops_magics import registry, track

    train = customers(3000, seed, noise=noise)
    model = fit(train)
    with track(run_name="train", capture_env=False) as run:
        run.log_metric("accuracy", float(model.score(train[FEATURES], train["churn"])))
    registry.register(model, name, run=run.run_id, alias="champion", reference=train[FEATURES])
    return model


def capture(folder: Path, traffic: str, model, frame: pd.DataFrame, part: int, version: str = "1",
            at: pd.Timestamp | None = None) -> pd.DataFrame:
    """Serve ``frame`` and add the captured rows as the next version of ``traffic``; returns them."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = frame[FEATURES].copy()
    rows[REQUEST_ID] = [f"p{part}-{i}" for i in range(len(frame))]
    rows[TIMESTAMP] = (at or pd.Timestamp.now(tz="UTC")) + pd.to_timedelta(np.arange(len(frame)), unit="ms")
    rows[PREDICTION] = model.predict(frame[FEATURES])
    rows[MODEL_VERSION] = version
    path = folder / f"{traffic}-{part}.parquet"
    rows.to_parquet(path, index=False)
    api.add(str(path), name=traffic, run=None)
    return rows


def label(folder: Path, labels: str, captured: pd.DataFrame, truth: pd.Series, part: int,
          fraction: float = 1.0) -> pd.DataFrame:
    """Late labels for the first ``fraction`` of ``captured`` rows, added as the next version of ``labels``."""
    n = int(round(len(captured) * fraction))
    table = pd.DataFrame({LABEL_KEY: captured[REQUEST_ID].iloc[:n].to_numpy(), "churn": truth.iloc[:n].to_numpy()})
    path = folder / f"{labels}-{part}.parquet"
    table.to_parquet(path, index=False)
    api.add(str(path), name=labels, run=None)
    return table
