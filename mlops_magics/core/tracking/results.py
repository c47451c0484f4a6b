"""Plain result objects of the tracking commands, with a text ``repr``. Their HTML is drawn by
:mod:`mlops_magics.render.cards` (registered with IPython by :mod:`mlops_magics.render.formatters`)."""

from __future__ import annotations

import shutil
import textwrap
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..formatting import duration_text
from . import run_columns
from ..result_table import TableResult

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .runs import RunHandle

__all__ = ["RunCard", "RunComparison", "RunTable", "StoreStatus"]


@dataclass
class RunCard:
    """What one run did: shown under a tracked cell."""

    run_id: str
    name: str
    experiment_id: str
    status: str
    duration_s: float | None
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    parent_id: str | None = None
    ui_url: str | None = None
    ui_hint: str | None = None
    warnings: list[str] = field(default_factory=list)
    kind: str = "cell"

    @classmethod
    def from_handle(cls, handle: RunHandle, status: str) -> "RunCard":
        from ..backend import session

        conf = session.settings()
        return cls(
            run_id=handle.run_id,
            name=handle.name,
            experiment_id=handle.experiment_id,
            status=status,
            duration_s=time.time() - handle.started,
            params=dict(handle.logged_params),
            metrics=dict(handle.logged_metrics),
            parent_id=handle.parent_id,
            ui_url=conf.ui_run_url(handle.experiment_id, handle.run_id),
            ui_hint=conf.ui_hint(),
            warnings=list(handle.warnings),
            kind=handle.kind,
        )

    @property
    def duration_text(self) -> str:
        return duration_text(self.duration_s)

    def __repr__(self) -> str:
        lines = [f"run {self.name} ({self.run_id}) {self.status} in {self.duration_text}"]
        if self.params:
            lines.append("  params:  " + ", ".join(f"{k}={v}" for k, v in self.params.items()))
        if self.metrics:
            lines.append("  metrics: " + ", ".join(f"{k}={v:.4g}" for k, v in self.metrics.items()))
        lines += [f"  warning: {w}" for w in self.warnings]
        lines.append(f"  MLflow UI: {self.ui_url or self.ui_hint}")  # as the HTML card says it
        return "\n".join(lines)



@dataclass(repr=False)
class RunTable(TableResult):
    """Runs, newest first (or best first by ``sort``). Shows its key columns (or ``columns``, chosen
    with ``--columns``); ``to_pandas()`` has every column: each metric and param of every run."""

    rows: list[dict[str, Any]]
    experiment: str | None = None  # None: the runs of every experiment
    columns: list[str] | None = None
    sort: str | None = None
    empty_text = "no runs yet: track one with %%mlops track"

    @property
    def title(self) -> str:
        where = f"runs of {self.experiment}" if self.experiment else "runs of every experiment"
        order = "newest first"
        if self.sort:
            order = f"{'lowest' if self.sort.startswith('-') else 'highest'} {self.sort.lstrip('+-')} first"
        return f"{where} ({len(self.rows)}, {order})"

    def metric_keys(self) -> list[str]:
        """``metrics.*`` columns, most useful first."""
        return run_columns.ranked_metrics(self.rows, self.sort)

    def param_keys(self) -> list[str]:
        return sorted({k for r in self.rows for k in r if k.startswith("params.")})

    def base_keys(self) -> list[str]:
        """Identity and timing (with the experiment when the runs come from several)."""
        keys = list(run_columns.BASE_COLUMNS)
        return keys + ["experiment"] if self.experiment is None else keys

    def all_keys(self) -> list[str]:
        """Every column, in the order a full table shows them."""
        return self.base_keys() + self.metric_keys() + self.param_keys() + ["kind", "parent_id"]

    def shown_keys(self, width: int) -> list[str]:
        """The columns chosen with ``--columns``, else the base ones and the best metrics that fit in
        ``width`` characters."""
        if self.columns:
            return list(self.columns)
        return run_columns.fit(self.rows, self.base_keys(), self.metric_keys(), width)

    def text(self, width: int | None = None, everything: str = "t.to_pandas()") -> str:
        """The table as text no wider than ``width`` (the terminal's by default), then what it left out
        and how to get it (``everything``: where every column is)."""
        if not self.rows:
            return self.empty_message()
        if width is None:
            width = shutil.get_terminal_size((120, 24)).columns
        keys = self.shown_keys(width)
        lines = [self.title, run_columns.text_table(self.rows, keys, width)]
        hidden_metrics = [k for k in self.metric_keys() if k not in keys]
        hidden_params = [k for k in self.param_keys() if k not in keys]
        if hidden_metrics or hidden_params:
            what = ", ".join(f"{n} {kind}{'s' if n > 1 else ''}" for n, kind in
                             ((len(hidden_metrics), "metric"), (len(hidden_params), "param")) if n)
            example = ",".join(run_columns.grouped(hidden_metrics + hidden_params)[:2])
            lines.append(textwrap.fill(f"not shown: {what}; pick columns with --columns "
                                       f"{example}; every column: {everything}", max(width, 40),
                                       break_on_hyphens=False, break_long_words=False))
        return "\n".join(lines)

    def empty_message(self) -> str:
        if self.experiment is None:
            return self.empty_text
        return f"no runs in {self.experiment} yet: track one with %%mlops track (--all-experiments: every experiment)"

    def __repr__(self) -> str:
        return self.text()



