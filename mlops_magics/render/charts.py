"""Small static charts as inline SVG: metric curves, grouped bars, a scatter and parallel coordinates.

They are what a saved notebook, papermill output, nbconvert HTML and GitHub show (no scripts, no CDN),
and what the live widgets draw before they take over. Every label is escaped; every mark carries a
``<title>`` (its run and value on hover) and a ``data-run`` attribute the widgets use for clicks.
"""

from __future__ import annotations

import math
from html import escape
from typing import Mapping, Sequence

__all__ = ["PALETTE", "bar_chart", "line_chart", "metric_charts", "nice_ticks", "parallel_coordinates", "scale_groups",
           "scatter_chart", "static_block"]

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf")
_FONT = "font-family:var(--jp-ui-font-family,system-ui,sans-serif);font-size:11px"
_AXIS = "stroke:#8c959f;stroke-width:1"
_GRID = "stroke:#d0d7de;stroke-width:0.5"
_MARGIN = (34, 12, 34, 52)  # top, right, bottom, left


def _num(value: float) -> str:
    """A tick label: short, no trailing zeros."""
    if value == 0:
        return "0"
    if abs(value) >= 1e5 or abs(value) < 1e-3:
        return f"{value:.1e}"
    return f"{value:.4g}"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values covering [low, high]."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0]
    if high == low:
        return [low]
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks, value = [], start
    while value <= high + step * 1e-9:
        if value >= low - step * 1e-9:
            ticks.append(round(value, 12))
        value += step
    return ticks or [low, high]


class _Frame:
    """Maps data to pixels inside the margins and draws the axes."""

    def __init__(self, width: int, height: int, xs: Sequence[float], ys: Sequence[float],
                 x_range: tuple[float, float] | None = None, pad: float = 0.0) -> None:
        self.width, self.height = width, height
        top, right, bottom, left = _MARGIN
        self.x0, self.x1, self.y0, self.y1 = left, width - right, height - bottom, top
        finite_x = [x for x in xs if math.isfinite(x)] or [0.0]
        finite_y = [y for y in ys if math.isfinite(y)] or [0.0]
        self.xmin, self.xmax = min(finite_x), max(finite_x)
        self.ymin, self.ymax = min(finite_y), max(finite_y)
        if x_range is not None:
            self.xmin, self.xmax = x_range
        if self.xmax == self.xmin:
            self.xmin, self.xmax = self.xmin - 1, self.xmax + 1
        if self.ymax == self.ymin:
            flat = abs(self.ymin) * 0.05 or 1.0
            self.ymin, self.ymax = self.ymin - flat, self.ymax + flat
        if pad:  # room around the points (a scatter), none around a curve's ends
            dx, dy = (self.xmax - self.xmin) * pad, (self.ymax - self.ymin) * pad
            if x_range is None:
                self.xmin, self.xmax = self.xmin - dx, self.xmax + dx
            self.ymin, self.ymax = self.ymin - dy, self.ymax + dy

    def x(self, value: float) -> float:
        return self.x0 + (value - self.xmin) / (self.xmax - self.xmin) * (self.x1 - self.x0)

    def y(self, value: float) -> float:
        return self.y0 - (value - self.ymin) / (self.ymax - self.ymin) * (self.y0 - self.y1)

    def axes(self, x_label: str, y_label: str = "", x_ticks: Sequence[tuple[float, str]] | None = None) -> str:
        """Grid, tick labels and axis titles; ``x_ticks`` (position, text) replaces the numeric ones."""
        parts = []
        for tick in nice_ticks(self.ymin, self.ymax):
            py = self.y(tick)
            parts.append(f'<line x1="{self.x0}" x2="{self.x1}" y1="{py:.1f}" y2="{py:.1f}" style="{_GRID}"/>'
                         f'<text x="{self.x0 - 4}" y="{py + 3:.1f}" text-anchor="end">{_num(tick)}</text>')
        ticks = x_ticks if x_ticks is not None else [(t, _num(t)) for t in nice_ticks(self.xmin, self.xmax)]
        for tick, text in ticks:
            shown = text if len(text) <= 14 else text[:13] + "…"
            parts.append(f'<text x="{self.x(tick):.1f}" y="{self.y0 + 14}" text-anchor="middle">{escape(shown)}</text>')
        parts.append(f'<line x1="{self.x0}" x2="{self.x1}" y1="{self.y0}" y2="{self.y0}" style="{_AXIS}"/>'
                     f'<line x1="{self.x0}" x2="{self.x0}" y1="{self.y1}" y2="{self.y0}" style="{_AXIS}"/>')
        parts.append(f'<text x="{(self.x0 + self.x1) / 2:.1f}" y="{self.height - 4}" text-anchor="middle">'
                     f'{escape(x_label)}</text>')
        if y_label:
            parts.append(f'<text x="4" y="{self.y1 - 8}">{escape(y_label)}</text>')
        return "".join(parts)


