"""Static HTML for run cards, run tables, comparisons and the store status.

Plain strings with inline styles (JupyterLab theme variables with light fallbacks), so they survive
nbconvert, papermill outputs and GitHub's notebook view. Every value is escaped.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any, Iterable

from ..core.formatting import duration_text
from .style import BOX, MUTED, badge, cell, table

if TYPE_CHECKING:  # pragma: no cover
    from ..core.tracking.results import RunCard, RunComparison, RunTable, StoreStatus

__all__ = ["comparison_html", "run_card_html", "run_table_html", "status_html"]

def _pairs(items: Iterable[tuple[str, Any]]) -> str:
    return " ".join(
        f'<code style="white-space:nowrap">{escape(str(k))}=<b>{cell(v)}</b></code>'
        for k, v in items
    )


def _link(url: str | None, hint: str | None) -> str:
    if url:
        return f'<a href="{escape(url, quote=True)}" target="_blank" rel="noopener">open in MLflow UI</a>'
    if hint:
        return f'<span style="{MUTED}">MLflow UI: <code>{escape(hint)}</code></span>'
    return ""


def run_card_html(card: RunCard) -> str:
    """A compact card: name, status, duration, params, metrics, warnings, where to open it."""
    rows = [
        f'<div style="display:flex;gap:10px;align-items:center;flex-wrap:wrap">'
        f"<b>{escape(card.name)}</b> {badge(card.status)}"
        f'<span style="{MUTED}">{escape(card.duration_text)}</span>'
        f'<code style="{MUTED}">{escape(card.run_id)}</code>'
        f"{_link(card.ui_url, card.ui_hint)}</div>"
    ]
    if card.params:
        rows.append(f'<div><span style="{MUTED}">params</span> {_pairs(card.params.items())}</div>')
    if card.metrics:
        rows.append(f'<div><span style="{MUTED}">metrics</span> {_pairs(card.metrics.items())}</div>')
    for warning in card.warnings:
        rows.append(f'<div style="color:#9a6700">&#9888; {escape(warning)}</div>')
    return f'<div class="mlops-run-card" style="{BOX}">{"".join(rows)}</div>'




def run_table_html(runs: RunTable) -> str:
    """Runs newest first, with their metrics as columns."""
    if not runs.rows:
        return f'<div style="{BOX}">No runs yet. Track one with <code>%%mlops track</code>.</div>'
    metric_keys = sorted({k for r in runs.rows for k in r if k.startswith("metrics.")})
    param_keys = sorted({k for r in runs.rows for k in r if k.startswith("params.")})
    header = ["run", "status", "started", "duration"] + metric_keys + param_keys
    body = []
    for r in runs.rows:
        body.append(
            [
                f"<b>{escape(str(r.get('name', '')))}</b><br><code style='{MUTED}'>{escape(r['run_id'][:12])}</code>",
                badge(str(r.get("status", ""))),
                f'<span style="white-space:nowrap">{escape(str(r.get("start_time", "")))}</span>',
                escape(duration_text(r.get("duration_s"))),
                *(cell(r.get(k)) for k in metric_keys + param_keys),
            ]
        )
    title = f"runs of {escape(runs.experiment)}" if runs.experiment else "runs"
    return f'<div style="{BOX}"><b>{title}</b> <span style="{MUTED}">({len(runs.rows)})</span>{table(header, body)}</div>'


def comparison_html(comparison: RunComparison) -> str:
    """Only what differs (or everything with --all)."""
    rows = comparison.rows()
    header = [""] + [f"{r['name']} ({r['run_id'][:8]})" for r in comparison.runs]
    if not rows:
        return f'<div style="{BOX}">The runs do not differ in any param or metric (<code>--all</code> shows them).</div>'
    body = [[f"<span style='{MUTED}'>{kind}</span> {escape(key)}"] + [cell(v) for v in values] for kind, key, values in rows]
    what = "all params and metrics" if comparison.show_all else "params and metrics that differ"
    return f'<div style="{BOX}"><b>{what}</b>{table(header, body)}</div>'


def status_html(status: StoreStatus) -> str:
    """The store, the experiment and the active runs."""
    active = "".join(
        f"<div>{escape(r['kind'])} run <b>{escape(r['name'])}</b> <code>{escape(r['run_id'])}</code></div>"
        for r in status.active
    ) or f'<div style="{MUTED}">no active run: start one with <code>%mlops track</code></div>'
    reaped = (
        f'<div style="color:#9a6700">ended as KILLED at start-up (dead kernels): {escape(", ".join(status.reaped))}</div>'
        if status.reaped else ""
    )
    return (
        f'<div style="{BOX}"><div><span style="{MUTED}">tracking URI</span> <code>{escape(status.tracking_uri)}</code></div>'
        f'<div><span style="{MUTED}">store</span> <code>{escape(status.store)}</code>{" (embedded)" if status.embedded else ""}</div>'
        f'<div><span style="{MUTED}">experiment</span> {escape(status.experiment or "Default")}</div>'
        f"{active}{reaped}<div>{_link(None, status.ui_hint)}</div></div>"
    )
