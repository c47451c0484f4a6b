"""``validate CUR --against REF``: data quality of a batch against a stored reference summary."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from . import Face

SUMMARY = "data quality against a reference: schema, null rates, ranges, unseen categories"
DESCRIPTION = ("Check CUR against the reference summary of REF (a model version NAME@ALIAS registered with "
               "--reference, a data version NAME@REF, a .json summary or a table): missing, extra and retyped "
               "columns, null rates above the reference's, values outside its range, categories it never had. "
               "The model server's capture columns (request_id, timestamp, prediction, ...) are left out.")


def add_arguments(parser: argparse.ArgumentParser, face: Face) -> None:
    current_help = ("DataFrame variable, CSV/Parquet path or NAME@REF" if face == "magic"
                    else "CSV/Parquet path or NAME@REF")
    parser.add_argument("current", metavar="CUR", help=current_help)
    parser.add_argument("--against", required=True, metavar="REF",
                        help="NAME@ALIAS (a model's stored reference), a data version NAME@REF, a .json summary "
                             "or a table")
    parser.add_argument("--ignore", metavar="COLUMNS",
                        help="comma-separated reference columns CUR need not have (e.g. the target)")
    parser.add_argument("--null-tolerance", type=float, default=0.02, metavar="SHARE",
                        help="allowed rise of a column's share of missing values (default 0.02)")
    parser.add_argument("--range-tolerance", type=float, default=0.01, metavar="SHARE",
                        help="allowed share of values outside the reference's range (default 0.01)")
    parser.add_argument("--unseen-tolerance", type=float, default=0.0, metavar="SHARE",
                        help="allowed share of rows with categories the reference never had (default 0)")
    parser.add_argument("--json", metavar="FILE", help="write the report as JSON ('-' for standard output)")
    fail_help = ("raise QualityFailed (a real error output) when there are issues" if face == "magic"
                 else "exit 1 when there are issues")
    parser.add_argument("--fail", action="store_true", help=fail_help)


def reference_of(spec: str) -> Any:
    """The reference summary behind ``--against`` (a table given as rows is summarised here)."""
    from ..core.drift.sources import load_source
    from ..core.drift.summary import ReferenceSummary, summarize
    from ..core.backend.quiet import quiet_downloads

    with quiet_downloads():
        value = load_source(spec, "reference")
    return value if isinstance(value, ReferenceSummary) else summarize(value, source=spec)


def execute(args: argparse.Namespace, current: Any) -> Any:
    """The report for an already resolved ``current`` frame (capture columns left out)."""
    from ..core.drift.quality import validate
    from ..core.backend.traffic import is_capture_column

    frame = current.drop(columns=[c for c in current.columns if is_capture_column(c)])
    ignore = [c.strip() for c in (args.ignore or "").split(",") if c.strip()]
    report = validate(reference_of(args.against), frame, ignore=ignore, null_tolerance=args.null_tolerance,
                      range_tolerance=args.range_tolerance, unseen_tolerance=args.unseen_tolerance,
                      reference_label=args.against, current_label=args.current)
    if args.json and args.json != "-":
        from ..core.errors import MlopsUsageError

        try:
            Path(args.json).write_text(json_text(report), encoding="utf-8")
        except OSError as exc:
            raise MlopsUsageError(f"validate --json: cannot write {args.json} ({exc.strerror or exc})") from None
    return report


def json_text(report: Any) -> str:
    """The report as JSON text (``--json``)."""
    import json

    return json.dumps(report.to_dict(), indent=1, default=str)