def _svg(width: int, height: int, body: str, title: str | None, css_class: str) -> str:
    head = f'<text x="4" y="14" style="font-weight:600">{escape(title)}</text>' if title else ""
    return (f'<svg class="{css_class}" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" style="{_FONT};background:var(--jp-layout-color0,#fff)">'
            f'{head}{body}</svg>')


def _legend(names: Sequence[str], width: int, colours: Mapping[str, str] | None = None) -> str:
    parts, x = [], 60
    for i, name in enumerate(names):
        label = name if len(name) <= 28 else name[:27] + "…"
        colour = (colours or {}).get(name) or PALETTE[i % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="{20}" width="10" height="3" fill="{colour}"/>'
                     f'<text x="{x + 14}" y="{25}">{escape(label)}</text>')
        x += 24 + 6.2 * len(label)
        if x > width - 60:
            break
    return "".join(parts)


def line_chart(series: Mapping[str, Sequence[tuple[float, float]]], *, title: str | None = None,
               x_label: str = "step", width: int = 560, height: int = 220, run_ids: Mapping[str, str] | None = None,
               colours: Mapping[str, str] | None = None) -> str:
    """One line per series (a metric, or a run's metric); points are (step, value). ``run_ids`` gives
    each series' run (what a click names); ``colours`` keeps a run's colour the same across charts."""
    points = {name: [(float(s), float(v)) for s, v in pts if math.isfinite(float(v))] for name, pts in series.items()}
    frame = _Frame(width, height, [s for p in points.values() for s, _ in p], [v for p in points.values() for _, v in p])
    lines = []
    for i, (name, pts) in enumerate(points.items()):
        if not pts:
            continue
        colour = (colours or {}).get(name) or PALETTE[i % len(PALETTE)]
        run = escape((run_ids or {}).get(name, ""), quote=True)
        path = " ".join(f"{'M' if j == 0 else 'L'}{frame.x(s):.1f},{frame.y(v):.1f}" for j, (s, v) in enumerate(pts))
        last_s, last_v = pts[-1]
        lines.append(f'<g data-run="{run}" data-series="{escape(name, quote=True)}"><title>{escape(name)}: '
                     f'{_num(last_v)} at {escape(x_label)} {_num(last_s)}</title>'
                     f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="1.6"/>'
                     f'<circle cx="{frame.x(last_s):.1f}" cy="{frame.y(last_v):.1f}" r="2.5" fill="{colour}"/></g>')
    body = frame.axes(x_label) + "".join(lines) + _legend(list(points), width, colours)
    return _svg(width, height, body, title, "mlops-chart mlops-line-chart")


def bar_chart(values: Mapping[str, Mapping[str, float]], *, title: str | None = None, width: int = 560,
              run_ids: Mapping[str, str] | None = None, colours: Mapping[str, str] | None = None) -> str:
    """Grouped horizontal bars: one group a metric, one bar a run (``values[metric][run]``); each
    metric has its own scale."""
    runs = list(dict.fromkeys(r for per_run in values.values() for r in per_run))
    bar_h, gap = 12, 10
    rows = sum(len(per_run) for per_run in values.values())
    height = 34 + rows * (bar_h + 2) + len(values) * gap + 10
    left, right = 150, 70
    parts, y = [], 34
    for metric, per_run in values.items():
        finite = [abs(v) for v in per_run.values() if math.isfinite(v)] or [1.0]
        scale = (width - left - right) / (max(finite) or 1.0)
        parts.append(f'<text x="4" y="{y + 10}" style="font-weight:600">{escape(metric)}</text>')
        for run, value in per_run.items():
            i = runs.index(run)
            length = abs(value) * scale if math.isfinite(value) else 0
            rid = escape((run_ids or {}).get(run, ""), quote=True)
            parts.append(f'<g data-run="{rid}"><title>{escape(run)}: {escape(metric)} = {_num(value)}</title>'
                         f'<rect x="{left}" y="{y}" width="{length:.1f}" height="{bar_h}" '
                         f'fill="{(colours or {}).get(run) or PALETTE[i % len(PALETTE)]}"/>'
                         f'<text x="{left + length + 4:.1f}" y="{y + 10}">{_num(value)}</text></g>')
            y += bar_h + 2
        y += gap
    return _svg(width, height, "".join(parts) + _legend(runs, width, colours), title, "mlops-chart mlops-bar-chart")


