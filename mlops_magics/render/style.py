"""What every HTML builder shares: the box, table and muted styles (JupyterLab theme variables with light
fallbacks, so the HTML reads in JupyterLab, in nbconvert output and on GitHub), the state badge and a table
of escaped or pre-built cells."""

from __future__ import annotations

from html import escape
from typing import Any, Iterable

from ..core.formatting import format_value

__all__ = ["BOX", "CELL", "MUTED", "TABLE", "badge", "cell", "table"]

BOX = (
    "font-family:var(--jp-ui-font-family,system-ui,sans-serif);font-size:12px;"
    "border:1px solid var(--jp-border-color2,#d0d7de);border-radius:6px;padding:6px 10px;"
    "margin:4px 0;max-width:900px;color:var(--jp-ui-font-color1,#1f2328);"
    "background:var(--jp-layout-color0,#fff)"
)
TABLE = "border-collapse:collapse;font-size:12px;margin-top:4px"
CELL = "padding:2px 8px;border-bottom:1px solid var(--jp-border-color3,#eaeef2);text-align:left;vertical-align:top"
MUTED = "color:var(--jp-ui-font-color2,#59636e)"

STATUS_COLOURS = {
    # run statuses
    "FINISHED": "#1a7f37", "RUNNING": "#0969da", "FAILED": "#cf222e", "KILLED": "#9a6700",
}


def badge(text: str, colour: str | None = None) -> str:
    """A small coloured pill (run status, step state)."""
    colour = colour or STATUS_COLOURS.get(text, "#59636e")
    return (
        f'<span style="background:{colour};color:#fff;border-radius:10px;padding:0 7px;'
        f'font-size:11px;font-weight:600;white-space:nowrap">{escape(text)}</span>'
    )


def cell(value: Any, missing: str = "") -> str:
    """A value as escaped cell text (floats to 6 significant digits)."""
    return escape(format_value(value, missing))


def table(header: Iterable[str], body: Iterable[Iterable[str]], caption: str | None = None) -> str:
    """A table: ``header`` is escaped here; ``body`` cells are HTML already (escape them with :func:`cell`)."""
    head = "".join(f'<th style="{CELL}">{escape(h)}</th>' for h in header)
    rows = "".join("<tr>" + "".join(f'<td style="{CELL}">{c}</td>' for c in row) + "</tr>" for row in body)
    cap = f'<caption style="text-align:left;{MUTED}">{escape(caption)}</caption>' if caption else ""
    return f'<table style="{TABLE}">{cap}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
