"""One check: score the newest window of captured traffic against the served version's reference summary.

The alias is resolved afresh by every check, so after a promotion the next check compares traffic with the
new version's training data. Drift uses the drift engine (the same statistics and verdicts as
``%mlops drift``), data quality the same summary (:func:`mlops_magics.core.drift.quality.validate`), late
labels the served model's metric; the ``--when`` rules (default: dataset drift) decide whether to trigger the
retraining. Everything is recorded in a run of the monitoring experiment; the static drift report is built
by the face (``report_html``), the core never renders.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

from ..backend.quiet import quiet_downloads
from . import records
from ..backend.traffic import is_capture_column
from .options import MonitorSpec
from .results import CheckPoint, MonitorCheck, TriggerOutcome

__all__ = ["check"]

ReportBuilder = Callable[[Any], str]
KEEP_SUMMARIES = 8
# A version's stored reference never changes: read once per process (an --every loop, a notebook), keyed by
# the store, the version, its run and its reference tag.
_SUMMARIES: dict[tuple, Any] = {}


def _reference(client: Any, spec: MonitorSpec) -> tuple[Any, Any]:
    """The version behind the alias now (resolved at every check), and the reference stored with it."""
    from ..backend import session
    from ..errors import NotFound
    from ..registry.reference import TAG_REFERENCE, drift_reference
    from ..registry.refs import resolve

    version = resolve(client, spec.model)
    key = (session.settings().tracking_uri, spec.name, str(version.version), version.run_id,
           (version.tags or {}).get(TAG_REFERENCE))
    summary = _SUMMARIES.get(key)
    if summary is None:
        with quiet_downloads():
            summary = drift_reference(f"{spec.name}@v{version.version}")
        if summary is None:  # pragma: no cover - resolved just above; deleted in between
            raise NotFound(f"{spec.name} v{version.version} disappeared while it was being checked; check again")
        while len(_SUMMARIES) >= KEEP_SUMMARIES:
            _SUMMARIES.pop(next(iter(_SUMMARIES)))
        _SUMMARIES[key] = summary
    return version, summary


def _hints(client: Any, spec: MonitorSpec, version: Any) -> list[str]:
    """The served version's training metric names (they tell a classifier from a regressor)."""
    if spec.task is not None or not version.run_id:
        return []
    try:
        return list(client.get_run(version.run_id).data.metrics)
    except Exception:  # noqa: BLE001 - a deleted training run: the labels decide
        return []


def _point(run: Any) -> CheckPoint:
    """An earlier check as the chart needs it."""
    from .records import TAG_DRIFTED, TAG_SEQ, TAG_VERDICT, TAG_VERSION

    metrics, tags = run.data.metrics, run.data.tags
    return CheckPoint(
        seq=int(tags.get(TAG_SEQ) or 0), at=run.info.start_time / 1000, verdict=tags.get(TAG_VERDICT, ""),
        share_drifted=metrics.get("drift.share_drifted"), effects=_effects(metrics),
        drifted=[c for c in tags.get(TAG_DRIFTED, "").split(",") if c], run_id=run.info.run_id,
        version=tags.get(TAG_VERSION, ""))


def _effects(measures: dict[str, float]) -> dict[str, float]:
    head, tail = "drift.", ".effect_size"
    return {k[len(head):-len(tail)]: v for k, v in measures.items() if k.startswith(head) and k.endswith(tail)}


def _score(spec: MonitorSpec, summary: Any, window: Any, label_column: str | None, version_label: str) -> tuple:
    from ..drift.compare import compare
    from ..drift.quality import validate

    if not window.rows:
        return None, None
    frame = window.frame  # columns are picked by name, never copied out (a million rows cost a second)
    ignore = {c for c in (spec.target, label_column) if c} | {c for c in frame.columns if is_capture_column(c)}
    names = [c for c in summary.columns if c in frame.columns and c not in ignore]
    if not names:
        from ..errors import MlopsUsageError

        raise MlopsUsageError(f"{window.label} shares no feature column with the reference of {version_label} "
                              f"(reference: {', '.join(list(summary.columns)[:5])}); is it the right traffic?")
    drift = compare(summary, frame, columns=names, method=spec.method, threshold=spec.threshold,
                    correction=spec.correction, drift_share=spec.drift_share, reference_label=version_label,
                    current_label=f"{window.label} ({window.rows:,} rows)")
    quality = validate(summary, frame, ignore=sorted(map(str, ignore)), reference_label=version_label, current_label=window.label,
                       **spec.tolerances)
    return drift, quality


@dataclass
class _Scored:
    """What one window measured, before anything is recorded."""

    version: str
    window: Any
    drift: Any
    quality: Any
    labels: Any
    measures: dict[str, float]
    judged: list


def _measure(client: Any, spec: MonitorSpec, now: float | None) -> _Scored:
    """Resolve the alias, read the window, and score drift, quality, labels and the rules."""
    from .labels import label_metrics
    from .rules import DEFAULT_RULE, evaluate, known_measures, parse_rules, resolve_rules
    from .window import read_window

    version, summary = _reference(client, spec)
    number = str(version.version)
    rules = resolve_rules(spec.rules or parse_rules(DEFAULT_RULE), known_measures(summary.columns))
    window = read_window(spec.traffic, spec.window, now=now)
    labels = None
    if spec.labels:
        labels = label_metrics(window, spec.labels, spec.target, spec.task, _hints(client, spec, version))
    drift, quality = _score(spec, summary, window, labels.label if labels else None,
                            f"{spec.name}@{spec.alias} (v{number})")
    measures: dict[str, float] = {"window.rows": float(window.rows)}
    for part in (drift, quality):
        if part is not None:
            measures.update(part.metrics())
    if labels is not None:
        measures.update(labels.to_metrics())
    judged = evaluate(rules, measures) if window.rows else []
    return _Scored(number, window, drift, quality, labels, measures, judged)


