"""Data versioning from Python: the same engine as ``%mlops data`` and ``mlops data``.

    from mlops_magics import data
    data.add("data/train.csv", message="first cut")   # train@v1
    data.add(df, name="features")                     # a DataFrame snapshot
    df = data.load("train@v1")
    data.diff("train@v1", "train@latest")
"""

from __future__ import annotations

from .core.datastore.api import (add, checkout, diff, lineage, list_datasets, load, log, pull, push, verify,
                                 version_lineage)

list = list_datasets  # noqa: A001 - `data.list()` mirrors `%mlops data list`

__all__ = ["add", "checkout", "diff", "lineage", "list", "list_datasets", "load", "log", "pull", "push", "verify",
           "version_lineage"]
