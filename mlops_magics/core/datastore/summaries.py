"""Drift reference summaries of tabular data versions, computed once and kept beside the objects.

``%mlops drift train@v1 CUR`` scores the current batch against ``data/summaries/<hash>.json``
(quantile edges, counts and category frequencies: :func:`mlops_magics.core.drift.summarize`)
instead of reading the reference rows again. A summary depends only on the content, so it is keyed
by the version's hash and shared by every version and name with that content.
"""

from __future__ import annotations

import json
from typing import Any

from .atomic import atomic_write_bytes
from .manifest import Version
from .repo import DataRepo

__all__ = ["summary_of"]


def summary_of(repo: DataRepo, name: str, version: Version) -> Any:
    """The version's ReferenceSummary (computed and stored on first use); None when not tabular."""
    from ..drift.summary import ReferenceSummary, summarize
    from .views import read_version

    if not version.format and version.kind != "dataframe":
        return None
    path = repo.paths.root / "summaries" / f"{version.hash}.json"
    if path.exists():
        return ReferenceSummary.load(path)
    value = read_version(repo, name, version)
    import pandas as pd

    if not isinstance(value, pd.DataFrame):
        return None
    summary = summarize(value, source=f"{name}@v{version.version}")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, json.dumps(summary.to_dict()).encode("utf-8"))
    return summary
