"""Draw the step DAG as an inline SVG (layered left to right; no Graphviz, no JavaScript)."""

from __future__ import annotations

import hashlib
from html import escape
from typing import Iterable, Mapping

from ..core.pipeline.dag import layers

__all__ = ["STATE_COLOURS", "dag_svg"]

STATE_COLOURS = {  # fill, stroke
    "succeeded": ("#dafbe1", "#1a7f37"),
    "cached": ("#ddf4ff", "#0969da"),
    "failed": ("#ffebe9", "#cf222e"),
    "running": ("#fff8c5", "#9a6700"),
    "skipped": ("#f6f8fa", "#8c959f"),
    "cancelled": ("#fff1e5", "#bc4c00"),
    "would run": ("#fff8c5", "#9a6700"),
    "not selected": ("#ffffff", "#d0d7de"),
    "pending": ("#ffffff", "#59636e"),
}
W, H, GAP_X, GAP_Y, PAD = 156, 42, 56, 18, 12


def _shorten(text: str, limit: int = 22) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def dag_svg(deps: Mapping[str, Iterable[str]], states: Mapping[str, str] | None = None,
            labels: Mapping[str, str] | None = None) -> str:
    """An ``<svg>`` element: one box per step (name + state or label), one arrow per dependency."""
    deps = {name: tuple(d for d in needs if d in deps) for name, needs in deps.items()}
    states = states or {}
    labels = labels or {}
    depth = layers(deps)
    rows: dict[str, int] = {}
    per_layer: dict[int, int] = {}
    for name in deps:  # declaration order within a layer
        rows[name] = per_layer.get(depth[name], 0)
        per_layer[depth[name]] = rows[name] + 1
    width = PAD * 2 + (max(depth.values(), default=0) + 1) * (W + GAP_X) - GAP_X
    height = PAD * 2 + max(per_layer.values(), default=1) * (H + GAP_Y) - GAP_Y
    marker = "mlops-arrow-" + hashlib.blake2s("|".join(deps).encode(), digest_size=4).hexdigest()

    def box(name: str) -> tuple[int, int]:
        return PAD + depth[name] * (W + GAP_X), PAD + rows[name] * (H + GAP_Y)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="mlops-pipeline-dag" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="pipeline steps and their dependencies" '
        'style="font-family:var(--jp-ui-font-family,system-ui,sans-serif)">',
        f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#59636e"/></marker></defs>',
    ]
    for name, needs in deps.items():
        x2, y2 = box(name)
        for dep in needs:
            x1, y1 = box(dep)
            sx, sy, ex, ey = x1 + W, y1 + H / 2, x2, y2 + H / 2
            mid = (sx + ex) / 2
            parts.append(f'<path d="M{sx},{sy} C{mid},{sy} {mid},{ey} {ex - 1},{ey}" fill="none" '
                         f'stroke="#8c959f" stroke-width="1.4" marker-end="url(#{marker})"/>')
    for name in deps:
        x, y = box(name)
        state = states.get(name, "")
        fill, stroke = STATE_COLOURS.get(state, STATE_COLOURS["pending"])
        dash = ' stroke-dasharray="4 3"' if state in ("not selected", "skipped") else ""
        sub = labels.get(name) or state
        parts.append(f'<g class="mlops-step" data-step="{escape(name)}"><title>{escape(name)}'
                     f'{escape(": " + state) if state else ""}</title>'
                     f'<rect x="{x}" y="{y}" width="{W}" height="{H}" rx="7" fill="{fill}" stroke="{stroke}" '
                     f'stroke-width="1.5"{dash}/>'
                     f'<text x="{x + W / 2}" y="{y + (17 if sub else 25)}" text-anchor="middle" font-size="13" '
                     f'font-weight="600" fill="#1f2328">{escape(_shorten(name))}</text>')
        if sub:
            parts.append(f'<text x="{x + W / 2}" y="{y + 33}" text-anchor="middle" font-size="11" '
                         f'fill="{stroke}">{escape(_shorten(sub, 26))}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)
