"""``%mlops validate CUR --against REF [--fail]``: data quality of a batch against a stored reference.

CUR: a DataFrame variable, a CSV / Parquet path or a data version ``NAME@REF``; REF: a model version
registered with ``--reference`` (``churn@champion``), a data version, a ``.json`` summary or a table. The
report is returned and shown; with ``--fail`` issues fail the cell with ``QualityFailed`` (a real error
output, so a papermill-run pipeline step stops there) after the report is shown.
"""

from __future__ import annotations

from typing import Any

from ..commands import validate
from ..core.drift.sources import coerce_source, load_source
from .context import MagicContext
from .parser import MagicArgumentParser, command_parser

__all__ = ["build_parser", "run"]


def build_parser() -> MagicArgumentParser:
    return command_parser("validate", validate)


def run(ctx: MagicContext) -> Any:
    args = build_parser().parse(ctx.argv)
    spec = args.current
    ns = ctx.user_ns
    current = coerce_source(ns[spec], "current", spec) if spec.isidentifier() and spec in ns \
        else load_source(spec, "current")
    report = validate.execute(args, current)
    if args.json == "-":
        print(validate.json_text(report))
    if args.fail and not report.ok:
        from IPython.display import display

        display(report)  # the report stays in the output of the failing cell
        report.raise_if_failed()
    return report