def _reason(fired: list, drift: Any) -> str:
    """Why a check triggers, with the drift summary, in one line (the alias history keeps it)."""
    parts = []
    for rule in fired:
        if rule.measure == "drift.dataset_drift" and drift is not None:
            continue
        parts.append(f"{rule.rule} ({rule.value:.4g})")
    if drift is not None:
        cols = ", ".join(drift.drifted_columns[:8]) + (", ..." if drift.n_drifted > 8 else "")
        head = "dataset drift" if drift.dataset_drift else "drift"
        parts.insert(0, f"{head} in {drift.n_drifted} of {drift.n_columns} columns" + (f" ({cols})" if cols else ""))
    return "; ".join(parts)


def _documents(scored: _Scored) -> dict[str, Any]:
    """The check's JSON artifacts."""
    docs: dict[str, Any] = {"window.json": scored.window.describe(), "rules.json": [r.__dict__ for r in scored.judged]}
    if scored.drift is not None:
        docs["drift.json"] = scored.drift.to_dict()
    if scored.quality is not None:
        docs["quality.json"] = scored.quality.to_dict()
    if scored.labels is not None:
        docs["labels.json"] = {**scored.labels.__dict__, "share": scored.labels.share}
    return docs


def check(spec: MonitorSpec, *, report_html: ReportBuilder | None = None,
          progress: Callable[[Any, Any], None] | None = None, now: float | None = None) -> MonitorCheck:
    """Check ``spec.model`` against the newest window of ``spec.traffic``; retrain when a rule fires."""
    from ..backend import session
    from ..drift.result import metric_key
    from ..tracking.runs import status_for_exception
    from .trigger import outcome_from_run, retrain

    began = time.perf_counter()
    session.ready()
    scored = _measure(session.client(), spec, now)
    window, fired = scored.window, [r for r in scored.judged if r.fired]
    key = records.monitor_key(spec.name, spec.alias, spec.traffic)
    earlier = records.recent_checks(spec.experiment, key)
    previous = records.last_trigger(spec.experiment, spec.name)
    seq = max((int(r.data.tags.get(records.TAG_SEQ) or 0) for r in earlier), default=0) + 1
    result = MonitorCheck(model=spec.name, alias=spec.alias, version=scored.version, traffic=spec.traffic,
                          window=window.describe(), drift=scored.drift, quality=scored.quality,
                          labels=scored.labels, rules=scored.judged, triggered=bool(fired),
                          trigger_reason=_reason(fired, scored.drift), seq=seq, experiment=spec.experiment,
                          last_trigger=outcome_from_run(previous) if previous is not None else None)
    drifted = [metric_key(c) for c in result.drifted_columns]
    handle = records.start_check_run(spec.experiment, f"monitor {result.ref} v{scored.version} #{seq}", {
        records.TAG_KEY: key, records.TAG_MODEL: spec.name, records.TAG_ALIAS: spec.alias,
        records.TAG_VERSION: scored.version, records.TAG_TRAFFIC: spec.traffic, records.TAG_WINDOW: window.label,
        records.TAG_WINDOW_ID: window.identity, records.TAG_SEQ: str(seq), records.TAG_VERDICT: result.verdict,
        records.TAG_DRIFTED: records.tag_text(",".join(drifted)),
    })
    result.run_id = handle.run_id
    status = "FAILED"
    try:
        drift = scored.drift
        build = (lambda: report_html(drift)) if drift is not None and report_html is not None else None
        records.log_check(handle, scored.measures, seq, _documents(scored), build)
        if fired and spec.retrain:
            result.trigger = retrain(model=spec.name, alias=spec.alias, pipeline=spec.retrain,
                                     params=dict(spec.params), force=spec.force, window=window,
                                     reason=result.trigger_reason, cooldown=spec.cooldown,
                                     experiment=spec.experiment, handle=handle, progress=progress)
            if result.trigger.retrained:
                result.last_trigger = result.trigger
        elif fired:
            result.trigger = TriggerOutcome("no pipeline", f"{result.trigger_reason}; no --retrain pipeline given",
                                            window=window.describe())
            handle.set_tag(records.TAG_TRIGGER, "no pipeline")
        status = "FINISHED"
    except BaseException as exc:
        status = status_for_exception(exc)
        raise
    finally:
        handle.end(status)
    window.frame = None  # the rows are not kept with the result (a loop of checks would hold every window)
    result.history = [_point(r) for r in reversed(earlier)] + [CheckPoint(
        seq=seq, at=result.at, verdict=result.verdict, share_drifted=scored.measures.get("drift.share_drifted"),
        effects=_effects(scored.measures), drifted=drifted, run_id=handle.run_id, version=scored.version)]
    result.seconds = time.perf_counter() - began
    return result
