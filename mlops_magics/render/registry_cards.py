"""Static HTML for the registry results: registration, promotion / comparison, model and version tables,
alias history. Plain strings with inline styles (they survive nbconvert, papermill and GitHub); every value
is escaped."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from .style import BOX, MUTED, cell, table
from .tables import rows_table

if TYPE_CHECKING:  # pragma: no cover
    from ..core.registry.audit import AliasEvent
    from ..core.registry.results import (AliasHistory, Comparison, ModelTable, Promotion, Registration,
                                         VersionTable)

__all__ = ["comparison_html", "history_html", "model_table_html", "promotion_html", "registration_html",
           "version_table_html"]

_GOOD, _BAD, _NOTE = "#1a7f37", "#cf222e", "#9a6700"


def _e(value: Any) -> str:
    return cell(value, "-")


def _line(label: str, body: str) -> str:
    return f'<div><span style="{MUTED}">{escape(label)}</span> {body}</div>'


def registration_html(reg: Registration) -> str:
    """Name and version, the gates that passed, alias, data, commit, how to load it."""
    gates = " ".join(
        f'<span style="color:{_GOOD}">&#10003;</span> <code>{escape(str(c.gate))}</code> '
        f'<span style="{MUTED}">({escape(f"{c.value:.6g}")})</span>' for c in reg.gates
    ) or f'<span style="{MUTED}">none</span>'
    rows = [
        f"<div><b>{escape(reg.name)}</b> <b>v{escape(reg.version)}</b> registered "
        f'<span style="{MUTED}">({escape(reg.flavor)}, run <code>{escape(reg.run_id)}</code>'
        f'{" new" if reg.new_run else ""})</span></div>',
        _line("gates", gates),
    ]
    if reg.alias:
        rows.append(_line("alias", f"<code>{escape(reg.name)}@{escape(reg.alias)}</code> &rarr; v{escape(reg.version)}"))
    rows.append(_line("data", escape(", ".join(reg.data_versions)) or f'<span style="{MUTED}">none recorded</span>'))
    rows.append(_line("git commit", f"<code>{escape(reg.git_commit or 'unknown')}</code>"))
    if not reg.has_signature:
        rows.append(f'<div style="color:{_NOTE}">&#9888; no signature: pass <code>--input-example X</code></div>')
    rows.append(_line("load", f"<code>%mlops load {escape(reg.name)}@v{escape(reg.version)}</code> "
                              f'<span style="{MUTED}">({escape(reg.uri)})</span>'))
    return f'<div class="mlops-registration" style="{BOX}">{"".join(rows)}</div>'


def _comparison_body(cmp: Comparison) -> str:
    if cmp.holder is None:
        return f'<div style="{MUTED}">no current holder of @{escape(cmp.alias)}</div>'
    header = ["", f"candidate v{cmp.candidate.version}", f"@{cmp.alias} v{cmp.holder.version}"]
    body = [[f"<span style='{MUTED}'>{escape(kind)}</span> {escape(key)}", _e(a), _e(b)]
            for kind, key, a, b in cmp.rows()]
    body.append([f"<span style='{MUTED}'>data</span>", escape(", ".join(cmp.candidate.data_versions) or "-"),
                 escape(", ".join(cmp.holder.data_versions) or "-")])
    return table(header, body)


def comparison_html(cmp: Comparison) -> str:
    """Candidate vs holder: what differs, and the data each was trained on."""
    title = f"<b>{escape(cmp.name)} v{escape(cmp.candidate.version)} vs @{escape(cmp.alias)}</b>"
    return f'<div class="mlops-comparison" style="{BOX}">{title}{_comparison_body(cmp)}</div>'


def promotion_html(promo: Promotion) -> str:
    """The decision, then the comparison it was based on."""
    colour = _GOOD if promo.moved else "#59636e"
    rows = [f'<div style="color:{colour}"><b>{escape(promo.decision)}</b></div>']
    if promo.event is not None:
        e = promo.event
        rows.append(f'<div style="{MUTED}">by {escape(e.user)} at {escape(e.when)}'
                    f'{": " + escape(e.reason) if e.reason else ""}</div>')
    if promo.comparison is not None and promo.comparison.holder is not None:
        rows.append(_comparison_body(promo.comparison))
    return f'<div class="mlops-promotion" style="{BOX}">{"".join(rows)}</div>'


def refusal_html(message: str, cmp: Comparison | None) -> str:
    """A refused promotion: the reason in red, then the comparison."""
    body = _comparison_body(cmp) if cmp is not None else ""
    return f'<div class="mlops-promotion" style="{BOX}"><div style="color:{_BAD}"><b>{escape(message)}</b></div>{body}</div>'


def model_table_html(models: ModelTable) -> str:
    if not models.rows:
        return f'<div style="{BOX}">No registered models yet: <code>%mlops register MODEL --name NAME</code>.</div>'
    return f'<div style="{BOX}"><b>registered models</b> <span style="{MUTED}">({len(models.rows)})</span>{rows_table(models.rows)}</div>'


def _events_html(events: list[AliasEvent]) -> str:
    header = ["when", "who", "action", "alias", "from", "to", "reason"]
    body = [[escape(e.when), escape(e.user), escape(e.action), escape(e.alias),
             escape(f"v{e.from_version}" if e.from_version else "-"), escape(f"v{e.to_version}"), escape(e.reason)]
            for e in events]
    return table(header, body)


def version_table_html(versions: VersionTable) -> str:
    if not versions.rows:
        return f'<div style="{BOX}">{escape(versions.name)} has no versions yet.</div>'
    out = f'<b>{escape(versions.name)}</b> <span style="{MUTED}">({len(versions.rows)} versions)</span>{rows_table(versions.rows)}'
    if versions.history:
        out += f'<div style="margin-top:6px"><b>recent alias moves</b></div>{_events_html(versions.history)}'
    return f'<div style="{BOX}">{out}</div>'


def history_html(hist: AliasHistory) -> str:
    what = f"{hist.name}@{hist.alias}" if hist.alias else hist.name
    if not hist.events:
        return f'<div style="{BOX}">No alias moves recorded for {escape(what)}.</div>'
    return f'<div style="{BOX}"><b>alias history of {escape(what)}</b>{_events_html(hist.events)}</div>'
