"""Our ``auto`` verdicts agree with Evidently's DataDriftPreset wherever both run the same test.

Same test means: KS (numeric, reference <= 1000), normed Wasserstein (numeric, larger references),
Jensen-Shannon (categorical, larger references) and, for two categories, Evidently's two-proportion Z-test,
which equals our chi-square of the 2 x 2 table. (For more than two categories on small references Evidently
runs a goodness-of-fit chi-square while we run the homogeneity test; see ``categorical.py``.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlops_magics.drift import compare

EVIDENTLY_TESTS = {"K-S p_value": "ks", "Wasserstein distance (normed)": "wasserstein",
                   "Jensen-Shannon distance": "jensenshannon", "Z-test p_value": "chi2",
                   "chi-square p_value": "chi2"}


def _evidently(ref: pd.DataFrame, cur: pd.DataFrame) -> dict[str, tuple[str, float, bool]]:
    from evidently import Report
    from evidently.presets import DataDriftPreset

    out = {}
    for m in Report([DataDriftPreset()]).run(cur, ref).dict()["metrics"]:
        cfg = m["config"]
        if not cfg["type"].endswith("ValueDrift"):
            continue
        test = EVIDENTLY_TESTS[cfg["method"]]
        value = m["value"]
        drift = value < cfg["threshold"] if test in ("ks", "chi2") else value >= cfg["threshold"]
        out[cfg["column"]] = (cfg["method"], value, bool(drift))
    return out


def _scenario(name: str, n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    def frame(shift=0.0, weights=(0.5, 0.3, 0.2), p_yes=0.5, missing=0.0):
        df = pd.DataFrame({
            "num1": rng.normal(shift, 1, n), "num2": rng.exponential(1 + shift, n),
            "num3": rng.normal(0, 1, n), "cat3": rng.choice(["a", "b", "c"], n, p=list(weights)),
            "yes_no": rng.choice(["yes", "no"], n, p=[p_yes, 1 - p_yes]),
        })
        if missing:
            for col in ("num1", "num2"):
                df.loc[rng.random(n) < missing, col] = np.nan
        return df

    ref = frame()
    cur = {
        "no drift": lambda: frame(),
        "shifted means": lambda: frame(shift=0.6),
        "reweighted categories": lambda: frame(weights=(0.2, 0.3, 0.5), p_yes=0.8),
        "added missing values": lambda: frame(missing=0.3),
    }[name]()
    return ref, cur


@pytest.mark.parametrize("n", [600, 4000])
@pytest.mark.parametrize("scenario", ["no drift", "shifted means", "reweighted categories", "added missing values"])
def test_auto_verdicts_agree_with_evidently(scenario, n):
    rng = np.random.default_rng([n, len(scenario)])
    ref, cur = _scenario(scenario, n, rng)
    ours = compare(ref, cur).table.set_index("column")
    theirs = _evidently(ref, cur)
    compared = 0
    for column, (method, value, drift) in theirs.items():
        row = ours.loc[column]
        same_test = EVIDENTLY_TESTS[method] == row["test"] and method != "chi-square p_value"
        if not same_test:
            continue
        compared += 1
        ours_value = row["p_value"] if row["test"] in ("ks", "chi2") else row["statistic"]
        assert ours_value == pytest.approx(value, rel=1e-6, abs=1e-9), (column, method)
        assert bool(row["drift"]) == drift, (scenario, column, method, value)
    assert compared >= 4  # the three numeric columns and yes_no at least
