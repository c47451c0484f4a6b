"""Data drift from Python: ``mlops_magics.drift.compare(reference, current, ...)``.

>>> from mlops_magics.drift import compare, summarize
>>> result = compare(train_df, live_df, target="label")
>>> result.table            # one row per column: test, statistic, p-value, PSI, effect size, drift
>>> result.dataset_drift    # True when at least half of the columns drift
>>> result.with_threshold(0.2)   # re-judged at another threshold, nothing recomputed
>>> summarize(train_df).save("train.drift.json")   # score later batches without the reference rows
"""

from __future__ import annotations

from .core.drift import DriftDetected, DriftResult, ReferenceSummary, compare, summarize

__all__ = ["DriftDetected", "DriftResult", "ReferenceSummary", "compare", "summarize"]
