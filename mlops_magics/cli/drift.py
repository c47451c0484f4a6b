"""``mlops drift REF CUR [--html FILE] [--json FILE] [--fail-on-drift] [--method M] [--threshold X]``.

REF / CUR: CSV / Parquet paths or data versions ``NAME@REF``; REF may be a ``.json`` reference summary.
Prints the verdict and the per-column table. Exit status: 0, or 3 with ``--fail-on-drift`` when the
dataset drifts (2 for usage errors, 1 for other errors, as every ``mlops`` command).
"""

from __future__ import annotations

import argparse
import sys

from ..core.drift.options import add_compare_arguments

__all__ = ["DRIFT_EXIT", "add_parser", "run"]

DRIFT_EXIT = 3


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("drift", help="data drift between a reference and a current table")
    add_compare_arguments(p, "CSV/Parquet path, NAME@REF, or a .json reference summary", "CSV/Parquet path or NAME@REF")
    p.add_argument("--html", metavar="FILE", help="write the static HTML report")
    p.add_argument("--json", metavar="FILE", help="write the result as JSON ('-' for standard output)")
    p.add_argument("--fail-on-drift", action="store_true", help=f"exit {DRIFT_EXIT} when the dataset drifts")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..core.drift.options import compare_from_args
    from ..core.drift.sources import load_source

    result = compare_from_args(args, load_source(args.reference, "reference"), load_source(args.current, "current"))
    if args.json == "-":
        print(result.to_json(indent=1))
    else:
        print(repr(result))
        if args.json:
            with open(args.json, "w", encoding="utf-8") as fh:
                fh.write(result.to_json(indent=1))
    if args.html:
        result.save_html(args.html)
    if args.fail_on_drift and result.dataset_drift:
        print(f"mlops drift: {result.headline()}", file=sys.stderr)
        return DRIFT_EXIT
    return 0
