"""Static HTML for run cards, run tables, comparisons and the store status.

Plain strings with inline styles (JupyterLab theme variables with light fallbacks), so they survive
nbconvert, papermill outputs and GitHub's notebook view. Every value is escaped.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any, Iterable

from ..core.results import duration_text

if TYPE_CHECKING:  # pragma: no cover
    from ..core.results import RunCard, RunComparison, RunTable, StoreStatus

__all__ = ["comparison_html", "run_card_html", "run_table_html", "status_html"]

_STATUS_COLOURS = {
    "FINISHED": "#1a7f37",
    "RUNNING": "#0969da",
    "FAILED": "#cf222e",
    "KILLED": "#9a6700",
}
_BOX = (
    "font-family:var(--jp-ui-font-family,system-ui,sans-serif);font-size:12px;"
    "border:1px solid var(--jp-border-color2,#d0d7de);border-radius:6px;padding:6px 10px;"
    "margin:4px 0;max-width:900px;color:var(--jp-ui-font-color1,#1f2328);"
    "background:var(--jp-layout-color0,#fff)"
)
_TABLE = "border-collapse:collapse;font-size:12px;margin-top:4px"
_CELL = "padding:2px 8px;border-bottom:1px solid var(--jp-border-color3,#eaeef2);text-align:left"
_MUTED = "color:var(--jp-ui-font-color2,#59636e)"


def _badge(status: str) -> str:
    colour = _STATUS_COLOURS.get(status, "#59636e")
    return (
        f'<span style="background:{colour};color:#fff;border-radius:10px;padding:0 7px;'
        f'font-size:11px;font-weight:600">{escape(status)}</span>'
    )


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return "" if value is None else str(value)


def _pairs(items: Iterable[tuple[str, Any]]) -> str:
    return " ".join(
        f'<code style="white-space:nowrap">{escape(str(k))}=<b>{escape(_fmt(v))}</b></code>'
        for k, v in items
    )


def _link(url: str | None, hint: str | None) -> str:
    if url:
        return f'<a href="{escape(url, quote=True)}" target="_blank" rel="noopener">open in MLflow UI</a>'
    if hint:
        return f'<span style="{_MUTED}">MLflow UI: <code>{escape(hint)}</code></span>'
    return ""


def run_card_html(card: RunCard) -> str:
    """A compact card: name, status, duration, params, metrics, warnings, where to open it."""
    rows = [
        f'<div style="display:flex;gap:10px;align-items:center;flex-wrap:wrap">'
        f"<b>{escape(card.name)}</b> {_badge(card.status)}"
        f'<span style="{_MUTED}">{escape(card.duration_text)}</span>'
        f'<code style="{_MUTED}">{escape(card.run_id)}</code>'
        f"{_link(card.ui_url, card.ui_hint)}</div>"
    ]
    if card.params:
        rows.append(f'<div><span style="{_MUTED}">params</span> {_pairs(card.params.items())}</div>')
    if card.metrics:
        rows.append(f'<div><span style="{_MUTED}">metrics</span> {_pairs(card.metrics.items())}</div>')
    for warning in card.warnings:
        rows.append(f'<div style="color:#9a6700">&#9888; {escape(warning)}</div>')
    return f'<div class="mlops-run-card" style="{_BOX}">{"".join(rows)}</div>'


def _table(header: list[str], body: list[list[Any]]) -> str:
    head = "".join(f'<th style="{_CELL}">{escape(h)}</th>' for h in header)
    lines = []
    for row in body:
        cells = "".join(f'<td style="{_CELL}">{c}</td>' for c in row)
        lines.append(f"<tr>{cells}</tr>")
    return f'<table style="{_TABLE}"><thead><tr>{head}</tr></thead><tbody>{"".join(lines)}</tbody></table>'


def run_table_html(table: RunTable) -> str:
    """Runs newest first, with their metrics as columns."""
    if not table.rows:
        return f'<div style="{_BOX}">No runs yet. Track one with <code>%%mlops track</code>.</div>'
    metric_keys = sorted({k for r in table.rows for k in r if k.startswith("metrics.")})
    param_keys = sorted({k for r in table.rows for k in r if k.startswith("params.")})
    header = ["run", "status", "started", "duration"] + metric_keys + param_keys
    body = []
    for r in table.rows:
        body.append(
            [
                f"<b>{escape(str(r.get('name', '')))}</b><br><code style='{_MUTED}'>{escape(r['run_id'][:12])}</code>",
                _badge(str(r.get("status", ""))),
                f'<span style="white-space:nowrap">{escape(str(r.get("start_time", "")))}</span>',
                escape(duration_text(r.get("duration_s"))),
                *(escape(_fmt(r.get(k))) for k in metric_keys + param_keys),
            ]
        )
    title = f"runs of {escape(table.experiment)}" if table.experiment else "runs"
    return f'<div style="{_BOX}"><b>{title}</b> <span style="{_MUTED}">({len(table.rows)})</span>{_table(header, body)}</div>'


def comparison_html(comparison: RunComparison) -> str:
    """Only what differs (or everything with --all)."""
    rows = comparison.rows()
    header = [""] + [f"{r['name']} ({r['run_id'][:8]})" for r in comparison.runs]
    if not rows:
        return f'<div style="{_BOX}">The runs do not differ in any param or metric (<code>--all</code> shows them).</div>'
    body = [[f"<span style='{_MUTED}'>{kind}</span> {escape(key)}"] + [escape(_fmt(v)) for v in values] for kind, key, values in rows]
    what = "all params and metrics" if comparison.show_all else "params and metrics that differ"
    return f'<div style="{_BOX}"><b>{what}</b>{_table(header, body)}</div>'


def status_html(status: StoreStatus) -> str:
    """The store, the experiment and the active runs."""
    active = "".join(
        f"<div>{escape(r['kind'])} run <b>{escape(r['name'])}</b> <code>{escape(r['run_id'])}</code></div>"
        for r in status.active
    ) or f'<div style="{_MUTED}">no active run: start one with <code>%mlops track</code></div>'
    reaped = (
        f'<div style="color:#9a6700">ended as KILLED at start-up (dead kernels): {escape(", ".join(status.reaped))}</div>'
        if status.reaped else ""
    )
    return (
        f'<div style="{_BOX}"><div><span style="{_MUTED}">tracking URI</span> <code>{escape(status.tracking_uri)}</code></div>'
        f'<div><span style="{_MUTED}">store</span> <code>{escape(status.store)}</code>{" (embedded)" if status.embedded else ""}</div>'
        f'<div><span style="{_MUTED}">experiment</span> {escape(status.experiment or "Default")}</div>'
        f"{active}{reaped}<div>{_link(None, status.ui_hint)}</div></div>"
    )
