"""Model references: ``NAME@vN``, ``NAME@alias``, ``NAME@latest``, and the aliases MLflow reserves.

Names are checked with MLflow's rules (:mod:`mlops_magics.core.names`); :func:`resolve` turns a
reference into a ``ModelVersion`` with errors that list what does exist (versions, aliases, registered
models).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .. import names
from ..names import short_repr as short
from ..errors import MlopsUsageError, NotFound

__all__ = ["ModelRef", "check_alias", "check_model_name", "parse_ref", "resolve", "version_uri"]

_ALIAS = re.compile(r"^[\w\-]+$")
_VERSION = re.compile(r"^[vV](\d+)$")
MAX_VERSION = 2**63 - 1  # MLflow stores version numbers as 64-bit integers
REF_GRAMMAR = "NAME@vN, NAME@ALIAS or NAME@latest (e.g. churn@v3, churn@champion)"


@dataclass(frozen=True)
class ModelRef:
    """A parsed reference: exactly one of ``version``, ``alias`` or ``latest``."""

    name: str
    version: int | None = None
    alias: str | None = None
    latest: bool = False

    def __str__(self) -> str:
        if self.version is not None:
            return f"{self.name}@v{self.version}"
        return f"{self.name}@{'latest' if self.latest else self.alias}"


def check_model_name(name: str) -> str:
    """A registered-model name MLflow accepts and we can put in filters and references."""
    return names.check_model_name(name)


def check_alias(alias: str) -> str:
    """An alias we may set: MLflow reserves ``latest`` and ``vN``; letters, digits, ``_`` and ``-`` only."""
    if alias is None or not str(alias).strip():
        raise MlopsUsageError("the alias is empty; name it, e.g. champion")
    if alias.lower() == "latest":
        raise MlopsUsageError("'latest' is reserved by MLflow (it always means the newest version); "
                              "pick another alias, e.g. champion")
    if _VERSION.match(alias):
        raise MlopsUsageError(f"'{alias}' is reserved by MLflow for version {alias[1:]}; pick another alias, "
                              "e.g. champion")
    if not _ALIAS.match(alias) or len(alias) > 255:
        raise MlopsUsageError(f"alias '{alias}' may only contain letters, digits, '_' and '-' (at most 255)")
    return alias


def parse_ref(text: str) -> ModelRef:
    """Parse ``NAME@REF``; a bare name is refused (say which version)."""
    name, sep, ref = str(text).rpartition("@")
    if not sep or not name or not ref:
        raise MlopsUsageError(f"'{text}' is not a model reference; write {REF_GRAMMAR}")
    name = check_model_name(name)
    match = _VERSION.match(ref)
    if match:
        number = int(match.group(1))
        if number < 1:
            raise MlopsUsageError(f"'{text}': versions start at v1")
        if number > MAX_VERSION:
            raise MlopsUsageError(f"'{name}@v{short(number)}': no model has that many versions; "
                                  f"see them with %mlops models {name}")
        return ModelRef(name, version=number)
    if ref.lower() == "latest":
        return ModelRef(name, latest=True)
    if not _ALIAS.match(ref):
        raise MlopsUsageError(f"'{text}': '{ref}' is neither vN nor an alias (letters, digits, '_' and '-')")
    return ModelRef(name, alias=ref)


def version_uri(name: str, version: str | int) -> str:
    """The MLflow URI of one version (pinned: an alias moving later does not change what it loads)."""
    return f"models:/{name}/{version}"


def _is_missing(exc: Exception) -> bool:
    code = getattr(exc, "error_code", "") or ""
    return "RESOURCE_DOES_NOT_EXIST" in code or "NOT_FOUND" in code or "not found" in str(exc).lower()


def get_registered_model(client: Any, name: str) -> Any:
    """The registered model, or :class:`NotFound` listing a few that exist."""
    try:
        return client.get_registered_model(name)
    except Exception as exc:
        if not _is_missing(exc):
            raise
    known = [m.name for m in client.search_registered_models(max_results=20)]
    listing = ", ".join(sorted(known)) or "none yet (register one with %mlops register)"
    raise NotFound(f"no registered model named '{name}'; registered models: {listing}")


def all_versions(client: Any, name: str) -> list[Any]:
    """Every version of ``name``, newest first."""
    versions = client.search_model_versions(f"name = '{name}'", max_results=10_000)
    return sorted(versions, key=lambda v: int(v.version), reverse=True)


def resolve(client: Any, ref: ModelRef | str) -> Any:
    """The ``ModelVersion`` a reference points to, or a :class:`NotFound` saying what exists."""
    ref = parse_ref(ref) if isinstance(ref, str) else ref
    model = get_registered_model(client, ref.name)
    if ref.alias is not None:
        aliases = dict(getattr(model, "aliases", {}) or {})
        if ref.alias not in aliases:
            known = ", ".join(f"{a} -> v{v}" for a, v in sorted(aliases.items())) or "none"
            raise NotFound(f"{ref.name} has no alias '{ref.alias}'; its aliases: {known}")
        return client.get_model_version(ref.name, str(aliases[ref.alias]))
    if ref.latest:
        versions = all_versions(client, ref.name)
        if not versions:
            raise NotFound(f"{ref.name} has no versions yet; register one with %mlops register")
        return versions[0]
    try:
        return client.get_model_version(ref.name, str(ref.version))
    except Exception as exc:
        if not _is_missing(exc):
            raise
    numbers = sorted(int(v.version) for v in all_versions(client, ref.name))
    known = ", ".join(f"v{n}" for n in numbers) or "none"
    raise NotFound(f"{ref.name} has no version v{ref.version}; its versions: {known}")