def scatter_chart(points: Sequence[tuple[float, float, str, str]], *, x_label: str, y_label: str,
                  best: str | None = None, title: str | None = None, width: int = 560, height: int = 260,
                  x_categories: Sequence[str] | None = None, x_log: bool = False) -> str:
    """Points (x, y, run name, run id); the best run is ringed and named. With ``x_categories`` the x
    values are indices into it (a parameter such as ``optimizer=adam``); ``x_log`` spaces x by powers of 10
    (a learning rate from 0.0001 to 0.1)."""
    usable = [p for p in points if math.isfinite(p[0]) and math.isfinite(p[1]) and (p[0] > 0 or not x_log)]
    x_range = (-0.5, len(x_categories) - 0.5) if x_categories else None
    place = math.log10 if x_log else float
    frame = _Frame(width, height, [place(p[0]) for p in usable], [p[1] for p in usable], x_range, pad=0.05)
    marks = []
    for raw_x, y, name, run_id in sorted(usable, key=lambda p: p[3] == best):  # the best one on top
        x = place(raw_x)
        is_best = best is not None and run_id == best
        ring = ' stroke="#1f2328" stroke-width="1.5"' if is_best else ""
        shown_x = x_categories[int(x)] if x_categories else _num(raw_x)
        anchor = "end" if frame.x(x) > (frame.x0 + frame.x1) / 2 else "start"
        dx = -7 if anchor == "end" else 7
        label = (f'<text x="{frame.x(x) + dx:.1f}" y="{frame.y(y) - 6:.1f}" text-anchor="{anchor}" '
                 f'style="font-weight:600">best: {escape(_short(name))}</text>' if is_best else "")
        marks.append(f'<g data-run="{escape(run_id, quote=True)}"><title>{escape(name)}: {escape(x_label)}='
                     f'{escape(shown_x)}, {escape(y_label)}={_num(y)}</title>'
                     f'<circle cx="{frame.x(x):.1f}" cy="{frame.y(y):.1f}" r="{5 if is_best else 3.5}" '
                     f'fill="{PALETTE[1] if is_best else PALETTE[0]}" fill-opacity="0.8"{ring}/>{label}</g>')
    ticks = [(float(i), c) for i, c in enumerate(x_categories)] if x_categories else None
    if x_log:
        ticks = [(float(k), _num(10.0 ** k)) for k in range(math.ceil(frame.xmin), math.floor(frame.xmax) + 1)]
    body = frame.axes(x_label, y_label, ticks) + "".join(marks)
    return _svg(width, height, body, title, "mlops-chart mlops-scatter")


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def parallel_coordinates(rows: Sequence[Mapping[str, float]], axes: Sequence[str], *, colour_by: str,
                         names: Sequence[str], run_ids: Sequence[str], best: str | None = None,
                         title: str | None = None, width: int = 640, height: int = 260,
                         categories: Mapping[str, Sequence[str]] | None = None,
                         log_axes: Sequence[str] = ()) -> str:
    """One polyline a run across the ``axes`` (params, then the metric); coloured by ``colour_by``.
    An axis in ``categories`` holds indices into its list of texts (labelled along the axis); one in
    ``log_axes`` is spaced by powers of 10 (its values must be positive)."""
    categories = categories or {}

    def value(row: Mapping[str, float], axis: str) -> float:
        raw = float(row[axis]) if axis in row else math.nan
        if axis in log_axes:
            return math.log10(raw) if raw > 0 else math.nan
        return raw

    top, bottom, left, right = 54, 24, 40, 70
    span = (width - left - right) / max(len(axes) - 1, 1)
    ranges = {}
    for axis in axes:
        if axis in categories:
            ranges[axis] = (-0.5, len(categories[axis]) - 0.5)
            continue
        vals = [v for v in (value(r, axis) for r in rows) if math.isfinite(v)] or [0.0]
        lo, hi = min(vals), max(vals)
        ranges[axis] = (lo, hi if hi > lo else lo + 1)
    cvals = [float(r.get(colour_by, math.nan)) for r in rows]
    finite_c = [c for c in cvals if math.isfinite(c)] or [0.0]
    clo, chi = min(finite_c), max(finite_c)

    def colour(value: float) -> str:
        """Blue (low) to orange (high), so the runs at either end stand out."""
        if not math.isfinite(value):
            return "#8c959f"
        t = (value - clo) / (chi - clo) if chi > clo else 0.5
        low, high = (31, 119, 180), (255, 127, 14)
        r, g, b = (round(lo + (hi - lo) * t) for lo, hi in zip(low, high))
        return f"rgb({r},{g},{b})"

    def px(i: int) -> float:
        return left + i * span

    def py(axis: str, value: float) -> float:
        lo, hi = ranges[axis]
        return height - bottom - (value - lo) / (hi - lo) * (height - top - bottom)

    parts = []
    for i, axis in enumerate(axes):
        lo, hi = ranges[axis]
        parts.append(f'<line x1="{px(i):.1f}" x2="{px(i):.1f}" y1="{top}" y2="{height - bottom}" style="{_AXIS}"/>'
                     f'<text x="{px(i):.1f}" y="{top - 18}" text-anchor="middle" style="font-weight:600">'
                     f'{escape(_short(axis, 20))}</text>')
        if axis in categories:
            parts += [f'<text x="{px(i) + 3:.1f}" y="{py(axis, j) + 3:.1f}">{escape(_short(c, 14))}</text>'
                      for j, c in enumerate(categories[axis])]
        else:
            shown_lo, shown_hi = (10.0 ** lo, 10.0 ** hi) if axis in log_axes else (lo, hi)
            parts.append(f'<text x="{px(i) + 3:.1f}" y="{top - 4}">{_num(shown_hi)}</text>'
                         f'<text x="{px(i) + 3:.1f}" y="{height - bottom + 12}">{_num(shown_lo)}</text>')
    best_line = ""
    for row, name, run_id, cval in zip(rows, names, run_ids, cvals):
        coords = [(px(i), py(axis, value(row, axis))) for i, axis in enumerate(axes)
                  if math.isfinite(value(row, axis))]
        if len(coords) < 2:
            continue
        path = " ".join(f"{'M' if j == 0 else 'L'}{x:.1f},{y:.1f}" for j, (x, y) in enumerate(coords))
        is_best = best is not None and run_id == best
        mark = (f'<g data-run="{escape(run_id, quote=True)}"><title>{escape(name)}: {escape(colour_by)}='
                f'{_num(cval)}</title><path d="{path}" fill="none" stroke="{"#1f2328" if is_best else colour(cval)}" '
                f'stroke-width="{3 if is_best else 1.4}" stroke-opacity="0.85"/>')
        if is_best:
            x, y = coords[-1]
            best_line = (mark + f'<text x="{x + 6:.1f}" y="{y - 6:.1f}" style="font-weight:600">best: '
                         f'{escape(_short(name, 16))}</text></g>')
        else:
            parts.append(mark + "</g>")
    return _svg(width, height, "".join(parts) + best_line, title, "mlops-chart mlops-parallel")


