"""Data versioning from Python: the same engine as ``%mlops data`` and ``mlops data``.

    from mlops_magics import data
    data.add("data/train.csv", message="first cut")   # train@v1
    data.add(df, name="features")                     # a DataFrame snapshot
    df = data.load("train@v1")
    data.diff("train@v1", "train@latest")
    data.gc(dry_run=True)                             # what unreferenced chunks would free

Long operations take ``progress=``: pass ``mlops_magics.progress.TqdmProgress()`` for a progress bar.
"""

from __future__ import annotations

from .core.datastore.api import (add, checkout, diff, gc, lineage, list_datasets, load, log, pull, push, verify,
                                 version_lineage)

list = list_datasets  # noqa: A001 - `data.list()` mirrors `%mlops data list`

__all__ = ["add", "checkout", "diff", "gc", "lineage", "list", "list_datasets", "load", "log", "pull", "push",
           "verify", "version_lineage"]
