"""Small static charts as inline SVG: metric curves, grouped bars, a scatter and parallel coordinates.

They are what a saved notebook, papermill output, nbconvert HTML and GitHub show (no scripts, no CDN),
and what the live widgets draw before they take over. Every label is escaped; every mark carries a
``<title>`` (its run and value on hover) and a ``data-run`` attribute the widgets use for clicks.
"""

from __future__ import annotations

import math
from html import escape
from typing import Mapping, Sequence

__all__ = ["PALETTE", "bar_chart", "line_chart", "nice_ticks", "parallel_coordinates", "scatter_chart"]

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

    def __init__(self, width: int, height: int, xs: Sequence[float], ys: Sequence[float]) -> None:
        self.width, self.height = width, height
        top, right, bottom, left = _MARGIN
        self.x0, self.x1, self.y0, self.y1 = left, width - right, height - bottom, top
        finite_x = [x for x in xs if math.isfinite(x)] or [0.0]
        finite_y = [y for y in ys if math.isfinite(y)] or [0.0]
        self.xmin, self.xmax = min(finite_x), max(finite_x)
        self.ymin, self.ymax = min(finite_y), max(finite_y)
        if self.xmax == self.xmin:
            self.xmin, self.xmax = self.xmin - 1, self.xmax + 1
        if self.ymax == self.ymin:
            pad = abs(self.ymin) * 0.05 or 1.0
            self.ymin, self.ymax = self.ymin - pad, self.ymax + pad

    def x(self, value: float) -> float:
        return self.x0 + (value - self.xmin) / (self.xmax - self.xmin) * (self.x1 - self.x0)

    def y(self, value: float) -> float:
        return self.y0 - (value - self.ymin) / (self.ymax - self.ymin) * (self.y0 - self.y1)

    def axes(self, x_label: str, y_label: str = "") -> str:
        parts = []
        for tick in nice_ticks(self.ymin, self.ymax):
            py = self.y(tick)
            parts.append(f'<line x1="{self.x0}" x2="{self.x1}" y1="{py:.1f}" y2="{py:.1f}" style="{_GRID}"/>'
                         f'<text x="{self.x0 - 4}" y="{py + 3:.1f}" text-anchor="end">{_num(tick)}</text>')
        for tick in nice_ticks(self.xmin, self.xmax):
            px = self.x(tick)
            parts.append(f'<text x="{px:.1f}" y="{self.y0 + 14}" text-anchor="middle">{_num(tick)}</text>')
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


def _legend(names: Sequence[str], width: int) -> str:
    parts, x = [], 60
    for i, name in enumerate(names):
        label = name if len(name) <= 28 else name[:27] + "…"
        parts.append(f'<rect x="{x}" y="{20}" width="10" height="3" fill="{PALETTE[i % len(PALETTE)]}"/>'
                     f'<text x="{x + 14}" y="{25}">{escape(label)}</text>')
        x += 24 + 6.2 * len(label)
        if x > width - 60:
            break
    return "".join(parts)


def line_chart(series: Mapping[str, Sequence[tuple[float, float]]], *, title: str | None = None,
               x_label: str = "step", width: int = 560, height: int = 220, run_ids: Mapping[str, str] | None = None) -> str:
    """One line per series (a metric, or a run's metric); points are (step, value)."""
    points = {name: [(float(s), float(v)) for s, v in pts if math.isfinite(float(v))] for name, pts in series.items()}
    frame = _Frame(width, height, [s for p in points.values() for s, _ in p], [v for p in points.values() for _, v in p])
    lines = []
    for i, (name, pts) in enumerate(points.items()):
        if not pts:
            continue
        colour = PALETTE[i % len(PALETTE)]
        run = escape((run_ids or {}).get(name, ""), quote=True)
        path = " ".join(f"{'M' if j == 0 else 'L'}{frame.x(s):.1f},{frame.y(v):.1f}" for j, (s, v) in enumerate(pts))
        last_s, last_v = pts[-1]
        lines.append(f'<g data-run="{run}" data-series="{escape(name, quote=True)}"><title>{escape(name)}: '
                     f'{_num(last_v)} at {x_label} {_num(last_s)}</title>'
                     f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="1.6"/>'
                     f'<circle cx="{frame.x(last_s):.1f}" cy="{frame.y(last_v):.1f}" r="2.5" fill="{colour}"/></g>')
    body = frame.axes(x_label) + "".join(lines) + _legend(list(points), width)
    return _svg(width, height, body, title, "mlops-chart mlops-line-chart")