def scale_groups(series: Mapping[str, Sequence[tuple[float, float]]], ratio: float = 20.0) -> list[list[str]]:
    """Keys whose values share a scale, so one chart does not flatten ``loss`` (~1000) next to ``lr``
    (~0.001): a key joins the first group whose largest magnitude is within ``ratio`` of its own."""
    groups: list[tuple[float, list[str]]] = []
    for key, points in series.items():
        size = max((abs(v) for _, v in points if math.isfinite(v)), default=0.0) or 1e-12
        for i, (scale, keys) in enumerate(groups):
            if scale / ratio <= size <= scale * ratio:
                keys.append(key)
                groups[i] = (max(scale, size), keys)
                break
        else:
            groups.append((size, [key]))
    return [keys for _, keys in groups]


def metric_charts(series: Mapping[str, Sequence[tuple[float, float]]], *, run_id: str = "", title: str | None = None,
                  max_charts: int = 6, width: int = 560, height: int = 200) -> list[str]:
    """One run's stepped metrics: one line a metric, metrics of different scales on charts of their own."""
    stepped = {k: list(v) for k, v in series.items() if v}
    charts = []
    for i, keys in enumerate(scale_groups(stepped)[:max_charts]):
        charts.append(line_chart({k: stepped[k] for k in keys}, title=title if i == 0 else None,
                                 run_ids={k: run_id for k in keys}, width=width, height=height))
    return charts


def static_block(charts: Sequence[str], chart_id: str = "") -> str:
    """SVG charts as the static block a chart widget hides where it runs (``data-chart`` ties the two)."""
    if not charts:
        return ""
    boxes = "".join(f"<div>{svg}</div>" for svg in charts)
    return (f'<div class="mlops-chart-static" data-chart="{escape(chart_id, quote=True)}" '
            f'style="display:flex;flex-direction:column;gap:4px;margin:4px 0">{boxes}</div>')
