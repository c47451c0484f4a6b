"""``%mlops runs --plot METRIC [--by PARAM,...]``: a metric against parameters over the listed runs.

:func:`plot_runs` picks the runs the way ``%mlops runs`` lists them and returns a :class:`RunPlot`: the
runs that have the metric, the parameters on the axes (``--by``, else those whose values differ, at most
:data:`MAX_AXES`), which of them are numbers, and the best run. Which end is best: ``-rmse`` says lowest,
``+accuracy`` highest; a bare name is lowest for losses and errors (``loss``, ``rmse``, ``mae``, ...),
else highest. Its HTML (a scatter for one parameter, parallel coordinates for several, bars for none)
is drawn by :mod:`mlops_magics.render.run_charts`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import MlopsUsageError
from ..formatting import format_value

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["MAX_AXES", "RunPlot", "lower_is_better", "plot_runs"]

MAX_AXES = 6
_LOWER = re.compile(r"(loss|error|rmse|rmsle|mse|mae|mape|l1|l2|huber|perplexity|wer|cer|latency|time|duration)"
                    r"($|[^a-z])", re.I)


def lower_is_better(metric: str) -> tuple[str, bool]:
    """``-rmse`` -> (rmse, True); ``+accuracy`` -> (accuracy, False); a bare name by what it measures."""
    raw = (metric or "").strip()
    name = raw.lstrip("+-").strip()
    if not name or any(c in name for c in "`'\""):
        raise MlopsUsageError(f"--plot '{metric}': give a metric name, '-rmse' for lowest best, '+accuracy' "
                              "for highest best")
    if raw.startswith("-"):
        return name, True
    if raw.startswith("+"):
        return name, False
    return name, bool(_LOWER.search(name.split(".")[-1].split("/")[-1]))


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


@dataclass
class RunPlot:
    """A metric against parameters: one point (or line) a run, the best one marked."""

    metric: str
    lower_is_better: bool
    by: list[str]  # the parameters on the axes
    runs: list[dict[str, Any]]  # run_id, name, value, params (the ``by`` ones, as text)
    experiment: str | None = None
    missing: int = 0  # listed runs without the metric (not drawn)
    numeric: dict[str, bool] = field(default_factory=dict)  # param -> every value is a number

    @property
    def best(self) -> dict[str, Any] | None:
        if not self.runs:
            return None
        pick = min if self.lower_is_better else max
        return pick(self.runs, key=lambda r: r["value"])

    def categories(self, param: str) -> list[str]:
        """The texts of a non-numeric parameter, in a stable order (missing ones as '')."""
        return sorted({r["params"].get(param) or "" for r in self.runs})

    def to_pandas(self) -> pd.DataFrame:
        import pandas as pd

        frame = pd.DataFrame([{"run_id": r["run_id"], "name": r["name"], self.metric: r["value"],
                               **{f"params.{p}": r["params"].get(p) for p in self.by}} for r in self.runs])
        return frame.sort_values(self.metric, ascending=self.lower_is_better, kind="stable", ignore_index=True)

    @property
    def title(self) -> str:
        where = f" ({self.experiment})" if self.experiment else ""
        against = f" against {', '.join(self.by)}" if self.by else " by run"
        end = "lower" if self.lower_is_better else "higher"
        return f"{self.metric}{against}, {len(self.runs)} runs{where}; {end} is better"

    def __repr__(self) -> str:
        if not self.runs:
            return f"no listed run has the metric '{self.metric}'; see %mlops runs for the metrics"
        best = self.best or {}
        lines = [self.title]
        for _, row in self.to_pandas().iterrows():
            mark = "best " if row["run_id"] == best.get("run_id") else "     "
            params = ", ".join(f"{p}={row[f'params.{p}']}" for p in self.by)
            lines.append(f"{mark}{row['name']} ({row['run_id'][:8]}): {format_value(row[self.metric])}"
                         f"{'  ' + params if params else ''}")
        if self.missing:
            lines.append(f"{self.missing} listed run{'s' if self.missing > 1 else ''} without {self.metric} not shown")
        return "\n".join(lines)


def plot_runs(metric: str, by: list[str] | None, rows: list[dict[str, Any]], experiment: str | None) -> RunPlot:
    """The plot of ``metric`` over the run table ``rows`` (from :func:`.queries.list_runs`)."""
    name, lower = lower_is_better(metric)
    key = f"metrics.{name}"
    with_metric = [r for r in rows if _number(r.get(key)) is not None]
    if not with_metric and rows:
        known = sorted({k[len("metrics."):] for r in rows for k in r if k.startswith("metrics.")})
        raise MlopsUsageError(f"no listed run has the metric '{name}'; known: {', '.join(known[:12]) or 'none'}")
    params = sorted({k[len("params."):] for r in with_metric for k in r if k.startswith("params.")})
    if by:
        unknown = [p for p in by if p not in params]
        if unknown:
            raise MlopsUsageError(f"--by {','.join(unknown)}: no such param in these runs; "
                                  f"known: {', '.join(params[:12]) or 'none'}")
        axes = list(dict.fromkeys(by))[:MAX_AXES]
    else:  # the params that differ between the runs
        axes = [p for p in params if len({str(r.get(f'params.{p}')) for r in with_metric}) > 1][:MAX_AXES]
    runs = [{"run_id": r["run_id"], "name": r["name"] or r["run_id"][:8], "value": float(r[key]),
             "params": {p: r.get(f"params.{p}") for p in axes}} for r in with_metric]
    numeric = {p: all(_number(r["params"][p]) is not None for r in runs if r["params"][p] is not None)
               and any(r["params"][p] is not None for r in runs) for p in axes}
    return RunPlot(name, lower, axes, runs, experiment, len(rows) - len(with_metric), numeric)
