"""``pipeline run|show|status`` (magic) and ``run`` (CLI): pipelines of parameterized notebooks."""

from __future__ import annotations

import argparse
from typing import Any

from . import Face

SUMMARY = "run, show or inspect a pipeline of parameterized notebooks"
DESCRIPTION = "Run, show or inspect a pipeline of parameterized notebooks (the same engine as the 'mlops run' command)."
RUN_SUMMARY = "run a pipeline of parameterized notebooks (cached, parallel, tracked)"
RUN_DESCRIPTION = ("Run the steps of PIPELINE.yaml with papermill, each in a fresh kernel, skipping steps whose "
                   "code, parameters and inputs are unchanged.")


def add_run_arguments(parser: argparse.ArgumentParser, face: Face) -> None:
    """PIPELINE.yaml [-p KEY=VALUE]... [--only STEP]... [--force] [--jobs N] [--executor E] [--dry-run]."""
    parser.add_argument("pipeline", metavar="PIPELINE.yaml", help="the pipeline file")
    parser.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                        help="override a parameter: KEY for every step declaring it, STEP.KEY for one step "
                             "(VALUE is read as YAML: 3, 0.5, true, [1, 2], text)")
    parser.add_argument("--only", action="append", default=[], metavar="STEP",
                        help="run only this step (repeatable); other steps' outputs are used as they are")
    parser.add_argument("--force", action="store_true", help="re-run steps even when cached")
    parser.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                        help="run up to N independent steps at once (default 1)")
    parser.add_argument("--executor", default="local", metavar="local|dask://HOST:PORT",
                        help="where steps run: local kernels (default) or an existing Dask scheduler")
    parser.add_argument("--dry-run", action="store_true", help="show what would run and why; run nothing")
    if face == "cli":
        parser.add_argument("--quiet", "-q", action="store_true", help="no per-cell progress lines")


def add_arguments(parser: argparse.ArgumentParser, face: Face) -> None:
    """The magic's ``pipeline ACTION``: run, show, status."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    add_run_arguments(sub.add_parser("run", help="run the steps that changed, live progress"), face)
    p = sub.add_parser("show", help="draw the steps and their dependencies")
    p.add_argument("pipeline", metavar="PIPELINE.yaml")
    p = sub.add_parser("status", help="the last run, and what is stale now")
    p.add_argument("pipeline", metavar="PIPELINE.yaml", nargs="?", help="default: the pipeline that ran last")


def parse_params(items: list[str]) -> dict[str, Any]:
    """``["seed=3", "train.lr=0.1"]`` -> ``{"seed": 3, "train.lr": 0.1}`` (values parsed as YAML)."""
    import yaml

    from ..core.errors import MlopsUsageError

    params: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise MlopsUsageError(f"-p {item}: write KEY=VALUE (or STEP.KEY=VALUE)")
        try:
            params[key] = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError:
            params[key] = text
    return params


def run_from_args(args: argparse.Namespace, progress: Any) -> Any:
    """Run the pipeline with the parsed options, reporting to ``progress(event, result)``."""
    from ..core.pipeline.runner import run as run_pipeline

    return run_pipeline(args.pipeline, params=parse_params(args.param), only=args.only, force=args.force,
                        jobs=args.jobs, executor=args.executor, dry_run=args.dry_run, progress=progress)