def bar_chart(values: Mapping[str, Mapping[str, float]], *, title: str | None = None, width: int = 560,
              run_ids: Mapping[str, str] | None = None) -> str:
    """Grouped horizontal bars: one group a metric, one bar a run (``values[metric][run]``)."""
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
                         f'fill="{PALETTE[i % len(PALETTE)]}"/>'
                         f'<text x="{left + length + 4:.1f}" y="{y + 10}">{_num(value)}</text></g>')
            y += bar_h + 2
        y += gap
    return _svg(width, height, "".join(parts) + _legend(runs, width), title, "mlops-chart mlops-bar-chart")


def scatter_chart(points: Sequence[tuple[float, float, str, str]], *, x_label: str, y_label: str,
                  best: str | None = None, title: str | None = None, width: int = 560, height: int = 260) -> str:
    """Points (x, y, run name, run id); the best run is ringed and named."""
    usable = [p for p in points if math.isfinite(p[0]) and math.isfinite(p[1])]
    frame = _Frame(width, height, [p[0] for p in usable], [p[1] for p in usable])
    marks = []
    for x, y, name, run_id in usable:
        is_best = run_id == best
        ring = ' stroke="#1f2328" stroke-width="1.5"' if is_best else ""
        label = (f'<text x="{frame.x(x) + 7:.1f}" y="{frame.y(y) - 6:.1f}">best: {escape(name)}</text>'
                 if is_best else "")
        marks.append(f'<g data-run="{escape(run_id, quote=True)}"><title>{escape(name)}: {escape(x_label)}='
                     f'{_num(x)}, {escape(y_label)}={_num(y)}</title>'
                     f'<circle cx="{frame.x(x):.1f}" cy="{frame.y(y):.1f}" r="{5 if is_best else 3.5}" '
                     f'fill="{PALETTE[1] if is_best else PALETTE[0]}" fill-opacity="0.8"{ring}/>{label}</g>')
    body = frame.axes(x_label, y_label) + "".join(marks)
    return _svg(width, height, body, title, "mlops-chart mlops-scatter")


def parallel_coordinates(rows: Sequence[Mapping[str, float]], axes: Sequence[str], *, colour_by: str,
                         names: Sequence[str], run_ids: Sequence[str], best: str | None = None,
                         title: str | None = None, width: int = 640, height: int = 260) -> str:
    """One polyline a run across the ``axes`` (params, then the metric); coloured by ``colour_by``."""
    top, bottom, left, right = 54, 24, 40, 40
    span = (width - left - right) / max(len(axes) - 1, 1)
    ranges = {}
    for axis in axes:
        vals = [float(r[axis]) for r in rows if axis in r and math.isfinite(float(r[axis]))] or [0.0]
        lo, hi = min(vals), max(vals)
        ranges[axis] = (lo, hi if hi > lo else lo + 1)
    cvals = [float(r.get(colour_by, math.nan)) for r in rows]
    finite_c = [c for c in cvals if math.isfinite(c)] or [0.0]
    clo, chi = min(finite_c), max(finite_c)

    def colour(value: float) -> str:
        """Blue (low) to orange (high) through grey, so the best runs stand out."""
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
                     f'<text x="{px(i):.1f}" y="{top - 18}" text-anchor="middle" style="font-weight:600">{escape(axis)}</text>'
                     f'<text x="{px(i) + 3:.1f}" y="{top - 4}">{_num(hi)}</text>'
                     f'<text x="{px(i) + 3:.1f}" y="{height - bottom + 12}">{_num(lo)}</text>')
    for row, name, run_id, cval in zip(rows, names, run_ids, cvals):
        coords = [(px(i), py(axis, float(row[axis]))) for i, axis in enumerate(axes)
                  if axis in row and math.isfinite(float(row[axis]))]
        if len(coords) < 2:
            continue
        path = " ".join(f"{'M' if j == 0 else 'L'}{x:.1f},{y:.1f}" for j, (x, y) in enumerate(coords))
        width_px = 3 if run_id == best else 1.4
        parts.append(f'<g data-run="{escape(run_id, quote=True)}"><title>{escape(name)}: {escape(colour_by)}='
                     f'{_num(cval)}</title><path d="{path}" fill="none" stroke="{colour(cval)}" '
                     f'stroke-width="{width_px}" stroke-opacity="0.85"/></g>')
    return _svg(width, height, "".join(parts), title, "mlops-chart mlops-parallel")
