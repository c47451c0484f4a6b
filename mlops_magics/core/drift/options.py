"""The drift comparison's options, shared by ``%mlops drift`` and ``mlops drift`` (one definition)."""

from __future__ import annotations

import argparse
from typing import Any

from .verdict import METHODS

__all__ = ["add_compare_arguments", "compare_from_args"]


def add_compare_arguments(parser: argparse.ArgumentParser, reference_help: str, current_help: str) -> None:
    """REF, CUR and the options that choose the tests and thresholds."""
    parser.add_argument("reference", metavar="REF", help=reference_help)
    parser.add_argument("current", metavar="CUR", help=current_help)
    parser.add_argument("--columns", help="comma-separated columns to compare (default: those in both)")
    parser.add_argument("--target", help="the target column")
    parser.add_argument("--prediction", help="the prediction column")
    parser.add_argument("--method", default="auto", choices=METHODS, help="test for every column (default: auto)")
    parser.add_argument("--threshold", type=float, help="p-value and distance threshold (default 0.05 / 0.1)")
    parser.add_argument("--correction", choices=("bh", "none"), default="none",
                        help="bh: Benjamini-Hochberg adjustment of the p-values")


def compare_from_args(args: argparse.Namespace, reference: Any, current: Any) -> Any:
    """Run :func:`compare` with the parsed options on already resolved inputs."""
    from .compare import compare

    return compare(
        reference, current, columns=args.columns, target=args.target, prediction=args.prediction,
        method=args.method, threshold=args.threshold, correction=None if args.correction == "none" else "bh",
        reference_label=args.reference, current_label=args.current,
    )
