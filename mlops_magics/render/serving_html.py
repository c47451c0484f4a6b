"""Static HTML for served models: the card under ``%mlops serve`` and the ``--status`` table.

Plain strings with inline styles (they survive nbconvert, papermill and GitHub); every value is escaped.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from .style import BOX, MUTED, badge, table

if TYPE_CHECKING:  # pragma: no cover
    from ..core.serving.results import ServedModel, ServedTable

__all__ = ["served_card_html", "served_table_html"]

_STATE = {"serving": "#1a7f37", "starting": "#0969da", "not answering": "#cf222e"}
_DRIFT, _OK = "#cf222e", "#1a7f37"


def _link(url: str, text: str | None = None) -> str:
    return f'<a href="{escape(url, quote=True)}" target="_blank" rel="noopener">{escape(text or url)}</a>'


def _badge(state: str) -> str:
    return badge(state, _STATE.get(state, "#59636e"))


def _drift(m: "ServedModel") -> str:
    colour = _DRIFT if m.dataset_drift else (_OK if m.dataset_drift is False else "#59636e")
    return f'<span style="color:{colour}">{escape(m.drift_verdict)}</span>'


def _line(label: str, body: str) -> str:
    return f'<div><span style="{MUTED}">{escape(label)}</span> {body}</div>'


def served_card_html(m: "ServedModel") -> str:
    """URL, the version behind the alias, requests so far, drift, and a link to /metrics."""
    rows = [
        f"<div><b>{escape(m.source)}</b> &rarr; <b>{escape(m.model)} {escape(m.version_text)}</b> "
        f"{_badge(m.state)} <span style=\"{MUTED}\">pid {m.pid}"
        f"{f', {m.workers} workers' if m.workers > 1 else ''}</span></div>",
        _line("url", f"<code>{escape(m.url)}/invocations</code>"),
        _line("requests", f"<b>{m.requests}</b> ({m.errors} errors), {m.rows} rows scored"),
        _line("drift", _drift(m)),
    ]
    if m.canary:
        rows.append(_line("canary", f"<code>{escape(m.canary)}</code> v{escape(str(m.canary_version))} answers "
                                    f"{m.canary_share:.0%}"))
    if m.shadow:
        agree = f", agreement {m.shadow_agreement:.1%}" if m.shadow_agreement is not None else ""
        rows.append(_line("shadow", f"<code>{escape(m.shadow)}</code> v{escape(str(m.shadow_version))}{agree}"))
    if m.capture:
        rows.append(_line("capture", f"dataset <code>{escape(m.capture)}</code> ({m.capture_rows} rows captured)"))
    if m.load_error:
        rows.append(f'<div style="color:{_DRIFT}">last load failed: {escape(m.load_error)}</div>')
    rows.append(_line("metrics", _link(m.metrics_url)))
    return f'<div class="mlops-served" style="{BOX}">{"".join(rows)}</div>'


def served_table_html(t: "ServedTable") -> str:
    """One row per server of the project."""
    if not t.items:
        return (f'<div style="{BOX}"><span style="{MUTED}">nothing served by this project '
                f"(start one: <code>%mlops serve NAME@ALIAS --port 5001</code>)</span></div>")
    header = ["model", "version", "url", "state", "requests", "drift", "metrics"]
    body = [[escape(m.source), escape(m.version_text), f"<code>{escape(m.url)}</code>", _badge(m.state),
             str(m.requests), _drift(m), _link(m.metrics_url, "/metrics")] for m in t.items]
    return f'<div class="mlops-served-table" style="{BOX}">{table(header, body)}</div>'
