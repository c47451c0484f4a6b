"""HTML of the results that carry pictures: a comparison of runs and a plot of runs.

``%mlops compare`` shows its table (:func:`.cards.comparison_html`), the step curves of the runs
overlaid (one chart a stepped metric, one colour a run in every chart) and bars of the metrics that
differ. ``%mlops runs --plot`` shows the metric against one parameter (a scatter), several (parallel
coordinates) or none (the runs in listing order), the best run marked. :func:`card_parts` gives the
card and the SVG pictures separately, so a widget can take the pictures' place where it runs
(:func:`mlops_magics.widgets.chart_widget.show_result`).
"""

from __future__ import annotations

import math
from html import escape
from typing import TYPE_CHECKING, Any

from .cards import comparison_html as comparison_table_html
from .charts import PALETTE, bar_chart, line_chart, parallel_coordinates, scatter_chart, static_block
from .style import BOX, MUTED

if TYPE_CHECKING:  # pragma: no cover
    from ..core.tracking.results import RunComparison
    from ..core.tracking.run_plots import RunPlot

__all__ = ["card_html", "card_parts", "comparison_charts", "comparison_html", "run_plot_charts", "run_plot_html"]

MAX_BARS = 12  # metrics in the bar chart of a comparison
LOG_RATIO = 100.0  # a positive numeric param spanning this factor or more gets a log axis


def comparison_charts(comparison: RunComparison) -> list[str]:
    """The curves of each stepped metric (runs overlaid), then bars of the metrics that differ."""
    labels = comparison.labels()
    colours = {label: PALETTE[i % len(PALETTE)] for i, label in enumerate(labels.values())}
    run_of = {label: run_id for run_id, label in labels.items()}
    charts = []
    for metric, per_run in comparison.curves.items():
        series = {labels[r]: points for r, points in per_run.items() if r in labels and points}
        if series:
            charts.append(line_chart(series, title=metric, run_ids=run_of, colours=colours))
    differing = list(comparison.differing_metrics().items())[:MAX_BARS]
    if differing:
        values = {metric: {labels[r]: v for r, v in per_run.items()} for metric, per_run in differing}
        charts.append(bar_chart(values, title="metrics that differ", run_ids=run_of, colours=colours))
    return charts


def comparison_html(comparison: RunComparison, chart_id: str = "") -> str:
    return card_html(comparison, chart_id)


def _log_axis(values: list[float]) -> bool:
    return bool(values) and min(values) > 0 and max(values) / min(values) >= LOG_RATIO


def run_plot_charts(plot: RunPlot) -> list[str]:
    """A scatter (one param), parallel coordinates (several) or the runs in order (none)."""
    best = plot.best
    if best is None:
        return []
    best_id = best["run_id"]
    title = None  # the card above says what the picture shows
    if not plot.by:
        points = [(float(i), r["value"], r["name"], r["run_id"]) for i, r in enumerate(reversed(plot.runs))]
        return [scatter_chart(points, x_label="run (oldest first)", y_label=plot.metric, best=best_id, title=title)]
    if len(plot.by) == 1:
        param = plot.by[0]
        if plot.numeric.get(param):
            xs = [(float(r["params"][param]), r) for r in plot.runs if r["params"][param] is not None]
            points = [(x, r["value"], r["name"], r["run_id"]) for x, r in xs]
            return [scatter_chart(points, x_label=param, y_label=plot.metric, best=best_id, title=title,
                                  x_log=_log_axis([x for x, _ in xs]))]
        cats = plot.categories(param)
        points = [(float(cats.index(r["params"][param] or "")), r["value"], r["name"], r["run_id"]) for r in plot.runs]
        return [scatter_chart(points, x_label=param, y_label=plot.metric, best=best_id, title=title,
                              x_categories=cats)]
    rows, categories, log_axes = [], {}, []
    for param in plot.by:
        if not plot.numeric.get(param):
            categories[param] = plot.categories(param)
        elif _log_axis([float(r["params"][param]) for r in plot.runs if r["params"][param] is not None]):
            log_axes.append(param)
    for r in plot.runs:
        row = {plot.metric: r["value"]}
        for param in plot.by:
            text = r["params"][param]
            if param in categories:
                row[param] = float(categories[param].index(text or ""))
            elif text is not None:
                row[param] = float(text)
        rows.append(row)
    axes = [*plot.by, plot.metric]
    return [parallel_coordinates(rows, axes, colour_by=plot.metric, names=[r["name"] for r in plot.runs],
                                 run_ids=[r["run_id"] for r in plot.runs], best=best_id, title=title,
                                 categories=categories, log_axes=log_axes)]


def _plot_head(plot: RunPlot) -> str:
    best = plot.best
    if best is None:
        return f'<div class="mlops-run-plot" style="{BOX}">{escape(repr(plot))}</div>'
    value = best["value"]
    shown = f"{value:.6g}" if math.isfinite(value) else str(value)
    note = (f'; <span style="{MUTED}">{plot.missing} listed run{"s" if plot.missing > 1 else ""} without '
            f'{escape(plot.metric)} not shown</span>' if plot.missing else "")
    return (f'<div class="mlops-run-plot" style="{BOX}"><b>{escape(plot.title)}</b><div>best: '
            f'<b>{escape(best["name"])}</b> <code style="{MUTED}">{escape(best["run_id"])}</code> '
            f'{escape(plot.metric)}={escape(shown)}{note}</div>'
            f'<div style="{MUTED}">a mark names its run on hover (and on click in a running notebook); '
            f'<code>.to_pandas()</code> has the numbers</div></div>')


def run_plot_html(plot: RunPlot, chart_id: str = "") -> str:
    return card_html(plot, chart_id)


def card_html(result: Any, chart_id: str = "", parts: tuple[str, list[str]] | None = None) -> str:
    """The card with its pictures, in one block (so a widget hides the pictures, never the card);
    ``parts``: what :func:`card_parts` gave, if the caller has it already."""
    head, charts = parts or card_parts(result)
    return f'<div class="mlops-card-with-charts">{head}{static_block(charts, chart_id)}</div>'


def card_parts(result: Any) -> tuple[str, list[str]]:
    """(the card's HTML without its pictures, the SVG pictures) of a comparison or a plot of runs."""
    from ..core.tracking.results import RunComparison

    if isinstance(result, RunComparison):
        return comparison_table_html(result), comparison_charts(result)
    return _plot_head(result), run_plot_charts(result)
