"""The card of a monitoring check, and the drift of recent windows as an inline SVG chart.

Static HTML with inline styles and no script (it survives nbconvert, papermill outputs and GitHub); every
name and value is escaped. The chart has two panels over the recent checks: the share of drifted columns
(against the dataset-drift share), and the effect size of each column that drifted (normed Wasserstein for
numbers, Jensen-Shannon distance for categories, against the distance threshold); a dashed mark where the
checks began to score a new version (after a promotion).
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from ..core.formatting import duration_text
from .style import BOX, MUTED, badge, cell, table

if TYPE_CHECKING:  # pragma: no cover
    from ..core.monitoring.results import CheckPoint, MonitorCheck, TriggerOutcome

__all__ = ["drift_chart_svg", "monitor_card_html", "trigger_html"]

VERDICT_COLOURS = {"drift": "#cf222e", "no drift": "#1a7f37", "no traffic": "#59636e"}
TRIGGER_COLOURS = {"promoted": "#1a7f37", "not promoted": "#9a6700", "failed": "#cf222e", "cancelled": "#9a6700",
                   "skipped": "#59636e", "no pipeline": "#59636e", "started": "#0969da"}
PALETTE = ("#d1242f", "#0969da", "#8250df", "#bf8700", "#1a7f37", "#cf4c9a", "#57606a", "#1b7c83")
MAX_LINES = len(PALETTE)
MAX_DRIFT_ROWS = 12


def _when(at: float) -> str:
    from ..core.monitoring.results import when_text

    return when_text(at)


def _columns(points: list[CheckPoint]) -> list[str]:
    """The columns drawn: drifted in the latest check first, then in earlier ones by their largest effect."""
    latest = list(points[-1].drifted) if points else []
    earlier = {c for p in points[:-1] for c in p.drifted} - set(latest)
    peak = {c: max((p.effects.get(c, 0.0) for p in points), default=0.0) for c in earlier}
    return (latest + sorted(earlier, key=lambda c: -peak[c]))[:MAX_LINES]


def _polyline(xs: list[float], ys: list[float | None], colour: str, width: float) -> str:
    """A line through the known points (gaps where a check lacks the value), dots at each point."""
    parts, run = [], []
    for x, y in zip(xs, ys):
        if y is None:
            if len(run) > 1:
                parts.append(run)
            run = []
        else:
            run.append((x, y))
    if len(run) > 1:
        parts.append(run)
    lines = "".join(f'<polyline fill="none" stroke="{colour}" stroke-width="{width}" points="'
                    + " ".join(f"{x:.1f},{y:.1f}" for x, y in seg) + '"/>' for seg in parts)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.2" fill="{colour}"/>' for x, y in zip(xs, ys)
                   if y is not None)
    return lines + dots


def _panel(top: float, height: float, xs: list[float], series: list[tuple[str, list[float | None], str, float]],
           y_max: float, guide: float, guide_label: str, title: str, left: float, right: float) -> str:
    def y_of(v: float) -> float:
        return top + height - min(v, y_max) / y_max * height

    out = [f'<rect x="{left}" y="{top}" width="{right - left}" height="{height}" fill="none" stroke="#d0d7de"/>',
           f'<text x="{left}" y="{top - 4}" font-size="11" fill="#59636e">{escape(title)}</text>',
           f'<text x="{left - 4}" y="{top + 9}" font-size="10" text-anchor="end" fill="#59636e">{y_max:.2g}</text>',
           f'<text x="{left - 4}" y="{top + height}" font-size="10" text-anchor="end" fill="#59636e">0</text>']
    if 0 < guide <= y_max:
        gy = y_of(guide)
        out.append(f'<line x1="{left}" x2="{right}" y1="{gy:.1f}" y2="{gy:.1f}" stroke="#8c959f" '
                   f'stroke-dasharray="4 3"/><text x="{right + 3}" y="{gy + 3:.1f}" font-size="10" '
                   f'fill="#59636e">{escape(guide_label)}</text>')
    for _, values, colour, width in series:
        out.append(_polyline(xs, [None if v is None else y_of(v) for v in values], colour, width))
    return "".join(out)


def drift_chart_svg(points: list[CheckPoint], drift_share: float = 0.5, distance: float = 0.1,
                    width: int = 640) -> str:
    """Share of drifted columns and per-column effect sizes over the recent checks (oldest left)."""
    points = [p for p in points if p.share_drifted is not None]
    if not points:
        return ""
    left, right = 44.0, width - 70.0
    n = len(points)
    xs = [left + (right - left) * (i + 0.5) / n for i in range(n)]
    columns = _columns(points)
    top_h, bottom_h, gap = 50.0, 90.0, 34.0
    share = [("share", [p.share_drifted for p in points], "#24292f", 2.0)]
    svg = [_panel(16, top_h, xs, share, 1.0, drift_share, f"{drift_share:.0%}", "share of columns drifted",
                  left, right)]
    if columns:
        lines = [(c, [p.effects.get(c) for p in points], PALETTE[i], 1.5) for i, c in enumerate(columns)]
        peak = max([v for _, vals, _, _ in lines for v in vals if v is not None] + [distance * 1.5])
        svg.append(_panel(16 + top_h + gap, bottom_h, xs, lines, peak, distance, f"{distance:g}",
                          "effect size of the drifted columns", left, right))
    bottom = 16 + top_h + (gap + bottom_h if columns else 0)
    for i in range(1, n):  # where a new version began to be scored (a promotion)
        before, now = points[i - 1].version, points[i].version
        if before and now and now != before:
            x = (xs[i - 1] + xs[i]) / 2
            svg.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="16" y2="{bottom:.1f}" stroke="#0969da" '
                       f'stroke-dasharray="2 2"/><text x="{x + 2:.1f}" y="28" font-size="10" '
                       f'fill="#0969da">v{escape(now)}</text>')
    svg.append(f'<text x="{left}" y="{bottom + 14}" font-size="10" fill="#59636e">#{points[0].seq} '
               f'{escape(_when(points[0].at))}</text><text x="{right}" y="{bottom + 14}" font-size="10" '
               f'text-anchor="end" fill="#59636e">#{points[-1].seq} {escape(_when(points[-1].at))}</text>')
    legend = "".join(f'<span style="white-space:nowrap;margin-right:10px"><span style="color:{PALETTE[i]}">'
                     f'&#9644;</span> {escape(c)}</span>' for i, c in enumerate(columns))
    height = int(bottom + 22)
    body = "".join(svg)
    chart = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="drift over recent checks" '
             f'style="font-family:system-ui,sans-serif">{body}</svg>')
    return f'<div class="mlops-monitor-chart">{chart}<div style="font-size:11px">{legend}</div></div>'


def trigger_html(outcome: TriggerOutcome, label: str) -> str:
    """One line: the trigger's state as a badge, when, and what it did."""
    colour = TRIGGER_COLOURS.get(outcome.state, "#59636e")
    return (f'<div><span style="{MUTED}">{escape(label)}</span> {badge(outcome.state, colour)} '
            f'<span style="{MUTED}">{escape(_when(outcome.at))}</span> {escape(outcome.summary)}'
            + (f'<div style="{MUTED}">alias history: {escape(outcome.audit)}</div>' if outcome.audit else "")
            + "</div>")


