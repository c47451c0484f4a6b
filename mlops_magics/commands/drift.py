"""``drift REF CUR``: data drift between a reference and a current table."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from . import Face

SUMMARY = "data drift between a reference and a current table"
DESCRIPTION = ("Data drift between a reference and a current frame: per-column tests, PSI, effect sizes, and the "
               "dataset verdict (drift when at least half of the columns drift).")
DRIFT_EXIT = 3  # the CLI's exit status when --fail finds drift


def add_arguments(parser: argparse.ArgumentParser, face: Face) -> None:
    from ..core.drift.verdict import METHODS

    if face == "magic":
        reference_help = "DataFrame variable, CSV/Parquet path, NAME@REF, or a summary"
        current_help = "DataFrame variable, CSV/Parquet path or NAME@REF"
    else:
        reference_help = "CSV/Parquet path, NAME@REF, or a .json reference summary"
        current_help = "CSV/Parquet path or NAME@REF"
    parser.add_argument("reference", metavar="REF", help=reference_help)
    parser.add_argument("current", metavar="CUR", help=current_help)
    parser.add_argument("--columns", help="comma-separated columns to compare (default: those in both)")
    parser.add_argument("--target", help="the target column")
    parser.add_argument("--prediction", help="the prediction column")
    parser.add_argument("--method", default="auto", choices=METHODS, help="test for every column (default: auto)")
    parser.add_argument("--threshold", type=float, help="p-value and distance threshold (default 0.05 / 0.1)")
    parser.add_argument("--correction", choices=("bh", "none"), default="none",
                        help="bh: Benjamini-Hochberg adjustment of the p-values")
    parser.add_argument("--log", action="store_true",
                        help="log the statistics as metrics and the report as artifacts, into the active run "
                             "or a new one")
    parser.add_argument("--save", "--html", dest="save", metavar="PATH", help="write the static HTML report to PATH")
    parser.add_argument("--json", metavar="FILE", help="write the result as JSON ('-' for standard output)")
    fail_help = ("raise DriftDetected when the dataset drifts" if face == "magic"
                 else f"exit {DRIFT_EXIT} when the dataset drifts")
    parser.add_argument("--fail", "--fail-on-drift", dest="fail", action="store_true", help=fail_help)
    if face == "magic":
        parser.add_argument("--evidently", action="store_true", help="also show Evidently's full DataDriftPreset report")


def compare_from_args(args: argparse.Namespace, reference: Any, current: Any) -> Any:
    """Run the comparison with the parsed options on already resolved inputs."""
    from ..core.drift.compare import compare

    return compare(
        reference, current, columns=args.columns, target=args.target, prediction=args.prediction,
        method=args.method, threshold=args.threshold, correction=None if args.correction == "none" else "bh",
        reference_label=args.reference, current_label=args.current,
    )


def write_outputs(args: argparse.Namespace, result: Any) -> list[str]:
    """``--save``, ``--json FILE`` and ``--log``; returns one line per thing written, for the face to show."""
    from ..core.errors import MlopsUsageError
    from ..render.drift_html import report_page, save_report

    said = []
    for option, path, write in (("--save", args.save, lambda p: save_report(result, p)),
                                ("--json", args.json if args.json != "-" else None,
                                 lambda p: Path(p).write_text(result.to_json(indent=1), encoding="utf-8"))):
        if path:
            try:
                write(path)
            except OSError as exc:
                raise MlopsUsageError(f"drift {option}: cannot write {path} ({exc.strerror or exc})") from None
            said.append(f"drift {'report' if option == '--save' else 'result'} saved to {path}")
    if args.log:
        from ..core.tracking.drift_log import log_drift

        run_id = log_drift(result, report_page(result))
        said.append(f"drift statistics and report logged to run {run_id}")
    return said
