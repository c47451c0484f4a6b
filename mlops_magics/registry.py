"""The model registry from Python: the same engine as ``%mlops register/promote/...`` and ``mlops models``.

    from mlops_magics import registry
    registry.register(clf, "churn", gates=["accuracy >= 0.85"], input_example=X_test)   # churn v1
    registry.promote("churn@v1", "champion", if_better="accuracy", reason="first cut")
    model = registry.load("churn@champion")
    registry.rollback("churn", "champion")
    registry.history("churn", "champion")
"""

from __future__ import annotations

from .core.errors import NotFound
from .core.registry.errors import GateFailed, NotAModel, PromotionRefused
from .core.registry.listing import history, models
from .core.registry.load import load
from .core.registry.promote import promote
from .core.registry.register import register
from .core.registry.rollback import rollback

__all__ = ["GateFailed", "NotAModel", "NotFound", "PromotionRefused", "history", "load", "models", "promote", "register",
           "rollback"]
