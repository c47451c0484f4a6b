"""The interactive drift report: an anywidget with a static HTML fallback in the same mimebundle.

The widget receives only aggregates (one row and one fixed-size histogram per column), never rows, so what
it sends to the browser stays under 200 KB however large the frames. Changing a threshold re-evaluates the
verdicts in the browser and, through the synced traitlets, in ``widget.result`` on the Python side. Where
widgets do not run (nbconvert, papermill output notebooks, GitHub) the ``text/html`` entry of the same
bundle shows the static report.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..core.drift.text import drift_text
from ..render.drift_html import TOOLTIPS, render_html

__all__ = ["drift_widget", "show", "static_bundle", "payload"]

_widget_class: Any = None


def _clean(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


MAX_ROWS = 400
BUDGET = 160_000  # bytes of rows + histograms; with the ES module and tooltips the widget stays < 200 KB


def _priority(result: Any) -> list[dict]:
    """Rows in the order their details are kept: drifted first, then by effect size."""
    rows = result.table.to_dict(orient="records")
    return sorted(rows, key=lambda r: (not r["drift"], -(r["effect_size"] if r["effect_size"] == r["effect_size"] else -1)))


def payload(result: Any) -> dict[str, Any]:
    """What the widget draws: per-column rows and display details, JSON-safe and bounded in size.

    With very many columns, the rows beyond ``MAX_ROWS`` and the histograms that do not fit in ``BUDGET``
    bytes are left out (least drifted first); ``result.table`` keeps everything.
    """
    pcol = "p_value_adj" if "p_value_adj" in result.table.columns else "p_value"
    ordered = _priority(result)[:MAX_ROWS]
    rows = []
    for r in ordered:
        rows.append({
            "column": str(r["column"]), "role": r["role"], "kind": r["kind"], "test": r["test"],
            "statistic": _clean(float(r["statistic"])), "p": _clean(float(r[pcol])), "psi": _clean(float(r["psi"])),
            "effect_size": _clean(float(r["effect_size"])), "missing_ref": int(r["missing_ref"]),
            "missing_cur": int(r["missing_cur"]), "note": r["note"],
        })
    budget = BUDGET - len(json.dumps(rows, separators=(",", ":")))
    details: dict[str, Any] = {}
    for r in ordered:
        d = result.details.get(r["column"])
        size = len(json.dumps(d, separators=(",", ":"))) + len(str(r["column"])) + 4
        if size > budget:
            break
        details[str(r["column"])] = d
        budget -= size
    return {
        "columns": rows, "details": details, "omitted": len(result.table) - len(rows), "method": result.method,
        "correction": result.correction, "drift_share": result.drift_share, "n_ref": result.n_ref,
        "n_cur": result.n_cur, "reference": result.reference_label, "current": result.current_label,
        "skipped": {k: v[:50] + (["..."] if len(v) > 50 else []) for k, v in result.skipped.items()},
    }


def _make_class() -> Any:
    global _widget_class
    if _widget_class is not None:
        return _widget_class
    import anywidget
    import traitlets

    from .drift_esm import CSS, ESM

    class DriftWidget(anywidget.AnyWidget):
        """Verdict header, sortable per-column table, overlaid distributions, threshold controls."""

        _esm = ESM
        _css = CSS
        data = traitlets.Dict().tag(sync=True)
        tooltips = traitlets.Dict().tag(sync=True)
        p_threshold = traitlets.Float(0.05).tag(sync=True)
        distance_threshold = traitlets.Float(0.1).tag(sync=True)
        selected = traitlets.Unicode("").tag(sync=True)

        def __init__(self, result: Any, **kwargs: Any) -> None:
            self.result = result
            first = result.table.sort_values("effect_size", ascending=False, na_position="last")
            super().__init__(
                data=payload(result), tooltips=TOOLTIPS, p_threshold=result.thresholds["p_value"],
                distance_threshold=result.thresholds["distance"],
                selected=str(first["column"].iloc[0]) if len(first) else "", **kwargs,
            )

        @traitlets.observe("p_threshold", "distance_threshold")
        def _rejudge(self, change: Any) -> None:
            if self.p_threshold > 0 and self.distance_threshold > 0 and self.p_threshold < 1:
                self.result = self.result.with_threshold(p_value=self.p_threshold, distance=self.distance_threshold)

        def __repr__(self) -> str:
            return drift_text(self.result)

    _widget_class = DriftWidget
    return DriftWidget


def drift_widget(result: Any) -> Any:
    """The interactive widget for a ``DriftResult``."""
    return _make_class()(result)


def static_bundle(result: Any) -> dict[str, Any]:
    """``text/html`` + ``text/plain``: what every notebook viewer can show."""
    return {"text/plain": drift_text(result), "text/html": render_html(result)}


def show(result: Any) -> None:
    """Display the static report, then the live widget (which hides the static one where it runs).

    Two outputs rather than one bundle: a bundle holding a widget view makes nbconvert and papermill
    outputs pick the view, which is blank without a live kernel, and drop the HTML beside it.
    """
    from IPython.display import display

    display(static_bundle(result), raw=True)
    display(drift_widget(result))


def payload_size(result: Any) -> int:
    """Bytes the widget sends: its synced state as JSON plus the ES module and CSS."""
    from .drift_esm import CSS, ESM

    state = {"data": payload(result), "tooltips": TOOLTIPS}
    return len(json.dumps(state, separators=(",", ":")).encode()) + len(ESM.encode()) + len(CSS.encode())
