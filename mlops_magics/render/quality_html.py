"""HTML of a data-quality report: the headline, the issues, and every column's null rate, range and unseen share."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from .style import BOX, MUTED, badge, cell, table

if TYPE_CHECKING:  # pragma: no cover
    from ..core.drift.quality import QualityReport

__all__ = ["quality_html"]

STATUS_COLOURS = {"ok": "#1a7f37", "issue": "#cf222e", "missing": "#cf222e", "extra": "#9a6700"}


def _share(value: object) -> str:
    return "-" if not isinstance(value, float) else escape(f"{value:.1%}" if value >= 0.001 or value == 0 else f"{value:.2%}")


def quality_html(report: QualityReport) -> str:
    """The verdict first, then the issues, then the per-column table."""
    colour = "#1a7f37" if report.ok else "#cf222e"
    head = (f'<div style="display:flex;gap:10px;align-items:center">{badge("ok" if report.ok else "issues", colour)}'
            f"<b>{escape(report.headline())}</b></div>"
            f'<div style="{MUTED}">{escape(report.current_label)} against {escape(report.reference_label)}</div>')
    issues = "".join(f"<li><b>{escape(i.column)}</b>: {escape(i.check)} ({escape(i.detail)})</li>" for i in report.issues)
    body = [[cell(r["column"]), cell(r.get("kind")), badge(r.get("status") or "", STATUS_COLOURS.get(r.get("status") or "")),
             _share(r.get("null_rate")), _share(r.get("ref_null_rate")), _share(r.get("out_of_range")),
             cell(r.get("range"), "-"), _share(r.get("unseen")), cell(r.get("note"))] for r in report.rows]
    grid = table(["column", "kind", "status", "nulls", "ref. nulls", "out of range", "ref. range", "unseen", "note"],
                 body)
    listed = f'<ul style="margin:4px 0">{issues}</ul>' if issues else ""
    return f'<div class="mlops-quality" style="{BOX}">{head}{listed}{grid}</div>'
