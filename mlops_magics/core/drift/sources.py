"""Turn a REF / CUR argument into a DataFrame or a stored reference summary.

Accepted, in this order: an existing file (CSV / TSV / Parquet, or a ``.json`` reference summary, the latter
for the reference only), then a data version ``NAME@REF`` resolved through :mod:`mlops_magics.core.datastore`
(imported only then). A module of ours that stores reference summaries with other things (a model version)
can offer ``drift_reference(spec) -> ReferenceSummary | DataFrame | None``; it is asked when the data store
does not know the name.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from ..errors import MlopsUsageError, NotFound
from ..backend.table_files import is_table_path, read_table
from .summary import ReferenceSummary

__all__ = ["coerce_source", "load_source"]

# Modules asked, in order, for `drift_reference(spec)` when the data store does not know a NAME@REF.
REFERENCE_PROVIDERS = ("mlops_magics.core.registry",)


def coerce_source(value: Any, side: str, spec: str = "") -> Any:
    """A DataFrame, Series or summary as is; a path or a dict read; anything else a one-line error."""
    import pandas as pd

    if isinstance(value, (pd.DataFrame, ReferenceSummary)):
        if isinstance(value, ReferenceSummary) and side != "reference":
            raise MlopsUsageError(f"{spec or 'the current data'} is a reference summary; the current side needs rows")
        return value
    if isinstance(value, pd.Series):
        return value.to_frame()
    if isinstance(value, dict) and value.get("format", "").startswith("mlops_magics.drift.summary"):
        return coerce_source(ReferenceSummary.from_dict(value), side, spec)
    if isinstance(value, (str, Path)):
        return load_source(str(value), side)
    raise MlopsUsageError(
        f"{spec or 'the ' + side} is a {type(value).__name__}; give a DataFrame, a CSV/Parquet path or a data version NAME@REF")


def _from_data_version(spec: str, side: str) -> Any:
    from .. import datastore  # beside drift in the same layer (``datastore : drift`` in pyproject)

    try:
        if side == "reference":
            summary = datastore.reference_summary(spec)  # scored without re-reading the rows
            if summary is not None:
                return summary
        return coerce_source(datastore.load(spec), side, spec)
    except NotFound:
        if side != "reference":
            raise
        for name in REFERENCE_PROVIDERS:  # layers above drift, asked by name
            found = importlib.import_module(name).drift_reference(spec)
            if found is not None:
                return coerce_source(found, side, spec)
        raise


def _is_file(path: Path, any_kind: bool = False) -> bool:
    """Whether ``path`` is a file (or anything, with ``any_kind``); a name too long for one is not."""
    try:
        return path.exists() if any_kind else path.is_file()
    except OSError:  # a name longer than the file system allows, a component that is a file, ...
        return False


def load_source(spec: str, side: str) -> Any:
    """A DataFrame (or, for the reference, a :class:`ReferenceSummary`) from a path or ``NAME@REF``."""
    path = Path(spec).expanduser()
    if path.suffix.lower() == ".json":
        if side != "reference":
            raise MlopsUsageError(f"'{spec}' is a JSON file; only the reference can be a stored summary")
        return ReferenceSummary.load(path)
    if _is_file(path) or is_table_path(spec):
        return read_table(path)
    if "@" in spec and "/" not in spec.split("@", 1)[0]:
        return _from_data_version(spec, side)
    if _is_file(path, any_kind=True):
        raise MlopsUsageError(f"'{spec}' is not a table file; use a .csv, .tsv or .parquet file")
    raise MlopsUsageError(
        f"'{spec}' is not a variable, a file (CSV/Parquet, or a JSON summary for the reference) or a data version NAME@REF")
