"""``%mlops drift REF CUR``: data drift between a reference and a current frame, shown inline.

REF / CUR: a DataFrame variable, a CSV / Parquet path, or a data version ``NAME@REF``; REF may also be a
stored reference summary (a ``ReferenceSummary`` variable or a ``.json`` file). The result is returned
(``r = %mlops drift ref cur``) and shown as an interactive widget with a static HTML fallback.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError

from ..core.drift import DriftResult
from ..core.drift.options import add_compare_arguments, compare_from_args
from ..core.drift.sources import coerce_source, load_source
from .context import MagicContext
from .parser import MagicArgumentParser

__all__ = ["build_parser", "run"]

EVIDENTLY_HINT = "--evidently needs Evidently 0.7: pip install 'mlops_magics[evidently]'"


def build_parser() -> MagicArgumentParser:
    p = MagicArgumentParser(
        "%mlops drift",
        description="Data drift between a reference and a current frame: per-column tests, PSI, effect sizes, "
                    "and the dataset verdict (drift when at least half of the columns drift).",
    )
    add_compare_arguments(p, "DataFrame variable, CSV/Parquet path, NAME@REF, or a summary",
                          "DataFrame variable, CSV/Parquet path or NAME@REF")
    p.add_argument("--evidently", action="store_true", help="also show Evidently's full DataDriftPreset report")
    p.add_argument("--log", action="store_true", help="log metrics and the report to the active run")
    p.add_argument("--fail", action="store_true", help="raise DriftDetected when the dataset drifts")
    p.add_argument("--save", metavar="PATH", help="write the static HTML report to PATH")
    return p


def _resolve(ctx: MagicContext, spec: str, side: str) -> Any:
    ns = ctx.user_ns
    if spec.isidentifier() and spec in ns:
        return coerce_source(ns[spec], side, spec)
    return load_source(spec, side)


def _log(result: DriftResult) -> None:
    from ..core import notebook_run, tracking

    handle = tracking.active_run()
    if handle is None:
        print("%mlops drift --log: no active run, nothing logged; start one with %mlops track")
        return
    handle.log_metrics(result.metrics())
    with tempfile.TemporaryDirectory(prefix="mlops-drift-") as tmp:
        html = result.save_html(Path(tmp) / "drift_report.html")
        data = Path(tmp) / "drift_report.json"
        data.write_text(result.to_json(), encoding="utf-8")
        handle.log_artifact(html, artifact_path="drift")
        handle.log_artifact(data, artifact_path="drift")
    nb = notebook_run.current()
    if nb is not None and nb.handle is handle:
        handle.flush()


def _evidently(reference: Any, current: Any, names: list[str]) -> None:
    from IPython.display import display

    try:
        from evidently import Report
        from evidently.presets import DataDriftPreset
    except ImportError:
        raise UsageError(EVIDENTLY_HINT) from None
    import pandas as pd

    if not isinstance(reference, pd.DataFrame):
        raise UsageError("%mlops drift --evidently needs the reference rows, not a stored summary")
    try:
        snapshot = Report([DataDriftPreset()]).run(current[names], reference[names])
    except Exception as exc:  # noqa: BLE001 - Evidently's own failures, shown in one line
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise UsageError(f"%mlops drift --evidently: Evidently could not build its report ({first})") from None
    display(snapshot)


def run(ctx: MagicContext) -> DriftResult:
    args = build_parser().parse(ctx.argv)
    reference = _resolve(ctx, args.reference, "reference")
    current = _resolve(ctx, args.current, "current")
    result = compare_from_args(args, reference, current)
    if args.save:
        try:
            path = result.save_html(args.save)
        except OSError as exc:
            raise UsageError(f"%mlops drift --save: cannot write {args.save} ({exc.strerror or exc})") from None
        print(f"drift report saved to {path}")
    if args.log:
        _log(result)
    if args.evidently:
        _evidently(reference, current, [str(c) for c in result.table["column"]])
    if args.fail and result.dataset_drift:
        from IPython.display import display

        display(result)  # the report stays in the output of the failing cell
        result.raise_if_drift()
    return result
