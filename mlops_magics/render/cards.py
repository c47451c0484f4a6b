"""Static HTML for run cards, run tables, comparisons and the store status.

Plain strings with inline styles (JupyterLab theme variables with light fallbacks), so they survive
nbconvert, papermill outputs and GitHub's notebook view. Every value is escaped.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any, Iterable

from ..core.tracking.run_columns import MAX_NAME, label, value_text
from .style import BOX, MUTED, badge, cell, table

if TYPE_CHECKING:  # pragma: no cover
    from ..core.tracking.results import RunCard, RunComparison, RunTable, StoreStatus

__all__ = ["comparison_html", "run_card_html", "run_table_html", "status_html"]

TABLE_CHARS = 110  # a run table's key columns fit in about this many characters (the 900 px box)

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




def _run_cells(r: dict[str, Any], keys: list[str]) -> list[str]:
    out = []
    for key in keys:
        value = r.get(key)
        if key == "name":
            name = str(value or "")
            shown = name if len(name) <= MAX_NAME else name[:MAX_NAME - 1] + "\u2026"
            out.append(f'<b style="white-space:nowrap" title="{escape(name, quote=True)}">{escape(shown)}</b>')
        elif key == "status":
            out.append(badge(str(value or "")))
        elif key == "run_id":
            out.append(f'<code style="{MUTED}">{escape(value_text(key, value))}</code>')
        elif key in ("start_time", "duration_s"):
            out.append(f'<span style="white-space:nowrap">{escape(value_text(key, value))}</span>')
        else:
            out.append(cell(value))
    return out


def run_table_html(runs: RunTable) -> str:
    """The key columns of the runs (or those chosen with ``--columns``); every column in a fold below."""
    if not runs.rows:
        return f'<div style="{BOX}">{escape(runs.empty_message())}</div>'
    keys = runs.shown_keys(TABLE_CHARS)
    title = f'<b>{escape(runs.title)}</b>'
    body = table([label(k) for k in keys], [_run_cells(r, keys) for r in runs.rows])
    every = runs.all_keys()
    rest = [k for k in every if k not in keys]
    fold = ""
    if any(r.get(k) is not None for r in runs.rows for k in rest):
        n_metrics = sum(k.startswith("metrics.") for k in rest)
        n_params = sum(k.startswith("params.") for k in rest)
        more = ", ".join(f"{n} more {what}" for n, what in ((n_metrics, "metrics"), (n_params, "params")) if n)
        full = table([label(k) for k in every], [_run_cells(r, every) for r in runs.rows])
        fold = (f'<details style="margin-top:4px"><summary style="cursor:pointer;{MUTED}">all {len(every)} '
                f'columns ({escape(more or "more details")}); <code>--columns a,b</code> picks the shown ones, '
                f'<code>t.to_pandas()</code> has them all</summary>'
                f'<div style="overflow-x:auto;max-width:100%">{full}</div></details>')
    return f'<div class="mlops-runs" style="{BOX}">{title}<div style="overflow-x:auto">{body}</div>{fold}</div>'


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
