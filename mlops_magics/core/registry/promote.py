"""Promote a version to an alias, optionally only when it beats the current holder on one metric.

The comparison with the current holder (metrics and params that differ, the data each was trained on) is
built before the decision and travels with the result, or with :class:`PromotionRefused`, so the caller
can show it either way. Reading the holder, moving the alias and recording the event happen under the
model's lock, so two racing promotions leave the alias agreeing with the last recorded event.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ..backend import session
from ..errors import MlopsUsageError
from .aliases import move_alias
from .audit import alias_lock, current_holder
from .errors import PromotionRefused
from .refs import ModelRef, check_alias, parse_ref, resolve
from .register import TAG_DATA
from .results import Comparison, Promotion, VersionFacts

__all__ = ["compare_to_holder", "parse_if_better", "promote", "version_facts"]

_METRIC = re.compile(r"^[A-Za-z_][\w\-./: ]*$")


def parse_if_better(text: str) -> tuple[str, bool]:
    """``accuracy`` -> (accuracy, higher is better); ``-rmse`` -> (rmse, lower is better)."""
    raw = (text or "").strip()
    lower = raw.startswith("-")
    metric = raw.lstrip("+-").strip()
    if not metric or not _METRIC.match(metric):
        raise MlopsUsageError(f"--if-better '{text}': give a metric name, 'accuracy' (higher is better) or "
                              "'-rmse' (lower is better)")
    return metric, not lower


def version_facts(client: Any, mv: Any) -> VersionFacts:
    """A version's run metrics and params (when the run still exists) and its data versions."""
    metrics: dict[str, float] = {}
    params: dict[str, str] = {}
    if mv.run_id:
        try:
            run = client.get_run(mv.run_id)
            metrics, params = dict(run.data.metrics), dict(run.data.params)
        except Exception:  # noqa: BLE001 - a deleted run: compare what is left
            pass
    data = [d.strip() for d in (mv.tags or {}).get(TAG_DATA, "").split(",") if d.strip()]
    return VersionFacts(str(mv.version), mv.run_id, metrics, params, data)


def compare_to_holder(client: Any, name: str, alias: str, candidate: Any, holder: str | None) -> Comparison:
    """Candidate vs the version now holding ``name@alias`` (None: no holder)."""
    held = version_facts(client, client.get_model_version(name, holder)) if holder else None
    return Comparison(name, alias, version_facts(client, candidate), held)


def _judge(comparison: Comparison, metric: str, higher: bool) -> str:
    """Why the candidate wins, or :class:`PromotionRefused` saying by how much it fell short."""
    cand, held = comparison.candidate, comparison.holder
    assert held is not None
    name, alias = comparison.name, comparison.alias
    if metric not in cand.metrics:
        known = ", ".join(sorted(cand.metrics)) or "none"
        raise MlopsUsageError(f"--if-better {metric}: {name} v{cand.version} has no metric '{metric}'; "
                              f"its metrics: {known}")
    if metric not in held.metrics:
        raise PromotionRefused(f"not promoted: the current {name}@{alias} (v{held.version}) has no metric "
                               f"'{metric}' to compare with; promote without --if-better to replace it", comparison)
    mine, theirs = cand.metrics[metric], held.metrics[metric]
    wins = (mine > theirs) if higher else (mine < theirs)
    word = "higher" if higher else "lower"
    if not wins or math.isnan(mine):
        gap = abs(theirs - mine) if not math.isnan(mine) else float("nan")
        how = "equal to" if mine == theirs else "worse than"
        raise PromotionRefused(
            f"not promoted: {name} v{cand.version} {metric} = {mine:.6g} is {how} {name}@{alias} (v{held.version}) "
            f"{metric} = {theirs:.6g}; it falls short by {gap:.6g} ({word} is better)", comparison)
    return f"{metric} {mine:.6g} beats {theirs:.6g} by {abs(mine - theirs):.6g} ({word} is better)"


def promote(ref: str | ModelRef, to: str, *, if_better: str | None = None, reason: str | None = None) -> Promotion:
    """Point ``NAME@to`` at the version ``ref`` names; with ``if_better`` only when it beats the holder.

    >>> promote("churn@v4", "champion", if_better="accuracy", reason="retrained on May data")
    """
    parsed = parse_ref(ref) if isinstance(ref, str) else ref
    alias = check_alias(to)
    criterion = parse_if_better(if_better) if if_better else None
    session.ready()
    client = session.client()
    candidate = resolve(client, parsed)
    name, version = parsed.name, str(candidate.version)
    with alias_lock(name):
        holder = current_holder(client, name, alias)
        comparison = compare_to_holder(client, name, alias, candidate, holder)
        if holder == version:
            return Promotion(name, alias, "promote", holder, version, False,
                             f"{name}@{alias} already points to v{version}; nothing moved")
        why = "no previous holder"
        if criterion is not None and holder is not None:
            why = _judge(comparison, *criterion)
        elif holder is not None:
            why = f"replacing v{holder}"
        event = move_alias(client, name, alias, version, "promote", holder, reason)
    return Promotion(name, alias, "promote", holder, version, True,
                     f"promoted {name} v{version} to @{alias}: {why}", comparison, event)
