"""``%mlops drift REF CUR``: data drift between a reference and a current frame, shown inline.

REF / CUR: a DataFrame variable, a CSV / Parquet path, or a data version ``NAME@REF``; REF may also be a
stored reference summary (a ``ReferenceSummary`` variable or a ``.json`` file). The result is returned
(``r = %mlops drift ref cur``) and shown as an interactive widget with a static HTML fallback.
"""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError

from ..commands import drift
from ..core.drift import DriftResult
from ..core.drift.sources import coerce_source, load_source
from ..core.errors import first_line
from .context import MagicContext
from .parser import MagicArgumentParser, command_parser

__all__ = ["build_parser", "run"]

EVIDENTLY_HINT = "--evidently needs Evidently 0.7: pip install 'mlops_magics[evidently]'"


def build_parser() -> MagicArgumentParser:
    return command_parser("drift", drift)


def _resolve(ctx: MagicContext, spec: str, side: str) -> Any:
    ns = ctx.user_ns
    if spec.isidentifier() and spec in ns:
        return coerce_source(ns[spec], side, spec)
    return load_source(spec, side)


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
        raise UsageError(f"%mlops drift --evidently: Evidently could not build its report ({first_line(exc)})") from None
    display(snapshot)


def run(ctx: MagicContext) -> DriftResult:
    args = build_parser().parse(ctx.argv)
    reference = _resolve(ctx, args.reference, "reference")
    current = _resolve(ctx, args.current, "current")
    result = drift.compare_from_args(args, reference, current)
    for line in drift.write_outputs(args, result):
        print(line)
    if args.json == "-":
        print(result.to_json(indent=1))
    if args.evidently:
        _evidently(reference, current, [str(c) for c in result.table["column"]])
    if args.fail and result.dataset_drift:
        from IPython.display import display

        display(result)  # the report stays in the output of the failing cell
        result.raise_if_drift()
    return result
