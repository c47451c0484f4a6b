"""Static HTML of a reproducibility check: the verdict, both runs, the values that differ, the likely causes,
and every value compared in a fold. Inline styles only (it survives nbconvert, papermill and GitHub); every
value is escaped."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from ..core.formatting import duration_text
from .style import BOX, MUTED, badge, cell, table

if TYPE_CHECKING:  # pragma: no cover
    from ..core.reproduce.results import Reproduction, ValueCheck

__all__ = ["reproduction_html"]

_GOOD, _BAD, _NOTE = "#1a7f37", "#cf222e", "#9a6700"
_HEADER = ["where", "value", "original", "new", "abs diff", "rel diff", ""]


def _run(name: str, run_id: str, url: str | None) -> str:
    ident = f"<b>{escape(name)}</b> <code style=\"{MUTED}\">{escape(run_id)}</code>"
    if url:
        ident += f' <a href="{escape(url, quote=True)}" target="_blank" rel="noopener">open in MLflow UI</a>'
    return ident


def _rows(checks: list[ValueCheck]) -> list[list[str]]:
    mark = {True: f'<span style="color:{_GOOD}">&#10003;</span>', False: f'<span style="color:{_BAD}">&#10007;</span>'}
    return [[escape(c.scope), f'<span style="{MUTED}">{escape(c.kind)}</span> {escape(c.key)}',
             cell(c.original, "(missing)"), cell(c.new, "(missing)"), cell(c.abs_diff, "-"), cell(c.rel_diff, "-"),
             mark[c.ok]] for c in checks]


def reproduction_html(result: Reproduction) -> str:
    """The card under ``%mlops reproduce``."""
    colour = _GOOD if result.reproduced else _BAD
    rows = [
        f'<div style="display:flex;gap:10px;align-items:center;flex-wrap:wrap">{badge(result.verdict, colour)}'
        f"<b>{escape(result.headline.partition(': ')[2])}</b></div>",
        f'<div><span style="{MUTED}">original</span> '
        f"{_run(result.original_name, result.original_run_id, result.original_url)}</div>",
        f'<div><span style="{MUTED}">reproduction</span> {_run(result.new_name, result.new_run_id, result.new_url)} '
        f'{badge(result.status)} <span style="{MUTED}">in {escape(duration_text(result.duration_s))}</span></div>',
        f'<div><span style="{MUTED}">replayed</span> {escape(result.replayed)}</div>',
        f'<div><span style="{MUTED}">executed notebook</span> <code>{escape(result.notebook)}</code></div>',
    ]
    if result.pinned:
        pins = ", ".join(f"<code>{escape(n)}@{escape(v)}</code>" for n, v in result.pinned.items())
        rows.append(f'<div><span style="{MUTED}">data</span> {pins} '
                    f'<span style="{MUTED}">(the versions the original used)</span></div>')
    if result.differing:
        rows.append(table(_HEADER, _rows(result.differing), "values that differ"))
    for title, found, colour in (("likely causes", result.causes, "inherit"), ("notes", result.notes, _NOTE)):
        if found:
            items = "".join(f'<li><span style="{MUTED}">{escape(c.kind)}</span> {escape(c.text)}</li>' for c in found)
            rows.append(f'<div style="margin-top:4px"><b>{title}</b>'
                        f'<ul style="margin:2px 0;padding-left:18px;color:{colour}">{items}</ul></div>')
    if result.values:
        rows.append(f'<details style="margin-top:4px"><summary style="cursor:pointer;{MUTED}">all '
                    f"{len(result.values)} value(s) compared (rtol {result.rtol:g}, atol {result.atol:g})</summary>"
                    f"{table(_HEADER, _rows(result.values))}</details>")
    else:
        rows.append(f'<div style="{MUTED}">{escape(result.empty_text)}</div>')
    return f'<div class="mlops-reproduction" style="{BOX}">{"".join(rows)}</div>'
