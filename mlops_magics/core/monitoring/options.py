"""What a monitor watches and how it judges, validated once before anything touches the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from ..errors import MlopsUsageError
from .durations import parse_duration
from .records import DEFAULT_EXPERIMENT
from .window import DEFAULT_WINDOW, WindowSpec, parse_window

__all__ = ["DEFAULT_COOLDOWN", "MonitorSpec", "monitor_spec"]

DEFAULT_COOLDOWN = "1h"
LABEL_MEASURES = ("accuracy", "f1", "mae", "mape")


@dataclass(frozen=True)
class MonitorSpec:
    """One monitor: ``model`` (``NAME@ALIAS``, resolved afresh by every check) against ``traffic``."""

    model: Any  # registry ModelRef
    traffic: str
    window: WindowSpec
    labels: str | None = None
    target: str | None = None
    task: str | None = None
    retrain: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    force: bool = False
    rules: tuple = ()  # parsed gates; empty: dataset drift triggers
    cooldown: float = 3600.0
    experiment: str = DEFAULT_EXPERIMENT
    method: str = "auto"
    threshold: float | None = None
    correction: str | None = None
    drift_share: float = 0.5
    tolerances: Mapping[str, float] = field(default_factory=dict)  # null / range / unseen, for validate()

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def alias(self) -> str:
        return self.model.alias or ("latest" if self.model.latest else f"v{self.model.version}")


def monitor_spec(model: str, traffic: str, *, window: str | int = DEFAULT_WINDOW, labels: str | None = None,
                 target: str | None = None, task: str | None = None, retrain: str | None = None,
                 params: Mapping[str, Any] | None = None, force: bool = False,
                 when: Iterable[str] | str | None = None, cooldown: str | float = DEFAULT_COOLDOWN,
                 experiment: str | None = None, method: str = "auto", threshold: float | None = None,
                 correction: str | None = None, drift_share: float = 0.5, null_tolerance: float = 0.02,
                 range_tolerance: float = 0.01, unseen_tolerance: float = 0.0) -> MonitorSpec:
    """Every option checked (syntax, the pipeline file and its parameters) before a check runs."""
    from ..drift.verdict import check_method, thresholds_for
    from ..registry.refs import parse_ref
    from .labels import TASKS
    from .rules import parse_rules

    ref = parse_ref(model)
    if not traffic or not str(traffic).strip():
        raise MlopsUsageError("--traffic: name the dataset the model server captures into (e.g. churn-traffic)")
    if task is not None and task not in TASKS:
        raise MlopsUsageError(f"--task {task}: use classification or regression")
    check_method(method, correction)
    thresholds_for(threshold)
    if not 0 < drift_share <= 1:
        raise MlopsUsageError(f"the drift share must be in (0, 1], not {drift_share}")
    if params and not retrain:
        raise MlopsUsageError("-p sets parameters of the retraining pipeline: give it with --retrain PIPELINE.yaml")
    if retrain:
        from ..pipeline.spec import load

        load(retrain, dict(params or {}))  # a missing file or an unknown parameter fails now, not at drift
    from ..drift.quality import check_tolerance

    tolerances = {"null_tolerance": check_tolerance("the null tolerance", null_tolerance),
                  "range_tolerance": check_tolerance("the range tolerance", range_tolerance),
                  "unseen_tolerance": check_tolerance("the unseen tolerance", unseen_tolerance)}
    rules = tuple(parse_rules(when))
    needs_labels = [g for g in rules if g.metric.startswith("labels.") or g.metric in LABEL_MEASURES]
    if needs_labels and not labels:
        raise MlopsUsageError(f"--when '{needs_labels[0]}' reads the labels' metric: give the labels dataset with "
                              "--labels NAME")
    return MonitorSpec(
        model=ref, traffic=str(traffic).strip(), window=parse_window(window), labels=labels, target=target,
        task=task, retrain=retrain, params=dict(params or {}), force=bool(force), rules=rules,
        cooldown=parse_duration(cooldown, "--cooldown"), experiment=experiment or DEFAULT_EXPERIMENT,
        method=method, threshold=threshold, correction=correction, drift_share=float(drift_share),
        tolerances=tolerances,
    )
