"""The static rendering of a drift result: HTML without scripts (its text is :mod:`mlops_magics.core.drift.text`).

The HTML is what nbconvert, papermill output notebooks and GitHub show: the verdict header, the per-column
table with a sparkline per row, and the distributions of the most drifted columns in ``<details>`` blocks.
It stays under 200 KB whatever the data size (at most 200 table rows and 10 distribution charts). Every
column name and category value is escaped.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
from pathlib import Path
from typing import Any

__all__ = ["TOOLTIPS", "render_html", "report_page", "save_report"]

MAX_ROWS = 200
MAX_CHARTS = 10
BUDGET = 150_000

TOOLTIPS: dict[str, str] = {
    "column": "Column name. Target and prediction columns are marked.",
    "kind": "numeric (also datetimes, as seconds), categorical or boolean; integers with at most 10 distinct "
            "values count as categorical, as in Evidently.",
    "test": "auto follows Evidently: reference <= 1000 values -> KS (numeric) / chi-square (categorical) at "
            "p < 0.05; larger -> normed Wasserstein / Jensen-Shannon at >= 0.1. Numeric columns with <= 5 "
            "distinct values are tested as categories.",
    "statistic": "ks: largest gap between the two CDFs; chi2: chi-square of the 2 x k table (homogeneity); "
                 "wasserstein: earth mover's distance / reference std; jensenshannon: JS distance (natural "
                 "log, 0 to 0.83); psi: population stability index.",
    "p_value": "Probability of a difference at least this large without drift (KS and chi-square only). "
               "With --correction bh the Benjamini-Hochberg adjusted value is judged. Large samples make tiny "
               "differences significant: read it with the effect size.",
    "psi": "Population stability index over the reference deciles (empty bins floored at 1e-4). Rule of "
           "thumb: < 0.1 stable, 0.1-0.25 moderate, > 0.25 large shift.",
    "effect_size": "How big the change is, whatever the sample size: normed Wasserstein distance for numbers "
                   "(in reference standard deviations), Jensen-Shannon distance for categories.",
    "drift": "p-value below the p-value threshold, or distance at or above the distance threshold. The "
             "dataset drifts when at least the drift share of columns drift.",
    "missing": "Missing values (NaN, None, NaT) in reference / current; they are left out of the tests and "
               "drawn as their own bin.",
    "distribution": "Reference (grey) and current (orange) shares; the last bins are missing / infinite.",
}

_STYLE = """<style>
.mmd{font:13px/1.4 system-ui,sans-serif;color:#222;max-width:1100px}
.mmd h4{margin:4px 0 8px;font-size:15px}.mmd .yes{color:#b3261e;font-weight:600}.mmd .no{color:#1b7f3b;font-weight:600}
.mmd table{border-collapse:collapse;width:100%}.mmd th,.mmd td{padding:3px 8px;border-bottom:1px solid #e4e4e4;text-align:left}
.mmd th{background:#f6f6f6;cursor:help}.mmd td.n{text-align:right;font-variant-numeric:tabular-nums}
.mmd tr.d td{background:#fff4f2}.mmd .muted{color:#777;font-size:12px}.mmd details{margin:4px 0}
</style>"""


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def fmt(x: Any, kind: str = "g") -> str:
    """A number for a table cell: '–' for missing values."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    if isinstance(x, (bool,)):
        return "yes" if x else "no"
    if kind == "p":
        return f"{x:.2e}" if 0 < x < 1e-3 else f"{x:.3f}"
    return f"{x:.4g}"


def _label(x: float, is_dt: bool) -> str:
    if is_dt:
        try:
            return _dt.datetime.fromtimestamp(x, _dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
        except (OverflowError, OSError, ValueError):
            return fmt(x)
    return fmt(x)


def _shares(counts: list[int], extra: list[int]) -> list[float]:
    total = sum(counts) + sum(extra) or 1
    return [c / total for c in counts + extra]


def _series(detail: dict) -> tuple[list[str], list[float], list[float]]:
    """Bin labels and both sides' shares, missing (and infinite) values as their own bins."""
    if detail["type"] == "hist":
        edges = detail["edges"]
        labels = [f"{_label(a, detail['datetime'])} – {_label(b, detail['datetime'])}" for a, b in zip(edges, edges[1:])]
    else:
        labels = list(detail["labels"])
    r_extra, c_extra = [detail["ref_missing"]], [detail["cur_missing"]]
    labels = labels + ["missing"]
    if detail.get("ref_inf") or detail.get("cur_inf"):
        labels.append("±inf")
        r_extra.append(detail.get("ref_inf", 0))
        c_extra.append(detail.get("cur_inf", 0))
    return labels, _shares(detail["ref"], r_extra), _shares(detail["cur"], c_extra)


def sparkline(detail: dict, width: int = 90, height: int = 18) -> str:
    """A tiny inline SVG: reference as a grey area, current as an orange line."""
    _, r, c = _series(detail)
    if not r:
        return ""
    top = max(max(r), max(c)) or 1
    step = width / max(len(r) - 1, 1)

    def pts(v: list[float]) -> str:
        return " ".join(f"{i * step:.1f},{height - 1 - (height - 2) * x / top:.1f}" for i, x in enumerate(v))

    return (f'<svg width="{width}" height="{height}" role="img"><polyline points="{pts(r)}" fill="none" '
            f'stroke="#999" stroke-width="1.5"/><polyline points="{pts(c)}" fill="none" stroke="#e8710a" '
            f'stroke-width="1.5"/></svg>')


def chart(detail: dict, width: int = 640, height: int = 140) -> str:
    """Reference and current distributions overlaid as bars, with the bin labels as tooltips."""
    labels, r, c = _series(detail)
    top = max(max(r), max(c)) or 1
    bw = width / len(labels)
    parts = [f'<svg width="{width}" height="{height + 16}" role="img">']
    for i, (lab, a, b) in enumerate(zip(labels, r, c)):
        x = i * bw
        for share, color, off in ((a, "#9e9e9e", 0.0), (b, "#e8710a", bw * 0.45)):
            h = (height - 4) * share / top
            parts.append(f'<rect x="{x + off + 1:.1f}" y="{height - h:.1f}" width="{bw * 0.45:.1f}" height="{h:.1f}" '
                         f'fill="{color}"><title>{_e(lab)}: {share:.1%}</title></rect>')
    first, last = (labels[0], labels[-1]) if labels else ("", "")
    parts.append(f'<text x="0" y="{height + 12}" font-size="10">{_e(first)}</text>')
    parts.append(f'<text x="{width}" y="{height + 12}" font-size="10" text-anchor="end">{_e(last)}</text></svg>')
    return "".join(parts)


def _header(result: Any) -> str:
    verdict = '<span class="yes">yes</span>' if result.dataset_drift else '<span class="no">no</span>'
    th = result.thresholds
    corr = ", Benjamini-Hochberg" if result.correction == "bh" else ""
    skipped = "".join(f'<div class="muted">{_e(k)}: {_e(", ".join(map(str, v[:20])))}{" ..." if len(v) > 20 else ""}</div>'
                      for k, v in result.skipped.items())
    return (f"<h4>Drift: {result.n_drifted} of {result.n_columns} columns &middot; dataset drift: {verdict}</h4>"
            f'<div class="muted">{_e(result.reference_label)} ({result.n_ref:,} rows) vs {_e(result.current_label)} '
            f'({result.n_cur:,} rows) &middot; method {_e(result.method)} &middot; p &lt; {th["p_value"]:g}, '
            f'distance &ge; {th["distance"]:g}{corr} &middot; dataset drift at &ge; {result.drift_share:.0%} of columns'
            f"</div>{skipped}")


def _ordered(result: Any) -> list[dict]:
    rows = result.table.to_dict(orient="records")
    return sorted(rows, key=lambda r: (not r["drift"], -(r["effect_size"] if r["effect_size"] == r["effect_size"] else -1)))


def render_html(result: Any) -> str:
    """The static report of a ``DriftResult`` (a ``<div>``, no scripts)."""
    rows = _ordered(result)
    heads = [("column", "column"), ("kind", "kind"), ("test", "test"), ("statistic", "statistic"),
             ("p-value", "p_value"), ("PSI", "psi"), ("effect", "effect_size"), ("drift", "drift"),
             ("missing", "missing"), ("distribution", "distribution")]
    out = [_STYLE, '<div class="mmd">', _header(result), "<table><thead><tr>"]
    out += [f'<th title="{_e(TOOLTIPS[key])}">{_e(name)}</th>' for name, key in heads]
    out.append("</tr></thead><tbody>")
    pcol = "p_value_adj" if "p_value_adj" in result.table.columns else "p_value"
    for r in rows[:MAX_ROWS]:
        role = "" if r["role"] == "feature" else f' <span class="muted">({_e(r["role"])})</span>'
        note = f' <span class="muted" title="{_e(r["note"])}">&#9432;</span>' if r["note"] else ""
        out.append(
            f'<tr class="{"d" if r["drift"] else ""}"><td>{_e(r["column"])}{role}{note}</td><td>{_e(r["kind"])}</td>'
            f'<td>{_e(r["test"])}</td><td class="n">{fmt(r["statistic"])}</td><td class="n">{fmt(r[pcol], "p")}</td>'
            f'<td class="n">{fmt(r["psi"])}</td><td class="n">{fmt(r["effect_size"])}</td>'
            f'<td>{"<b>yes</b>" if r["drift"] else "no"}</td><td class="n">{r["missing_ref"]:,} / {r["missing_cur"]:,}</td>'
            f"<td>{sparkline(result.details[r['column']])}</td></tr>")
    out.append("</tbody></table>")
    if len(rows) > MAX_ROWS:
        out.append(f'<div class="muted">{len(rows) - MAX_ROWS} more columns: see result.table</div>')
    size = sum(map(len, out))
    for r in rows[:MAX_CHARTS]:
        block = (f"<details><summary>{_e(r['column'])}: reference vs current</summary>"
                 f"{chart(result.details[r['column']])}</details>")
        if size + len(block) > BUDGET:
            break
        out.append(block)
        size += len(block)
    out.append("</div>")
    return "".join(out)


def report_page(result: Any) -> str:
    """The static report as a standalone HTML page (``--save``, a run's artifact)."""
    return "<!doctype html><meta charset='utf-8'><title>Drift report</title>\n" + render_html(result)


def save_report(result: Any, path: str | Path) -> Path:
    """Write :func:`report_page` to ``path``."""
    p = Path(path)
    p.write_text(report_page(result), encoding="utf-8")
    return p