@dataclass
class RunComparison:
    """Runs side by side: one column a run, one row a param or metric."""

    runs: list[dict[str, Any]]  # run_id, name, status, params, metrics
    show_all: bool = False
    # stepped metrics: metric -> run_id -> [(step, value), ...] (sampled, at most a few hundred points)
    curves: dict[str, dict[str, list[tuple[int, float]]]] = field(default_factory=dict)

    def rows(self) -> list[tuple[str, str, list[Any]]]:
        """(kind, key, values per run) for the keys that differ (or all with ``show_all``)."""
        out = []
        for kind in ("params", "metrics"):
            keys = sorted({k for r in self.runs for k in r[kind]})
            for key in keys:
                values = [r[kind].get(key) for r in self.runs]
                if self.show_all or len({repr(v) for v in values}) > 1:
                    out.append((kind[:-1], key, values))
        return out

    def labels(self) -> dict[str, str]:
        """run_id -> 'name (id prefix)': what the table's columns and the charts' legends say."""
        return {r["run_id"]: f"{r['name']} ({r['run_id'][:8]})" for r in self.runs}

    def differing_metrics(self) -> dict[str, dict[str, float]]:
        """metric -> run_id -> value, for the numeric metrics whose values differ between the runs."""
        out = {}
        for kind, key, values in self.rows():
            if kind == "metric":
                out[key] = {r["run_id"]: float(v) for r, v in zip(self.runs, values) if v is not None}
        return {k: v for k, v in out.items() if len(set(v.values())) > 1}

    def to_pandas(self) -> pd.DataFrame:
        import pandas as pd

        names = list(self.labels().values())
        index = [f"{kind}.{key}" for kind, key, _ in self.rows()]
        return pd.DataFrame([v for _, _, v in self.rows()], index=index, columns=names)

    def __repr__(self) -> str:
        if not self.rows():
            text = "the runs do not differ in any param or metric (use --all to see them)"
        else:
            text = self.to_pandas().to_string()
        if self.curves:
            text += "\ncurves (step -> value) of " + ", ".join(self.curves)
        return text



@dataclass
class StoreStatus:
    """Where runs go and what is active."""

    tracking_uri: str
    store: str
    embedded: bool
    experiment: str | None
    active: list[dict[str, str]]
    reaped: list[str]
    ui_hint: str

    def __repr__(self) -> str:
        lines = [
            f"tracking URI: {self.tracking_uri}",
            f"store:        {self.store}{' (embedded)' if self.embedded else ''}",
            f"experiment:   {self.experiment or 'Default'}",
        ]
        if self.active:
            for run in self.active:
                lines.append(f"active run:   {run['kind']} {run['name']} ({run['run_id']})")
        else:
            lines.append("active run:   none (start one with %mlops track)")
        if self.reaped:
            lines.append(f"ended as KILLED at start-up (dead kernels): {', '.join(self.reaped)}")
        lines.append(f"MLflow UI:    {self.ui_hint}")
        return "\n".join(lines)

