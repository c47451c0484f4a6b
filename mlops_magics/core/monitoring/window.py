"""The window of captured traffic a check scores: the newest N rows, or the rows of the last hour / day.

Traffic is a dataset of the data store whose versions are closed partitions (Parquet), read only through
the store's public API (:mod:`mlops_magics.core.datastore.api`). A window of rows reads the newest
versions until it has enough rows (the manifest knows each version's row count, so no version is read for
nothing); a window of time skips every version closed before the window began. The window's identity is
the list of versions it covers (number and content hash): the same versions, the same window.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
import time
from dataclasses import dataclass, field
from typing import Any

from ..errors import MlopsUsageError
from ..backend.traffic import TIMESTAMP
from .durations import duration_label, parse_duration

__all__ = ["Window", "WindowSpec", "load_version", "parse_window", "read_window", "timestamps", "version_time"]

DEFAULT_WINDOW = "5000"
_ROWS = re.compile(r"^\s*(\d[\d_,]*)\s*(rows?)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class WindowSpec:
    """The newest ``rows`` rows, or the rows of the last ``seconds``."""

    rows: int | None = None
    seconds: float | None = None

    def __str__(self) -> str:
        return f"last {self.rows:,} rows" if self.rows is not None else f"last {duration_label(self.seconds or 0)}"


def parse_window(text: str | int | WindowSpec) -> WindowSpec:
    """``5000`` (rows) or ``10m`` / ``24h`` / ``7d`` (time)."""
    if isinstance(text, WindowSpec):
        return text
    match = _ROWS.match(str(text))
    if match is not None:
        rows = int(match.group(1).replace("_", "").replace(",", ""))
        if rows < 1:
            raise MlopsUsageError(f"--window {text}: give at least one row")
        return WindowSpec(rows=rows)
    try:
        return WindowSpec(seconds=parse_duration(text, "--window"))
    except MlopsUsageError:
        raise MlopsUsageError(f"--window '{text}': give a number of rows (5000) or a time (30m, 24h, 7d)") from None


@dataclass
class Window:
    """The rows of one window and which versions of the traffic dataset they came from."""

    traffic: str
    spec: WindowSpec
    frame: Any  # pandas DataFrame (empty when no traffic fell in the window)
    versions: list[int] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)
    first: str | None = None  # ISO time of the oldest / newest row, when rows carry a timestamp
    last: str | None = None

    @property
    def rows(self) -> int:
        return 0 if self.frame is None else len(self.frame)

    @property
    def label(self) -> str:
        """``churn-traffic@v3..v7``."""
        if not self.versions:
            return f"{self.traffic} (no versions)"
        lo, hi = self.versions[0], self.versions[-1]
        return f"{self.traffic}@v{lo}" if lo == hi else f"{self.traffic}@v{lo}..v{hi}"

    @property
    def identity(self) -> str:
        """A short digest of the versions covered (number and content hash of each)."""
        text = self.traffic + "\0" + ";".join(f"{v}:{h}" for v, h in zip(self.versions, self.hashes))
        return hashlib.sha1(text.encode()).hexdigest()[:12]

    def describe(self) -> dict[str, Any]:
        """What a record keeps of the window."""
        return {"traffic": self.traffic, "spec": str(self.spec), "label": self.label, "id": self.identity,
                "versions": self.versions, "rows": self.rows, "first": self.first, "last": self.last}


def timestamps(frame: Any) -> Any:
    """The rows' timestamps as UTC datetimes (numbers read as epoch seconds), or None without the column."""
    import pandas as pd

    if frame is None or TIMESTAMP not in frame.columns:
        return None
    s = frame[TIMESTAMP]
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s.dt.tz_convert("UTC") if getattr(s.dtype, "tz", None) is not None else s.dt.tz_localize("UTC")
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return pd.to_datetime(s, unit="s", utc=True, errors="coerce")
    return pd.to_datetime(s, utc=True, errors="coerce", format="mixed")


def version_time(version: Any) -> float:
    try:
        return _dt.datetime.strptime(version.created, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=_dt.timezone.utc).timestamp()
    except (TypeError, ValueError):
        return float("inf")  # unknown: never skipped by a time window


def load_version(spec: str) -> Any:
    """One version as a DataFrame, through the data store's API, text columns as Arrow strings.

    Captured traffic is mostly text by count of bytes (request ids, categories): Arrow-backed strings read
    about twice as fast as Python objects and count faster, and the drift engine reads both the same way.
    """
    from ..datastore import api

    with _arrow_strings():
        return api.load(spec, run=None)


def _arrow_strings() -> Any:
    import contextlib

    import pandas as pd

    try:
        pd.get_option("future.infer_string")
    except (KeyError, AttributeError):  # pandas before 2.1: Python strings
        return contextlib.nullcontext()
    return pd.option_context("future.infer_string", True)


def _tabular(traffic: str, versions: list[Any]) -> list[Any]:
    for v in versions:
        if not v.format and v.kind != "dataframe":
            raise MlopsUsageError(f"{traffic}@v{v.version} is not a table (a {v.kind}); captured traffic is "
                                  "a dataset of Parquet or CSV versions")
    return versions


def _pick(versions: list[Any], spec: WindowSpec, now: float) -> list[Any]:
    """The versions that may hold rows of the window, oldest first."""
    if spec.rows is not None:
        picked, total = [], 0
        for v in reversed(versions):
            picked.append(v)
            total += v.rows if v.rows is not None else spec.rows  # unknown size: read it, then trim
            if total >= spec.rows:
                break
        return list(reversed(picked))
    cutoff = now - (spec.seconds or 0)
    return [v for v in versions if version_time(v) >= cutoff]


def read_window(traffic: str, spec: WindowSpec | str, *, now: float | None = None) -> Window:
    """The rows of ``traffic``'s newest window (``spec``), through the data store's public API."""
    import pandas as pd

    from ..datastore import api

    spec = parse_window(spec)
    now = time.time() if now is None else now
    versions = _tabular(traffic, list(api.log(traffic).versions))
    picked = _pick(versions, spec, now)
    window = Window(traffic, spec, pd.DataFrame())
    if not picked:
        return window
    parts = [load_version(f"{traffic}@v{v.version}") for v in picked]
    sizes = [len(p) for p in parts]
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    stamps = timestamps(frame)
    keep = None
    if spec.seconds is not None:
        if stamps is not None:
            keep = (stamps >= pd.Timestamp(now - spec.seconds, unit="s", tz="UTC")).to_numpy()
    elif len(frame) > spec.rows:
        import numpy as np

        if stamps is not None and not stamps.is_monotonic_increasing:
            order = np.argsort(stamps.to_numpy(dtype="datetime64[ns]"), kind="stable")
            keep = np.zeros(len(frame), dtype=bool)
            keep[order[-spec.rows:]] = True
        else:
            keep = np.zeros(len(frame), dtype=bool)
            keep[-spec.rows:] = True
    if keep is not None:
        import numpy as np

        origin = np.repeat(np.arange(len(picked)), sizes)  # row -> index of its version
        picked = [picked[i] for i in np.unique(origin[keep])]
        frame = frame.loc[keep].reset_index(drop=True)
        stamps = stamps[keep].reset_index(drop=True) if stamps is not None else None
    window.frame, window.versions, window.hashes = frame, [v.version for v in picked], [v.hash for v in picked]
    if stamps is not None and len(frame) and stamps.notna().any():
        window.first = stamps.min().isoformat(timespec="seconds")
        window.last = stamps.max().isoformat(timespec="seconds")
    return window