def _drift_rows(result: Any) -> str:
    t = result.table
    drifted = t[t["drift"]].sort_values("effect_size", ascending=False).head(MAX_DRIFT_ROWS)
    if drifted.empty:
        return ""
    body = [[cell(r["column"]), cell(r["test"]), cell(r["statistic"], "-"), cell(r["psi"], "-"),
             cell(r["effect_size"], "-")] for _, r in drifted.iterrows()]
    return table(["drifted column", "test", "statistic", "PSI", "effect size"], body)


def monitor_card_html(check: MonitorCheck) -> str:
    """The verdict, drifted columns, data quality, labels, rules, the retraining, and the chart."""
    colour = VERDICT_COLOURS.get(check.verdict, "#59636e")
    window = check.window
    parts = [
        f'<div style="display:flex;gap:10px;align-items:center;flex-wrap:wrap"><b>{escape(check.ref)}</b>'
        f'<span style="{MUTED}">v{escape(check.version)}</span> {badge(check.verdict, colour)}'
        f'<span>{escape(str(window.get("label", check.traffic)))}, {int(window.get("rows") or 0):,} rows '
        f'({escape(str(window.get("spec", "")))})</span></div>'
    ]
    if check.drift is not None:
        d = check.drift
        parts.append(f"<div>{escape(d.headline())}</div>{_drift_rows(d)}")
    if check.quality is not None:
        q = check.quality
        issues = "".join(f"<li>{escape(str(i))}</li>" for i in q.issues[:10])
        parts.append(f"<div>{escape(q.headline())}</div>" + (f'<ul style="margin:2px 0">{issues}</ul>' if issues else ""))
    if check.labels is not None:
        parts.append(f"<div>{escape(check.labels.line())}</div>")
    for rule in check.rules:
        mark = "&#9679;" if rule.fired else "&#9675;"
        parts.append(f'<div style="{MUTED}">{mark} rule {escape(str(rule))}</div>')
    if check.trigger is not None:
        parts.append(trigger_html(check.trigger, "this check:"))
    if check.last_trigger is not None and check.last_trigger is not check.trigger:
        parts.append(trigger_html(check.last_trigger, "last retraining:"))
    elif check.last_trigger is None and check.trigger is None:
        parts.append(f'<div style="{MUTED}">no retraining recorded for {escape(check.model)} yet</div>')
    share = check.drift.drift_share if check.drift is not None else 0.5
    distance = check.drift.thresholds.get("distance", 0.1) if check.drift is not None else 0.1
    parts.append(drift_chart_svg(check.history, share, distance))
    if check.run_id:
        parts.append(f'<div style="{MUTED}">check #{check.seq}, run <code>{escape(check.run_id)}</code> in '
                     f'experiment {escape(check.experiment)} ({escape(duration_text(check.seconds))}); the drift '
                     f"report is its artifact monitor/drift_report.html</div>")
    return f'<div class="mlops-monitor-card" style="{BOX}">{"".join(parts)}</div>'
