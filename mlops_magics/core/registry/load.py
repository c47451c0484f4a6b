"""Load a registered version back as its native object (``churn@champion`` -> the estimator)."""

from __future__ import annotations

from typing import Any

from ..backend import session
from .flavors import load_native
from .refs import ModelRef, parse_ref, resolve, version_uri

__all__ = ["load"]


def load(ref: str | ModelRef) -> Any:
    """The model ``NAME@vN`` / ``NAME@alias`` / ``NAME@latest`` names: a scikit-learn estimator comes back
    as one, an object registered through the pyfunc wrapper comes back unwrapped."""
    parsed = parse_ref(ref) if isinstance(ref, str) else ref
    session.ready()
    version = resolve(session.client(), parsed)
    return load_native(version_uri(parsed.name, version.version))
