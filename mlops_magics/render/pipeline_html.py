"""Static HTML for a pipeline execution: one row per step (state, duration, cache hit, what it
decided, executed notebook), the DAG beside it. Plain strings with inline styles; every value escaped.
"""

from __future__ import annotations

import os
from html import escape
from typing import TYPE_CHECKING

from ..core.formatting import duration_text
from .style import BOX, CELL, MUTED, badge
from .dag_svg import STATE_COLOURS, dag_svg

if TYPE_CHECKING:  # pragma: no cover
    from ..core.pipeline.results import PipelineGraph, PipelineResult, StepResult

__all__ = ["graph_html", "pipeline_html"]



def _badge(state: str) -> str:
    _, colour = STATE_COLOURS.get(state, STATE_COLOURS["pending"])
    return badge(state, colour)


def _notebook_link(path: str | None) -> str:
    if not path:
        return ""
    try:
        href = os.path.relpath(path)
    except ValueError:
        href = path
    if href.startswith(".."):
        href = path
    return (f'<a href="{escape(href, quote=True)}" target="_blank" rel="noopener" title="{escape(path, quote=True)}">'
            f"<code>{escape(os.path.basename(path))}</code></a>")


_PLAN_WORDS = {"run": "will run", "cached": "cached", "not selected": "not selected"}


def _detail(step: StepResult) -> str:
    """Why it ran (or will), its error, and what it decided (the outcome its notebook published)."""
    detail = step.error or step.reason or ""
    if step.state == "pending" and step.plan:
        detail = f"{_PLAN_WORDS.get(step.plan, step.plan)}: {step.reason}" if step.reason else step.plan
    if step.state == "running" and step.cells:
        detail = f"cell {step.cell}/{step.cells}" + (f" · {detail}" if detail else "")
    colour = "#cf222e" if step.error else "inherit"
    html = f'<span style="color:{colour}">{escape(detail)}</span>'
    if step.outcome and step.outcome != step.error:
        html += f'<div class="mlops-outcome" style="font-weight:600">{escape(step.outcome)}</div>'
    return html


def _row(step: StepResult) -> str:
    attempts = f" ({step.attempts} attempts)" if step.attempts > 1 else ""
    cells = [
        f"<b>{escape(step.name)}</b><br><span style=\"{MUTED}\">{escape(step.notebook)}</span>",
        _badge(step.state),
        escape(duration_text(step.elapsed_s)) + escape(attempts),
        "&#10003;" if step.cached else "",
        _detail(step),
        _notebook_link(step.executed),
    ]
    return "<tr>" + "".join(f'<td style="{CELL}">{c}</td>' for c in cells) + "</tr>"


def pipeline_html(result: PipelineResult) -> str:
    """The whole view: header, step table and DAG."""
    head = (f'<div style="display:flex;gap:10px;align-items:center;flex-wrap:wrap"><b>pipeline '
            f"{escape(result.name)}</b> {_badge(result.state)}"
            f'<span style="{MUTED}">{escape(duration_text(result.duration_s))} · {escape(result.summary())}</span>')
    if result.run_id:
        head += f'<code style="{MUTED}">run {escape(result.run_id)}</code>'
    head += "</div>"
    header_cells = "".join(f'<th style="{CELL}">{h}</th>'
                           for h in ("step", "state", "duration", "cache", "detail", "executed notebook"))
    table = (f'<table style="border-collapse:collapse;font-size:12px;margin-top:4px"><thead><tr>{header_cells}'
             f"</tr></thead><tbody>{''.join(_row(s) for s in result.steps.values())}</tbody></table>")
    picture = dag_svg({n: s.depends_on for n, s in result.steps.items()},
                      {n: s.state for n, s in result.steps.items()})
    body = (f'<div style="display:flex;gap:16px;align-items:flex-start;flex-wrap:wrap">{table}'
            f'<div style="overflow-x:auto">{picture}</div></div>')
    foot = f'<div style="{MUTED};margin-top:4px">lock file <code>{escape(result.lock_path)}</code></div>'
    return f'<div class="mlops-pipeline" style="{BOX}">{head}{body}{foot}</div>'


def graph_html(graph: PipelineGraph) -> str:
    """``%mlops pipeline show``: the steps and their notebooks as a DAG."""
    return (f'<div class="mlops-pipeline-graph"><div style="font-family:var(--jp-ui-font-family,'
            f'system-ui,sans-serif);font-size:12px"><b>pipeline {escape(graph.name)}</b> '
            f"<code>{escape(graph.path)}</code></div>{dag_svg(graph.depends_on, labels=graph.notebooks)}</div>")
