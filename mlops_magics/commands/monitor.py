"""``monitor NAME@ALIAS --traffic NAME``: check captured traffic against the served version, and retrain."""

from __future__ import annotations

import argparse
from typing import Any, Callable

from . import Face

SUMMARY = "check captured traffic for drift, data quality and late labels; retrain on a trigger"
DESCRIPTION = ("Score the newest window of the traffic the model server captured (--traffic) against the "
               "reference summary stored with the version NAME@ALIAS points to now: drift (as 'drift'), data "
               "quality (as 'validate') and, with --labels, the served model's metric. Each check is a run of "
               "the monitoring experiment. On dataset drift (or a --when rule) run the --retrain pipeline; its "
               "gates and --if-better promotion decide. One retraining at a time per model, never twice for one "
               "window, then --cooldown.")


def add_arguments(parser: argparse.ArgumentParser, face: Face) -> None:
    from ..core.drift.verdict import METHODS

    parser.add_argument("model", metavar="NAME@ALIAS", help="the served model, e.g. churn@champion (resolved at "
                                                           "every check)")
    parser.add_argument("--traffic", required=True, metavar="NAME", help="the dataset the server captures into")
    parser.add_argument("--window", default="5000", metavar="ROWS|TIME",
                        help="the newest ROWS rows (default 5000) or the last TIME (30m, 24h, 7d)")
    parser.add_argument("--labels", metavar="NAME", help="a dataset of late labels keyed by request_id")
    parser.add_argument("--target", metavar="COLUMN",
                        help="the label column (of --labels, and left out of the schema check)")
    parser.add_argument("--task", choices=("classification", "regression"),
                        help="how labels are scored (default: from the model's training metrics, else the labels)")
    parser.add_argument("--when", action="append", default=[], metavar="RULE",
                        help="trigger when RULE holds, e.g. 'share_drifted >= 0.3', 'monthly_charges.psi > 0.2', "
                             "'accuracy < 0.8', 'quality.issues > 0' (repeatable: any; default: dataset drift)")
    parser.add_argument("--retrain", metavar="PIPELINE.yaml", help="the pipeline to run on a trigger")
    parser.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                        help="a parameter of the retraining pipeline (as 'run -p')")
    parser.add_argument("--force", action="store_true", help="re-run the pipeline's cached steps too")
    parser.add_argument("--cooldown", default="1h", metavar="TIME",
                        help="no second retraining of the model within TIME of the last (default 1h)")
    parser.add_argument("--every", metavar="TIME",
                        help="keep checking every TIME (10m, 1h) in the foreground until Ctrl-C")
    parser.add_argument("--experiment", default="monitoring", metavar="NAME",
                        help="where the check runs go (default: monitoring)")
    parser.add_argument("--method", default="auto", choices=METHODS, help="drift test for every column "
                                                                         "(default: auto)")
    parser.add_argument("--threshold", type=float, help="drift p-value and distance threshold (default 0.05 / 0.1)")
    parser.add_argument("--correction", choices=("bh", "none"), default="none",
                        help="bh: Benjamini-Hochberg adjustment of the p-values")
    fail_help = ("raise DriftDetected when the window drifts" if face == "magic"
                 else "exit 1 when the window drifts (cron, CI)")
    parser.add_argument("--fail-on-drift", "--fail", dest="fail", action="store_true", help=fail_help)


def spec_from_args(args: argparse.Namespace) -> Any:
    """The validated monitor (every option checked before the first check)."""
    from ..core.errors import MlopsUsageError
    from ..core.monitoring import monitor_spec
    from .pipeline import parse_params

    if args.every and args.fail:
        raise MlopsUsageError("--fail-on-drift is for single checks (cron, CI): drop --every, or drop --fail-on-drift")
    return monitor_spec(args.model, args.traffic, window=args.window, labels=args.labels, target=args.target,
                        task=args.task, retrain=args.retrain, params=parse_params(args.param), force=args.force,
                        when=args.when, cooldown=args.cooldown, experiment=args.experiment, method=args.method,
                        threshold=args.threshold, correction=None if args.correction == "none" else "bh")


def every_seconds(args: argparse.Namespace) -> float | None:
    from ..core.monitoring.durations import parse_duration

    return parse_duration(args.every, "--every") if args.every else None


def check_once(spec: Any, progress: Callable[[Any, Any], None] | None = None) -> Any:
    """One check, its drift report rendered for the check's run."""
    from ..core.monitoring import check
    from ..render.drift_html import report_page

    return check(spec, report_html=report_page, progress=progress)
