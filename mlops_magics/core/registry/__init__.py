"""Model registry on MLflow's own registry: gates, aliases, champion/challenger, an audit trail.

Pure Python (no IPython). The public functions are re-exported by :mod:`mlops_magics.registry`;
MLflow is imported only when a function needs the store, so importing this package stays cheap.
"""

from __future__ import annotations

from .errors import GateFailed, NotAModel, PromotionRefused

__all__ = ["GateFailed", "NotAModel", "PromotionRefused", "drift_reference"]


def drift_reference(spec: str):  # noqa: ANN201 - a ReferenceSummary or None
    """The drift reference stored with a model version (asked by the drift engine for NAME@REF)."""
    from .reference import drift_reference as _drift_reference

    return _drift_reference(spec)
